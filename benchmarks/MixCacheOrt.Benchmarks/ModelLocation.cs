using MixCacheOrt.Models;

namespace MixCacheOrt.Benchmarks;

/// <summary>The model package the pipeline benchmarks use: <c>$MIXCACHE_MODEL</c> or the repository's models/tiny-wan.</summary>
internal static class ModelLocation
{
    public static string Directory()
    {
        if (Environment.GetEnvironmentVariable("MIXCACHE_MODEL") is { Length: > 0 } env)
        {
            return env;
        }

        // BenchmarkDotNet runs from a generated project below bin/, so walk up from both places.
        foreach (string start in new[] { System.IO.Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "models", ModelPackage.DefaultModelName);
                if (File.Exists(Path.Combine(candidate, "manifest.json")))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException("models/tiny-wan not found; set MIXCACHE_MODEL");
    }
}
