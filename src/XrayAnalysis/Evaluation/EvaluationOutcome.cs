namespace XrayAnalysis.Evaluation;

/// <summary>The result of <see cref="DetectionEvaluation.Evaluate"/>.</summary>
/// <param name="Coco">COCO metrics as pycocotools computes them.</param>
/// <param name="Screening">Screening rates at <paramref name="Threshold"/>.</param>
/// <param name="Threshold">The screening threshold used.</param>
/// <param name="ThresholdSource">Where it came from.</param>
/// <param name="Warnings">Problems that did not stop the evaluation.</param>
/// <param name="FailedGates">One line per gate missed; empty when all passed.</param>
public sealed record EvaluationOutcome(CocoEvalResult Coco, ScreeningResult Screening, double Threshold, ThresholdSource ThresholdSource,
    IReadOnlyList<string> Warnings, IReadOnlyList<string> FailedGates);
