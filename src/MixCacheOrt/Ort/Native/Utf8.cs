using System.Runtime.InteropServices;
using System.Text;

namespace MixCacheOrt.Ort.Native;

/// <summary>UTF-8 conversions for strings passed to and returned by ONNX Runtime.</summary>
internal static unsafe class Utf8
{
    /// <summary>Copies a NUL-terminated UTF-8 string that ONNX Runtime owns (NULL gives "").</summary>
    public static string ToString(byte* text) =>
        text == null ? string.Empty : Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text));

    /// <summary>NUL-terminated UTF-8 bytes of <paramref name="text"/>, for <c>fixed</c> in a single call.</summary>
    public static byte[] NullTerminated(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }
}
