using System.Globalization;

namespace MixCacheOrt.Cli.Commands;

/// <summary>A closed (or, at the bottom, open) range a numeric option must fall in; non-finite values never do.</summary>
internal readonly record struct NumericRange(double Min, double Max, bool MinInclusive)
{
    public bool Contains(double value) =>
        double.IsFinite(value) && (this.MinInclusive ? value >= this.Min : value > this.Min) && value <= this.Max;

    /// <summary>The range in words, e.g. "a number from 0 to 100" or "a number above 0 and at most 100".</summary>
    public string Text => this.MinInclusive
        ? string.Create(CultureInfo.InvariantCulture, $"a number from {this.Min} to {this.Max}")
        : string.Create(CultureInfo.InvariantCulture, $"a number above {this.Min} and at most {this.Max}");
}
