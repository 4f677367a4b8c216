using Spectre.Console;

namespace MixCacheOrt.Cli.Commands;

/// <summary>
/// Ctrl-C for a command: the first press cancels <see cref="Token"/> instead of killing the process, so the work
/// stops at its next step boundary and cleans up (no partial outputs). Disposing unhooks the handler.
/// </summary>
internal sealed class ConsoleCancellation : IDisposable
{
    private readonly CancellationTokenSource source = new();

    public ConsoleCancellation() => Console.CancelKeyPress += this.OnCancelKeyPress;

    public CancellationToken Token => this.source.Token;

    public void Dispose()
    {
        Console.CancelKeyPress -= this.OnCancelKeyPress;
        this.source.Dispose();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        this.source.Cancel();
    }
}

/// <summary>A progress bar with ETA over <c>total</c> units of work when stdout is the terminal; nothing otherwise.</summary>
internal static class OfflineProgress
{
    /// <summary>Runs <paramref name="work"/>, giving it a callback to advance the bar by one unit (null when there is no bar).</summary>
    public static void Run(TextWriter stdout, string description, int total, Action<Action?> work)
    {
        if (stdout != Console.Out || Console.IsOutputRedirected)
        {
            work(null);
            return;
        }

        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask(description, maxValue: total);
                work(() => task.Increment(1));
            });
    }
}
