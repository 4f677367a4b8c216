using MixCacheOrt.Models;

namespace MixCacheOrt.Tests.TestUtilities;

/// <summary>
/// The default model package shipped in the repository (<c>models/tiny-wan</c>), found by walking up from the test
/// assembly. <c>MIXCACHE_TEST_MODEL</c> points the tests at another package.
/// </summary>
internal static class ShippedModel
{
    private static readonly Lazy<string> Dir = new(Find);

    public static string Directory => Dir.Value;

    public static string PathOf(params string[] parts) => Path.Combine([Directory, .. parts]);

    /// <summary>A fresh copy of the package in a temporary directory (for tests that corrupt it).</summary>
    public static TempDirectory Copy()
    {
        var temp = new TempDirectory();
        foreach (string file in System.IO.Directory.EnumerateFiles(Directory))
        {
            File.Copy(file, Path.Combine(temp.Path, Path.GetFileName(file)));
        }

        return temp;
    }

    private static string Find() =>
        ModelPackage.LocateDefault("MIXCACHE_TEST_MODEL")
        ?? throw new DirectoryNotFoundException("models/tiny-wan not found above the test assembly; set MIXCACHE_TEST_MODEL");
}

/// <summary>A temporary directory deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        this.Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mixcache-test-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(this.Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(this.Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
