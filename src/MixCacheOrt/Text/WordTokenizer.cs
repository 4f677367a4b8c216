using System.Text.RegularExpressions;
using MixCacheOrt.Models;

namespace MixCacheOrt.Text;

/// <summary>
/// The word-level tokenizer of tiny-wan's text encoder (<c>exporters/tinywan/data.py</c>): lower-case, words are runs
/// matching the manifest's pattern, ids by vocabulary position, unknown words to the unk id, padded or truncated to
/// <c>text_len</c>. The empty prompt is all padding, the unconditional context.
/// </summary>
public sealed class WordTokenizer
{
    private readonly Dictionary<string, long> ids;
    private readonly Regex words;

    public WordTokenizer(TokenizerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        this.Spec = spec;
        this.ids = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int i = 0; i < spec.Vocab.Length; i++)
        {
            this.ids.TryAdd(spec.Vocab[i], i);
        }

        this.words = new Regex(spec.WordPattern, RegexOptions.CultureInvariant);
    }

    public TokenizerSpec Spec { get; }

    public int TextLength => this.Spec.TextLen;

    /// <summary>Words of <paramref name="prompt"/> as the tokenizer sees them.</summary>
    public IReadOnlyList<string> Words(string prompt)
    {
        string text = this.Spec.Lowercase ? prompt.ToLowerInvariant() : prompt;
        return [.. this.words.Matches(text).Select(m => m.Value)];
    }

    /// <summary>Words that are not in the vocabulary (they would become the unk token).</summary>
    public IReadOnlyList<string> UnknownWords(string prompt) => [.. this.Words(prompt).Where(w => !this.ids.ContainsKey(w)).Distinct()];

    /// <summary>
    /// The words of <paramref name="prompt"/> as the user typed them (split at white space, surrounding punctuation
    /// dropped) that the model cannot read: ones with a word outside the vocabulary, or with characters the word
    /// pattern does not match (e.g. <c>cïrcle</c>, which the tokenizer would see as <c>c</c> and <c>rcle</c>, or an emoji,
    /// which it would drop).
    /// </summary>
    public IReadOnlyList<string> UnknownWordsAsTyped(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var unknown = new List<string>();
        foreach (string raw in prompt.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            string typed = raw.Trim(TypedPunctuation);
            if (typed.Length == 0 || unknown.Contains(typed))
            {
                continue;
            }

            string text = this.Spec.Lowercase ? typed.ToLowerInvariant() : typed;
            MatchCollection matches = this.words.Matches(text);
            bool whollyMatched = matches.Sum(m => m.Length) == text.Length;
            if (matches.Count == 0 || !whollyMatched || matches.Any(m => !this.ids.ContainsKey(m.Value)))
            {
                unknown.Add(typed);
            }
        }

        return unknown;
    }

    private static readonly char[] TypedPunctuation = ['.', ',', ';', ':', '!', '?', '"', '\'', '(', ')', '[', ']'];

    /// <summary>Words beyond <see cref="TextLength"/> are dropped; callers may want to warn about them.</summary>
    public int CountWords(string prompt) => this.Words(prompt).Count;

    /// <summary>Writes the <see cref="TextLength"/> token ids of <paramref name="prompt"/> into <paramref name="destination"/>.</summary>
    public void Encode(string prompt, Span<long> destination)
    {
        if (destination.Length != this.TextLength)
        {
            throw new ArgumentException($"destination must hold exactly {this.TextLength} ids", nameof(destination));
        }

        destination.Fill(this.Spec.PadId);
        IReadOnlyList<string> words = this.Words(prompt);
        for (int i = 0; i < Math.Min(words.Count, destination.Length); i++)
        {
            destination[i] = this.ids.TryGetValue(words[i], out long id) ? id : this.Spec.UnkId;
        }
    }

    public long[] Encode(string prompt)
    {
        long[] ids = new long[this.TextLength];
        this.Encode(prompt, ids);
        return ids;
    }
}
