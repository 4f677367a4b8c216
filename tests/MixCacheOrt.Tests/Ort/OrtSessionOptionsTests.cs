using MixCacheOrt.Ort;
using MixCacheOrt.Tests.TestData;

namespace MixCacheOrt.Tests.Ort;

public sealed class OrtSessionOptionsTests
{
    [Test]
    public void Defaults_MirrorOrtDefaults()
    {
        using var options = new OrtSessionOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.IntraOpNumThreads, Is.EqualTo(0));
            Assert.That(options.GraphOptimizationLevel, Is.EqualTo(GraphOptimizationLevel.All));
            Assert.That(options.ExecutionMode, Is.EqualTo(ExecutionMode.Sequential));
            Assert.That(options.EnableMemoryPattern, Is.True);
            Assert.That(options.EnableCpuMemoryArena, Is.True);
            Assert.That(options.ExecutionProviders, Is.Empty);
        });
    }

    [Test]
    public void AllSettings_ProduceAWorkingSession()
    {
        using var options = new OrtSessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.Basic,
            ExecutionMode = ExecutionMode.Parallel,
            EnableMemoryPattern = false,
            EnableCpuMemoryArena = false,
            LogSeverityLevel = OrtLoggingLevel.Error,
        };
        options.AddConfigEntry("session.intra_op.allow_spinning", "0");

        using OrtSession session = OrtSession.FromFile(TestModels.Scale, options);
        using OrtValue x = OrtValue.CreateTensor(new float[] { 1, 2, 3 }, [1, 3]);
        using OrtOutputs outputs = session.Run(["x"], [x]);

        Assert.That(outputs[0].ToArray<float>(), Is.EqualTo(new float[] { 3, 5, 7 }));
        Assert.That(options.IntraOpNumThreads, Is.EqualTo(1));
        Assert.That(options.EnableMemoryPattern, Is.False);
    }

    [Test]
    public void InvalidGraphOptimizationLevel_IsRejectedWhereSet()
    {
        using var options = new OrtSessionOptions();

        var e = Assert.Throws<OrtException>(() => options.GraphOptimizationLevel = (GraphOptimizationLevel)42);

        Assert.That(e!.ErrorCode, Is.EqualTo(OrtErrorCode.InvalidArgument));
        Assert.That(options.GraphOptimizationLevel, Is.EqualTo(GraphOptimizationLevel.All), "a rejected value is not recorded");
    }

    [Test]
    public void Profiling_WritesAProfileFile()
    {
        string prefix = Path.Combine(Path.GetTempPath(), $"mixcache-profile-{Guid.NewGuid():N}");
        using var options = new OrtSessionOptions();
        options.EnableProfiling(prefix);
        using OrtSession session = OrtSession.FromFile(TestModels.Scale, options);
        using OrtValue x = OrtValue.CreateTensor(new float[3], [1, 3]);
        session.Run(["x"], [x]).Dispose();

        string file = session.EndProfiling();
        try
        {
            Assert.That(file, Does.StartWith(prefix));
            Assert.That(File.ReadAllText(file), Does.Contain("model_run"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void AppendCuda_WithoutProviderLibraries_NamesTheMissingLibrary()
    {
        AssumeNoCudaProvider();
        using var options = new OrtSessionOptions();

        var e = Assert.Throws<OrtException>(() => options.AppendCudaExecutionProvider(0, new Dictionary<string, string> { ["gpu_mem_limit"] = "1073741824" }));

        Assert.That(e!.NativeMessage, Does.Contain("libonnxruntime_providers_shared.so"));
        Assert.That(options.ExecutionProviders, Is.Empty);
    }

    [Test]
    public void GenericAppend_RejectsCuda_AsOrt130Does()
    {
        using var options = new OrtSessionOptions();

        var e = Assert.Throws<OrtException>(() => options.AppendExecutionProvider("CUDA"));

        Assert.That(e!.NativeMessage, Does.Contain("Unknown provider name 'CUDA'"));
    }

    /// <summary>On a machine with the CUDA provider libraries (MIXCACHE_ORT_DIR = a GPU build) these tests do not apply.</summary>
    internal static void AssumeNoCudaProvider() =>
        Assume.That(
            File.Exists(Path.Combine(Path.GetDirectoryName(OrtRuntime.LibraryPath)!, "libonnxruntime_providers_shared.so")),
            Is.False,
            "the CUDA provider libraries are present next to libonnxruntime.so.1");
}
