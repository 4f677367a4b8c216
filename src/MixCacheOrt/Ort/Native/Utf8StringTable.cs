using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace MixCacheOrt.Ort.Native;

/// <summary>
/// A fixed list of strings encoded once as NUL-terminated UTF-8 in pinned memory, with a pinned array of
/// pointers to them, so they can be handed to ONNX Runtime on every call without marshalling.
/// </summary>
/// <remarks>
/// Both arrays live on the pinned object heap: their addresses never change and they are freed by the GC once
/// the table is unreachable. Sessions keep one table for input names and one for output names; they are used by
/// every <c>Run</c> and by <see cref="OrtIoBinding"/>.
/// </remarks>
internal sealed unsafe class Utf8StringTable
{
    private readonly string[] strings;
    private readonly byte[] bytes;
    private readonly nint[] pointers;
    private readonly Dictionary<string, int> indexByString;

    public Utf8StringTable(IReadOnlyList<string> strings)
    {
        this.strings = [.. strings];
        int total = 0;
        foreach (string s in this.strings)
        {
            total += Encoding.UTF8.GetByteCount(s) + 1;
        }

        this.bytes = GC.AllocateArray<byte>(Math.Max(total, 1), pinned: true);
        this.pointers = GC.AllocateArray<nint>(Math.Max(this.strings.Length, 1), pinned: true);
        this.indexByString = new Dictionary<string, int>(this.strings.Length, StringComparer.Ordinal);
        byte* start = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(this.bytes));
        int offset = 0;
        for (int i = 0; i < this.strings.Length; i++)
        {
            this.pointers[i] = (nint)(start + offset);
            offset += Encoding.UTF8.GetBytes(this.strings[i], this.bytes.AsSpan(offset)) + 1; // the array is zeroed: +1 keeps the NUL
            this.indexByString.TryAdd(this.strings[i], i);
        }
    }

    public int Count => this.strings.Length;

    public IReadOnlyList<string> Strings => this.strings;

    /// <summary><c>const char* const*</c> over all strings, in order.</summary>
    public byte** Pointers => (byte**)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(this.pointers));

    /// <summary>The NUL-terminated UTF-8 copy of string <paramref name="index"/>.</summary>
    public byte* this[int index] => (byte*)this.pointers[index];

    public int IndexOf(string text) => this.indexByString.GetValueOrDefault(text, -1);

}
