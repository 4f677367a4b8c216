using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Ort;

namespace MixCacheOrt.Tests.Ort;

public sealed class OrtRuntimeTests
{
    [Test]
    public void Version_IsThePinnedPackageVersion() =>
        Assert.That(OrtRuntime.Version, Is.EqualTo(TestUtilities.PinnedOrt.Version).And.Matches(@"^1\.(3[0-9])\.\d+$"));

    [Test]
    public void OneLibonnxruntimeIsLoaded_ThePackagesCopyBesideTheApplication()
    {
        _ = OrtRuntime.Environment;

        string[] runtimes = [.. OrtRuntime.LoadedLibraries().Where(p => Path.GetFileName(p) == "libonnxruntime.so")];

        Assert.That(runtimes, Has.Length.EqualTo(1), string.Join(", ", OrtRuntime.LoadedLibraries()));
        Assert.That(runtimes[0], Is.EqualTo(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libonnxruntime.so")));
        Assert.That(OrtRuntime.LibraryPath, Is.EqualTo(runtimes[0]));
    }

    [Test]
    public void Providers_CompiledIn_IncludeCudaAndCpu() =>
        Assert.That(OrtRuntime.AvailableProviders, Does.Contain("CUDAExecutionProvider").And.Contain("CPUExecutionProvider"));

    [Test]
    public void Environment_IsTheProcesssOneOrtEnv() =>
        Assert.That(OrtRuntime.Environment, Is.SameAs(OrtEnv.Instance()));

    [Test]
    public void ConfigureSharedThreadPool_AfterTheEnvironmentExists_AcceptsOnlyTheCurrentSize()
    {
        _ = OrtRuntime.Environment;

        Assert.Throws<InvalidOperationException>(() => OrtRuntime.ConfigureSharedThreadPool(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => OrtRuntime.ConfigureSharedThreadPool(-1));
    }

    [Test]
    public void ProbeCuda_WithoutCuda_SaysWhatIsMissing()
    {
        OrtProviderProbe probe = OrtRuntime.ProbeCuda();
        if (probe.Usable)
        {
            Assert.Ignore("CUDA is usable on this machine; the unusable path is tested where it is not");
        }

        Assert.That(probe.Provider, Is.EqualTo("CUDAExecutionProvider"));
        Assert.That(probe.Error, Does.StartWith("missing library lib").Or.StartWith("no NVIDIA driver").Or.StartWith("no CUDA device"));
        Assert.That(probe.Error, Does.Contain("libonnxruntime_providers_cuda.so"));
    }
}
