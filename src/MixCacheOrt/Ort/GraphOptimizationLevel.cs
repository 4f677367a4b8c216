namespace MixCacheOrt.Ort;

/// <summary>ONNX Runtime graph optimization level (<c>GraphOptimizationLevel</c>).</summary>
public enum GraphOptimizationLevel
{
    DisableAll = 0,
    Basic = 1,
    Extended = 2,
    Layout = 3,
    All = 99,
}
