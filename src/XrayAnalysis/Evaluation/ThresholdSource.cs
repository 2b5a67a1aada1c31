namespace XrayAnalysis.Evaluation;

/// <summary>Where the screening threshold came from.</summary>
public enum ThresholdSource
{
    /// <summary>Chosen to meet <see cref="EvaluationSettings.TargetPd"/> or <see cref="EvaluationSettings.TargetFar"/>.</summary>
    Target,

    /// <summary>Given as <see cref="EvaluationSettings.Threshold"/>.</summary>
    Option,

    /// <summary>The model profile's operating threshold.</summary>
    ModelProfile,

    /// <summary>0.5: no model profile and nothing given.</summary>
    Default,

    /// <summary>The alarm threshold of the route profile the evaluation ran under (<see cref="EvaluationSettings.RouteThreshold"/>).</summary>
    Route,
}

/// <summary>Words for <see cref="ThresholdSource"/> as reports write them.</summary>
public static class ThresholdSourceText
{
    /// <summary>"chosen for the target", "option", "route's alarm threshold", "model profile's operating threshold" or "default; no model profile".</summary>
    public static string Describe(this ThresholdSource source) => source switch
    {
        ThresholdSource.Target => "chosen for the target",
        ThresholdSource.Option => "option",
        ThresholdSource.ModelProfile => "model profile's operating threshold",
        ThresholdSource.Route => "route's alarm threshold",
        _ => "default; no model profile",
    };
}
