using OpenCvSharp;

namespace XrayAnalysis.Preprocessing;

/// <summary>
/// Writes an 8-bit BGR image into one NCHW float32 slot of a model input, Ultralytics-style:
/// letterbox (bilinear, pad 114) or stretch, BGR→RGB, /255. All pixel work is done by OpenCV; the planes are written
/// straight into the tensor buffer through Mat headers over it.
/// </summary>
internal static class InputTensorWriter
{
    /// <summary>Grey level of letterbox padding (Ultralytics uses 114).</summary>
    public const byte PadValue = 114;

    /// <summary>Fills <paramref name="dst"/> (length 3·H·W) from <paramref name="bgr"/>.</summary>
    public static unsafe LetterboxTransform Write(Mat bgr, int inW, int inH, ResizeMode mode, Span<float> dst)
    {
        int plane = inW * inH;
        if (dst.Length < 3 * plane)
        {
            throw new ArgumentException($"tensor slot holds {dst.Length} floats, needs {3 * plane} for 3x{inH}x{inW}", nameof(dst));
        }

        LetterboxTransform t = LetterboxTransform.Create(bgr.Cols, bgr.Rows, inW, inH, mode);
        using var canvas = new Mat(inH, inW, MatType.CV_8UC3, new Scalar(PadValue, PadValue, PadValue));
        using (var roi = new Mat(canvas, new Rect(t.PadLeft, t.PadTop, t.ResizedWidth, t.ResizedHeight)))
        {
            if (t.ResizedWidth == bgr.Cols && t.ResizedHeight == bgr.Rows)
            {
                bgr.CopyTo(roi);
            }
            else
            {
                Cv2.Resize(bgr, roi, new Size(t.ResizedWidth, t.ResizedHeight), 0, 0, InterpolationFlags.Linear);
            }
        }

        using var asFloat = new Mat();
        canvas.ConvertTo(asFloat, MatType.CV_32FC3, 1.0 / 255.0);
        fixed (float* p = dst)
        {
            // Channel 0 of the tensor is R (BGR index 2), 1 is G, 2 is B.
            using var r = Mat.FromPixelData(inH, inW, MatType.CV_32FC1, (IntPtr)p);
            using var g = Mat.FromPixelData(inH, inW, MatType.CV_32FC1, (IntPtr)(p + plane));
            using var b = Mat.FromPixelData(inH, inW, MatType.CV_32FC1, (IntPtr)(p + (2 * plane)));
            Cv2.MixChannels([asFloat], [r, g, b], [2, 0, 1, 1, 0, 2]);
        }

        return t;
    }
}
