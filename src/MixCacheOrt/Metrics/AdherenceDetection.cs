namespace MixCacheOrt.Metrics;

/// <summary>
/// What <see cref="PromptAdherence"/> found in a clip or a prompt. Null means nothing was found.
/// </summary>
/// <param name="Color">A palette colour name, e.g. <c>red</c>.</param>
/// <param name="Direction"><c>left</c>, <c>right</c>, <c>up</c> or <c>down</c>; a detection can also be <c>none</c> (no motion).</param>
/// <param name="Shape"><c>square</c>, <c>circle</c> or <c>triangle</c>.</param>
public sealed record AdherenceDetection(string? Color, string? Direction, string? Shape);
