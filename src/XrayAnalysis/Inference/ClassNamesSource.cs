namespace XrayAnalysis.Inference;

/// <summary>Where a model's class names came from.</summary>
public enum ClassNamesSource
{
    /// <summary>The profile's class list.</summary>
    Profile,

    /// <summary>The Ultralytics <c>names</c> metadata entry.</summary>
    Metadata,

    /// <summary>Nothing named them: <c>class_0</c>, <c>class_1</c>, …</summary>
    Default,
}
