using Microsoft.ML.OnnxRuntime;

namespace MixCacheOrt.Ort;

/// <summary>Shorthands over the official <see cref="OrtValue"/> for tensors.</summary>
public static class OrtValues
{
    /// <summary>A tensor over <paramref name="data"/> (pinned, not copied) with <paramref name="shape"/>.</summary>
    public static OrtValue Tensor<T>(T[] data, params long[] shape)
        where T : unmanaged =>
        OrtValue.CreateTensorValueFromMemory(data, shape);

    /// <summary>A tensor over <paramref name="data"/> (pinned, not copied) with <paramref name="shape"/>.</summary>
    public static OrtValue Tensor<T>(Memory<T> data, params long[] shape)
        where T : unmanaged =>
        OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, data, shape);

    /// <summary>Number of elements of the tensor.</summary>
    public static long ElementCount(this OrtValue value) => value.GetTensorTypeAndShape().ElementCount;

    /// <summary>Number of dimensions of the tensor.</summary>
    public static int Rank(this OrtValue value) => value.GetTensorTypeAndShape().DimensionsCount;

    /// <summary>Dimensions of the tensor.</summary>
    public static long[] Shape(this OrtValue value) => value.GetTensorTypeAndShape().Shape;

    /// <summary>A host copy of a host-accessible tensor's elements.</summary>
    public static T[] ToArray<T>(this OrtValue value)
        where T : unmanaged =>
        value.GetTensorDataAsSpan<T>().ToArray();
}
