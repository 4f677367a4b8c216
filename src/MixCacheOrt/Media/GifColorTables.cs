namespace MixCacheOrt.Media;

/// <summary>Where <see cref="GifWriter"/> puts colour tables.</summary>
public enum GifColorTables
{
    /// <summary>One global table for the whole clip (smallest file, no colour flicker between frames).</summary>
    Global,

    /// <summary>A local table in every frame, each built from that frame's pixels alone.</summary>
    PerFrame,
}
