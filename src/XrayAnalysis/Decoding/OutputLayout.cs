namespace XrayAnalysis.Decoding;

/// <summary>The detector output layouts found in the wild (see docs/ARCHITECTURE.md for the tensor shapes).</summary>
public enum OutputLayout
{
    /// <summary>Ultralytics YOLOv5u/v8/v9/v11/v12: [1, 4+nc, N], cx cy w h in input pixels, class scores, no objectness.</summary>
    UltralyticsV8,

    /// <summary>Original YOLOv5: [1, N, 5+nc], cx cy w h, objectness, class scores; score = obj × cls.</summary>
    YoloV5,

    /// <summary>End-to-end (YOLOv10, YOLO26, nms=True exports): [1, K, 6] x1 y1 x2 y2 score class; threshold only.</summary>
    EndToEnd,

    /// <summary>RT-DETR: [1, K, 4+nc] normalised cx cy w h and sigmoid scores; stretched input, no NMS.</summary>
    RtDetr,

    /// <summary>YOLOX: [1, N, 5+nc] raw grid regressions at strides 8/16/32; obj and cls already in 0–1.</summary>
    Yolox,
}
