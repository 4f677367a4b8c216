using System.CommandLine;
using System.CommandLine.Parsing;
using MixCacheOrt.Cli.Commands;

namespace MixCacheOrt.Cli;

/// <summary>Entry point of <c>mixcache</c>. Each subcommand lives in Commands/ and registers itself here.</summary>
internal static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Parses and runs a command line; never throws, returns the process exit code.</summary>
    internal static int Run(string[] args, TextWriter output, TextWriter error)
    {
        RootCommand root = BuildRootCommand();
        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
            // Commands handle Ctrl-C themselves (generate stops at a step boundary and cleans up).
            ProcessTerminationTimeout = null,
        };

        try
        {
            ParseResult parse = root.Parse(args);
            if (parse.Errors.Count > 0 && !args.Contains("--help") && !args.Contains("-h") && !args.Contains("-?"))
            {
                // One line naming the problem, not the help page (which --help prints).
                string command = parse.CommandResult.Command == root ? "mixcache" : $"mixcache {parse.CommandResult.Command.Name}";
                // The option a value belongs to, when the error is about a value (e.g. --scheduler ddim).
                SymbolResult? symbol = parse.Errors[0].SymbolResult;
                string? option = (symbol as OptionResult ?? symbol?.Parent as OptionResult)?.Option.Name;
                string described = ParseErrors.Describe(parse.Errors[0].Message);
                error.WriteLine($"{command}: {(option is not null && !described.Contains(option, StringComparison.Ordinal) ? option + ": " : string.Empty)}{described}; see '{command} --help'");
                return ExitCodes.Usage;
            }

            return parse.Invoke(configuration);
        }
        catch (Exception e)
        {
            // Expected failures (no ONNX Runtime, bad model, ...) get one clear line, not a stack trace.
            error.WriteLine($"mixcache: error: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    internal static RootCommand BuildRootCommand()
    {
        var root = new RootCommand(
            "MixCacheOrt: text-to-video diffusion transformers on ONNX Runtime with adaptive caching.");
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(ProfileCommand.Create());
        root.Subcommands.Add(CalibrateCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        return root;
    }
}
