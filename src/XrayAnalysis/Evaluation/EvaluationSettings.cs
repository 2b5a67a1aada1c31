namespace XrayAnalysis.Evaluation;

/// <summary>How to choose the screening threshold, and the gates to check.</summary>
public sealed record EvaluationSettings
{
    /// <summary>The operating threshold to use; overridden by a target.</summary>
    public double? Threshold { get; init; }

    /// <summary>Choose the highest threshold that reaches this scan-level Pd.</summary>
    public double? TargetPd { get; init; }

    /// <summary>Choose the lowest threshold that keeps scan-level FAR at or below this.</summary>
    public double? TargetFar { get; init; }

    /// <summary>The alarm threshold of the route the detector ran under; before the model profile's, after a given threshold or target.</summary>
    public double? RouteThreshold { get; init; }

    /// <summary>The model profile's operating threshold, used when nothing else is given (else 0.5).</summary>
    public double? ProfileThreshold { get; init; }

    /// <summary>Gates: the evaluation fails when one is missed.</summary>
    public IReadOnlyList<EvalGate> Gates { get; init; } = [];
}
