namespace MixCacheOrt.Metrics;

/// <summary>
/// The words <see cref="PromptAdherence"/> looks for in prompts and the palette whose hues it matches detected
/// colours against. Kept as data so that a model package can supply its own; <see cref="TinyWan"/> is the default.
/// </summary>
public sealed class AdherenceVocabulary
{
    /// <param name="colors">Palette colours, in priority order (the first wins a tie in hue distance).</param>
    /// <param name="shapes">Shape words recognised in prompts.</param>
    /// <param name="directions">Direction words recognised in prompts.</param>
    /// <exception cref="ArgumentException">The palette is empty, or a word is not lower-case ASCII letters.</exception>
    public AdherenceVocabulary(IEnumerable<PaletteColor> colors, IEnumerable<string> shapes, IEnumerable<string> directions)
    {
        this.Colors = [.. colors];
        this.Shapes = [.. shapes];
        this.Directions = [.. directions];
        if (this.Colors.Count == 0)
        {
            throw new ArgumentException("The palette needs at least one colour.", nameof(colors));
        }

        foreach (string word in this.Colors.Select(c => c.Name).Concat(this.Shapes).Concat(this.Directions))
        {
            if (word.Length == 0 || !word.All(char.IsAsciiLetterLower))
            {
                throw new ArgumentException($"Vocabulary word '{word}' is not lower-case ASCII letters, so no prompt could contain it.");
            }
        }
    }

    /// <summary>
    /// tiny-wan's vocabulary, copied from <c>exporters/tinywan/data.py</c> (<c>COLORS</c>, <c>SHAPES</c>,
    /// <c>DIRECTIONS</c>), in the same order.
    /// </summary>
    public static AdherenceVocabulary TinyWan { get; } = new(
        [
            new("red", 0.90, 0.15, 0.15),
            new("yellow", 0.95, 0.85, 0.15),
            new("green", 0.15, 0.80, 0.20),
            new("cyan", 0.15, 0.85, 0.90),
            new("blue", 0.20, 0.30, 0.95),
            new("purple", 0.70, 0.20, 0.85),
        ],
        ["circle", "square", "triangle"],
        ["left", "right", "up", "down"]);

    /// <summary>Palette colours in priority order.</summary>
    public IReadOnlyList<PaletteColor> Colors { get; }

    /// <summary>Shape words.</summary>
    public IReadOnlyList<string> Shapes { get; }

    /// <summary>Direction words.</summary>
    public IReadOnlyList<string> Directions { get; }
}
