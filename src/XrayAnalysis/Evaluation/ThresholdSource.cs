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
}

/// <summary>Words for <see cref="ThresholdSource"/> as reports write them.</summary>
public static class ThresholdSourceText
{
    /// <summary>"chosen for the target", "option", "model profile's operating threshold" or "default; no model profile".</summary>
    public static string Describe(this ThresholdSource source) => source switch
    {
        ThresholdSource.Target => "chosen for the target",
        ThresholdSource.Option => "option",
        ThresholdSource.ModelProfile => "model profile's operating threshold",
        _ => "default; no model profile",
    };
}
