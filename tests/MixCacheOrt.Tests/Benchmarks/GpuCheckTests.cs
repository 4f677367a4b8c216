using System.Diagnostics;
using System.Text.Json;
using MixCacheOrt.Ort;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Benchmarks;

/// <summary>
/// benchmarks/gpu/gpu-check.sh on a machine without usable CUDA (this one): it runs the built CLI's <c>info</c>,
/// stops with exit code 3 and writes a summary that says CUDA is not usable and why. On a GPU machine it would go on
/// to the measurements, which is not for a unit test.
/// </summary>
[NonParallelizable]
public sealed class GpuCheckTests
{
    [Test]
    public void WithoutCuda_StopsAfterInfo_WithExitCode3_AndASummarySayingWhy()
    {
        if (OrtRuntime.ProbeCuda().Usable)
        {
            Assert.Ignore("CUDA is usable here: run benchmarks/gpu/gpu-check.sh itself");
        }

        using var temp = new TempDirectory();
        string outDir = Path.Combine(temp.Path, "gpu-out");

        (int code, string stderr) = RunScript("--app", CliBuild(), "--model", ShippedModel.Directory, "--out", outDir, "--quick");

        Assert.That(code, Is.EqualTo(3), stderr);
        Assert.That(stderr, Does.Contain("CUDA is not usable here: missing library"));
        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
        JsonElement info = summary.RootElement.GetProperty("info");
        Assert.That(info.GetProperty("cuda_usable").GetBoolean(), Is.False);
        Assert.That(info.GetProperty("ort_version").GetString(), Is.EqualTo(MixCacheOrt.Tests.TestUtilities.PinnedOrt.Version));
        Assert.That(summary.RootElement.GetProperty("parity").ValueKind, Is.EqualTo(JsonValueKind.Null), "nothing measured without CUDA");
        Assert.That(File.ReadAllText(Path.Combine(outDir, "summary.md")), Does.Contain("CUDA usable: no (missing library lib"));
    }

    [Test]
    public void OnCpu_RunsEveryStep_AndSummarisesThem()
    {
        // --on-cpu runs the whole check with the CPU provider where it says CUDA: the script and its summary are
        // exercised end to end here, so a GPU session only has to run it.
        using var temp = new TempDirectory();
        string outDir = Path.Combine(temp.Path, "gpu-out");

        (int code, string stderr) = RunScript("--app", CliBuild(), "--model", ShippedModel.Directory, "--out", outDir, "--quick", "--on-cpu", "--prompts", "2");

        Assert.That(code, Is.EqualTo(0), stderr);
        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
        JsonElement root = summary.RootElement;
        Assert.That(root.GetProperty("provider_under_test").GetString(), Is.EqualTo("cpu"));
        Assert.That(root.GetProperty("parity").GetProperty("tf32_off").GetProperty("max_abs").GetDouble(), Is.EqualTo(0), "CPU vs CPU: the same latent");
        string[] methods = [.. root.GetProperty("eval").GetProperty("methods").EnumerateArray().Select(m => m.GetProperty("method").GetString()!)];
        Assert.That(methods, Does.Contain("none").And.Contain("mixcache-eff").And.Contain("teacache-0.1").And.Contain("fastercache"));
        Assert.That(root.GetProperty("eval").GetProperty("methods")[0].GetProperty("runs").GetInt32(), Is.EqualTo(2), "two prompts x one seed");
        Assert.That(root.GetProperty("mode_times").GetProperty("fastercache").TryGetProperty("cfg", out _), Is.True, "per-mode step times");
        Assert.That(root.GetProperty("threads").GetProperty("1").GetProperty("runs").GetInt32(), Is.EqualTo(3));
        Assert.That(File.ReadAllText(Path.Combine(outDir, "summary.md")), Does.Contain("Dry run").And.Contain("| mixcache-eff |"));
    }

    [TestCase("--prompts", "1", "--prompts must be a whole number >= 2")]
    [TestCase("--bogus", null, "unknown argument '--bogus'")]
    [TestCase("--app", "/nonexistent", "--app '/nonexistent' has no mixcache.dll")]
    public void BadArguments_AreOneLineWithExitCode2(string option, string? value, string message)
    {
        using var temp = new TempDirectory();
        string[] args = value is null ? [option] : [option, value];
        if (option != "--app")
        {
            args = [.. args, "--app", CliBuild()];
        }

        (int code, string stderr) = RunScript([.. args, "--out", Path.Combine(temp.Path, "out")]);

        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1), stderr);
        Assert.That(stderr, Does.Contain(message));
        Assert.That(Directory.EnumerateFileSystemEntries(temp.Path), Is.Empty);
    }

    /// <summary>The CLI build of the same configuration as these tests (tests/…/bin/CONFIG/TFM → src/MixCacheOrt.Cli/bin/CONFIG/TFM).</summary>
    private static string CliBuild()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.Combine(Python.RepoRoot(), "src", "MixCacheOrt.Cli", "bin", testBin.Parent!.Name, testBin.Name);
    }

    private static (int Code, string Stderr) RunScript(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(Python.RepoRoot(), "benchmarks", "gpu", "gpu-check.sh"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Assert.That(process.WaitForExit(TimeSpan.FromMinutes(2)), Is.True, "gpu-check.sh timed out");
        _ = stdout.Result;
        return (process.ExitCode, stderr.Result);
    }
}
