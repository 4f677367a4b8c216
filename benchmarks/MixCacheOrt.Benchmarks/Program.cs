using BenchmarkDotNet.Running;

namespace MixCacheOrt.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/MixCacheOrt.Benchmarks -- --filter '*'</c>
/// (add <c>--job short</c> for a quick look; see <c>--help</c>).
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new Config());
}
