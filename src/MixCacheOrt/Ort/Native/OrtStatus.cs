using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace MixCacheOrt.Ort.Native;

/// <summary>The one place where an <c>OrtStatus*</c> returned by ONNX Runtime is checked and released.</summary>
internal static unsafe class OrtStatus
{
    /// <summary>
    /// Does nothing for a NULL status (success). Otherwise reads the error code and message, releases the
    /// status and throws <see cref="OrtException"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ThrowIfFailed(nint status)
    {
        if (status != 0)
        {
            Throw(status);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(nint status)
    {
        OrtErrorCode code;
        string message;
        try
        {
            code = (OrtErrorCode)OrtApi.GetErrorCode(status);
            message = Utf8.ToString(OrtApi.GetErrorMessage(status)); // owned by the status: copy before release
        }
        finally
        {
            OrtApi.ReleaseStatus(status);
        }

        throw new OrtException(code, message);
    }
}
