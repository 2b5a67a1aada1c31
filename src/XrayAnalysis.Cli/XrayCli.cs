using System.CommandLine;
using XrayAnalysis.Cli.Commands;

namespace XrayAnalysis.Cli;

/// <summary>Builds the <c>xray</c> command tree and runs it with the given writers (tests pass in-memory writers).</summary>
public static class XrayCli
{
    /// <summary>Text appended to the root help.</summary>
    public const string ExitCodeHelp =
        "Exit codes: 0 all inputs ok; 1 some inputs not ok (failed, incomplete, rejected) or an evaluation gate missed; " +
        "2 usage error; 3 model unusable; 4 the run itself failed (output folder locked or unwritable, disk full, interrupted, internal error).";

    /// <summary>Creates the root command.</summary>
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("XrayAnalysis: AI-assisted X-ray inspection. Run ONNX detectors on 2D scans and CT volumes, evaluate, synthesise test scans.\n" + ExitCodeHelp);
        root.Add(DetectCommand.Create());
        root.Add(ModelCommand.Create());
        root.Add(SynthCommand.Create());
        root.Add(EvalCommand.Create());
        root.Add(TipCommand.Create());
        root.Add(RenderCommand.Create());
        root.Add(BenchCommand.Create());
        root.Add(VolumeCommand.Create());
        root.Add(BatchCommand.Create());
        root.Add(ReviewCommand.Create());
        return root;
    }

    /// <summary>Parses and invokes; returns the process exit code. Parse errors give exit code 2.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        RootCommand root = CreateRoot();
        ParseResult parse = root.Parse(args);
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        if (parse.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError e in parse.Errors)
            {
                error.WriteLine($"xray: {e.Message}");
            }

            error.WriteLine("Run 'xray --help' for usage.");
            return ExitCodes.UsageError;
        }

        try
        {
            return parse.Invoke(config);
        }
        catch (Exception ex)
        {
            // No stack trace ever reaches a user: one line, and the exit code of a run that failed.
            string message = string.IsNullOrWhiteSpace(ex.Message) ? "no message" : ex.Message.Split('\n')[0].Trim();
            error.WriteLine($"xray: internal error: {ex.GetType().Name}: {message}");
            if (Environment.GetEnvironmentVariable("XRAY_TRACE") == "1")
            {
                // Opt-in, for a bug report: the whole exception, inner ones and stack traces included.
                error.WriteLine(ex.ToString());
            }

            return ExitCodes.RunFailed;
        }
    }
}
