using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/XrayAnalysis.Benchmarks -- --filter '*'   (add --job short for a quick pass)
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
