using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Models;
using MixCacheOrt.Numerics;
using MixCacheOrt.Ort;
using MixCacheOrt.Pipelines;

// A host application that uses ONNX Runtime's official C# API first (its own environment and session), then runs a
// MixCacheOrt pipeline in the same process; or, with mode "plain", only the pipeline (a fresh process to compare with).
//   MixCacheOrt.HostApp host|plain MODEL_DIR OUT.npy STEPS
// Prints JSON: the libonnxruntime* files mapped into the process, and whether MixCacheOrt kept the host's environment.
if (args.Length != 4 || args[0] is not ("host" or "plain"))
{
    Console.Error.WriteLine("usage: MixCacheOrt.HostApp host|plain MODEL_DIR OUT.npy STEPS");
    return 2;
}

bool host = args[0] == "host";
string modelDir = args[1];
OrtEnv? hostEnv = null;
InferenceSession? hostSession = null;
if (host)
{
    var envOptions = new EnvironmentCreationOptions { logId = "host-app", logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
    hostEnv = OrtEnv.CreateInstanceWithOptions(ref envOptions);

    // The host's own model (the package's text encoder), run once through the official API and kept open while
    // MixCacheOrt works.
    hostSession = new InferenceSession(Path.Combine(modelDir, "text_encoder.onnx"));
    using var runOptions = new RunOptions();
    using OrtValue tokens = OrtValue.CreateTensorValueFromMemory(new long[16], [1, 16]);
    using IDisposableReadOnlyCollection<OrtValue> outputs = hostSession.Run(runOptions, ["tokens"], [tokens], hostSession.OutputNames);
    _ = outputs[0].GetTensorDataAsSpan<float>()[0];
}

using ModelPackage package = ModelPackage.Load(modelDir, new ExecutionSettings { Threads = 2 });
using var pipeline = new TextToVideoPipeline(package);
GenerationResult result = pipeline.Generate(new GenerationRequest { Prompt = "a red circle moving right", Seed = 7, Steps = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) });
NpyFile.Write(args[2], [1, .. package.Manifest.Geometry.LatentShape], result.Latent);

Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["ort_libraries"] = OrtRuntime.LoadedLibraries(),
    ["same_environment"] = hostEnv is not null && ReferenceEquals(OrtRuntime.Environment, hostEnv),
    ["mixcache_created_environment"] = OrtRuntime.HasSharedThreadPool,
}));
hostSession?.Dispose();
return 0;
