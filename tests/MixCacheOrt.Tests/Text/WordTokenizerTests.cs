using MixCacheOrt.Models;
using MixCacheOrt.Text;

namespace MixCacheOrt.Tests.Text;

public sealed class WordTokenizerTests
{
    private static readonly TokenizerSpec Spec = new()
    {
        Type = "word",
        Vocab = ["<pad>", "<unk>", "a", "red", "circle", "moving", "right"],
        TextLen = 6,
    };

    [Test]
    public void MapsWordsToVocabularyPositionsAndPads()
    {
        var t = new WordTokenizer(Spec);
        Assert.That(t.Encode("A red circle, moving RIGHT!"), Is.EqualTo(new long[] { 2, 3, 4, 5, 6, 0 }));
    }

    [TestCase("a red cïrcle 💥 moving right", new[] { "cïrcle", "💥" })]
    [TestCase("A red, circle! moving (right)", new string[0])]
    [TestCase("a pink blob, pink!", new[] { "pink", "blob" })]
    [TestCase("a red-circle", new[] { "red-circle" })]
    [TestCase("a 42 circle", new[] { "42" })]
    public void UnknownWordsAsTyped_AreTheWordsTheUserWrote(string prompt, string[] expected)
    {
        var t = new WordTokenizer(Spec);
        Assert.That(t.UnknownWordsAsTyped(prompt), Is.EqualTo(expected));
    }

    [Test]
    public void UnknownWordsBecomeUnkAndAreReported()
    {
        var t = new WordTokenizer(Spec);
        Assert.That(t.Encode("a pink circle"), Is.EqualTo(new long[] { 2, 1, 4, 0, 0, 0 }));
        Assert.That(t.UnknownWords("a pink blob pink"), Is.EqualTo(new[] { "pink", "blob" }));
    }

    [Test]
    public void EmptyPromptIsAllPaddingAndLongPromptsAreTruncated()
    {
        var t = new WordTokenizer(Spec);
        Assert.That(t.Encode(string.Empty), Is.All.EqualTo(0L));
        Assert.That(t.Encode("red red red red red red red red"), Is.EqualTo(Enumerable.Repeat(3L, 6)));
    }
}
