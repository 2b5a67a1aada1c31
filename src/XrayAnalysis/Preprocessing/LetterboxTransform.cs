namespace XrayAnalysis.Preprocessing;

/// <summary>
/// The geometric map between an original image and the model input, with Ultralytics' exact arithmetic:
/// r = min(H/h, W/w); resized size = round(w·r) × round(h·r); padding split as round(d/2 ∓ 0.1) so odd padding
/// puts the extra pixel at the bottom/right. Python's round is round-half-to-even, reproduced here. A resized side is
/// never below one pixel (where Ultralytics' own code would fail on a sliver). The top-left mode follows YOLOX's
/// <c>preproc</c>: resized size = int(w·r) × int(h·r) (truncated), no padding on the left or top, boxes mapped back by r.
/// An optional upscale cap limits r (Ultralytics' <c>scaleup=False</c> is a cap of 1).
/// </summary>
internal readonly record struct LetterboxTransform(
    int SourceWidth,
    int SourceHeight,
    int InputWidth,
    int InputHeight,
    int ResizedWidth,
    int ResizedHeight,
    double ScaleX,
    double ScaleY,
    int PadLeft,
    int PadTop)
{
    /// <summary>Computes the transform for fitting a <paramref name="srcW"/> × <paramref name="srcH"/> image into the input.</summary>
    /// <param name="maxUpscale">Largest scale factor applied (letterbox modes only); +∞ for none.</param>
    /// <param name="fill">Largest fraction of the input the picture fills (letterbox modes only, (0, 1]); 1 to fit it.</param>
    public static LetterboxTransform Create(int srcW, int srcH, int inW, int inH, ResizeMode mode, double maxUpscale = double.PositiveInfinity, double fill = 1.0)
    {
        if (srcW <= 0 || srcH <= 0 || inW <= 0 || inH <= 0)
        {
            throw new ArgumentException($"sizes must be positive: source {srcW}x{srcH}, input {inW}x{inH}");
        }

        if (mode == ResizeMode.Stretch)
        {
            return new LetterboxTransform(srcW, srcH, inW, inH, inW, inH, (double)inW / srcW, (double)inH / srcH, 0, 0);
        }

        if (!(fill is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fill), fill, "must be in (0, 1]");
        }

        double r = Math.Min(Math.Min((double)inH / srcH, (double)inW / srcW) * fill, maxUpscale > 0 ? maxUpscale : double.PositiveInfinity);
        if (mode == ResizeMode.LetterboxTopLeft)
        {
            int tw = Math.Clamp((int)(srcW * r), 1, inW), th = Math.Clamp((int)(srcH * r), 1, inH);
            return new LetterboxTransform(srcW, srcH, inW, inH, tw, th, r, r, 0, 0);
        }

        // A sliver (1000 x 1) would round to zero rows: keep at least one, as no image has a zero-sized side.
        int rw0 = (int)Math.Round(srcW * r, MidpointRounding.ToEven), rh0 = (int)Math.Round(srcH * r, MidpointRounding.ToEven);
        int rw = Math.Clamp(rw0, 1, inW), rh = Math.Clamp(rh0, 1, inH);
        double dw = (inW - rw) / 2.0;
        double dh = (inH - rh) / 2.0;
        int left = (int)Math.Round(dw - 0.1, MidpointRounding.ToEven);
        int top = (int)Math.Round(dh - 0.1, MidpointRounding.ToEven);
        return new LetterboxTransform(srcW, srcH, inW, inH, rw, rh, rw == rw0 ? r : (double)rw / srcW, rh == rh0 ? r : (double)rh / srcH, left, top);
    }

    /// <summary>Right padding in pixels.</summary>
    public int PadRight => InputWidth - ResizedWidth - PadLeft;

    /// <summary>Bottom padding in pixels.</summary>
    public int PadBottom => InputHeight - ResizedHeight - PadTop;

    /// <summary>Maps a box from model-input pixels to original-image pixels, clipped to the image.</summary>
    public Detection ToSource(in Detection d)
    {
        float x1 = (float)Math.Clamp((d.X1 - PadLeft) / ScaleX, 0, SourceWidth);
        float y1 = (float)Math.Clamp((d.Y1 - PadTop) / ScaleY, 0, SourceHeight);
        float x2 = (float)Math.Clamp((d.X2 - PadLeft) / ScaleX, 0, SourceWidth);
        float y2 = (float)Math.Clamp((d.Y2 - PadTop) / ScaleY, 0, SourceHeight);
        return d with { X1 = x1, Y1 = y1, X2 = x2, Y2 = y2 };
    }

    /// <summary>Maps a box from original-image pixels into model-input pixels (the inverse of <see cref="ToSource"/>).</summary>
    public Detection ToInput(in Detection d) => d with
    {
        X1 = (float)((d.X1 * ScaleX) + PadLeft),
        Y1 = (float)((d.Y1 * ScaleY) + PadTop),
        X2 = (float)((d.X2 * ScaleX) + PadLeft),
        Y2 = (float)((d.Y2 * ScaleY) + PadTop),
    };
}
