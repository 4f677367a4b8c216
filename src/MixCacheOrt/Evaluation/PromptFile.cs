namespace MixCacheOrt.Evaluation;

/// <summary>
/// A prompt list file: one prompt per line; surrounding whitespace is trimmed, blank lines and lines starting with
/// <c>#</c> are skipped (the format of <c>models/*/prompts/*.txt</c> and of <c>mixcache generate --prompts</c>).
/// </summary>
public static class PromptFile
{
    /// <summary>The prompts of <paramref name="path"/>, in file order.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IReadOnlyList<string> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllLines(path));
    }

    /// <summary>The prompts among <paramref name="lines"/>.</summary>
    public static IReadOnlyList<string> Parse(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        return [.. lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];
    }
}
