namespace XrayAnalysis.Decoding;

/// <summary>
/// Turns one image's slice of a detector output into candidate boxes in model-input pixels (x1 y1 x2 y2),
/// keeping only scores strictly above the confidence threshold, as Ultralytics does.
/// </summary>
internal static class OutputDecoder
{
    /// <summary>Decodes <paramref name="data"/> (one image: <paramref name="rows"/> × <paramref name="cols"/> floats) and appends to <paramref name="into"/>.</summary>
    /// <param name="classFilter">When non-null, only these class ids are kept.</param>
    public static void Decode(
        OutputLayout layout,
        ReadOnlySpan<float> data,
        int rows,
        int cols,
        int inputW,
        int inputH,
        float confidence,
        IReadOnlySet<int>? classFilter,
        List<Detection> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (data.Length < rows * cols)
        {
            throw new ArgumentException($"output slice has {data.Length} floats, expected {rows}x{cols} = {rows * cols}", nameof(data));
        }

        switch (layout)
        {
            case OutputLayout.UltralyticsV8:
                DecodeV8(data, rows, cols, confidence, classFilter, into);
                break;
            case OutputLayout.YoloV5:
                DecodeRowsWithObjectness(data, rows, cols, confidence, classFilter, into, null, 0, 0);
                break;
            case OutputLayout.Yolox:
                DecodeRowsWithObjectness(data, rows, cols, confidence, classFilter, into, [8, 16, 32], inputW, inputH);
                break;
            case OutputLayout.EndToEnd:
                DecodeEndToEnd(data, rows, confidence, classFilter, into);
                break;
            case OutputLayout.RtDetr:
                DecodeRtDetr(data, rows, cols, inputW, inputH, confidence, classFilter, into);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(layout), layout, "unknown layout");
        }
    }

    private static void DecodeV8(ReadOnlySpan<float> d, int rows, int n, float conf, IReadOnlySet<int>? filter, List<Detection> into)
    {
        int nc = rows - 4;
        ReadOnlySpan<float> cx = d.Slice(0, n), cy = d.Slice(n, n), w = d.Slice(2 * n, n), h = d.Slice(3 * n, n);
        ReadOnlySpan<float> scores = d.Slice(4 * n, nc * n);

        // Column-major over anchors: find each anchor's best class by sweeping class rows (contiguous memory).
        float[] best = System.Buffers.ArrayPool<float>.Shared.Rent(n);
        int[] bestClass = System.Buffers.ArrayPool<int>.Shared.Rent(n);
        try
        {
            Span<float> bs = best.AsSpan(0, n);
            Span<int> bc = bestClass.AsSpan(0, n);
            bs.Fill(float.NegativeInfinity);
            bc.Clear();
            for (int c = 0; c < nc; c++)
            {
                if (filter is not null && !filter.Contains(c))
                {
                    continue;
                }

                ReadOnlySpan<float> row = scores.Slice(c * n, n);
                for (int i = 0; i < n; i++)
                {
                    if (row[i] > bs[i])
                    {
                        bs[i] = row[i];
                        bc[i] = c;
                    }
                }
            }

            for (int i = 0; i < n; i++)
            {
                if (bs[i] > conf)
                {
                    float hw = w[i] / 2, hh = h[i] / 2;
                    into.Add(new Detection(bc[i], bs[i], cx[i] - hw, cy[i] - hh, cx[i] + hw, cy[i] + hh));
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(best);
            System.Buffers.ArrayPool<int>.Shared.Return(bestClass);
        }
    }

    private static void DecodeRowsWithObjectness(
        ReadOnlySpan<float> d, int n, int cols, float conf, IReadOnlySet<int>? filter, List<Detection> into, int[]? strides, int inW, int inH)
    {
        int nc = cols - 5;
        int stride = 0, gw = 0, gridStart = 0, gridEnd = 0, si = -1;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> r = d.Slice(i * cols, cols);
            if (strides is not null)
            {
                while (i >= gridEnd)
                {
                    si++;
                    stride = strides[si];
                    gw = inW / stride;
                    gridStart = gridEnd;
                    gridEnd += gw * (inH / stride);
                }
            }

            float obj = r[4];
            if (obj <= conf)
            {
                continue;
            }

            int bc = -1;
            float bs = float.NegativeInfinity;
            for (int c = 0; c < nc; c++)
            {
                if (filter is not null && !filter.Contains(c))
                {
                    continue;
                }

                float s = r[5 + c] * obj;
                if (s > bs)
                {
                    bs = s;
                    bc = c;
                }
            }

            if (bc < 0 || bs <= conf)
            {
                continue;
            }

            float cx = r[0], cy = r[1], w = r[2], h = r[3];
            if (strides is not null)
            {
                int local = i - gridStart;
                cx = (cx + (local % gw)) * stride;
                cy = (cy + (local / gw)) * stride;
                w = MathF.Exp(w) * stride;
                h = MathF.Exp(h) * stride;
            }

            into.Add(new Detection(bc, bs, cx - (w / 2), cy - (h / 2), cx + (w / 2), cy + (h / 2)));
        }
    }

    private static void DecodeEndToEnd(ReadOnlySpan<float> d, int k, float conf, IReadOnlySet<int>? filter, List<Detection> into)
    {
        for (int i = 0; i < k; i++)
        {
            ReadOnlySpan<float> r = d.Slice(i * 6, 6);
            int cls = (int)MathF.Round(r[5]);
            if (r[4] > conf && cls >= 0 && (filter is null || filter.Contains(cls)))
            {
                into.Add(new Detection(cls, r[4], r[0], r[1], r[2], r[3]));
            }
        }
    }

    private static void DecodeRtDetr(ReadOnlySpan<float> d, int k, int cols, int inW, int inH, float conf, IReadOnlySet<int>? filter, List<Detection> into)
    {
        int nc = cols - 4;
        for (int i = 0; i < k; i++)
        {
            ReadOnlySpan<float> r = d.Slice(i * cols, cols);
            int bc = -1;
            float bs = float.NegativeInfinity;
            for (int c = 0; c < nc; c++)
            {
                if ((filter is null || filter.Contains(c)) && r[4 + c] > bs)
                {
                    bs = r[4 + c];
                    bc = c;
                }
            }

            if (bc >= 0 && bs > conf)
            {
                float cx = r[0] * inW, cy = r[1] * inH, w = r[2] * inW, h = r[3] * inH;
                into.Add(new Detection(bc, bs, cx - (w / 2), cy - (h / 2), cx + (w / 2), cy + (h / 2)));
            }
        }
    }
}
