namespace XrayAnalysis.Synthesis;

/// <summary>The project's fixed threat classes; COCO category id = (int)value + 1, model class id = (int)value.</summary>
public enum ThreatClass
{
    /// <summary>Pressed bricks (model class 0).</summary>
    NarcoticsBrick = 0,

    /// <summary>Wrapped packets and bags (model class 1).</summary>
    NarcoticsPacket = 1,

    /// <summary>Tablet clusters (model class 2).</summary>
    TabletCluster = 2,
}

/// <summary>Names and ids of <see cref="ThreatClass"/> as written to ground truth and models.</summary>
internal static class ThreatClasses
{
    /// <summary>Names by model class id.</summary>
    public static readonly IReadOnlyList<string> Names = ["narcotics_brick", "narcotics_packet", "tablet_cluster"];

    public static string NameOf(ThreatClass c) => Names[(int)c];

    public static int CocoId(ThreatClass c) => Evaluation.CocoCategories.IdOf((int)c);
}
