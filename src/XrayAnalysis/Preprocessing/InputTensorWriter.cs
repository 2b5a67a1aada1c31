using OpenCvSharp;

namespace XrayAnalysis.Preprocessing;

/// <summary>
/// Writes an 8-bit BGR picture into one NCHW float32 slot of a model input following an <see cref="InputContract"/>:
/// resize (letterbox centred or top-left, or stretch) with the contract's interpolation onto a canvas of its pad value,
/// then channel order, scale and optional mean/std. All pixel work is done by OpenCV; the planes are written straight
/// into the tensor buffer through Mat headers over it.
/// </summary>
internal static class InputTensorWriter
{
    /// <summary>Grey level of letterbox padding in the Ultralytics and YOLOX conventions.</summary>
    public const byte PadValue = 114;

    /// <summary>Fills <paramref name="dst"/> (length 3·H·W) from <paramref name="bgr"/> with the Ultralytics convention.</summary>
    public static LetterboxTransform Write(Mat bgr, int inW, int inH, ResizeMode mode, Span<float> dst) =>
        Write(bgr, InputContractResolver.Resolve(null, null, new PreprocessSettings { Resize = mode }, PreprocessSettings.Ultralytics(mode), "ultralytics", (inW, inH), inW), dst);

    /// <summary>
    /// Fills <paramref name="dst"/> (length 3·H·W) from <paramref name="bgr"/> (8-bit, 3 channels, BGR) as
    /// <paramref name="contract"/> says, upscaling by at most <paramref name="maxUpscale"/> in the letterbox modes.
    /// Returns the geometric map back to the picture.
    /// </summary>
    public static unsafe LetterboxTransform Write(Mat bgr, InputContract contract, Span<float> dst, double maxUpscale = double.PositiveInfinity)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentNullException.ThrowIfNull(contract);
        int inW = contract.Width, inH = contract.Height, plane = inW * inH;
        if (dst.Length < 3 * plane)
        {
            throw new ArgumentException($"tensor slot holds {dst.Length} floats, needs {3 * plane} for 3x{inH}x{inW}", nameof(dst));
        }

        if (bgr.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"expected an 8-bit 3-channel picture, got {bgr.Type()}", nameof(bgr));
        }

        LetterboxTransform t = LetterboxTransform.Create(bgr.Cols, bgr.Rows, inW, inH, contract.Resize, maxUpscale);
        byte pad = contract.PadValue;
        using var canvas = new Mat(inH, inW, MatType.CV_8UC3, new Scalar(pad, pad, pad));
        using (var roi = new Mat(canvas, new Rect(t.PadLeft, t.PadTop, t.ResizedWidth, t.ResizedHeight)))
        {
            if (t.ResizedWidth == bgr.Cols && t.ResizedHeight == bgr.Rows)
            {
                bgr.CopyTo(roi);
            }
            else
            {
                Cv2.Resize(bgr, roi, new Size(t.ResizedWidth, t.ResizedHeight), 0, 0, Flags(contract.Interpolation));
            }
        }

        using var asFloat = new Mat();
        canvas.ConvertTo(asFloat, MatType.CV_32FC3, contract.Scale);
        fixed (float* p = dst)
        {
            using var c0 = Mat.FromPixelData(inH, inW, MatType.CV_32FC1, (IntPtr)p);
            using var c1 = Mat.FromPixelData(inH, inW, MatType.CV_32FC1, (IntPtr)(p + plane));
            using var c2 = Mat.FromPixelData(inH, inW, MatType.CV_32FC1, (IntPtr)(p + (2 * plane)));

            // RGB: tensor channel 0 is R (BGR index 2); BGR: planes in OpenCV's order.
            int[] pairs = contract.ChannelOrder == ChannelOrder.Rgb ? [2, 0, 1, 1, 0, 2] : [0, 0, 1, 1, 2, 2];
            Cv2.MixChannels([asFloat], [c0, c1, c2], pairs);
            if (contract.Mean is not null || contract.Std is not null)
            {
                Mat[] planes = [c0, c1, c2];
                for (int c = 0; c < 3; c++)
                {
                    double mean = contract.Mean?[c] ?? 0, std = contract.Std?[c] ?? 1;
                    planes[c].ConvertTo(planes[c], MatType.CV_32FC1, 1.0 / std, -mean / std);
                }
            }
        }

        return t;
    }

    private static InterpolationFlags Flags(Interpolation i) => i switch
    {
        Interpolation.Nearest => InterpolationFlags.Nearest,
        Interpolation.Area => InterpolationFlags.Area,
        Interpolation.Cubic => InterpolationFlags.Cubic,
        _ => InterpolationFlags.Linear,
    };
}
