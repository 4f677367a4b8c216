namespace MixCacheOrt.Ort;

/// <summary>Metadata of one session input or output.</summary>
public sealed class OrtNodeInfo
{
    internal OrtNodeInfo(
        string name, int index, OnnxValueType valueType, TensorElementType elementType, long[] shape, string[] symbolicDimensions)
    {
        this.Name = name;
        this.Index = index;
        this.ValueType = valueType;
        this.ElementType = elementType;
        this.Shape = shape;
        this.SymbolicDimensions = symbolicDimensions;
    }

    /// <summary>Input or output name in the model.</summary>
    public string Name { get; }

    /// <summary>Position among the session's inputs (or outputs).</summary>
    public int Index { get; }

    /// <summary>Tensor, sequence, map, ...</summary>
    public OnnxValueType ValueType { get; }

    /// <summary>Tensor element type (<see cref="TensorElementType.Undefined"/> for non-tensors).</summary>
    public TensorElementType ElementType { get; }

    /// <summary>Dimensions as declared by the model; -1 marks a symbolic or unknown dimension.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Per dimension, the symbolic name (e.g. <c>batch</c>), or "" for a fixed or unnamed dimension.</summary>
    public IReadOnlyList<string> SymbolicDimensions { get; }

    /// <summary>True when some dimension is only known at run time.</summary>
    public bool HasDynamicDimensions => this.Shape.Contains(-1);

    /// <summary>E.g. <c>x: Float[batch, 3]</c>.</summary>
    public override string ToString()
    {
        IEnumerable<string> dims = this.Shape.Select((d, i) =>
            d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : this.SymbolicDimensions[i].Length > 0 ? this.SymbolicDimensions[i] : "?");
        return $"{this.Name}: {this.ElementType}[{string.Join(", ", dims)}]";
    }
}
