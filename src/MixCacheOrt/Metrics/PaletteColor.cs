namespace MixCacheOrt.Metrics;

/// <summary>A named palette colour with its RGB value in [0, 1].</summary>
public sealed record PaletteColor(string Name, double Red, double Green, double Blue);
