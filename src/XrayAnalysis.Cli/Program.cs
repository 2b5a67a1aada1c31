using XrayAnalysis.Cli;

return XrayCli.Run(args, Console.Out, Console.Error);
