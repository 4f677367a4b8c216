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
