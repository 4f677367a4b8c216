namespace MixCacheOrt.Models;

/// <summary>
/// A model package cannot be used: missing or corrupt file, bad manifest field, or a graph that disagrees with its
/// manifest. The message names the file (and field) and says how to fix it.
/// </summary>
public sealed class ModelPackageException : Exception
{
    public ModelPackageException(string message)
        : base(message)
    {
    }

    public ModelPackageException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
