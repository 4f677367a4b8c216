namespace MixCacheOrt.Ort;

/// <summary>Memory type of a memory info (<c>OrtMemType</c>).</summary>
public enum OrtMemType
{
    /// <summary>CPU-accessible memory an execution provider uses for its inputs.</summary>
    CpuInput = -2,

    /// <summary>CPU-accessible memory an execution provider uses for its outputs.</summary>
    CpuOutput = -1,

    /// <summary>The device's own memory.</summary>
    Default = 0,
}
