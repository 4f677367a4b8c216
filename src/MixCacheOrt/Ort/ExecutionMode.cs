namespace MixCacheOrt.Ort;

/// <summary>Whether independent graph nodes may run concurrently (<c>ExecutionMode</c>).</summary>
public enum ExecutionMode
{
    Sequential = 0,
    Parallel = 1,
}
