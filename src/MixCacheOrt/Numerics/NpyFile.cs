// Hand-written: no maintained .NET package reads and writes .npy (NumSharp is unmaintained); the format is a
// short text header plus raw little-endian data, and the tests check our files against numpy byte for byte.
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using MixCacheOrt.Media;

namespace MixCacheOrt.Numerics;

/// <summary>
/// Reads and writes NumPy <c>.npy</c> files (format versions 1.0 and 2.0; 3.0 is read too) holding little-endian
/// float32 (<c>&lt;f4</c>) or int64 (<c>&lt;i8</c>) arrays in C order: <see cref="NpyArray{T}"/> with T
/// <see cref="float"/> or <see cref="long"/>.
/// </summary>
/// <remarks>
/// <para>
/// Layout (numpy/lib/format.py): the magic string <c>\x93NUMPY</c>, major and minor version bytes, the header length
/// (uint16 little endian in 1.0, uint32 in 2.0 and 3.0), then the header, a Python dict literal with exactly the keys
/// <c>descr</c>, <c>fortran_order</c> and <c>shape</c>, padded with spaces and ended by <c>\n</c> so that the data
/// starts at a multiple of 64 bytes. Version 3.0 only differs by a UTF-8 header.
/// </para>
/// <para>
/// Writing produces the same bytes as <c>numpy.save</c> in NumPy 1.23 and later (including its spare header space
/// for growing the first axis): version 1.0, or 2.0 when the header does not fit in 65535 bytes.
/// </para>
/// <para>
/// Errors in a file (bad magic, unsupported version or dtype, Fortran order with more than one dimension, a malformed
/// header, truncated data) throw <see cref="InvalidDataException"/> whose message starts with the file's name. Bytes
/// after the data are ignored, as NumPy does.
/// </para>
/// </remarks>
public static class NpyFile
{
    private const int Alignment = 64;
    private const int GrowthAxisMaxDigits = 21;
    private const int ChunkElements = 1 << 20;
    private static readonly byte[] s_magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The dtype string of <typeparamref name="T"/>: <c>&lt;f4</c> for float, <c>&lt;i8</c> for long.</summary>
    /// <exception cref="NotSupportedException">Any other element type.</exception>
    public static string DescrOf<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            return "<f4";
        }

        if (typeof(T) == typeof(long))
        {
            return "<i8";
        }

        throw new NotSupportedException($".npy element type {typeof(T).Name} is not supported; use float (<f4) or long (<i8).");
    }

    /// <summary>Reads the header of the file at <paramref name="path"/>.</summary>
    public static NpyHeader ReadHeader(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return ReadHeader(stream, path);
    }

    /// <summary>Reads a header from <paramref name="stream"/>, which is left positioned at the first element.</summary>
    /// <param name="stream">The data, positioned at the magic string.</param>
    /// <param name="name">What to call the data in error messages (e.g. a file name).</param>
    public static NpyHeader ReadHeader(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> preamble = stackalloc byte[8];
        ReadExactly(stream, preamble, name, "the magic string");
        if (!preamble[..6].SequenceEqual(s_magic))
        {
            throw Error(name, "is not a .npy file (no \\x93NUMPY magic string)");
        }

        int major = preamble[6];
        int minor = preamble[7];
        int lengthSize = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw Error(name, $"has .npy format version {major}.{minor}; versions 1.0, 2.0 and 3.0 are supported"),
        };
        Span<byte> lengthBytes = stackalloc byte[4];
        ReadExactly(stream, lengthBytes[..lengthSize], name, "the header length");
        long headerLength = lengthSize == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes)
            : BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        if (headerLength > 1 << 24)
        {
            throw Error(name, $"claims a header of {headerLength} bytes");
        }

        byte[] headerBytes = new byte[headerLength];
        ReadExactly(stream, headerBytes, name, "the header");
        string header = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        (string descr, bool fortranOrder, long[] shape) = HeaderParser.Parse(header, name);
        NpyHeader parsed = new(major, minor, descr, fortranOrder, shape, 8 + lengthSize + headerLength);
        try
        {
            _ = parsed.ElementCount;
        }
        catch (OverflowException)
        {
            throw Error(name, $"has shape ({string.Join(", ", shape)}), too many elements");
        }

        return parsed;
    }

    /// <summary>Reads the array in the file at <paramref name="path"/>.</summary>
    /// <typeparam name="T"><see cref="float"/> for <c>&lt;f4</c> files, <see cref="long"/> for <c>&lt;i8</c>.</typeparam>
    /// <exception cref="InvalidDataException">The file is not a .npy file of that dtype in C order, or is truncated.</exception>
    public static NpyArray<T> Read<T>(string path)
        where T : unmanaged
    {
        using FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Read<T>(stream, path);
    }

    /// <summary>Reads an array from <paramref name="stream"/> (see <see cref="Read{T}(string)"/>).</summary>
    /// <param name="stream">The data, positioned at the magic string.</param>
    /// <param name="name">What to call the data in error messages (e.g. a file name).</param>
    public static NpyArray<T> Read<T>(Stream stream, string name)
        where T : unmanaged
    {
        string wanted = DescrOf<T>();
        EnsureLittleEndian();
        NpyHeader header = ReadHeader(stream, name);
        if (header.Descr != wanted)
        {
            throw header.Descr switch
            {
                "<f4" or "<i8" => Error(name, $"holds {DtypeName(header.Descr)} data, not {DtypeName(wanted)}"),
                _ => Error(name, $"has dtype '{header.Descr}', which is not supported; only {DtypeName("<f4")} and {DtypeName("<i8")} are"),
            };
        }

        if (header.FortranOrder && header.Shape.Length > 1)
        {
            throw Error(name, "is stored in Fortran (column-major) order; only C order is supported");
        }

        long count = header.ElementCount;
        int size = Unsafe.SizeOf<T>();
        if (count > Array.MaxLength)
        {
            throw Error(name, $"has {count} elements, more than an array can hold");
        }

        if (stream.CanSeek && stream.Length - stream.Position < count * size)
        {
            throw Truncated(name, count, size, stream.Length - stream.Position);
        }

        T[] data = new T[count];
        for (long start = 0; start < count; start += ChunkElements)
        {
            Span<T> chunk = data.AsSpan((int)start, (int)Math.Min(ChunkElements, count - start));
            int read = stream.ReadAtLeast(MemoryMarshal.AsBytes(chunk), chunk.Length * size, throwOnEndOfStream: false);
            if (read < chunk.Length * size)
            {
                throw Truncated(name, count, size, (start * size) + read);
            }
        }

        return new NpyArray<T>(header.Shape, data);
    }

    /// <summary>Writes a float32 array to <paramref name="path"/> atomically (<see cref="AtomicFile"/>).</summary>
    /// <exception cref="ArgumentException">The shape's element count differs from <c>data.Length</c>, or a dimension is negative.</exception>
    public static void Write(string path, ReadOnlySpan<long> shape, ReadOnlySpan<float> data)
    {
        using PendingFile file = AtomicFile.Create(path);
        Write(file.Stream, shape, data);
        file.Commit();
    }

    /// <summary>Writes an int64 array to <paramref name="path"/> atomically (<see cref="AtomicFile"/>).</summary>
    /// <exception cref="ArgumentException">The shape's element count differs from <c>data.Length</c>, or a dimension is negative.</exception>
    public static void Write(string path, ReadOnlySpan<long> shape, ReadOnlySpan<long> data)
    {
        using PendingFile file = AtomicFile.Create(path);
        Write(file.Stream, shape, data);
        file.Commit();
    }

    /// <summary>Writes <paramref name="array"/> to <paramref name="path"/> atomically.</summary>
    public static void Write<T>(string path, NpyArray<T> array)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(array);
        using PendingFile file = AtomicFile.Create(path);
        WriteCore<T>(file.Stream, array.Shape, array.Data);
        file.Commit();
    }

    /// <summary>Writes a float32 array in .npy format to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, ReadOnlySpan<long> shape, ReadOnlySpan<float> data) => WriteCore(stream, shape, data);

    /// <summary>Writes an int64 array in .npy format to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, ReadOnlySpan<long> shape, ReadOnlySpan<long> data) => WriteCore(stream, shape, data);

    /// <summary>
    /// The complete header numpy.save writes for this dtype and shape: magic, version, length, dict, padding, newline.
    /// </summary>
    internal static byte[] FormatHeader(string descr, ReadOnlySpan<long> shape)
    {
        StringBuilder dict = new();
        dict.Append("{'descr': '").Append(descr).Append("', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.Length; i++)
        {
            dict.Append(shape[i].ToString(CultureInfo.InvariantCulture));
            dict.Append(shape.Length == 1 ? "," : i < shape.Length - 1 ? ", " : string.Empty);
        }

        dict.Append("), }");
        if (shape.Length > 0)
        {
            // numpy >= 1.23 leaves room for the first axis to grow to 21 digits when appending in place.
            int digits = shape[0].ToString(CultureInfo.InvariantCulture).Length;
            dict.Append(' ', Math.Max(0, GrowthAxisMaxDigits - digits));
        }

        byte[] text = Encoding.Latin1.GetBytes(dict.ToString());
        int withNewline = text.Length + 1;
        int version = 1;
        int lengthSize = 2;
        int padding = Alignment - ((s_magic.Length + 2 + lengthSize + withNewline) % Alignment);
        if (withNewline + padding > ushort.MaxValue)
        {
            version = 2;
            lengthSize = 4;
            padding = Alignment - ((s_magic.Length + 2 + lengthSize + withNewline) % Alignment);
        }

        int headerLength = withNewline + padding;
        byte[] header = new byte[s_magic.Length + 2 + lengthSize + headerLength];
        s_magic.CopyTo(header, 0);
        header[6] = (byte)version;
        header[7] = 0;
        if (lengthSize == 2)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)headerLength);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), (uint)headerLength);
        }

        int offset = 8 + lengthSize;
        text.CopyTo(header, offset);
        header.AsSpan(offset + text.Length, padding).Fill((byte)' ');
        header[^1] = (byte)'\n';
        return header;
    }

    private static void WriteCore<T>(Stream stream, ReadOnlySpan<long> shape, ReadOnlySpan<T> data)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(stream);
        string descr = DescrOf<T>();
        EnsureLittleEndian();
        long count = 1;
        foreach (long dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Shape [{string.Join(", ", shape.ToArray())}] has a negative dimension.", nameof(shape));
            }

            count = checked(count * dimension);
        }

        if (count != data.Length)
        {
            throw new ArgumentException(
                $"Shape [{string.Join(", ", shape.ToArray())}] has {count} elements but the data has {data.Length}.", nameof(data));
        }

        stream.Write(FormatHeader(descr, shape));
        for (int start = 0; start < data.Length; start += ChunkElements)
        {
            stream.Write(MemoryMarshal.AsBytes(data.Slice(start, Math.Min(ChunkElements, data.Length - start))));
        }
    }

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException(".npy support assumes a little-endian machine.");
        }
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string name, string what)
    {
        if (stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) < buffer.Length)
        {
            throw Error(name, $"ends inside {what}");
        }
    }

    private static string DtypeName(string descr) => descr == "<f4" ? "'<f4' (float32)" : "'<i8' (int64)";

    private static InvalidDataException Truncated(string name, long count, int size, long available) =>
        Error(name, $"is truncated: its shape needs {count} elements ({count * size} bytes of data) but only {available} bytes follow the header");

    private static InvalidDataException Error(string name, string message) => new($"'{name}' {message}.");

    /// <summary>Parses the header's Python dict literal: strings, True/False, and tuples of integers only.</summary>
    private ref struct HeaderParser
    {
        private readonly string text;
        private readonly string name;
        private int position;

        private HeaderParser(string text, string name)
        {
            this.text = text;
            this.name = name;
        }

        public static (string Descr, bool FortranOrder, long[] Shape) Parse(string text, string name)
        {
            HeaderParser parser = new(text, name);
            string? descr = null;
            bool? fortranOrder = null;
            long[]? shape = null;
            parser.Expect('{');
            while (!parser.TryConsume('}'))
            {
                string key = parser.String();
                parser.Expect(':');
                switch (key)
                {
                    case "descr" when descr is null:
                        descr = parser.Peek() == '[' ? throw parser.Fail("has a structured dtype, which is not supported") : parser.String();
                        break;
                    case "fortran_order" when fortranOrder is null:
                        fortranOrder = parser.Boolean();
                        break;
                    case "shape" when shape is null:
                        shape = parser.Tuple();
                        break;
                    default:
                        throw parser.Fail($"has an unexpected or repeated header key '{key}'");
                }

                if (!parser.TryConsume(','))
                {
                    parser.Expect('}');
                    break;
                }
            }

            parser.SkipWhitespace();
            if (parser.position != text.Length)
            {
                throw parser.Fail("has text after the header dict");
            }

            if (descr is null || fortranOrder is null || shape is null)
            {
                throw parser.Fail("has a header without 'descr', 'fortran_order' and 'shape'");
            }

            return (descr, fortranOrder.Value, shape);
        }

        private void SkipWhitespace()
        {
            while (this.position < this.text.Length && char.IsWhiteSpace(this.text[this.position]))
            {
                this.position++;
            }
        }

        private char Peek()
        {
            this.SkipWhitespace();
            return this.position < this.text.Length ? this.text[this.position] : '\0';
        }

        private bool TryConsume(char c)
        {
            if (this.Peek() != c)
            {
                return false;
            }

            this.position++;
            return true;
        }

        private void Expect(char c)
        {
            if (!this.TryConsume(c))
            {
                throw this.Fail($"has a malformed header: expected '{c}' at offset {this.position} of {this.Quoted()}");
            }
        }

        private string String()
        {
            char quote = this.Peek();
            if (quote is not ('\'' or '"'))
            {
                throw this.Fail($"has a malformed header: expected a string at offset {this.position} of {this.Quoted()}");
            }

            int end = this.text.IndexOf(quote, this.position + 1);
            if (end < 0)
            {
                throw this.Fail($"has a malformed header: unterminated string in {this.Quoted()}");
            }

            string value = this.text[(this.position + 1)..end];
            this.position = end + 1;
            return value;
        }

        private bool Boolean()
        {
            this.SkipWhitespace();
            foreach ((string word, bool value) in new[] { ("True", true), ("False", false) })
            {
                if (string.CompareOrdinal(this.text, this.position, word, 0, word.Length) == 0)
                {
                    this.position += word.Length;
                    return value;
                }
            }

            throw this.Fail($"has a malformed header: expected True or False at offset {this.position} of {this.Quoted()}");
        }

        private long[] Tuple()
        {
            this.Expect('(');
            List<long> items = [];
            while (!this.TryConsume(')'))
            {
                this.SkipWhitespace();
                int start = this.position;
                while (this.position < this.text.Length && char.IsAsciiDigit(this.text[this.position]))
                {
                    this.position++;
                }

                if (!long.TryParse(this.text.AsSpan(start, this.position - start), NumberStyles.None, CultureInfo.InvariantCulture, out long item))
                {
                    throw this.Fail($"has a malformed shape: expected a non-negative integer at offset {start} of {this.Quoted()}");
                }

                this.TryConsume('L'); // Python 2 long literals, as old numpy wrote them
                items.Add(item);
                if (!this.TryConsume(','))
                {
                    this.Expect(')');
                    break;
                }
            }

            return [.. items];
        }

        private readonly string Quoted() => $"\"{this.text.TrimEnd()}\"";

        private readonly InvalidDataException Fail(string message) => Error(this.name, message);
    }
}
