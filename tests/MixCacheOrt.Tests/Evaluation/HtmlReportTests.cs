using System.Diagnostics;
using System.Text.RegularExpressions;
using MixCacheOrt.Evaluation;
using MixCacheOrt.Media;
using MixCacheOrt.Tests.TestUtilities;
using static MixCacheOrt.Tests.Evaluation.EvaluationTestData;

namespace MixCacheOrt.Tests.Evaluation;

/// <summary>eval's report.html: its content, and the page as headless Chromium shows it.</summary>
[NonParallelizable]
public sealed class HtmlReportTests
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>The hand-made report with a small GIF and a mode sequence per run.</summary>
    private static EvaluationReport ReportWithVideos()
    {
        string[] modes = ["full", "full", "step", "cfg", "full"];
        IReadOnlyList<EvaluationRecord> records = [.. Records().Select((r, i) => r with { Gif = Gif(i), ModeSequence = modes })];
        return Report(records);
    }

    private static byte[] Gif(int shade)
    {
        using var stream = new MemoryStream();
        GifWriter.Write(stream, TestClips.Generate(2, 8, 8, (f, y, x, c) => ((shade * 0.15f) + (x * 0.05f)) % 1f), scale: 4);
        return stream.ToArray();
    }

    [Test]
    public void Page_HasTheTable_ThePlots_AndEveryRunsVideoAndTimeline()
    {
        EvaluationReport report = ReportWithVideos();

        string html = HtmlReport.Create(report, ["q.svg", "m.svg"]);

        Assert.That(Regex.Matches(html, "<tr><td>").Count, Is.EqualTo(3), "one table row per method");
        Assert.That(html, Does.Contain("<td>mixcache-eff</td><td>3.00×</td>"));
        Assert.That(html, Does.Contain("<img src=\"q.svg\"").And.Contain("<img src=\"m.svg\""));
        for (int i = 0; i < report.Records.Count; i++)
        {
            Assert.That(html, Does.Contain($"<img src=\"{HtmlReport.VideoPath(report.Records[i], i)}\""));
        }

        Assert.That(Regex.Matches(html, "<span class=\"m-(full|step|cfg)\"></span>").Count, Is.EqualTo(6 * 5), "5 timeline cells per run");
        Assert.That(html, Does.Contain("<h3>a red circle moving right — seed 1</h3>").And.Contain("<h3>a blue square moving up — seed 2</h3>"));
        Assert.That(html, Does.Not.Contain("http://").And.Not.Contain("https://"), "no network");
    }

    [Test]
    public void InHeadlessChromium_EveryImageLoads_WithNoErrors_AndTheScreenshotIsNotBlank()
    {
        if (!File.Exists(Chromium))
        {
            Assert.Ignore($"{Chromium} is missing: 'scripts/setup.sh --test' installs Debian's chromium (test.sh runs it) and could not here");
        }

        using var temp = new TempDirectory();
        string dir = Path.Combine(temp.Path, "eval");
        EvaluationOutput.Write(dir, ReportWithVideos());
        string page = new Uri(Path.Combine(dir, HtmlReport.FileName)).AbsoluteUri;

        string dom = RunChromium(temp.Path, "--virtual-time-budget=5000", "--dump-dom", page);
        string shot = Path.Combine(temp.Path, "shot.png");
        RunChromium(temp.Path, "--virtual-time-budget=5000", "--hide-scrollbars", "--window-size=1200,1400", $"--screenshot={shot}", page);

        Match body = Regex.Match(dom, "<body[^>]*>");
        Assert.That(body.Value, Does.Contain("data-media=\"loaded:9\""), "3 plots (PSNR, SSIM, modes) + 6 videos, all loaded");
        Assert.That(body.Value, Does.Contain("data-errors=\"0\""), "no page or console errors");
        using SkiaSharp.SKBitmap png = SkiaSharp.SKBitmap.Decode(shot);
        Assert.That((png.Width, png.Height), Is.EqualTo((1200, 1400)));
        Assert.That(png.Pixels.Distinct().Count(), Is.GreaterThan(100), "not a blank page");
    }

    private static string RunChromium(string scratch, params string[] args)
    {
        var start = new ProcessStartInfo(Chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in (string[])[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", $"--user-data-dir={Path.Combine(scratch, "chromium-profile")}", .. args])
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish within a minute");
        }

        Assert.That(process.ExitCode, Is.EqualTo(0), stderr.Result);
        return stdout.Result;
    }
}
