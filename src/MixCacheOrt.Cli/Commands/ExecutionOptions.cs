using System.CommandLine;
using System.Text.Json.Nodes;
using MixCacheOrt.Models;
using MixCacheOrt.Ort;

namespace MixCacheOrt.Cli.Commands;

/// <summary>
/// Where a command runs its model, declared once for every command that runs one (<c>generate</c>, <c>eval</c>,
/// <c>profile</c>, <c>calibrate</c>): <c>--provider cpu|cuda</c>, <c>--device N</c>, <c>--threads N</c> and the CUDA
/// provider options that matter (<c>--cuda-tf32</c>, <c>--cudnn-conv-search</c>, <c>--cuda-arena-extend</c>,
/// <c>--cuda-mem-limit-mb</c>).
/// </summary>
internal sealed class ExecutionOptions
{
    public Option<string> Provider { get; } = Choice("--provider", "Execution provider: cpu or cuda.", "cpu", "cpu", "cuda");

    public Option<int> Device { get; } = new("--device") { Description = "CUDA device id.", DefaultValueFactory = _ => 0 };

    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "Intra-op threads per session (0 = chosen for the model's size: 2 for tiny-wan, all cores for large models).",
        DefaultValueFactory = _ => 0,
    };

    public Option<bool> Tf32 { get; } = new("--cuda-tf32") { Description = "CUDA: allow TF32 tensor-core math (faster, ~1e-3 less exact; off by default)." };

    public Option<string> ConvSearch { get; } =
        Choice("--cudnn-conv-search", "CUDA: cuDNN convolution algorithm search.", "exhaustive", "exhaustive", "heuristic", "default");

    public Option<string> ArenaExtend { get; } =
        Choice("--cuda-arena-extend", "CUDA: how the device memory arena grows.", "next-power-of-two", "next-power-of-two", "same-as-requested");

    public Option<long> MemoryLimitMb { get; } = new("--cuda-mem-limit-mb") { Description = "CUDA: upper bound of the device arena in MiB (0 = none).", DefaultValueFactory = _ => 0 };

    public void AddTo(Command command)
    {
        foreach (Option option in (Option[])[this.Provider, this.Device, this.Threads, this.Tf32, this.ConvSearch, this.ArenaExtend, this.MemoryLimitMb])
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The parsed choice (validated later by <see cref="ExecutionChoice.Validate"/>).</summary>
    public ExecutionChoice Read(ParseResult parse) => new()
    {
        Provider = parse.GetValue(this.Provider) == "cuda" ? ExecutionProvider.Cuda : ExecutionProvider.Cpu,
        Device = parse.GetValue(this.Device),
        Threads = parse.GetValue(this.Threads),
        Cuda = new CudaOptions
        {
            Tf32 = parse.GetValue(this.Tf32),
            ConvAlgorithmSearch = parse.GetValue(this.ConvSearch) switch
            {
                "heuristic" => ConvAlgorithmSearch.Heuristic,
                "default" => ConvAlgorithmSearch.Default,
                _ => ConvAlgorithmSearch.Exhaustive,
            },
            ArenaExtendStrategy = parse.GetValue(this.ArenaExtend) == "same-as-requested" ? ArenaExtendStrategy.SameAsRequested : ArenaExtendStrategy.NextPowerOfTwo,
            MemoryLimitBytes = parse.GetValue(this.MemoryLimitMb) * 1024 * 1024,
        },
    };

    private static Option<string> Choice(string name, string description, string defaultValue, params string[] allowed)
    {
        var option = new Option<string>(name) { Description = $"{description} One of: {string.Join(", ", allowed)}.", DefaultValueFactory = _ => defaultValue };
        option.AcceptOnlyFromAmong(allowed);
        return option;
    }
}

/// <summary>A command's execution choice: provider, device, threads, CUDA options.</summary>
internal sealed record ExecutionChoice
{
    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;

    public int Device { get; init; }

    /// <summary>Intra-op threads per session; 0 = <see cref="ThreadRule"/>.</summary>
    public int Threads { get; init; }

    public CudaOptions Cuda { get; init; } = CudaOptions.Default;

    /// <summary>A one-line usage error naming the option, or null when the choice is valid.</summary>
    public string? Validate()
    {
        if (this.Threads < 0)
        {
            return $"--threads must be >= 0 (got {this.Threads}); 0 chooses a count for the model's size";
        }

        if (this.Device < 0)
        {
            return $"--device must be >= 0 (got {this.Device}); it is the CUDA device index ('nvidia-smi -L' lists them)";
        }

        if (this.Cuda.MemoryLimitBytes < 0)
        {
            return "--cuda-mem-limit-mb must be >= 0 (0 = no limit)";
        }

        return null;
    }

    public ExecutionSettings ToSettings() => new() { Threads = this.Threads, Provider = this.Provider, DeviceId = this.Device, Cuda = this.Cuda };

    /// <summary>
    /// What ran, for <c>run.json</c> and eval reports: provider, device and CUDA options (CUDA only), the thread count
    /// the package actually used, and the ORT version.
    /// </summary>
    public static JsonObject Describe(ExecutionSettings settings)
    {
        var node = new JsonObject
        {
            ["provider"] = settings.Provider.ToString().ToLowerInvariant(),
            ["threads"] = settings.Threads,
            ["ort_version"] = OrtRuntime.Version,
        };
        if (settings.Provider == ExecutionProvider.Cuda)
        {
            node["device"] = settings.DeviceId;
            var cuda = new JsonObject();
            foreach ((string key, string value) in settings.Cuda.ToProviderOptions(settings.DeviceId))
            {
                cuda[key] = value;
            }

            node["cuda"] = cuda;
        }

        return node;
    }
}
