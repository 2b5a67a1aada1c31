namespace XrayAnalysis.Preprocessing;

/// <summary>How an image is fitted to the model input.</summary>
public enum ResizeMode
{
    /// <summary>
    /// Keep aspect ratio and centre the image, padding both sides (Ultralytics YOLO and YOLOv5's <c>letterbox</c>:
    /// resized side = round(side · r), odd padding puts the extra pixel at the bottom/right).
    /// </summary>
    Letterbox,

    /// <summary>Resize each axis independently to the input size (RT-DETR).</summary>
    Stretch,

    /// <summary>
    /// Keep aspect ratio, place the image at the top-left corner and pad right and bottom (YOLOX's <c>preproc</c>:
    /// resized side = int(side · r), truncated).
    /// </summary>
    LetterboxTopLeft,
}
