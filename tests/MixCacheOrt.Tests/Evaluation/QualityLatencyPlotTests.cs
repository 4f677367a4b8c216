using System.Globalization;
using System.Xml.Linq;
using MixCacheOrt.Evaluation;
using static MixCacheOrt.Tests.Evaluation.EvaluationTestData;

namespace MixCacheOrt.Tests.Evaluation;

public sealed class QualityLatencyPlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static XDocument Parse(IReadOnlyList<MethodSummary> summaries, string title = "Quality vs latency") =>
        XDocument.Parse(QualityLatencyPlot.CreateText(summaries, title));

    [Test]
    public void IsWellFormedSvgWithOnePointPerMethod()
    {
        IReadOnlyList<MethodSummary> summaries = MethodSummary.Aggregate(Records());
        XDocument svg = Parse(summaries);
        Assert.That(svg.Root!.Name, Is.EqualTo(Svg + "svg"));
        XElement[] points = [.. svg.Descendants(Svg + "circle").Where(c => (string?)c.Attribute("class") == "point")];
        Assert.That(points.Select(p => (string?)p.Attribute("data-method")), Is.EqualTo(new[] { "none", "mixcache-eff", "teacache-0.1" }));
        string[] labels = [.. svg.Descendants(Svg + "text").Select(t => t.Value)];
        foreach (MethodSummary s in summaries)
        {
            Assert.That(labels, Has.Some.StartsWith(s.Method), $"label of {s.Method}");
        }
    }

    [Test]
    public void PointsSitAtTheirLatencyAndQuality()
    {
        XDocument svg = Parse(MethodSummary.Aggregate(Records()));
        Dictionary<string, (double X, double Y)> at = svg.Descendants(Svg + "circle")
            .Where(c => (string?)c.Attribute("class") == "point")
            .ToDictionary(c => (string)c.Attribute("data-method")!, c => (Number(c, "cx"), Number(c, "cy")));
        Assert.Multiple(() =>
        {
            // Latency: eff 400 ms < teacache 900 ms < none 1100 ms; PSNR: teacache 60 dB (capped mean) above eff 35 dB (SVG y grows down).
            Assert.That(at["mixcache-eff"].X, Is.LessThan(at["teacache-0.1"].X));
            Assert.That(at["teacache-0.1"].X, Is.LessThan(at["none"].X));
            Assert.That(at["teacache-0.1"].Y, Is.LessThan(at["mixcache-eff"].Y));
            Assert.That(at["none"].Y, Is.LessThan(at["teacache-0.1"].Y), "the reference sits in the ∞ row on top");
        });
    }

    [Test]
    public void AllCoordinatesAreFiniteNumbers()
    {
        XDocument svg = Parse(MethodSummary.Aggregate(Records()));
        string[] numeric = ["x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height"];
        XAttribute[] attributes = [.. svg.Descendants().Attributes().Where(a => numeric.Contains(a.Name.LocalName) && !a.Value.EndsWith('%'))];
        Assert.That(attributes, Is.Not.Empty);
        foreach (XAttribute a in attributes)
        {
            Assert.That(double.TryParse(a.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v), Is.True,
                $"{a.Parent!.Name.LocalName}@{a.Name} = '{a.Value}'");
        }
    }

    [Test]
    public void TitleIsEscaped()
    {
        XDocument svg = Parse(MethodSummary.Aggregate(Records()), "a < b & c");
        Assert.That(svg.Root!.Element(Svg + "title")!.Value, Is.EqualTo("a < b & c"));
    }

    [Test]
    public void OnlyTheReferenceStillPlots()
    {
        XDocument svg = Parse(MethodSummary.Aggregate([Record("none")]));
        Assert.That(svg.Descendants(Svg + "circle").Count(c => (string?)c.Attribute("class") == "point"), Is.EqualTo(1));
    }

    [Test]
    public void TicksAreRoundAndCoverTheRange()
    {
        double[] ticks = QualityLatencyPlot.Ticks(0, 1080);
        Assert.That(ticks[0], Is.EqualTo(0));
        Assert.That(ticks[^1], Is.GreaterThanOrEqualTo(1080));
        Assert.That(ticks.Zip(ticks.Skip(1), (a, b) => b - a).Distinct().Count(), Is.EqualTo(1), "evenly spaced");
        Assert.That(ticks[1], Is.EqualTo(200));
    }

    private static double Number(XElement e, string attribute) => double.Parse((string)e.Attribute(attribute)!, CultureInfo.InvariantCulture);
}
