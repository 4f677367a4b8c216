using MixCacheOrt.Evaluation;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Evaluation;

public sealed class PromptFileTests
{
    [Test]
    public void SkipsCommentsAndBlankLinesAndTrims()
    {
        Assert.That(PromptFile.Parse(["# header", "  a red circle moving right ", "", "   ", "#a comment", "a blue square"]),
            Is.EqualTo(new[] { "a red circle moving right", "a blue square" }));
    }

    [Test]
    public void ReadsTheShippedEvalPrompts()
    {
        IReadOnlyList<string> prompts = PromptFile.Read(ShippedModel.PathOf("prompts", "eval.txt"));
        Assert.That(prompts, Is.Not.Empty);
        Assert.That(prompts, Has.None.StartsWith("#"));
        Assert.That(prompts, Has.All.Not.Empty);
    }
}
