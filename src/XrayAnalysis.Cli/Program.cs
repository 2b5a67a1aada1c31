using Microsoft.ML.OnnxRuntime;
using XrayAnalysis.Cli;

// ONNX Runtime's own log goes to stdout in colour; every failure it reports also reaches xray as an exception and is
// printed once, as one line naming the file (a missing CUDA library, for one). Keep only its fatal messages.
OrtEnv.Instance().EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;

return XrayCli.Run(args, Console.Out, Console.Error);
