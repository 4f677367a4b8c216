using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Models;
using MixCacheOrt.Ort;

namespace MixCacheOrt.Tests.Ort;

public sealed class CudaOptionsTests
{
    [Test]
    public void Defaults_AreOrtsExceptTf32Off()
    {
        Dictionary<string, string> options = CudaOptions.Default.ToProviderOptions(deviceId: 0);

        Assert.That(options, Is.EqualTo(new Dictionary<string, string>
        {
            ["device_id"] = "0",
            ["use_tf32"] = "0",
            ["cudnn_conv_algo_search"] = "EXHAUSTIVE",
            ["arena_extend_strategy"] = "kNextPowerOfTwo",
        }));
    }

    [Test]
    public void EveryOption_MapsToOrtsKeyAndValue()
    {
        var cuda = new CudaOptions
        {
            Tf32 = true,
            ConvAlgorithmSearch = ConvAlgorithmSearch.Heuristic,
            ArenaExtendStrategy = ArenaExtendStrategy.SameAsRequested,
            MemoryLimitBytes = 3L << 30,
        };

        Dictionary<string, string> options = cuda.ToProviderOptions(deviceId: 2);

        Assert.That(options, Is.EqualTo(new Dictionary<string, string>
        {
            ["device_id"] = "2",
            ["use_tf32"] = "1",
            ["cudnn_conv_algo_search"] = "HEURISTIC",
            ["arena_extend_strategy"] = "kSameAsRequested",
            ["gpu_mem_limit"] = "3221225472",
        }));
        Assert.That(new CudaOptions { ConvAlgorithmSearch = ConvAlgorithmSearch.Default }.ToProviderOptions(0)["cudnn_conv_algo_search"], Is.EqualTo("DEFAULT"));
        Assert.Throws<ArgumentOutOfRangeException>(() => cuda.ToProviderOptions(-1));
    }

    [Test]
    public void CudaSessionOptions_WithoutCuda_FailWithTheMissingLibraryNamed()
    {
        if (OrtRuntime.ProbeCuda().Usable)
        {
            Assert.Ignore("CUDA is usable on this machine");
        }

        var settings = new ExecutionSettings { Provider = ExecutionProvider.Cuda };

        var e = Assert.Throws<OnnxRuntimeException>(() => settings.CreateSessionOptions().Dispose());

        Assert.That(OrtErrors.Describe(e!), Does.Contain("libonnxruntime_providers_cuda.so").And.Contain("cannot open shared object file"));
    }

    [Test]
    public void CpuSessionOptions_CarryThreadsAndOptimizationLevel()
    {
        using SessionOptions options = new ExecutionSettings { Threads = 3 }.CreateSessionOptions();

        Assert.That(options.IntraOpNumThreads, Is.EqualTo(3));
        Assert.That(options.InterOpNumThreads, Is.EqualTo(1));
        Assert.That(options.GraphOptimizationLevel, Is.EqualTo(GraphOptimizationLevel.ORT_ENABLE_ALL));
    }
}
