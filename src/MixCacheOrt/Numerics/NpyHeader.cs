namespace MixCacheOrt.Numerics;

/// <summary>The header of a <c>.npy</c> file (<see cref="NpyFile.ReadHeader(string)"/>).</summary>
/// <param name="MajorVersion">Format version: 1, 2 or 3.</param>
/// <param name="MinorVersion">Minor format version (0).</param>
/// <param name="Descr">The dtype string, e.g. <c>&lt;f4</c>.</param>
/// <param name="FortranOrder">True when the data is stored column-major.</param>
/// <param name="Shape">Dimensions; empty for a scalar.</param>
/// <param name="DataOffset">Byte offset of the first element from the start of the file.</param>
public sealed record NpyHeader(int MajorVersion, int MinorVersion, string Descr, bool FortranOrder, long[] Shape, long DataOffset)
{
    /// <summary>Number of elements: the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (long dimension in this.Shape)
            {
                count = checked(count * dimension);
            }

            return count;
        }
    }
}
