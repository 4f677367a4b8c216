using MixCacheOrt.Models;

namespace MixCacheOrt.Cli;

/// <summary>Finds the default model package (<c>models/tiny-wan</c>) when no <c>--model</c> is given.</summary>
internal static class ModelLocator
{
    /// <summary><see cref="ModelPackage.LocateDefault"/>, or the relative path (so the error message names it).</summary>
    public static string DefaultModelDirectory() =>
        ModelPackage.LocateDefault() ?? Path.Combine("models", ModelPackage.DefaultModelName);
}
