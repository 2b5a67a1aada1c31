namespace XrayAnalysis.Preprocessing;

/// <summary>How an image is fitted to the model input.</summary>
public enum ResizeMode
{
    /// <summary>Keep aspect ratio, bilinear resize, centre, pad with grey 114 (Ultralytics YOLO).</summary>
    Letterbox,

    /// <summary>Resize each axis independently to the input size (RT-DETR).</summary>
    Stretch,
}
