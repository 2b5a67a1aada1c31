namespace XrayAnalysis.Volumes;

/// <summary>What a volume batch did: every result in input order, and the ground-truth totals where truth was found.</summary>
/// <param name="Results">One result per input, in input order.</param>
/// <param name="NotOk">Inputs whose status is not ok.</param>
/// <param name="VolumesWithGroundTruth">Volumes with a NAME.boxes.json beside them.</param>
/// <param name="GroundTruthRegions">Ground-truth regions over those volumes.</param>
/// <param name="Found">Ground-truth regions matched at 3D IoU ≥ <see cref="VolumeBatch.GroundTruthIou"/>.</param>
/// <param name="FalsePositives">Regions matching no ground truth, over those volumes.</param>
/// <param name="SummaryError">Why summary.csv could not be written; null when it was.</param>
public sealed record VolumeBatchReport(
    IReadOnlyList<VolumeResult> Results, int NotOk, int VolumesWithGroundTruth, int GroundTruthRegions, int Found, int FalsePositives, string? SummaryError)
{
    /// <summary>Of <see cref="FalsePositives"/>, those on benign look-alike blocks the ground truth lists, by material.</summary>
    public IReadOnlyDictionary<string, int> FalsePositivesOnLookAlikes { get; init; } = new Dictionary<string, int>();
}
