using MixCacheOrt.Evaluation;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Evaluation;

public sealed class PromptSplitTests
{
    [Test]
    public void TheShippedTestSet_Has40PromptsDisjointFromTheDevelopmentPrompts_AndSeedsUsedNowhereElse()
    {
        IReadOnlyList<string> test = PromptFile.Read(PromptSplit.TestPromptsFile(ShippedModel.Directory));
        IReadOnlyList<string> eval = PromptFile.Read(PromptSplit.DevelopmentPromptsFile(ShippedModel.Directory));
        IReadOnlyList<string> profile = PromptFile.Read(ShippedModel.PathOf("prompts", "profile.txt"));

        Assert.That(test, Has.Count.GreaterThanOrEqualTo(40));
        Assert.That(test, Is.Unique);
        Assert.That(test.Intersect(eval.Concat(profile)), Is.Empty);
        Assert.That(PromptSplit.TestSeeds.Intersect(PromptSplit.DevelopmentSeeds), Is.Empty);
        Assert.That(PromptSplit.TestSeeds, Has.Count.EqualTo(3));
    }

    [Test]
    public void TestSetUse_NamesTheFirstTestPromptOrSeed_AndAcceptsDevelopmentRuns()
    {
        string first = PromptFile.Read(PromptSplit.TestPromptsFile(ShippedModel.Directory))[0];

        Assert.That(PromptSplit.TestSetUse(ShippedModel.Directory, [("a red circle moving right", 1), ("a blue square moving up", 2)], "profile"), Is.Null);
        Assert.That(PromptSplit.TestSetUse(ShippedModel.Directory, [(first, 1)], "profile"), Does.StartWith($"prompt '{first}' is in the frozen test set"));
        Assert.That(PromptSplit.TestSetUse(ShippedModel.Directory, [("a red circle moving right", 101)], "calibrate"),
            Is.EqualTo("seed 101 is a test-set seed (101, 102, 103); calibrate uses development seeds only"));
    }
}
