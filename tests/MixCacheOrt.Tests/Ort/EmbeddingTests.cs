using System.Diagnostics;
using System.Text.Json;
using MixCacheOrt.Numerics;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Ort;

/// <summary>
/// One ONNX Runtime per process: an application that already uses the official API (its own environment and session)
/// and then runs a MixCacheOrt pipeline maps one <c>libonnxruntime.so</c>, MixCacheOrt works in the host's environment,
/// and the video is the same as from a process that runs MixCacheOrt alone. Each side runs as its own process
/// (tests/MixCacheOrt.HostApp), so the host really creates the environment first.
/// </summary>
[NonParallelizable]
public sealed class EmbeddingTests
{
    [Test]
    public void HostWithItsOwnSession_MapsOneRuntime_AndGetsTheSameVideoAsAFreshProcess()
    {
        using var scratch = new TempDirectory();
        string hostLatent = Path.Combine(scratch.Path, "host.npy");
        string plainLatent = Path.Combine(scratch.Path, "plain.npy");

        JsonElement host = RunHostApp("host", hostLatent);
        JsonElement plain = RunHostApp("plain", plainLatent);

        string[] hostLibraries = [.. host.GetProperty("ort_libraries").EnumerateArray().Select(e => e.GetString()!)];
        Assert.That(hostLibraries.Count(p => Path.GetFileName(p) == "libonnxruntime.so"), Is.EqualTo(1), string.Join(", ", hostLibraries));
        Assert.That(host.GetProperty("same_environment").GetBoolean(), Is.True, "MixCacheOrt used the host's OrtEnv");
        Assert.That(host.GetProperty("mixcache_created_environment").GetBoolean(), Is.False);
        Assert.That(plain.GetProperty("mixcache_created_environment").GetBoolean(), Is.True);
        float[] a = NpyFile.Read<float>(hostLatent).Data;
        float[] b = NpyFile.Read<float>(plainLatent).Data;
        Assert.That(a, Has.Length.EqualTo(ShippedPipelineLatentSize()));
        Assert.That(a, Is.EqualTo(b), "same latent, bit for bit");
    }

    private static int ShippedPipelineLatentSize() => MixCacheOrt.Models.ModelPackage.ReadManifest(ShippedModel.Directory).Geometry.LatentElementCount;

    private static JsonElement RunHostApp(string mode, string latentPath)
    {
        // tests/MixCacheOrt.Tests/bin/<Configuration>/<tfm>/ -> tests/MixCacheOrt.HostApp/bin/<Configuration>/<tfm>/
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string hostDll = Path.Combine(testBin.Parent!.Parent!.Parent!.Parent!.FullName, "MixCacheOrt.HostApp", "bin",
            testBin.Parent!.Name, testBin.Name, "MixCacheOrt.HostApp.dll");
        Assert.That(File.Exists(hostDll), Is.True, $"{hostDll} is missing; build the solution");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in (string[])["exec", hostDll, mode, ShippedModel.Directory, latentPath, "3"])
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Assert.That(process.WaitForExit(TimeSpan.FromMinutes(2)), Is.True, "host app timed out");
        Assert.That(process.ExitCode, Is.EqualTo(0), stderr.Result);
        return JsonDocument.Parse(stdout.Result).RootElement.Clone();
    }
}
