using MixCacheOrt.Ort;

namespace MixCacheOrt.Tests.Ort;

public sealed class TensorElementTypesTests
{
    [Test]
    public void Of_MapsDotNetTypes()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TensorElementTypes.Of<float>(), Is.EqualTo(TensorElementType.Float));
            Assert.That(TensorElementTypes.Of<Half>(), Is.EqualTo(TensorElementType.Float16));
            Assert.That(TensorElementTypes.Of<long>(), Is.EqualTo(TensorElementType.Int64));
            Assert.That(TensorElementTypes.Of<bool>(), Is.EqualTo(TensorElementType.Bool));
            Assert.That(TensorElementTypes.Of<byte>(), Is.EqualTo(TensorElementType.UInt8));
        });
        Assert.Throws<NotSupportedException>(() => TensorElementTypes.Of<decimal>());
    }

    [TestCase(TensorElementType.Float, 4)]
    [TestCase(TensorElementType.Float16, 2)]
    [TestCase(TensorElementType.BFloat16, 2)]
    [TestCase(TensorElementType.Double, 8)]
    [TestCase(TensorElementType.Float8E4M3FN, 1)]
    [TestCase(TensorElementType.Float8E8M0, 1)]
    [TestCase(TensorElementType.String, 0)]
    [TestCase(TensorElementType.Int4, 0)]
    public void SizeOf(TensorElementType type, int bytes) => Assert.That(TensorElementTypes.SizeOf(type), Is.EqualTo(bytes));

    [Test]
    public void ClrTypeOf_RoundTrips()
    {
        Assert.That(TensorElementTypes.ClrTypeOf(TensorElementType.Float16), Is.EqualTo(typeof(Half)));
        Assert.That(TensorElementTypes.ClrTypeOf(TensorElementType.BFloat16), Is.Null);
    }

    [Test]
    public void EnumValues_FollowOrt130_NotOnnxAbove23()
    {
        Assert.That((int)TensorElementType.Float4E2M1, Is.EqualTo(23));
        Assert.That((int)TensorElementType.UInt2, Is.EqualTo(24));
        Assert.That((int)TensorElementType.Float8E8M0, Is.EqualTo(26));
    }
}
