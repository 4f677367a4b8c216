using System.Text.Json;
using MixCacheOrt.Cli;

namespace MixCacheOrt.Tests.Cli.Commands;

public sealed class InfoCommandTests
{
    [Test]
    public void InfoJson_ReportsVersionPathProvidersAndCuda()
    {
        (int exitCode, string output, string error) = RunCli("info", "--json");

        Assert.That(exitCode, Is.EqualTo(0), error);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("ort_version").GetString(), Is.EqualTo(MixCacheOrt.Tests.TestUtilities.PinnedOrt.Version));
            Assert.That(File.Exists(root.GetProperty("library_path").GetString()), Is.True);
            Assert.That(root.GetProperty("providers").EnumerateArray().Select(p => p.GetString()), Does.Contain("CPUExecutionProvider"));
            Assert.That(root.GetProperty("cuda_usable").ValueKind, Is.AnyOf(JsonValueKind.True, JsonValueKind.False));
            Assert.That(root.TryGetProperty("cuda_error", out _), Is.True);
        });
        if (!root.GetProperty("cuda_usable").GetBoolean())
        {
            Assert.That(root.GetProperty("cuda_error").GetString(), Does.Contain("libonnxruntime_providers"));
        }
    }

    [Test]
    public void Info_PrintsATable()
    {
        (int exitCode, string output, _) = RunCli("info");

        Assert.That(exitCode, Is.EqualTo(0));
        Assert.That(output, Does.Contain(MixCacheOrt.Tests.TestUtilities.PinnedOrt.Version).And.Contain("CUDA usable"));
    }

    [TestCase("info", "--bogus")]
    [TestCase("frobnicate")]
    [TestCase("info", "--device", "-3")]
    [TestCase("info", "--device", "many")]
    public void BadArguments_ExitNonZero_WithAMessageAndNoStackTrace(params string[] args)
    {
        (int exitCode, string output, string error) = RunCli(args);

        Assert.That(exitCode, Is.Not.EqualTo(0));
        Assert.That(error, Is.Not.Empty);
        Assert.That(output + error, Does.Not.Contain("   at "));
    }

    private static (int ExitCode, string Output, string Error) RunCli(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = Program.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }
}
