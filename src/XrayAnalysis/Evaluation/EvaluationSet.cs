namespace XrayAnalysis.Evaluation;

/// <summary>What is evaluated: ground truth, detections on it, the images that could not be read, and warnings so far.</summary>
/// <param name="GroundTruth">The ground truth (image file names are full paths when it was built from data folders).</param>
/// <param name="Detections">Detections in COCO terms, categories matched to the ground truth's.</param>
/// <param name="NotOk">Images that could not be read completely, or that hold a shield ("unable to clear") region; screening counts them as alarms.</param>
/// <param name="Warnings">Problems that did not stop the evaluation.</param>
public sealed record EvaluationSet(CocoDataset GroundTruth, IReadOnlyList<CocoDetection> Detections, IReadOnlySet<long> NotOk, IReadOnlyList<string> Warnings);
