using System.Globalization;
using XrayAnalysis.Fuzz;
using XrayAnalysis.Loading;

// xray-fuzz: the project's fuzzing and mutation tools (docs/RELIABILITY.md).
//   seeds IMAGEDIR VOLUMEDIR           a small seed corpus: every image and volume format variant the loaders accept
//   mutate SEEDDIR OUTDIR COUNT SEED   mutated copies of every seed file, round-robin (MetaImage headers keep their data file)
//   probe FILE...                       one line per file: path <TAB> ok|defect|STATUS <TAB> reason (the header probe alone)
//   instrument XrayAnalysis.dll        SharpFuzz IL instrumentation, in place (run on a copy of the build output)
//   fuzz TARGET CORPUSDIR EXECUTIONS SEED [CRASHDIR]   coverage-guided in-process fuzzing of one parser
string mode = args.Length > 0 ? args[0] : "";
switch (mode)
{
    case "mutate" when args.Length == 5:
        return MutateCommand.Run(args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture), int.Parse(args[4], CultureInfo.InvariantCulture));
    case "seeds" when args.Length == 3:
        return SeedCommand.Run(args[1], args[2]);
    case "probe":
        foreach (string f in args.Skip(1))
        {
            try
            {
                ImageHeader h = ImageHeaderProbe.Probe(f, File.ReadAllBytes(f), 16);
                Console.WriteLine($"{f}\t{(h.Defect is null ? "ok" : "defect")}\t{h.Defect}");
            }
            catch (ScanLoadException ex)
            {
                Console.WriteLine($"{f}\t{ex.Status.ToString().ToLowerInvariant()}\t{ex.Reason}");
            }
        }

        return 0;
    case "instrument" when args.Length == 2:
        // In place, before the library is loaded by any fuzz run: only the parsing namespaces are instrumented.
        SharpFuzz.Fuzzer.Instrument(args[1], name => name.StartsWith("XrayAnalysis.Loading", StringComparison.Ordinal) ||
                                                      name.StartsWith("XrayAnalysis.Volumes", StringComparison.Ordinal) ||
                                                      name.StartsWith("XrayAnalysis.Dicos", StringComparison.Ordinal), SharpFuzz.Options.Value);
        Console.WriteLine($"instrumented {args[1]}");
        return 0;
    case "fuzz" when args.Length is 5 or 6:
        return FuzzCommand.Run(args[1], args[2], long.Parse(args[3], CultureInfo.InvariantCulture), int.Parse(args[4], CultureInfo.InvariantCulture), args.Length == 6 ? args[5] : null);
    default:
        Console.Error.WriteLine("usage: xray-fuzz seeds IMAGEDIR VOLUMEDIR | instrument DLL | mutate SEEDDIR OUTDIR COUNT SEED | probe FILE... | fuzz TARGET CORPUSDIR EXECUTIONS SEED [CRASHDIR]");
        return 2;
}
