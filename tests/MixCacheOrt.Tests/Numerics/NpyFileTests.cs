using System.Text;
using MixCacheOrt.Numerics;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Numerics;

public sealed class NpyFileTests
{
    private string root = null!;

    [SetUp]
    public void CreateRoot() => this.root = Directory.CreateTempSubdirectory("npy-").FullName;

    [TearDown]
    public void DeleteRoot() => Directory.Delete(this.root, recursive: true);

    /// <summary>
    /// numpy.save(np.array([1.0, -2.5], dtype=np.float32)) written out by hand from the format description in
    /// numpy/lib/format.py: magic "\x93NUMPY", version 1.0, header length 118 (uint16 LE = 0x76 0x00), the dict
    /// (57 characters), 20 spaces numpy reserves for the first axis to grow to 21 digits, 40 spaces of padding so
    /// that 10 + 57 + 20 + 40 + 1 = 128 is a multiple of 64, "\n", then 1.0f = 00 00 80 3F and -2.5f = 00 00 20 C0.
    /// </summary>
    private static byte[] HandWrittenFloat32File()
    {
        List<byte> file = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 0x76, 0x00];
        file.AddRange(Encoding.ASCII.GetBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"));
        file.AddRange(Enumerable.Repeat((byte)' ', 20 + 40));
        file.Add((byte)'\n');
        file.AddRange([0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0]);
        return [.. file];
    }

    /// <summary>A file with a hand-written header <paramref name="dict"/> (any version), then <paramref name="data"/>.</summary>
    private static byte[] FileWithHeader(string dict, byte[] data, int major = 1)
    {
        int lengthSize = major == 1 ? 2 : 4;
        int unpadded = 8 + lengthSize + dict.Length + 1;
        string header = dict + new string(' ', (64 - (unpadded % 64)) % 64) + "\n";
        List<byte> file = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0];
        file.AddRange(BitConverter.GetBytes(header.Length).Take(lengthSize));
        file.AddRange(Encoding.UTF8.GetBytes(header));
        file.AddRange(data);
        return [.. file];
    }

    private static NpyArray<T> ReadBytes<T>(byte[] file, string name = "test.npy")
        where T : unmanaged
    {
        using MemoryStream stream = new(file);
        return NpyFile.Read<T>(stream, name);
    }

    [Test]
    public void Read_HandWrittenNumpyFile()
    {
        NpyArray<float> array = ReadBytes<float>(HandWrittenFloat32File());

        Assert.That(array.Shape, Is.EqualTo(new long[] { 2 }));
        Assert.That(array.Data, Is.EqualTo(new[] { 1.0f, -2.5f }));
    }

    [Test]
    public void Write_ProducesTheHandWrittenBytes()
    {
        using MemoryStream stream = new();

        NpyFile.Write(stream, [2], [1.0f, -2.5f]);

        Assert.That(stream.ToArray(), Is.EqualTo(HandWrittenFloat32File()));
    }

    [Test]
    public void ReadHeader_ReportsVersionDescrShapeAndOffset()
    {
        using MemoryStream stream = new(HandWrittenFloat32File());

        NpyHeader header = NpyFile.ReadHeader(stream, "test.npy");

        Assert.That((header.MajorVersion, header.MinorVersion, header.Descr, header.FortranOrder), Is.EqualTo((1, 0, "<f4", false)));
        Assert.That(header.Shape, Is.EqualTo(new long[] { 2 }));
        Assert.That((header.DataOffset, header.ElementCount, stream.Position), Is.EqualTo((128L, 2L, 128L)));
    }

    [TestCase("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }")]
    [TestCase("{\"shape\": (2, 3), \"fortran_order\": False, \"descr\": \"<i8\"}")]
    [TestCase("{'descr':'<i8','fortran_order':False,'shape':(2,3)}")]
    [TestCase("{'descr': '<i8', 'fortran_order': False, 'shape': (2L, 3L), }")]
    [TestCase("{ 'descr' : '<i8' ,\n 'fortran_order' : False , 'shape' : ( 2 , 3 , ) , }")]
    public void Read_AcceptsHeaderVariants(string dict)
    {
        byte[] data = [.. Enumerable.Range(1, 6).SelectMany(i => BitConverter.GetBytes((long)i * -1000000007L))];

        NpyArray<long> array = ReadBytes<long>(FileWithHeader(dict, data));

        Assert.That(array.Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(array.Data, Is.EqualTo(Enumerable.Range(1, 6).Select(i => i * -1000000007L)));
    }

    [TestCase(2)]
    [TestCase(3)]
    public void Read_Versions2And3(int major)
    {
        byte[] file = FileWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", BitConverter.GetBytes(0.25f), major);

        Assert.That(ReadBytes<float>(file).Data, Is.EqualTo(new[] { 0.25f }));
    }

    [Test]
    public void Read_FortranOrderOneDimensional_IsTheSameAsCOrder()
    {
        byte[] file = FileWithHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", BitConverter.GetBytes(0.5f));

        Assert.That(ReadBytes<float>(file).Data, Is.EqualTo(new[] { 0.5f }));
    }

    [Test]
    public void RoundTrip_Float32ThroughAFile()
    {
        string path = Path.Combine(this.root, "latent.npy");
        float[] data = [.. Enumerable.Range(0, 2 * 4 * 8 * 8 * 8).Select(i => MathF.Sin(i) * 1e3f)];
        data[5] = float.NaN;
        data[6] = float.NegativeInfinity;
        data[7] = -0f;

        NpyFile.Write(path, [2, 4, 8, 8, 8], data);
        NpyArray<float> back = NpyFile.Read<float>(path);

        Assert.That(back.Shape, Is.EqualTo(new long[] { 2, 4, 8, 8, 8 }));
        Assert.That(back.Data.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(data.Select(BitConverter.SingleToInt32Bits)), "bit for bit");
        Assert.That(Directory.GetFiles(this.root), Is.EqualTo(new[] { path }), "written atomically, no temporary left");
    }

    [Test]
    public void RoundTrip_Int64()
    {
        string path = Path.Combine(this.root, "tokens.npy");
        long[] data = [long.MinValue, -1, 0, 1, long.MaxValue, 42];

        NpyFile.Write(path, [3, 2], data);

        NpyArray<long> back = NpyFile.Read<long>(path);

        Assert.That(back.Shape, Is.EqualTo(new long[] { 3, 2 }));
        Assert.That(back.Data, Is.EqualTo(data));
        Assert.That(back.ToString(), Is.EqualTo("NpyArray<Int64> [3, 2]"));
    }

    [TestCase(new long[0], 1)]
    [TestCase(new long[] { 0 }, 0)]
    [TestCase(new long[] { 3, 0, 2 }, 0)]
    [TestCase(new long[] { 7 }, 7)]
    public void RoundTrip_ScalarsAndEmptyArrays(long[] shape, int count)
    {
        float[] data = [.. Enumerable.Range(0, count).Select(i => i + 0.5f)];
        using MemoryStream stream = new();

        NpyFile.Write(stream, shape, data);
        stream.Position = 0;
        NpyArray<float> back = NpyFile.Read<float>(stream, "mem");

        Assert.That(back.Shape, Is.EqualTo(shape));
        Assert.That(back.Data, Is.EqualTo(data));
        Assert.That(stream.ToArray().AsSpan(0, 128).IndexOf((byte)'\n'), Is.EqualTo(127), "data starts at byte 128");
    }

    [Test]
    public void Write_HugeHeader_SwitchesToVersion2()
    {
        // 25000 dimensions of 1 make a header of about 75 kB, more than version 1.0's uint16 length allows.
        long[] shape = [.. Enumerable.Repeat(1L, 25_000)];
        using MemoryStream stream = new();

        NpyFile.Write(stream, shape, [3f]);

        byte[] file = stream.ToArray();
        int headerLength = BitConverter.ToInt32(file, 8);
        Assert.That(file[6], Is.EqualTo(2), "major version");
        Assert.That((12 + headerLength) % 64, Is.Zero, "data aligned to 64 bytes");
        stream.Position = 0;
        Assert.That(NpyFile.Read<float>(stream, "mem").Data, Is.EqualTo(new[] { 3f }));
    }

    [Test]
    public void Read_UnsupportedDtype_NamesFileAndDtype()
    {
        byte[] file = FileWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", new byte[8]);

        var e = Assert.Throws<InvalidDataException>(() => ReadBytes<float>(file, "weights.npy"));

        Assert.That(e!.Message, Is.EqualTo("'weights.npy' has dtype '<f8', which is not supported; only '<f4' (float32) and '<i8' (int64) are."));
    }

    [Test]
    public void Read_OtherSupportedDtype_SaysWhichOne()
    {
        var e = Assert.Throws<InvalidDataException>(() => ReadBytes<long>(HandWrittenFloat32File(), "noise.npy"));

        Assert.That(e!.Message, Is.EqualTo("'noise.npy' holds '<f4' (float32) data, not '<i8' (int64)."));
    }

    [Test]
    public void Read_BigEndian_IsUnsupported()
    {
        byte[] file = FileWithHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]);

        var e = Assert.Throws<InvalidDataException>(() => ReadBytes<float>(file));

        Assert.That(e!.Message, Does.Contain("has dtype '>f4', which is not supported"));
    }

    [Test]
    public void Read_FortranOrder_Throws()
    {
        byte[] file = FileWithHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new byte[16]);

        var e = Assert.Throws<InvalidDataException>(() => ReadBytes<float>(file, "f.npy"));

        Assert.That(e!.Message, Is.EqualTo("'f.npy' is stored in Fortran (column-major) order; only C order is supported."));
    }

    [Test]
    public void Read_TruncatedData_NamesTheFile()
    {
        string path = Path.Combine(this.root, "cut.npy");
        byte[] file = HandWrittenFloat32File();
        File.WriteAllBytes(path, file[..^3]);

        var e = Assert.Throws<InvalidDataException>(() => NpyFile.Read<float>(path));

        Assert.That(e!.Message, Does.StartWith($"'{path}' is truncated"));
        Assert.That(e.Message, Does.Contain("needs 2 elements (8 bytes of data) but only 5 bytes follow the header"));
    }

    [Test]
    public void Read_TruncatedNonSeekableStream_Throws()
    {
        using NonSeekableStream stream = new(HandWrittenFloat32File()[..^1]);

        var e = Assert.Throws<InvalidDataException>(() => NpyFile.Read<float>(stream, "pipe"));

        Assert.That(e!.Message, Does.StartWith("'pipe' is truncated"));
    }

    [TestCase(new byte[] { 0x93, (byte)'N', (byte)'U' }, "ends inside the magic string")]
    [TestCase(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0, 0, 0, 0 }, "is not a .npy file")]
    [TestCase(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 4, 0, 0, 0 }, "version 4.0")]
    [TestCase(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 100, 0, (byte)'{' }, "ends inside the header")]
    public void Read_BrokenPreamble_Throws(byte[] file, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => ReadBytes<float>(file, "x.npy"));

        Assert.That(e!.Message, Does.StartWith("'x.npy' ").And.Contain(message));
    }

    [TestCase("{'descr': '<f4', 'shape': (1,), }", "without 'descr', 'fortran_order' and 'shape'")]
    [TestCase("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "unexpected or repeated header key 'extra'")]
    [TestCase("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", "repeated header key 'descr'")]
    [TestCase("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", "structured dtype")]
    [TestCase("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", "expected True or False")]
    [TestCase("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", "malformed shape")]
    [TestCase("{'descr': '<f4', 'fortran_order': False, 'shape': [1]}", "expected '('")]
    [TestCase("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", "text after the header dict")]
    public void Read_MalformedHeader_Throws(string dict, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => ReadBytes<float>(FileWithHeader(dict, new byte[4]), "h.npy"));

        Assert.That(e!.Message, Does.StartWith("'h.npy' ").And.Contain(message));
    }

    [Test]
    public void UnsupportedElementType_Throws()
    {
        Assert.Throws<NotSupportedException>(() => ReadBytes<int>(HandWrittenFloat32File()));
        Assert.Throws<NotSupportedException>(() => NpyFile.DescrOf<double>());
    }

    [Test]
    public void Write_ShapeMismatch_Throws()
    {
        using MemoryStream stream = new();

        var e = Assert.Throws<ArgumentException>(() => NpyFile.Write(stream, [2, 2], new float[3]));
        Assert.Throws<ArgumentException>(() => NpyFile.Write(stream, [-1], new float[0]));

        Assert.That(e!.Message, Does.Contain("[2, 2] has 4 elements but the data has 3"));
        Assert.That(stream.Length, Is.Zero);
    }

    [Test]
    public void Numpy_ReadsOurFilesAndWritesIdenticalBytes()
    {
        Python.AssumeModules("numpy");
        float[] floats = [.. Enumerable.Range(0, 24).Select(i => i / 7f)];
        long[] longs = [.. Enumerable.Range(0, 5).Select(i => (long)i << 40)];
        NpyFile.Write(Path.Combine(this.root, "ours_f4.npy"), [2, 3, 4], floats);
        NpyFile.Write(Path.Combine(this.root, "ours_i8.npy"), [5], longs);
        NpyFile.Write(Path.Combine(this.root, "ours_scalar.npy"), [], [1.5f]);

        // numpy saves the same arrays itself, and loads ours: values and bytes must agree.
        string output = Python.Run(
            """
            import os, sys
            import numpy as np
            d = sys.argv[1]
            arrays = {
                "f4": (np.arange(24, dtype=np.float32) / np.float32(7)).reshape(2, 3, 4),
                "i8": np.arange(5, dtype=np.int64) << 40,
                "scalar": np.array(1.5, dtype=np.float32),
            }
            for name, a in arrays.items():
                np.save(os.path.join(d, f"numpy_{name}.npy"), a)
                ours = np.load(os.path.join(d, f"ours_{name}.npy"))
                same_bytes = open(os.path.join(d, f"numpy_{name}.npy"), "rb").read() == open(os.path.join(d, f"ours_{name}.npy"), "rb").read()
                print(name, ours.dtype.str, ours.shape, bool(np.array_equal(ours, a)), same_bytes)
            """,
            this.root);

        Assert.That(output.Trim().Split('\n'), Is.EqualTo(new[]
        {
            "f4 <f4 (2, 3, 4) True True",
            "i8 <i8 (5,) True True",
            "scalar <f4 () True True",
        }));
        Assert.That(NpyFile.Read<float>(Path.Combine(this.root, "numpy_f4.npy")).Data, Is.EqualTo(floats));
        Assert.That(NpyFile.Read<long>(Path.Combine(this.root, "numpy_i8.npy")).Data, Is.EqualTo(longs));
        Assert.That(NpyFile.Read<float>(Path.Combine(this.root, "numpy_scalar.npy")).Shape, Is.Empty);
    }

    [Test]
    public void Numpy_FortranAndFloat64Files_AreRejected()
    {
        Python.AssumeModules("numpy");
        Python.Run(
            """
            import os, sys
            import numpy as np
            np.save(os.path.join(sys.argv[1], "f8.npy"), np.zeros(3))
            np.save(os.path.join(sys.argv[1], "fortran.npy"), np.asfortranarray(np.zeros((2, 3), dtype=np.float32)))
            """,
            this.root);

        Assert.Throws<InvalidDataException>(() => NpyFile.Read<float>(Path.Combine(this.root, "f8.npy")));
        Assert.Throws<InvalidDataException>(() => NpyFile.Read<float>(Path.Combine(this.root, "fortran.npy")));
        Assert.That(NpyFile.ReadHeader(Path.Combine(this.root, "fortran.npy")).FortranOrder, Is.True);
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
