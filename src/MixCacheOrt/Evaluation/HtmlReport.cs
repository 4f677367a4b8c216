using System.Globalization;
using System.Text;
using MixCacheOrt.Plots;

namespace MixCacheOrt.Evaluation;

/// <summary>
/// <c>report.html</c>: one page for people comparing caches, needing no network: the summary table, the plots, and per
/// (prompt, seed) the full-compute video beside each method's video with its PSNR, SSIM, speedup and step-mode
/// timeline. Videos are GIFs in <c>videos/</c> beside the page (every browser shows them; no codec needed).
/// </summary>
/// <remarks>
/// An inline script (no network) records on <c>body</c> whether every image loaded (<c>data-media</c> =
/// <c>loaded:N</c> or <c>failed:src,…</c>) and how many page errors and console errors occurred (<c>data-errors</c>),
/// and shows it in the
/// page's footer; the browser test reads these.
/// </remarks>
public static class HtmlReport
{
    public const string FileName = "report.html";

    public const string VideoDirectory = "videos";

    /// <summary>The relative path of a run's GIF.</summary>
    public static string VideoPath(EvaluationRecord record, int index)
    {
        ArgumentNullException.ThrowIfNull(record);
        return string.Create(CultureInfo.InvariantCulture, $"{VideoDirectory}/{index:D4}-{Slug(record.Method)}-seed{record.Seed}.gif");
    }

    /// <summary>The page; <paramref name="plotFiles"/> are image files beside it (shown in order).</summary>
    public static string Create(EvaluationReport report, IReadOnlyList<string> plotFiles)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(plotFiles);
        EvaluationSettings s = report.Settings;
        EvaluationEnvironment e = report.Environment;
        string title = $"Cache evaluation: {s.ModelName}, {EvaluationFormat.Count(s.Prompts.Count, "prompt")} × {EvaluationFormat.Count(s.Seeds.Count, "seed")}, {s.Steps} steps";
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>");
        html.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.AppendLine($"<title>{H(title)}</title>");
        html.AppendLine("<style>");
        html.AppendLine("body{font-family:system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;font-size:14px}");
        html.AppendLine("th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}th:first-child,td:first-child,td:last-child{text-align:left}");
        html.AppendLine(".plots img{max-width:100%;border:1px solid #eee;margin:8px 0}.runs{display:flex;flex-wrap:wrap;gap:12px}");
        html.AppendLine("figure{margin:0;width:150px;font-size:12px}figure img{width:128px;height:128px;image-rendering:pixelated;display:block}");
        html.AppendLine(".timeline{display:flex;height:8px;width:128px;margin-top:4px}.timeline span{flex:1}");
        foreach (string mode in StepModes.KnownOrder)
        {
            html.AppendLine(CultureInfo.InvariantCulture, $".m-{mode}{{background:{PlotFiles.ModeColor(mode).ToHex()}}}");
        }

        html.AppendLine("</style></head><body>");
        html.AppendLine($"<h1>{H(title)}</h1>");
        html.AppendLine($"<p>{H(s.CommandLine ?? string.Empty)}<br>ONNX Runtime {H(e.OrtVersion)}, provider {H(e.Provider)}, threads {H(e.ThreadsDescription)}; " +
            $"{e.StartedUtc.UtcDateTime:yyyy-MM-dd HH:mm} UTC</p>");
        html.AppendLine("<h2>Summary</h2><table><thead><tr>");
        foreach (string column in MarkdownReport.Columns)
        {
            html.Append($"<th>{H(column)}</th>");
        }

        html.AppendLine("</tr></thead><tbody>");
        foreach (string[] row in MarkdownReport.Rows(report.Summaries))
        {
            html.AppendLine("<tr>" + string.Concat(row.Select(c => $"<td>{H(c)}</td>")) + "</tr>");
        }

        html.AppendLine("</tbody></table>");
        html.AppendLine("<p>Speedup: full compute / method, same prompt and seed, end to end. PSNR/SSIM: decoded frames against full compute.</p>");
        html.AppendLine("<h2>Plots</h2><div class=\"plots\">");
        foreach (string plot in plotFiles)
        {
            html.AppendLine($"<img src=\"{H(plot)}\" alt=\"{H(plot)}\">");
        }

        html.AppendLine("</div><h2>Runs</h2>");
        html.AppendLine("<p>Legend: " + string.Join(" ", StepModes.KnownOrder.Select(m => $"<span class=\"m-{m}\" style=\"padding:0 6px;color:#fff\">{m}</span>")) + "</p>");
        int index = 0;
        foreach (IGrouping<(string Prompt, ulong Seed), (EvaluationRecord Record, int Index)> group in report.Records
            .Select(r => (Record: r, Index: index++))
            .GroupBy(x => (x.Record.Prompt, x.Record.Seed)))
        {
            html.AppendLine($"<section><h3>{H(group.Key.Prompt)} — seed {group.Key.Seed}</h3><div class=\"runs\">");
            foreach ((EvaluationRecord r, int i) in group)
            {
                string quality = r.IsReference ? "reference" : double.IsPositiveInfinity(r.Psnr)
                    ? "identical"
                    : string.Create(CultureInfo.InvariantCulture, $"PSNR {r.Psnr:F2} dB · SSIM {r.Ssim:F3}");
                html.Append($"<figure><img src=\"{H(VideoPath(r, i))}\" alt=\"{H(r.Method)}\"><figcaption><b>{H(r.Method)}</b><br>{H(quality)}<br>");
                html.Append(string.Create(CultureInfo.InvariantCulture, $"{r.Speedup:F2}× · {r.TotalMs:F0} ms"));
                html.Append("<div class=\"timeline\">" + string.Concat(r.ModeSequence.Select(m => $"<span class=\"m-{H(m)}\"></span>")) + "</div>");
                html.AppendLine("</figcaption></figure>");
            }

            html.AppendLine("</div></section>");
        }

        html.AppendLine("<footer><p id=\"status\"></p></footer>");
        html.AppendLine("""
            <script>
            let errors = 0;
            window.addEventListener('error', () => { errors++; }, true);
            const consoleError = console.error;
            console.error = (...args) => { errors++; consoleError(...args); };
            window.addEventListener('load', () => {
              const bad = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));
              document.body.dataset.media = bad.length ? 'failed:' + bad.join(',') : 'loaded:' + document.images.length;
              document.body.dataset.errors = String(errors);
              document.getElementById('status').textContent = document.images.length + ' images, ' + bad.length + ' not loaded, ' + errors + ' page errors';
            });
            </script>
            """);
        html.AppendLine("</body></html>");
        return html.ToString();
    }

    /// <summary>Escapes the characters HTML needs escaped, leaving other text (×, —, ∞) as it is in UTF-8.</summary>
    private static string H(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);

    private static string Slug(string method) => new([.. method.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '_')]);
}
