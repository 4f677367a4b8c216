using ScottPlot;

namespace MixCacheOrt.Plots;

/// <summary>Saves a ScottPlot plot as <c>NAME.png</c> and <c>NAME.svg</c>, the same picture twice.</summary>
public static class PlotFiles
{
    /// <summary>Writes <paramref name="directory"/>/<paramref name="name"/>.png and .svg.</summary>
    /// <returns>The two file names (without the directory).</returns>
    public static IReadOnlyList<string> Save(Plot plot, string directory, string name, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(plot);
        plot.SavePng(Path.Combine(directory, name + ".png"), width, height);
        plot.SaveSvg(Path.Combine(directory, name + ".svg"), width, height);
        return [name + ".png", name + ".svg"];
    }

    /// <summary>One colour per cache mode, the same in every plot (full compute grey, step cache blue, ...; a forecast is the light shade of the mode it forecasts).</summary>
    public static Color ModeColor(string mode) => mode switch
    {
        "full" => Color.FromHex("#7f7f7f"),
        "step" => Color.FromHex("#1f77b4"),
        "cfg" => Color.FromHex("#ff7f0e"),
        "block" => Color.FromHex("#2ca02c"),
        "branch_block" => Color.FromHex("#9467bd"),
        "residual" => Color.FromHex("#d62728"),
        "middle" => Color.FromHex("#8c564b"),
        "forecast_step" => Color.FromHex("#aec7e8"),
        "forecast_cfg" => Color.FromHex("#ffbb78"),
        "forecast_block" => Color.FromHex("#98df8a"),
        "forecast_residual" => Color.FromHex("#ff9896"),
        _ => Color.FromHex("#17becf"),
    };
}
