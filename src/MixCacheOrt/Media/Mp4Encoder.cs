using System.Diagnostics;
using System.Globalization;

namespace MixCacheOrt.Media;

/// <summary>
/// Writes a clip as an H.264 MP4 (yuv420p, +faststart: plays in browsers) by piping raw RGB frames into the
/// <c>ffmpeg</c> program. A plain process rather than FFMpegCore: one argument list and one pipe, no dependency.
/// </summary>
public static class Mp4Encoder
{
    /// <summary>Environment variable naming the ffmpeg executable to use instead of the one on PATH.</summary>
    public const string FfmpegVariable = "MIXCACHE_FFMPEG";

    /// <summary>The ffmpeg executable: <see cref="FfmpegVariable"/> when set, else the first <c>ffmpeg</c> on PATH; null when there is none.</summary>
    public static string? FindFfmpeg()
    {
        if (Environment.GetEnvironmentVariable(FfmpegVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "ffmpeg");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// Encodes <paramref name="frames"/> at <paramref name="fps"/> frames per second into <paramref name="path"/>,
    /// upscaled <paramref name="scale"/> times (nearest neighbour) and padded to even dimensions as yuv420p needs.
    /// </summary>
    /// <exception cref="IOException">ffmpeg failed; the message has its last error line.</exception>
    public static void Write(string path, VideoFrames frames, int fps, int scale, string ffmpeg)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        var start = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        string size = string.Create(CultureInfo.InvariantCulture, $"{frames.Width}x{frames.Height}");
        string filter = string.Create(CultureInfo.InvariantCulture, $"scale=iw*{scale}:ih*{scale}:flags=neighbor,pad=ceil(iw/2)*2:ceil(ih/2)*2");
        foreach (string arg in (string[])[
            "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", size, "-r", fps.ToString(CultureInfo.InvariantCulture), "-i", "pipe:0",
            "-vf", filter, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "18", "-movflags", "+faststart", path])
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start) ?? throw new IOException($"could not start '{ffmpeg}'");
        Task<string> errors = process.StandardError.ReadToEndAsync();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        try
        {
            using Stream stdin = process.StandardInput.BaseStream;
            stdin.Write(frames.ToBytes());
        }
        catch (IOException)
        {
            // ffmpeg exited early (bad arguments, missing encoder): its stderr says why, below.
        }

        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new IOException($"ffmpeg did not finish writing '{path}' within 2 minutes");
        }

        _ = output.Result;
        if (process.ExitCode != 0)
        {
            string last = errors.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no message";
            throw new IOException($"ffmpeg failed writing '{path}' (exit code {process.ExitCode}): {last}");
        }
    }
}
