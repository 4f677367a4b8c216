// Validates a model package with ModelPackage (manifest, graph signatures, sha256 of graphs and of generated weights) and
// reports what loading it costs:  dotnet run --file benchmarks/validate-package.cs -c Release -- PKG
#:project ../src/MixCacheOrt/MixCacheOrt.csproj
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
using System.Diagnostics;
using MixCacheOrt.Models;
var sw = Stopwatch.StartNew();
using var p = ModelPackage.Load(args[0], new ExecutionSettings { Threads = 2 });
Console.WriteLine($"validated {p.Manifest.Name}: {p.Manifest.Blocks.Count} blocks, {p.Manifest.Geometry.Tokens} tokens, latent [{string.Join(", ", p.Manifest.Geometry.LatentShape)}], sha256 of graphs and generated weights checked, {p.Blocks.Count} block sessions loaded in {sw.Elapsed.TotalSeconds:F1} s, RSS {Process.GetCurrentProcess().WorkingSet64 / (1 << 20)} MiB");
