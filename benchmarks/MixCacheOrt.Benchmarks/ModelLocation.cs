using MixCacheOrt.Models;

namespace MixCacheOrt.Benchmarks;

/// <summary>The model package the pipeline benchmarks use: <c>$MIXCACHE_MODEL</c> or the repository's models/tiny-wan.</summary>
internal static class ModelLocation
{
    public static string Directory() =>
        ModelPackage.LocateDefault() ?? throw new DirectoryNotFoundException("models/tiny-wan not found; set MIXCACHE_MODEL");
}
