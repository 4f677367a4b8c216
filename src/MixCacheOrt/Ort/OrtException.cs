namespace MixCacheOrt.Ort;

/// <summary>An ONNX Runtime call failed: carries ORT's error code and its message.</summary>
public sealed class OrtException : Exception
{
    public OrtException(OrtErrorCode errorCode, string nativeMessage)
        : base($"ONNX Runtime error {errorCode}: {nativeMessage}")
    {
        this.ErrorCode = errorCode;
        this.NativeMessage = nativeMessage;
    }

    /// <summary>The <c>OrtErrorCode</c> of the failed status.</summary>
    public OrtErrorCode ErrorCode { get; }

    /// <summary>ONNX Runtime's message, verbatim.</summary>
    public string NativeMessage { get; }
}
