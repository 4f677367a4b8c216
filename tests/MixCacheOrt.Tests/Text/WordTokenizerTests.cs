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
