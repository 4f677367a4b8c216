namespace MixCacheOrt.Ort;

/// <summary>
/// The ONNX Runtime native library could not be found, loaded, or is the wrong version. The message says what to do.
/// </summary>
public sealed class OrtLibraryException : Exception
{
    public OrtLibraryException(string message)
        : base(message)
    {
    }

    public OrtLibraryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
