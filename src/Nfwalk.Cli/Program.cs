using System.CommandLine;
using Nfwalk.Cli.Commands;
using Nfwalk.Hosting;

namespace Nfwalk.Cli;

public static class Program
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("nfwalk: explains iptables rulesets and walks packets through them exactly as the Linux kernel does.");
        root.Subcommands.Add(AmbientCommand.Create());
        root.Subcommands.Add(CheckCommand.Create());
        root.Subcommands.Add(ExplainCommand.Create());
        root.Subcommands.Add(PrintCommand.Create());
        root.Subcommands.Add(TraceCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(WalkCommand.Create());
        return root;
    }

    public static int Main(string[] args)
    {
        try
        {
            HugePages.Advise();
            return BuildRoot().Parse(args).Invoke();
        }
        catch (Exception e)
        {
            // Bad input must never end in a stack trace; this is a bug in nfwalk, said plainly.
            Console.Error.WriteLine($"nfwalk: internal error ({e.GetType().Name}: {e.Message}). This is a bug in nfwalk; please report it with the input that caused it.");
            if (Environment.GetEnvironmentVariable("NFWALK_DEBUG") == "1") Console.Error.WriteLine(e);
            return 3;
        }
    }
}
