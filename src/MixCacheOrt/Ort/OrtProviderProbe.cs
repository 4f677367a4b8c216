namespace MixCacheOrt.Ort;

/// <summary>Outcome of checking whether an execution provider can really be used on this machine.</summary>
/// <param name="Provider">Provider name, e.g. <c>CUDAExecutionProvider</c>.</param>
/// <param name="Usable">True when a session with the provider could be created.</param>
/// <param name="Error">Why not (ORT's message, which names e.g. the missing library); null when usable.</param>
public sealed record OrtProviderProbe(string Provider, bool Usable, string? Error);
