namespace XrayAnalysis.Synthesis;

/// <summary>The project's fixed threat classes; COCO category id = (int)value + 1, model class id = (int)value.</summary>
public enum ThreatClass
{
    NarcoticsBrick = 0,
    NarcoticsPacket = 1,
    TabletCluster = 2,
}

/// <summary>Names and ids of <see cref="ThreatClass"/> as written to ground truth and models.</summary>
public static class ThreatClasses
{
    /// <summary>Names by model class id.</summary>
    public static readonly IReadOnlyList<string> Names = ["narcotics_brick", "narcotics_packet", "tablet_cluster"];

    public static string NameOf(ThreatClass c) => Names[(int)c];

    public static int CocoId(ThreatClass c) => Evaluation.CocoCategories.IdOf((int)c);
}
