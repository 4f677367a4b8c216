using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Ort;
using MixCacheOrt.Tests.TestData;

namespace MixCacheOrt.Tests.Ort;

/// <summary>
/// How failures of the official API read through <see cref="OrtErrors"/>: ORT's error code (which the official API
/// keeps in the message only) and its message, and the session carries on after a bad run.
/// </summary>
public sealed class OrtErrorsTests
{
    private static readonly RunOptions Defaults = new();

    [Test]
    public void MissingModelFile_IsNoSuchFile_NamingThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mixcache-missing-{Guid.NewGuid():N}.onnx");

        var e = Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(path));

        Assert.That(OrtErrors.CodeOf(e!), Is.EqualTo(OrtErrorCode.NoSuchFile));
        Assert.That(OrtErrors.Describe(e!), Does.Contain(path).And.Contain("File doesn't exist").And.Not.Contain("[ErrorCode"));
    }

    [Test]
    public void CorruptModelBytes_IsInvalidProtobuf()
    {
        var e = Assert.Throws<OnnxRuntimeException>(() => new InferenceSession("not an onnx model"u8.ToArray()));

        Assert.That(OrtErrors.CodeOf(e!), Is.EqualTo(OrtErrorCode.InvalidProtobuf));
        Assert.That(OrtErrors.Describe(e!), Does.Contain("protobuf parsing failed").IgnoreCase);
    }

    /// <summary>Bad runs of scale.onnx (x: float32[batch, 3] → y): what is wrong, and what ORT says about it.</summary>
    private static IEnumerable<TestCaseData> BadRuns()
    {
        yield return new TestCaseData("not_x", new Func<OrtValue>(() => OrtValues.Tensor(new float[3], 1, 3)), "y", "Input name: 'not_x' is not in the metadata")
            .SetName("WrongInputName_IsInvalidArgument");
        yield return new TestCaseData("x", new Func<OrtValue>(() => OrtValues.Tensor(new float[3], 1, 3)), "not_y", "Output name: 'not_y' is not in the metadata")
            .SetName("WrongOutputName_IsInvalidArgument");
        yield return new TestCaseData("x", new Func<OrtValue>(() => OrtValues.Tensor(new float[4], 1, 4)), "y", "Got invalid dimensions for input: x")
            .SetName("WrongShape_IsInvalidArgument");
        yield return new TestCaseData("x", new Func<OrtValue>(() => OrtValues.Tensor(new double[3], 1, 3)), "y", "Unexpected input data type")
            .SetName("WrongElementType_IsInvalidArgument");
    }

    [TestCaseSource(nameof(BadRuns))]
    public void BadRun_IsInvalidArgument_AndTheSessionCarriesOn(string inputName, Func<OrtValue> createInput, string outputName, string message)
    {
        using var session = new InferenceSession(TestModels.Scale);
        using OrtValue input = createInput();

        var e = Assert.Throws<OnnxRuntimeException>(() => session.Run(Defaults, [inputName], [input], [outputName]).Dispose());

        Assert.That(OrtErrors.CodeOf(e!), Is.EqualTo(OrtErrorCode.InvalidArgument));
        Assert.That(OrtErrors.Describe(e!), Does.Contain(message));
        using OrtValue good = OrtValues.Tensor(new float[] { 1, 2, 3 }, 1, 3);
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(Defaults, ["x"], [good], ["y"]);
        Assert.That(outputs[0].ToArray<float>(), Is.EqualTo(new float[] { 3, 5, 7 }));
    }

    [Test]
    public void MessageWithoutCode_IsFail_AndDescribedVerbatim()
    {
        const string e = "something odd\nsecond line";

        Assert.That(OrtErrors.CodeOf(e), Is.EqualTo(OrtErrorCode.Fail));
        Assert.That(OrtErrors.Describe(e), Is.EqualTo("something odd second line"));
    }

    [Test]
    public void Describe_DropsTheProviderBridgeSourceLocation()
    {
        // The text ORT 1.30 gives when the CUDA provider library cannot be loaded (seen on a machine without CUDA).
        const string e =
            "[ErrorCode:Fail] /onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:1988 onnxruntime::Provider& " +
            "onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library /x/libonnxruntime_providers_cuda.so " +
            "with error: libcublasLt.so.13: cannot open shared object file: No such file or directory\n";

        Assert.That(
            OrtErrors.Describe(e),
            Is.EqualTo("Failed to load library /x/libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file: No such file or directory"));
    }

    [TestCase("Failed to load library /x/libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file", 0,
        "missing library libcudnn.so.9 (the CUDA provider needs CUDA 13 and cuDNN 9 on the library path)")]
    [TestCase("Failed to load library /x/libonnxruntime_providers_cuda.so with error: libcuda.so.1: cannot open shared object file", 0,
        "no NVIDIA driver (libcuda.so.1 not found)")]
    [TestCase("CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version", 0, "the NVIDIA driver is too old for CUDA 13")]
    [TestCase("CUDA failure 101: invalid device ordinal ; GPU=3", 3, "no CUDA device 3")]
    [TestCase("CUDA failure 100: no CUDA-capable device is detected", 0, "no CUDA device")]
    [TestCase("something else", 0, "the CUDA provider failed")]
    public void CudaProblem_NamesTheMissingPiece(string message, int device, string expected) =>
        Assert.That(OrtRuntime.CudaProblem(message, device), Is.EqualTo(expected));
}
