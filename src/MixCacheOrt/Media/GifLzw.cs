// Hand-written: the LZW step of GifWriter (see the note there on why GIF encoding is ours).
namespace MixCacheOrt.Media;

/// <summary>
/// The GIF flavour of LZW compression (GIF89a specification, appendix F): variable-length codes packed least
/// significant bit first, a clear code and an end-of-information code, code size growing from
/// <c>minimumCodeSize + 1</c> up to 12 bits, and a clear code (table reset) once all 4096 codes are in use.
/// </summary>
internal static class GifLzw
{
    /// <summary>Largest code width GIF allows.</summary>
    public const int MaxCodeSize = 12;

    /// <summary>Number of codes a 12-bit table holds.</summary>
    public const int MaxCodes = 1 << MaxCodeSize;

    /// <summary>
    /// Compresses palette indices (each below <c>1 &lt;&lt; minimumCodeSize</c>) and returns the code stream as
    /// bytes (without the leading minimum-code-size byte and without sub-block framing).
    /// </summary>
    public static byte[] Encode(ReadOnlySpan<byte> indices, int minimumCodeSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumCodeSize, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minimumCodeSize, 8);
        int clearCode = 1 << minimumCodeSize;
        int endCode = clearCode + 1;
        int firstFree = clearCode + 2;

        BitWriter output = new(indices.Length);
        // (prefix code << 8 | next index) -> code of that string
        Dictionary<int, int> table = new(MaxCodes);
        int codeSize = minimumCodeSize + 1;
        int nextCode = firstFree;
        output.Write(clearCode, codeSize);
        if (indices.IsEmpty)
        {
            output.Write(endCode, codeSize);
            return output.ToArray();
        }

        int prefix = CheckIndex(indices[0], clearCode);
        for (int i = 1; i < indices.Length; i++)
        {
            int index = CheckIndex(indices[i], clearCode);
            int key = (prefix << 8) | index;
            if (table.TryGetValue(key, out int code))
            {
                prefix = code;
                continue;
            }

            output.Write(prefix, codeSize);
            // The decoder adds one table entry per code it reads (after the first) and widens its codes as soon as
            // its next free code no longer fits; nextCode here equals the decoder's next free code after this code.
            if (nextCode == (1 << codeSize) && codeSize < MaxCodeSize)
            {
                codeSize++;
            }

            if (nextCode < MaxCodes)
            {
                table[key] = nextCode++;
            }
            else
            {
                output.Write(clearCode, codeSize);
                table.Clear();
                codeSize = minimumCodeSize + 1;
                nextCode = firstFree;
            }

            prefix = index;
        }

        output.Write(prefix, codeSize);
        if (nextCode == (1 << codeSize) && codeSize < MaxCodeSize)
        {
            codeSize++;
        }

        output.Write(endCode, codeSize);
        return output.ToArray();
    }

    private static int CheckIndex(byte index, int clearCode) =>
        index < clearCode
            ? index
            : throw new ArgumentOutOfRangeException(nameof(index), $"Palette index {index} needs a larger minimum code size.");

    /// <summary>Packs codes least significant bit first.</summary>
    private sealed class BitWriter(int capacity)
    {
        private readonly MemoryStream bytes = new(Math.Max(16, capacity));
        private ulong pending;
        private int pendingBits;

        public void Write(int code, int size)
        {
            this.pending |= (ulong)code << this.pendingBits;
            this.pendingBits += size;
            while (this.pendingBits >= 8)
            {
                this.bytes.WriteByte((byte)this.pending);
                this.pending >>= 8;
                this.pendingBits -= 8;
            }
        }

        public byte[] ToArray()
        {
            if (this.pendingBits > 0)
            {
                this.bytes.WriteByte((byte)this.pending);
                this.pending = 0;
                this.pendingBits = 0;
            }

            return this.bytes.ToArray();
        }
    }
}
