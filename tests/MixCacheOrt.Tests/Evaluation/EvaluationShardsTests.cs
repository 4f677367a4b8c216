using MixCacheOrt.Evaluation;
using MixCacheOrt.Tests.TestUtilities;
using static MixCacheOrt.Tests.Evaluation.EvaluationTestData;

namespace MixCacheOrt.Tests.Evaluation;

public sealed class EvaluationShardsTests
{
    [TestCase("1/2", 1, 2)]
    [TestCase("3/3", 3, 3)]
    [TestCase("1/1", 1, 1)]
    public void ParseShard_ReadsIOfN(string text, int index, int count) =>
        Assert.That(EvaluationShards.ParseShard(text), Is.EqualTo((index, count)));

    [TestCase("0/2")]
    [TestCase("3/2")]
    [TestCase("1/0")]
    [TestCase("1-2")]
    [TestCase("a/b")]
    [TestCase("-1/2")]
    public void ParseShard_RejectsAnythingElse(string text) => Assert.That(EvaluationShards.ParseShard(text), Is.Null);

    [Test]
    public void Select_TakesWholePromptSeedGroups_RoundRobin()
    {
        // 3 prompts x 2 seeds = 6 groups of (none, m): slice 1/2 gets groups 0, 2, 4; slice 2/2 gets 1, 3, 5.
        IReadOnlyList<EvaluationJob> jobs = EvaluationRunner.Plan(["p", "q", "r"], [1, 2], ["none", "m"]);

        IReadOnlyList<EvaluationJob> first = EvaluationShards.Select(jobs, 1, 2);
        IReadOnlyList<EvaluationJob> second = EvaluationShards.Select(jobs, 2, 2);

        Assert.That(first.Select(j => (j.Prompt, j.Seed, j.Method)), Is.EqualTo(new[]
        {
            ("p", 1UL, "none"), ("p", 1UL, "m"), ("q", 1UL, "none"), ("q", 1UL, "m"), ("r", 1UL, "none"), ("r", 1UL, "m"),
        }));
        Assert.That(second.Select(j => (j.Prompt, j.Seed)).Distinct(), Is.EqualTo(new[] { ("p", 2UL), ("q", 2UL), ("r", 2UL) }));
        Assert.That(first.Concat(second).Select(j => j.Index).Order(), Is.EqualTo(Enumerable.Range(0, jobs.Count)), "every job once");
    }

    [Test]
    public void WriteThenReadThenMerge_GivesTheRecordsInPlanOrder()
    {
        using var temp = new TempDirectory();
        EvaluationReport report = Report();
        IReadOnlyList<EvaluationRecord> all = report.Records;
        EvaluationRecord[] firstGroup = [.. all.Where(r => r.Seed == 1)];
        EvaluationRecord[] secondGroup = [.. all.Where(r => r.Seed == 2)];
        string a = Directory.CreateDirectory(Path.Combine(temp.Path, "a")).FullName;
        string b = Directory.CreateDirectory(Path.Combine(temp.Path, "b")).FullName;
        EvaluationShards.WriteRecords(a, new EvaluationShards.Slice(1, 2, report.Settings, report.Environment, firstGroup));
        EvaluationShards.WriteRecords(b, new EvaluationShards.Slice(2, 2, report.Settings, report.Environment, secondGroup));

        EvaluationReport merged = EvaluationShards.Merge([EvaluationShards.Read(b), EvaluationShards.Read(a)]);

        Assert.That(merged.Records.Select(r => (r.Prompt, r.Seed, r.Method)), Is.EqualTo(all.Select(r => (r.Prompt, r.Seed, r.Method))));
        Assert.That(merged.Records.First(r => r.Method == "teacache-0.1").Psnr, Is.EqualTo(double.PositiveInfinity), "an identical run survives JSON");
        Assert.That(merged.Summaries.Select(s => s.MeanPsnr), Is.EqualTo(report.Summaries.Select(s => s.MeanPsnr)));
    }

    [Test]
    public void Merge_RefusesMissingOrRepeatedSlices_AndSlicesOfAnotherEvaluation()
    {
        EvaluationReport report = Report();
        var one = new EvaluationShards.Slice(1, 2, report.Settings, report.Environment, report.Records);
        var other = new EvaluationShards.Slice(2, 2, report.Settings with { Steps = 99 }, report.Environment, report.Records);

        Assert.That(() => EvaluationShards.Merge([one]), Throws.InstanceOf<InvalidDataException>().With.Message.EqualTo("need slices 1..2 once each, got 1"));
        Assert.That(() => EvaluationShards.Merge([one, one]), Throws.InstanceOf<InvalidDataException>().With.Message.EqualTo("need slices 1..2 once each, got 1, 1"));
        Assert.That(() => EvaluationShards.Merge([one, other]), Throws.InstanceOf<InvalidDataException>().With.Message.StartsWith("slice 2/2 is from another evaluation"));
    }

    [Test]
    public void Merge_JoinsEvaluationsThatAddMethodsToTheSameGrid_EachRunWithItsOwnSpeedup()
    {
        EvaluationReport report = Report();
        EvaluationRecord[] all = [.. report.Records];
        EvaluationRecord[] partA = [.. all.Where(r => r.Method != "teacache-0.1")];
        EvaluationRecord[] partB = [.. all.Where(r => r.Method != "mixcache-eff").Select(r => r.IsReference ? r with { TotalMs = r.TotalMs + 1 } : r)];
        EvaluationReport a = Report(partA), b = Report(partB);
        var a1 = new EvaluationShards.Slice(1, 1, a.Settings, a.Environment, partA);
        var b1 = new EvaluationShards.Slice(1, 2, b.Settings, b.Environment, [.. partB.Where(r => r.Seed == 1)]);
        var b2 = new EvaluationShards.Slice(2, 2, b.Settings, b.Environment, [.. partB.Where(r => r.Seed == 2)]);

        EvaluationReport merged = EvaluationShards.Merge([a1, b2, b1]);

        Assert.That(merged.Settings.Methods, Is.EqualTo(report.Settings.Methods));
        Assert.That(merged.Records.Select(r => (r.Prompt, r.Seed, r.Method)), Is.EqualTo(all.Select(r => (r.Prompt, r.Seed, r.Method))));
        Assert.That(merged.Records.Where(r => r.IsReference).Select(r => r.TotalMs), Is.EqualTo(partA.Where(r => r.IsReference).Select(r => r.TotalMs)),
            "the first evaluation's reference");
        Assert.That(merged.Summaries.Select(x => x.MeanSpeedup), Is.EqualTo(report.Summaries.Select(x => x.MeanSpeedup)), "speedups as measured in each slice");
        Assert.That(merged.Settings.CommandLine, Does.EndWith("(merged from 2 evaluations of 1 + 2 slices)"));

        Assert.That(() => EvaluationShards.Merge([a1, b1]), Throws.InstanceOf<InvalidDataException>().With.Message.StartsWith("need slices 1..2 once each, got 1 (of the evaluation of"));
        var again = new EvaluationShards.Slice(1, 1, report.Settings, report.Environment, all);
        Assert.That(() => EvaluationShards.Merge([a1, again]), Throws.InstanceOf<InvalidDataException>().With.Message.EqualTo(
            "'mixcache-eff' is in two of the merged evaluations; merge each method's runs once"));
    }
}
