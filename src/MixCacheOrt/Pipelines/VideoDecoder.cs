using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Models;
using MixCacheOrt.Ort;

namespace MixCacheOrt.Pipelines;

/// <summary>The package's decoder graph: latent [C, F, h, w] to frames [F, H, W, 3] in [0, 1] on the host.</summary>
public sealed class VideoDecoder
{
    private readonly ModelPackage package;

    public VideoDecoder(ModelPackage package)
    {
        this.package = package;
        if (package.Decoder is null)
        {
            throw new ModelPackageException($"'{package.Directory}' has no decoder graph; it can produce latents only");
        }
    }

    public float[] Decode(float[] latent)
    {
        ModelGeometry g = this.package.Manifest.Geometry;
        using OrtValue input = OrtValues.Tensor(latent, [1, .. g.LatentShape]);
        using OrtIoBinding binding = this.package.Decoder!.CreateIoBinding();
        binding.BindInput("latent", input);
        binding.BindOutputToDevice("frames", OrtDevices.Cpu);
        using OrtOutputs outputs = OrtOutputs.Run(this.package.Decoder!, binding);
        return outputs[0].ToArray<float>();
    }
}
