using ScottPlot;
using XrayAnalysis.Outputs;

namespace XrayAnalysis.Evaluation;

/// <summary>
/// The evaluation plots, drawn with ScottPlot and written atomically as PNG: precision–recall per class (IoU 0.5, the
/// exact COCO precision array), scan-level Pd vs FAR with the operating point marked, and the confusion matrix with a
/// background row and column.
/// </summary>
internal static class EvalPlots
{
    public static void WriteAll(string outDir, CocoDataset gt, CocoEvalResult coco, ScreeningResult s, IReadOnlyList<CocoDetection> dets, IReadOnlySet<long>? notOk)
    {
        ArgumentNullException.ThrowIfNull(gt);
        ArgumentNullException.ThrowIfNull(coco);
        ArgumentNullException.ThrowIfNull(s);
        // Three independent plots, drawn at once (ScottPlot plots share no state).
        Parallel.Invoke(
            () =>
            {
                using Plot pr = PrecisionRecall(gt, coco);
                Save(pr, Path.Combine(outDir, "pr_curve.png"));
            },
            () =>
            {
                using Plot pdFar = PdFar(ScreeningEvaluator.Curve(gt, dets, notOk), s);
                Save(pdFar, Path.Combine(outDir, "pd_far_curve.png"));
            },
            () =>
            {
                using Plot confusion = Confusion(gt, ConfusionMatrix.Compute(gt, dets, s.Threshold), s.Threshold);
                Save(confusion, Path.Combine(outDir, "confusion_matrix.png"));
            });
    }

    private static Plot PrecisionRecall(CocoDataset gt, CocoEvalResult coco)
    {
        var plt = new Plot();
        double[] recall = CocoEvaluator.RecallThresholds;
        int m = coco.Precision.GetLength(4) - 1;
        for (int k = 0; k < coco.CategoryIds.Length; k++)
        {
            if (coco.PerCategoryAp50[coco.CategoryIds[k]] < 0)
            {
                continue;
            }

            double[] p = new double[recall.Length];
            for (int r = 0; r < recall.Length; r++)
            {
                p[r] = Math.Max(0, coco.Precision[0, r, k, 0, m]);
            }

            var line = plt.Add.Scatter(recall, p);
            line.MarkerSize = 0;
            line.LineWidth = 2;
            line.LegendText = $"{Name(gt, coco.CategoryIds[k])} AP50 {coco.PerCategoryAp50[coco.CategoryIds[k]]:0.000}";
        }

        plt.Title($"Precision–recall at IoU 0.5 (mAP50 {coco.Stats[1]:0.000})");
        plt.XLabel("Recall");
        plt.YLabel("Precision");
        plt.Axes.SetLimits(0, 1, 0, 1.02);
        plt.ShowLegend(Alignment.LowerLeft);
        return plt;
    }

    private static Plot PdFar(IReadOnlyList<(double Threshold, double Pd, double Far)> curve, ScreeningResult s)
    {
        var plt = new Plot();
        double[] far = curve.Select(c => c.Far).ToArray();
        double[] pd = curve.Select(c => c.Pd).ToArray();
        var line = plt.Add.Scatter(far, pd);
        line.MarkerSize = 0;
        line.LineWidth = 2;
        line.LegendText = "scan-level Pd vs FAR";
        var op = plt.Add.Marker(s.Scans.Far.Value, s.Scans.Pd.Value);
        op.Size = 12;
        op.Color = Colors.Red;
        op.LegendText = $"operating point t = {s.Threshold:0.####}: Pd {s.Scans.Pd.Value:0.000}, FAR {s.Scans.Far.Value:0.000}";
        plt.Title("Probability of detection vs false alarm rate (per scan)");
        plt.XLabel("False alarm rate (clean scans that alarm)");
        plt.YLabel("Probability of detection (threat scans that alarm)");
        plt.Axes.SetLimits(0, 1, 0, 1.02);
        plt.ShowLegend(Alignment.LowerRight);
        return plt;
    }

    private static Plot Confusion(CocoDataset gt, int[,] m, double threshold)
    {
        int n = m.GetLength(0);
        var values = new double[n, n];
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                values[r, c] = Math.Log(1 + m[r, c]); // log colour scale: background counts would drown the diagonal
            }
        }

        var plt = new Plot();
        var hm = plt.Add.Heatmap(values);
        hm.Colormap = new WhiteToBlue();
        string[] labels = gt.Categories.Select(c => c.Name).Append("background").ToArray();
        double[] pos = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                var t = plt.Add.Text(m[r, c].ToString(System.Globalization.CultureInfo.InvariantCulture), c, n - 1 - r);
                t.LabelFontSize = 16;
                t.LabelAlignment = Alignment.MiddleCenter;
                t.LabelFontColor = Colors.Black;
                t.LabelBackgroundColor = Colors.White.WithAlpha(0.7);
            }
        }

        plt.Axes.Bottom.SetTicks(pos, labels);
        plt.Axes.Left.SetTicks(pos, labels.Reverse().ToArray());
        plt.Title($"Confusion matrix at t = {threshold:0.####}, IoU ≥ 0.5");
        plt.XLabel("True class");
        plt.YLabel("Predicted class");
        return plt;
    }

    private static void Save(Plot plt, string path)
    {
        byte[] png = plt.GetImageBytes(900, 650, ImageFormat.Png);
        AtomicFile.WriteAllBytes(path, png);
    }

    /// <summary>White for zero, deep blue for the largest count, so empty cells read as empty.</summary>
    private sealed class WhiteToBlue : IColormap
    {
        public string Name => "white-blue";

        public Color GetColor(double position)
        {
            double t = Math.Clamp(double.IsNaN(position) ? 0 : position, 0, 1);
            return new Color((byte)(255 - (t * 222)), (byte)(255 - (t * 176)), (byte)(255 - (t * 100)));
        }
    }

    private static string Name(CocoDataset gt, long id) => gt.Categories.FirstOrDefault(c => c.Id == id)?.Name ?? id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
