namespace MixCacheOrt.Metrics;

/// <summary>
/// How a clip matches its prompt (<see cref="PromptAdherence.Score"/>). Each <c>...Ok</c> compares the prompt's
/// attribute with the detected one, nulls included: a prompt that names no colour "matches" a clip where no object was
/// found, exactly as the Python evaluator's <c>==</c> does.
/// </summary>
/// <param name="Wanted">Attributes named in the prompt.</param>
/// <param name="Detected">Attributes detected in the frames.</param>
/// <param name="ColorOk">The colours are equal.</param>
/// <param name="DirectionOk">The directions are equal.</param>
/// <param name="ShapeOk">The shapes are equal (reported, but not part of <see cref="Adheres"/>).</param>
public sealed record AdherenceScore(AdherenceDetection Wanted, AdherenceDetection Detected, bool ColorOk, bool DirectionOk, bool ShapeOk)
{
    /// <summary>The clip adheres to the prompt: colour and direction both match.</summary>
    public bool Adheres => this.ColorOk && this.DirectionOk;
}
