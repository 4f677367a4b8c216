using MixCacheOrt.Ort;
using MixCacheOrt.Ort.Native;

namespace MixCacheOrt.Tests.Ort.Native;

/// <summary>Where the loader looks for libonnxruntime, and what it says when it is not there.</summary>
[NonParallelizable]
public sealed class OrtNativeLibraryTests
{
    private string? savedDirectory;
    private string scratch = string.Empty;

    [SetUp]
    public void SetUp()
    {
        this.savedDirectory = Environment.GetEnvironmentVariable(OrtNativeLibrary.DirectoryVariable);
        this.scratch = Directory.CreateTempSubdirectory("mixcache-ortdir-").FullName;
    }

    [TearDown]
    public void TearDown()
    {
        Environment.SetEnvironmentVariable(OrtNativeLibrary.DirectoryVariable, this.savedDirectory);
        Directory.Delete(this.scratch, recursive: true);
    }

    [Test]
    public void WithoutVariable_LooksNextToTheApplication()
    {
        Environment.SetEnvironmentVariable(OrtNativeLibrary.DirectoryVariable, null);

        Assert.That(OrtNativeLibrary.ResolvePath(), Is.EqualTo(Path.Combine(AppContext.BaseDirectory, "libonnxruntime.so.1")));
    }

    [Test]
    public void Variable_TakesPrecedence_AndAcceptsTheUnversionedName()
    {
        string library = Path.Combine(this.scratch, "libonnxruntime.so");
        File.WriteAllBytes(library, []);
        Environment.SetEnvironmentVariable(OrtNativeLibrary.DirectoryVariable, this.scratch);

        Assert.That(OrtNativeLibrary.ResolvePath(), Is.EqualTo(library));
    }

    [Test]
    public void Variable_PointingAtADirectoryWithoutTheLibrary_SaysWhatToDo()
    {
        Environment.SetEnvironmentVariable(OrtNativeLibrary.DirectoryVariable, this.scratch);

        var e = Assert.Throws<OrtLibraryException>(() => OrtNativeLibrary.ResolvePath());

        Assert.That(e!.Message, Does.Contain($"MIXCACHE_ORT_DIR is set to '{this.scratch}'")
            .And.Contain("libonnxruntime.so.1")
            .And.Contain("libonnxruntime_providers_cuda.so")
            .And.Contain("unset MIXCACHE_ORT_DIR"));
    }
}
