namespace MixCacheOrt.Tests.TestData;

/// <summary>
/// Paths of the ONNX graphs in TestData/, copied next to the test assembly. They are made by
/// make_test_graphs.py in this folder (its docstring says how to regenerate them and what each computes).
/// </summary>
internal static class TestModels
{
    /// <summary>a, b: float32[batch, 3] → sum = a + b, product = a * b.</summary>
    public static string AddMul => PathOf("add_mul.onnx");

    /// <summary>x: float32[batch, 4], w: float32[4, 3] → y = x @ w.</summary>
    public static string MatMul => PathOf("matmul.onnx");

    /// <summary>a, b: float16[batch, 4] → sum = a + b.</summary>
    public static string AddF16 => PathOf("add_f16.onnx");

    /// <summary>x: float32[batch, 3] → y = 2x + 1.</summary>
    public static string Scale => PathOf("scale.onnx");

    public static string PathOf(string fileName)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", fileName);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"Test graph {path} is missing; run TestData/make_test_graphs.py.", path);
    }
}
