using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Models;
using MixCacheOrt.Ort;
using MixCacheOrt.Text;

namespace MixCacheOrt.Pipelines;

/// <summary>Tokenizer + text encoder graph: prompts to raw text context on the activation device.</summary>
public sealed class PromptEncoder
{
    private readonly ModelPackage package;

    public PromptEncoder(ModelPackage package)
    {
        this.package = package;
        TokenizerSpec spec = package.Manifest.Tokenizer
            ?? throw new ModelPackageException($"'{package.Directory}/manifest.json' has no tokenizer; this package needs precomputed text contexts");
        if (package.TextEncoder is null)
        {
            throw new ModelPackageException($"'{package.Directory}' has no text_encoder graph; this package needs precomputed text contexts");
        }

        this.Tokenizer = new WordTokenizer(spec);
    }

    public WordTokenizer Tokenizer { get; }

    /// <summary>Encodes the prompts as one batch: [prompts.Count, text_len, text_dim] on the activation device.</summary>
    public OrtValue Encode(IReadOnlyList<string> prompts)
    {
        int length = this.Tokenizer.TextLength;
        long[] tokens = new long[prompts.Count * length];
        for (int i = 0; i < prompts.Count; i++)
        {
            this.Tokenizer.Encode(prompts[i], tokens.AsSpan(i * length, length));
        }

        using OrtValue input = OrtValues.Tensor(tokens, prompts.Count, length);
        using OrtIoBinding binding = this.package.TextEncoder!.CreateIoBinding();
        binding.BindInput("tokens", input);
        binding.BindOutputToDevice("context_raw", this.package.Settings.ActivationMemory);
        using OrtOutputs outputs = OrtOutputs.Run(this.package.TextEncoder!, binding);
        return outputs.Take(0);
    }
}
