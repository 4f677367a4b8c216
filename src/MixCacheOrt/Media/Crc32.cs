namespace MixCacheOrt.Media;

/// <summary>
/// CRC-32 as used by PNG, zlib and gzip (ISO 3309 / ITU-T V.42: reflected polynomial 0xEDB88320, initial value and
/// final XOR 0xFFFFFFFF), table-driven one byte at a time.
/// </summary>
internal static class Crc32
{
    /// <summary>Register value before any data.</summary>
    public const uint Start = 0xFFFFFFFFu;

    private static readonly uint[] s_table = BuildTable();

    /// <summary>The CRC of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Update(Start, data));

    /// <summary>Feeds <paramref name="data"/> into a running register (begin with <see cref="Start"/>).</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] table = s_table;
        foreach (byte b in data)
        {
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    /// <summary>The CRC from a running register.</summary>
    public static uint Finish(uint crc) => crc ^ 0xFFFFFFFFu;

    private static uint[] BuildTable()
    {
        uint[] table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
