using System.CommandLine;
using MixCacheOrt.Schedulers;

namespace MixCacheOrt.Cli.Commands;

/// <summary><c>--scheduler euler|unipc</c>, shared by the commands that sample.</summary>
internal static class SchedulerOption
{
    public static Option<string?> Create()
    {
        var option = new Option<string?>("--scheduler")
        {
            Description = "Sampler: euler (flow-matching Euler) or unipc (Wan2.1's default, UniPC order 2) (default: the model's scheduler.type).",
        };
        option.AcceptOnlyFromAmong([.. FlowSchedulers.Names]);
        return option;
    }
}
