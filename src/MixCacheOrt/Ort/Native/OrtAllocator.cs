namespace MixCacheOrt.Ort.Native;

/// <summary>ONNX Runtime's default CPU allocator, used to free strings and arrays that ORT allocates for us.</summary>
internal static unsafe class OrtAllocator
{
    private static nint s_default;

    /// <summary>The default allocator (<c>GetAllocatorWithDefaultOptions</c>); owned by ORT, never released.</summary>
    public static nint Default
    {
        get
        {
            nint allocator = Volatile.Read(ref s_default);
            if (allocator == 0)
            {
                OrtStatus.ThrowIfFailed(OrtApi.GetAllocatorWithDefaultOptions(&allocator));
                Volatile.Write(ref s_default, allocator);
            }

            return allocator;
        }
    }

    /// <summary>Frees memory that ORT allocated with the default allocator (no-op for NULL).</summary>
    public static void Free(void* pointer)
    {
        if (pointer != null)
        {
            OrtStatus.ThrowIfFailed(OrtApi.AllocatorFree(Default, pointer));
        }
    }

    /// <summary>Copies a UTF-8 string allocated by the default allocator, then frees it.</summary>
    public static string TakeString(byte* text)
    {
        try
        {
            return Utf8.ToString(text);
        }
        finally
        {
            Free(text);
        }
    }
}
