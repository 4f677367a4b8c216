using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;

namespace MixCacheOrt.Benchmarks;

/// <summary>Default configuration for every benchmark here: allocation counts next to timings.</summary>
public sealed class Config : ManualConfig
{
    public Config()
    {
        this.Add(DefaultConfig.Instance);
        this.AddDiagnoser(MemoryDiagnoser.Default);
        this.WithOptions(ConfigOptions.JoinSummary);
    }
}
