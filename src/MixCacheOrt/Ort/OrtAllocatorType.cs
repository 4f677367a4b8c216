namespace MixCacheOrt.Ort;

/// <summary>Allocator kind of a memory info (<c>OrtAllocatorType</c>).</summary>
public enum OrtAllocatorType
{
    Invalid = -1,
    Device = 0,
    Arena = 1,
    ReadOnly = 2,
}
