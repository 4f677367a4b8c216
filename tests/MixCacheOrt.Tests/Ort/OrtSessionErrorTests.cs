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

    [Test]
    public void WrongInputName_IsInvalidArgument()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.Scale);
        using OrtValue x = OrtValue.CreateTensor(new float[3], [1, 3]);

        var e = Assert.Throws<OrtException>(() => session.Run(["not_x"], [x]));

        Assert.That(e!.ErrorCode, Is.EqualTo(OrtErrorCode.InvalidArgument));
        Assert.That(e.NativeMessage, Does.Contain("Invalid input name: not_x"));
        AssertSessionStillRuns(session);
    }

    [Test]
    public void WrongOutputName_IsInvalidArgument()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.Scale);
        using OrtValue x = OrtValue.CreateTensor(new float[3], [1, 3]);

        var e = Assert.Throws<OrtException>(() => session.Run(["x"], [x], ["not_y"]));

        Assert.That(e!.ErrorCode, Is.EqualTo(OrtErrorCode.InvalidArgument));
        Assert.That(e.NativeMessage, Does.Contain("not_y"));
        AssertSessionStillRuns(session);
    }

    [Test]
    public void WrongShape_IsInvalidArgument()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.Scale);
        using OrtValue x = OrtValue.CreateTensor(new float[4], [1, 4]); // model wants [batch, 3]

        var e = Assert.Throws<OrtException>(() => session.Run(["x"], [x]));

        Assert.That(e!.ErrorCode, Is.EqualTo(OrtErrorCode.InvalidArgument));
        Assert.That(e.NativeMessage, Does.Contain("Got invalid dimensions for input: x"));
        AssertSessionStillRuns(session);
    }

    [Test]
    public void WrongRank_IsInvalidArgument()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.Scale);
        using OrtValue x = OrtValue.CreateTensor(new float[3], [3]);

        var e = Assert.Throws<OrtException>(() => session.Run(["x"], [x]));

        Assert.That(e!.ErrorCode, Is.EqualTo(OrtErrorCode.InvalidArgument));
        Assert.That(e.NativeMessage, Does.Contain("Invalid rank for input: x"));
    }

    [Test]
    public void WrongElementType_IsInvalidArgument()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.Scale);
        using OrtValue x = OrtValue.CreateTensor(new double[3], [1, 3]); // model wants float

        var e = Assert.Throws<OrtException>(() => session.Run(["x"], [x]));

        Assert.That(e!.ErrorCode, Is.EqualTo(OrtErrorCode.InvalidArgument));
        Assert.That(e.NativeMessage, Does.Contain("Unexpected input data type").And.Contain("tensor(double)"));
        AssertSessionStillRuns(session);
    }

    [Test]
    public void OrtException_MessageCarriesCodeAndNativeText()
    {
        var e = Assert.Throws<OrtException>(() => OrtSession.FromBytes("x"u8));

        Assert.That(e!.Message, Does.StartWith("ONNX Runtime error InvalidProtobuf: ").And.Contain(e.NativeMessage));
    }

    private static void AssertSessionStillRuns(OrtSession session)
    {
        using OrtValue x = OrtValue.CreateTensor(new float[] { 1, 2, 3 }, [1, 3]);
        using OrtOutputs outputs = session.Run(["x"], [x]);
        Assert.That(outputs[0].ToArray<float>(), Is.EqualTo(new float[] { 3, 5, 7 }));
    }
}
