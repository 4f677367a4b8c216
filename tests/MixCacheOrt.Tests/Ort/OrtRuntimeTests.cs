using MixCacheOrt.Ort;

namespace MixCacheOrt.Tests.Ort;

public sealed class OrtRuntimeTests
{
    [Test]
    public void Version_Is1_30_0()
    {
        Assert.That(OrtRuntime.Version, Is.EqualTo("1.30.0"));
        Assert.That(OrtRuntime.BuildInfo, Does.Contain("git-commit-id"));
    }

    [Test]
    public void LibraryPath_IsTheLoadedFile()
    {
        string expectedDirectory = Environment.GetEnvironmentVariable("MIXCACHE_ORT_DIR") is { Length: > 0 } dir
            ? Path.GetFullPath(dir)
            : Path.GetFullPath(AppContext.BaseDirectory);

        Assert.That(File.Exists(OrtRuntime.LibraryPath), Is.True);
        Assert.That(Path.GetDirectoryName(OrtRuntime.LibraryPath), Is.EqualTo(expectedDirectory.TrimEnd('/')));
    }

    [Test]
    public void AvailableProviders_IsTheCompiledInList()
    {
        IReadOnlyList<string> providers = OrtRuntime.AvailableProviders;

        Assert.That(providers, Does.Contain("CPUExecutionProvider"));
        Assert.That(providers[^1], Is.EqualTo("CPUExecutionProvider"));
    }

    [Test]
    public void ProbeCuda_OnThisMachine_ReportsTheMissingProviderLibrary()
    {
        OrtSessionOptionsTests.AssumeNoCudaProvider();

        OrtProviderProbe probe = OrtRuntime.ProbeCuda();

        Assert.That(probe.Provider, Is.EqualTo("CUDAExecutionProvider"));
        Assert.That(probe.Usable, Is.False);
        Assert.That(probe.Error, Does.Contain("libonnxruntime_providers_shared.so"));
    }
}
