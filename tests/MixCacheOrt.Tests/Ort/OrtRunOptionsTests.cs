using MixCacheOrt.Ort;
using MixCacheOrt.Tests.TestData;

namespace MixCacheOrt.Tests.Ort;

public sealed class OrtRunOptionsTests
{
    [Test]
    public void SetTerminate_FailsTheRun_UnsetTerminate_RunsAgain()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.Scale);
        using OrtValue x = OrtValue.CreateTensor(new float[] { 1, 2, 3 }, [1, 3]);
        using var runOptions = new OrtRunOptions();

        runOptions.SetTerminate();
        var e = Assert.Throws<OrtException>(() => session.Run(["x"], [x], default, runOptions));
        runOptions.UnsetTerminate();
        using OrtOutputs outputs = session.Run(["x"], [x], default, runOptions);

        Assert.That(e!.ErrorCode, Is.EqualTo(OrtErrorCode.Fail));
        Assert.That(e.NativeMessage, Does.Contain("terminate"));
        Assert.That(outputs[0].ToArray<float>(), Is.EqualTo(new float[] { 3, 5, 7 }));
    }

    [Test]
    public void TerminateOn_CancelledToken_TerminatesBindingRuns()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.Scale);
        using OrtValue x = OrtValue.CreateTensor(new float[3], [1, 3]);
        using OrtIoBinding bind = session.CreateIoBinding();
        bind.BindInput("x", x);
        bind.BindOutputToDevice("y", OrtMemoryInfo.Cpu);
        using var runOptions = new OrtRunOptions();
        using var cancellation = new CancellationTokenSource();
        using CancellationTokenRegistration registration = runOptions.TerminateOn(cancellation.Token);

        bind.Run(runOptions);
        cancellation.Cancel();

        Assert.Throws<OrtException>(() => bind.Run(runOptions));
    }

    [Test]
    public void ConfigEntriesTagAndLogLevel_AreAccepted()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.Scale);
        using OrtValue x = OrtValue.CreateTensor(new float[3], [1, 3]);
        using var runOptions = new OrtRunOptions();

        runOptions.AddConfigEntry("disable_synchronize_execution_providers", "1");
        runOptions.SetRunTag("step-0");
        runOptions.SetLogSeverityLevel(OrtLoggingLevel.Error);

        using OrtOutputs outputs = session.Run(["x"], [x], default, runOptions);
        Assert.That(outputs[0].ToArray<float>(), Is.EqualTo(new float[] { 1, 1, 1 }));
    }
}
