namespace XrayAnalysis.Volumes;

/// <summary>Which slice directions are run through the 2D detector.</summary>
public enum VolumeAxes
{
    /// <summary>Axial slices only; streamed, one slice in memory at a time.</summary>
    Z,

    /// <summary>Axial, sagittal and coronal slices, merged in 3D; holds the volume once.</summary>
    Xyz,
}
