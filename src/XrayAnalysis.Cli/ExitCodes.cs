namespace XrayAnalysis.Cli;

/// <summary>Process exit codes of <c>xray</c>, as documented in README and --help.</summary>
internal static class ExitCodes
{
    /// <summary>Every input was processed with status ok.</summary>
    public const int Ok = 0;

    /// <summary>Some inputs were not ok (failed, incomplete, rejected), or an evaluation gate was missed.</summary>
    public const int SomeInputsNotOk = 1;

    /// <summary>The command line was wrong.</summary>
    public const int UsageError = 2;

    /// <summary>The model could not be used (missing, invalid, unknown layout, hash mismatch).</summary>
    public const int ModelUnusable = 3;

    /// <summary>The run itself failed: the output folder is held by another run or cannot be written (disk full), the run was interrupted, or an internal error; every input processed so far is written.</summary>
    public const int RunFailed = 4;
}
