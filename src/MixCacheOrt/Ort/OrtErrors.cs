using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;

namespace MixCacheOrt.Ort;

/// <summary>
/// Reads <see cref="OnnxRuntimeException"/>s. The official API puts ORT's error code only into the message
/// (<c>[ErrorCode:NoSuchFile] …</c>) and keeps its error-code enum internal, so the code and the plain message are
/// parsed here.
/// </summary>
public static partial class OrtErrors
{
    /// <summary>ORT's error code of <paramref name="exception"/>; <see cref="OrtErrorCode.Fail"/> when the message has none.</summary>
    public static OrtErrorCode CodeOf(OnnxRuntimeException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return CodeOf(exception.Message);
    }

    /// <summary>The error code in an <see cref="OnnxRuntimeException"/>'s message text.</summary>
    public static OrtErrorCode CodeOf(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Match m = Prefix().Match(message);
        return m.Success && Enum.TryParse(m.Groups["code"].Value, out OrtErrorCode code) ? code : OrtErrorCode.Fail;
    }

    /// <summary>
    /// ORT's message without the error-code prefix and without the source location of provider-bridge errors
    /// (<c>/onnxruntime_src/…cc:1988 … [ONNXRuntimeError] : 1 : FAIL :</c>), on one line.
    /// </summary>
    public static string Describe(OnnxRuntimeException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return Describe(exception.Message);
    }

    /// <summary><see cref="Describe(OnnxRuntimeException)"/> of an exception's message text.</summary>
    public static string Describe(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string message = Prefix().Replace(text, string.Empty, 1);
        message = SourceLocation().Replace(message, string.Empty);
        return string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [GeneratedRegex(@"^\[ErrorCode:(?<code>[A-Za-z]+)\]\s*")]
    private static partial Regex Prefix();

    [GeneratedRegex(@"\S+\.(cc|h|cpp):\d+ .*?\[ONNXRuntimeError\] : \d+ : [A-Z_]+ : ")]
    private static partial Regex SourceLocation();
}

/// <summary>ONNX Runtime's <c>OrtErrorCode</c> (same names and values as the C API's).</summary>
public enum OrtErrorCode
{
    Ok = 0,
    Fail = 1,
    InvalidArgument = 2,
    NoSuchFile = 3,
    NoModel = 4,
    EngineError = 5,
    RuntimeException = 6,
    InvalidProtobuf = 7,
    ModelLoaded = 8,
    NotImplemented = 9,
    InvalidGraph = 10,
    EpFail = 11,
    ModelLoadCanceled = 12,
    ModelRequiresCompilation = 13,
    NotFound = 14,
}
