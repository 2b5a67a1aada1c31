namespace XrayAnalysis.Synthesis;

/// <summary>How a synthetic scan is rendered to 8 bits: the pipeline's own palette, other vendor-like palettes, or grey.</summary>
public enum ScanPalette
{
    /// <summary>The detection pipeline's dual-energy palette (orange organic, green mixed, blue metal).</summary>
    Standard,
    /// <summary>A vendor-like palette: amber organics, yellow-green mixed, slate-blue metal, lighter overall.</summary>
    Amber,
    /// <summary>A vendor-like palette: red-orange organics, teal mixed, cyan metal, darker (held out of training).</summary>
    Cyan,
    /// <summary>Single-energy grey (the high-energy transmission, log-scaled), as older and single-view scanners give.</summary>
    Grey,
}
