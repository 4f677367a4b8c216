using MixCacheOrt.Ort;
using MixCacheOrt.Tests.TestData;

namespace MixCacheOrt.Tests.Ort;

/// <summary>
/// Failures surface as <see cref="OrtException"/> with ORT's own error code and message, and the process (and the
/// session) carry on.
/// </summary>
public sealed class OrtSessionErrorTests
{
    [Test]
    public void MissingModelFile_IsNoSuchFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mixcache-missing-{Guid.NewGuid():N}.onnx");

        var e = Assert.Throws<OrtException>(() => OrtSession.FromFile(path));

        Assert.That(e!.ErrorCode, Is.EqualTo(OrtErrorCode.NoSuchFile));
        Assert.That(e.NativeMessage, Does.Contain(path).And.Contain("File doesn't exist"));
    }

    [Test]
    public void CorruptModelFile_IsInvalidProtobuf()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mixcache-corrupt-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, [.. Enumerable.Range(0, 256).Select(i => (byte)(i * 37))]);
        try
        {
            var e = Assert.Throws<OrtException>(() => OrtSession.FromFile(path));

            Assert.That(e!.ErrorCode, Is.EqualTo(OrtErrorCode.InvalidProtobuf));
            Assert.That(e.NativeMessage, Does.Contain("protobuf parsing failed").IgnoreCase);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void CorruptModelBytes_IsInvalidProtobuf()
    {
        var e = Assert.Throws<OrtException>(() => OrtSession.FromBytes("not an onnx model"u8));

        Assert.That(e!.ErrorCode, Is.EqualTo(OrtErrorCode.InvalidProtobuf));
        Assert.That(e.NativeMessage, Does.Contain("protobuf parsing failed").IgnoreCase);
    }

    /// <summary>Bad runs of scale.onnx (x: float32[batch, 3] → y): what is wrong, and what ORT says about it.</summary>
    private static IEnumerable<TestCaseData> BadRuns()
    {
        yield return new TestCaseData("not_x", new Func<OrtValue>(() => OrtValue.CreateTensor(new float[3], [1, 3])), "y", "Invalid input name: not_x")
            .SetName("WrongInputName_IsInvalidArgument");
        yield return new TestCaseData("x", new Func<OrtValue>(() => OrtValue.CreateTensor(new float[3], [1, 3])), "not_y", "Invalid output name: not_y")
            .SetName("WrongOutputName_IsInvalidArgument");
        yield return new TestCaseData("x", new Func<OrtValue>(() => OrtValue.CreateTensor(new float[4], [1, 4])), "y", "Got invalid dimensions for input: x")
            .SetName("WrongShape_IsInvalidArgument");
        yield return new TestCaseData("x", new Func<OrtValue>(() => OrtValue.CreateTensor(new float[3], [3])), "y", "Invalid rank for input: x")
            .SetName("WrongRank_IsInvalidArgument");
        yield return new TestCaseData("x", new Func<OrtValue>(() => OrtValue.CreateTensor(new double[3], [1, 3])), "y", "Unexpected input data type. Actual: (tensor(double))")
            .SetName("WrongElementType_IsInvalidArgument");
    }

    [TestCaseSource(nameof(BadRuns))]
    public void BadRun_IsInvalidArgument_AndTheSessionCarriesOn(string inputName, Func<OrtValue> createInput, string outputName, string message)
    {
        using OrtSession session = OrtSession.FromFile(TestModels.Scale);
        using OrtValue input = createInput();

        var e = Assert.Throws<OrtException>(() => session.Run([inputName], [input], [outputName]));

        Assert.That(e!.ErrorCode, Is.EqualTo(OrtErrorCode.InvalidArgument));
        Assert.That(e.NativeMessage, Does.Contain(message));
        using OrtValue good = OrtValue.CreateTensor(new float[] { 1, 2, 3 }, [1, 3]);
        using OrtOutputs outputs = session.Run(["x"], [good]);
        Assert.That(outputs[0].ToArray<float>(), Is.EqualTo(new float[] { 3, 5, 7 }));
    }

    [Test]
    public void OrtException_MessageCarriesCodeAndNativeText()
    {
        var e = Assert.Throws<OrtException>(() => OrtSession.FromBytes("x"u8));

        Assert.That(e!.Message, Does.StartWith("ONNX Runtime error InvalidProtobuf: ").And.Contain(e.NativeMessage));
    }
}
