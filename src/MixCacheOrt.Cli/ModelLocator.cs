using MixCacheOrt.Models;

namespace MixCacheOrt.Cli;

/// <summary>Finds the default model package (<c>models/tiny-wan</c>) when no <c>--model</c> is given.</summary>
internal static class ModelLocator
{
    /// <summary>
    /// <c>$MIXCACHE_MODEL</c> if set; else the first <c>models/tiny-wan</c> with a manifest found walking up from the
    /// current directory and from the executable's directory (so it works from a clone and from build output).
    /// </summary>
    public static string DefaultModelDirectory()
    {
        if (Environment.GetEnvironmentVariable("MIXCACHE_MODEL") is { Length: > 0 } fromEnv)
        {
            return fromEnv;
        }

        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "models", ModelPackage.DefaultModelName);
                if (File.Exists(Path.Combine(candidate, "manifest.json")))
                {
                    return candidate;
                }
            }
        }

        return Path.Combine("models", ModelPackage.DefaultModelName);
    }
}
