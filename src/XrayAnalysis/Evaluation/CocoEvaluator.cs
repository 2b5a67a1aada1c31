namespace XrayAnalysis.Evaluation;

/// <summary>
/// COCO bbox evaluation reproducing pycocotools' COCOeval (default parameters) number for number: float64 linspace
/// thresholds, stable (mergesort) score orderings, crowd IoU = intersection / detection area, stored-area ranges
/// inclusive at both ends, per image-and-category maxDets, precision made monotone and sampled with a left
/// searchsorted, −1 for categories without ground truth.
/// </summary>
/// <remarks>
/// One deliberate difference: pycocotools records matches by annotation id and tests "id != 0", so a ground-truth
/// annotation with id 0 silently never counts as matched. Here matches are tracked separately from ids, so id 0 scores
/// correctly, and <see cref="CocoEvalResult.Warnings"/> says that pycocotools would have scored it differently.
/// </remarks>
public static class CocoEvaluator
{
    /// <summary>Area ranges all, small, medium, large (px², on the annotation's stored area).</summary>
    private static readonly (double Lo, double Hi)[] AreaRanges = [(0, 1e10), (0, 32 * 32), (32 * 32, 96 * 96), (96 * 96, 1e10)];
    private static readonly int[] MaxDets = [1, 10, 100];

    /// <summary>IoU thresholds as numpy.linspace(.5, .95, 10) computes them.</summary>
    public static readonly double[] IouThresholds = Linspace(0.5, 0.95, 10);

    /// <summary>Recall points as numpy.linspace(0, 1, 101) computes them.</summary>
    public static readonly double[] RecallThresholds = Linspace(0.0, 1.0, 101);

    /// <summary>Evaluates <paramref name="detections"/> against <paramref name="gt"/>.</summary>
    public static CocoEvalResult Evaluate(CocoDataset gt, IReadOnlyList<CocoDetection> detections) => Evaluate(gt, detections, parallel: true);

    /// <summary>As <see cref="Evaluate(CocoDataset, IReadOnlyList{CocoDetection})"/>; <paramref name="parallel"/> false runs on one thread (the reference the parallel run is tested against, bit for bit).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static CocoEvalResult Evaluate(CocoDataset gt, IReadOnlyList<CocoDetection> detections, bool parallel)
    {
        var threads = new ParallelOptions { MaxDegreeOfParallelism = parallel ? -1 : 1 };
        ArgumentNullException.ThrowIfNull(gt);
        ArgumentNullException.ThrowIfNull(detections);
        var warnings = new List<string>();
        long[] imgIds = gt.Images.Select(i => i.Id).Distinct().Order().ToArray();
        long[] catIds = gt.Categories.Select(c => c.Id).Distinct().Order().ToArray();
        var imgSet = new HashSet<long>(imgIds);
        var catSet = new HashSet<long>(catIds);
        if (gt.Annotations.Any(a => a.Id == 0))
        {
            warnings.Add("ground truth has an annotation with id 0: pycocotools never counts it as matched (its match test is 'id != 0'); it is scored correctly here, so numbers may differ from pycocotools");
        }

        int unknownImages = detections.Count(d => !imgSet.Contains(d.ImageId));
        if (unknownImages > 0)
        {
            warnings.Add($"{unknownImages} detections refer to image ids not in the ground truth and are ignored (pycocotools refuses such results)");
        }

        var gts = new Dictionary<(long, long), List<Gt>>();
        foreach (CocoAnnotation a in gt.Annotations)
        {
            if (imgSet.Contains(a.ImageId) && catSet.Contains(a.CategoryId))
            {
                Get(gts, (a.ImageId, a.CategoryId)).Add(new Gt(a.Bbox, a.Area, a.IsCrowd));
            }
        }

        var dts = new Dictionary<(long, long), List<Dt>>();
        int seq = 0;
        foreach (CocoDetection d in detections)
        {
            // loadRes: area = w·h; detections of categories absent from the ground truth's category list are dropped.
            if (imgSet.Contains(d.ImageId) && catSet.Contains(d.CategoryId))
            {
                Get(dts, (d.ImageId, d.CategoryId)).Add(new Dt(d.Bbox, d.Bbox[2] * d.Bbox[3], d.Score, seq++));
            }
        }

        int T = IouThresholds.Length, R = RecallThresholds.Length, K = catIds.Length, A = AreaRanges.Length, M = MaxDets.Length;
        var precision = new double[T, R, K, A, M];
        var recall = new double[T, K, A, M];
        Fill(precision, -1);
        Fill(recall, -1);
        int maxDet = MaxDets[^1];
        // Parallel across categories, and within a category across images, without changing a bit of the result: every
        // image is evaluated alone into its slot, the slots are gathered in image-id order (pycocotools' order), and each
        // (category, area, maxDet) accumulation writes only its own cells of precision and recall.
        Parallel.For(0, K, threads, k =>
        {
            var perImage = new ImgEval[]?[imgIds.Length];
            Parallel.For(0, imgIds.Length, threads, i =>
            {
                List<Gt> g = gts.GetValueOrDefault((imgIds[i], catIds[k])) ?? [];
                List<Dt> d = dts.GetValueOrDefault((imgIds[i], catIds[k])) ?? [];
                if (g.Count == 0 && d.Count == 0)
                {
                    return;
                }

                Dt[] dSorted = StableByScore(d).Take(maxDet).ToArray();
                double[,] ious = Ious(dSorted, g);
                var evals = new ImgEval[A];
                for (int a = 0; a < A; a++)
                {
                    evals[a] = EvaluateImg(g, dSorted, ious, AreaRanges[a]);
                }

                perImage[i] = evals;
            });

            var perArea = new List<ImgEval>[A];
            for (int a = 0; a < A; a++)
            {
                perArea[a] = [.. perImage.Where(e => e is not null).Select(e => e![a])];
            }

            Parallel.For(0, A * M, threads, am => Accumulate(perArea[am / M], MaxDets[am % M], precision, recall, k, am / M, am % M));
        });

        double[] stats =
        [
            Summarize(precision, recall, true, null, 0, 2),
            Summarize(precision, recall, true, 0.5, 0, 2),
            Summarize(precision, recall, true, 0.75, 0, 2),
            Summarize(precision, recall, true, null, 1, 2),
            Summarize(precision, recall, true, null, 2, 2),
            Summarize(precision, recall, true, null, 3, 2),
            Summarize(precision, recall, false, null, 0, 0),
            Summarize(precision, recall, false, null, 0, 1),
            Summarize(precision, recall, false, null, 0, 2),
            Summarize(precision, recall, false, null, 1, 2),
            Summarize(precision, recall, false, null, 2, 2),
            Summarize(precision, recall, false, null, 3, 2),
        ];
        var perCat = new Dictionary<long, double>();
        var perCat50 = new Dictionary<long, double>();
        for (int k = 0; k < K; k++)
        {
            perCat[catIds[k]] = MeanValid(Enumerable.Range(0, T).SelectMany(t => Enumerable.Range(0, R).Select(r => precision[t, r, k, 0, M - 1])));
            perCat50[catIds[k]] = MeanValid(Enumerable.Range(0, R).Select(r => precision[0, r, k, 0, M - 1]));
        }

        return new CocoEvalResult(stats, perCat, perCat50, catIds, precision, warnings);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static ImgEval EvaluateImg(List<Gt> gtAll, Dt[] dt, double[,] iousAll, (double Lo, double Hi) rng)
    {
        int G = gtAll.Count, D = dt.Length, T = IouThresholds.Length;
        var gIgnore = new bool[G];
        for (int i = 0; i < G; i++)
        {
            gIgnore[i] = gtAll[i].Crowd || gtAll[i].Area < rng.Lo || gtAll[i].Area > rng.Hi;
        }

        // Non-ignored ground truth first (stable).
        int[] gOrder = Enumerable.Range(0, G).OrderBy(i => gIgnore[i] ? 1 : 0).ToArray();
        var dtMatched = new bool[T, D];
        var dtIgnore = new bool[T, D];
        var gtMatched = new bool[T, G];
        if (G > 0 && D > 0)
        {
            for (int t = 0; t < T; t++)
            {
                for (int di = 0; di < D; di++)
                {
                    double iou = Math.Min(IouThresholds[t], 1 - 1e-10);
                    int m = -1;
                    for (int gi = 0; gi < G; gi++)
                    {
                        int g = gOrder[gi];
                        if (gtMatched[t, gi] && !gtAll[g].Crowd)
                        {
                            continue;
                        }

                        if (m > -1 && !gIgnore[gOrder[m]] && gIgnore[g])
                        {
                            break;
                        }

                        if (iousAll[di, g] < iou)
                        {
                            continue;
                        }

                        iou = iousAll[di, g];
                        m = gi;
                    }

                    if (m == -1)
                    {
                        continue;
                    }

                    dtIgnore[t, di] = gIgnore[gOrder[m]];
                    dtMatched[t, di] = true;
                    gtMatched[t, m] = true;
                }
            }
        }

        for (int t = 0; t < T; t++)
        {
            for (int di = 0; di < D; di++)
            {
                bool outside = dt[di].Area < rng.Lo || dt[di].Area > rng.Hi;
                dtIgnore[t, di] = dtIgnore[t, di] || (!dtMatched[t, di] && outside);
            }
        }

        int notIgnored = gIgnore.Count(x => !x);
        return new ImgEval(dt.Select(x => x.Score).ToArray(), dtMatched, dtIgnore, notIgnored);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Accumulate(List<ImgEval> evals, int maxDet, double[,,,,] precision, double[,,,] recall, int k, int a, int m)
    {
        if (evals.Count == 0)
        {
            return;
        }

        var scores = new List<double>();
        var src = new List<(int E, int D)>();
        int npig = 0;
        for (int e = 0; e < evals.Count; e++)
        {
            int n = Math.Min(maxDet, evals[e].Scores.Length);
            for (int d = 0; d < n; d++)
            {
                scores.Add(evals[e].Scores[d]);
                src.Add((e, d));
            }

            npig += evals[e].NotIgnoredGt;
        }

        if (npig == 0)
        {
            return;
        }

        int nd = scores.Count;
        int[] order = Enumerable.Range(0, nd).ToArray();
        Array.Sort(order, (x, y) =>
        {
            int c = scores[y].CompareTo(scores[x]);
            return c != 0 ? c : x.CompareTo(y);
        });
        int T = IouThresholds.Length, R = RecallThresholds.Length;
        var rc = new double[nd];
        var pr = new double[nd];
        for (int t = 0; t < T; t++)
        {
            double tp = 0, fp = 0;
            for (int i = 0; i < nd; i++)
            {
                (int e, int d) = src[order[i]];
                bool matched = evals[e].Matched[t, d];
                bool ignored = evals[e].Ignored[t, d];
                if (!ignored)
                {
                    if (matched)
                    {
                        tp++;
                    }
                    else
                    {
                        fp++;
                    }
                }

                rc[i] = tp / npig;
                pr[i] = tp / (fp + tp + 2.220446049250313e-16); // np.spacing(1)
            }

            recall[t, k, a, m] = nd > 0 ? rc[nd - 1] : 0;
            for (int i = nd - 1; i > 0; i--)
            {
                if (pr[i] > pr[i - 1])
                {
                    pr[i - 1] = pr[i];
                }
            }

            for (int r = 0; r < R; r++)
            {
                int pi = SearchSortedLeft(rc, nd, RecallThresholds[r]);
                if (pi >= nd)
                {
                    // pycocotools' try/except: the first out-of-range index ends the loop; the rest stay 0.
                    for (int rr = r; rr < R; rr++)
                    {
                        precision[t, rr, k, a, m] = 0;
                    }

                    break;
                }

                precision[t, r, k, a, m] = pr[pi];
            }
        }
    }

    private static double Summarize(double[,,,,] precision, double[,,,] recall, bool ap, double? iouThr, int a, int m)
    {
        int T = IouThresholds.Length, R = RecallThresholds.Length, K = precision.GetLength(2);
        var values = new List<double>();
        for (int t = 0; t < T; t++)
        {
            if (iouThr is { } thr && IouThresholds[t] != thr)
            {
                continue;
            }

            for (int k = 0; k < K; k++)
            {
                if (ap)
                {
                    for (int r = 0; r < R; r++)
                    {
                        values.Add(precision[t, r, k, a, m]);
                    }
                }
                else
                {
                    values.Add(recall[t, k, a, m]);
                }
            }
        }

        return MeanValid(values);
    }

    /// <summary>Mean of the values above −1, or −1 when there are none (numpy summation is pairwise; see <see cref="PairwiseSum"/>).</summary>
    private static double MeanValid(IEnumerable<double> values)
    {
        double[] v = values.Where(x => x > -1).ToArray();
        return v.Length == 0 ? -1 : PairwiseSum(v, 0, v.Length) / v.Length;
    }

    /// <summary>numpy's pairwise summation (blocks of 128 summed with 8 accumulators), so means agree to the last bits.</summary>
    private static double PairwiseSum(double[] a, int start, int n)
    {
        if (n < 8)
        {
            double s = 0;
            for (int i = 0; i < n; i++)
            {
                s += a[start + i];
            }

            return s;
        }

        if (n <= 128)
        {
            Span<double> r = stackalloc double[8];
            for (int j = 0; j < 8; j++)
            {
                r[j] = a[start + j];
            }

            int i;
            for (i = 8; i < n - (n % 8); i += 8)
            {
                for (int j = 0; j < 8; j++)
                {
                    r[j] += a[start + i + j];
                }
            }

            double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++)
            {
                res += a[start + i];
            }

            return res;
        }

        int n2 = n / 2;
        n2 -= n2 % 8;
        return PairwiseSum(a, start, n2) + PairwiseSum(a, start + n2, n - n2);
    }

    private static int SearchSortedLeft(double[] a, int n, double v)
    {
        int lo = 0, hi = n;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < v)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static double[,] Ious(Dt[] d, List<Gt> g)
    {
        var r = new double[d.Length, g.Count];
        for (int i = 0; i < d.Length; i++)
        {
            double[] db = d[i].Box;
            double da = db[2] * db[3];
            for (int j = 0; j < g.Count; j++)
            {
                double[] gb = g[j].Box;
                double w = Math.Min(db[0] + db[2], gb[0] + gb[2]) - Math.Max(db[0], gb[0]);
                if (w <= 0)
                {
                    continue;
                }

                double h = Math.Min(db[1] + db[3], gb[1] + gb[3]) - Math.Max(db[1], gb[1]);
                if (h <= 0)
                {
                    continue;
                }

                double inter = w * h;
                double u = g[j].Crowd ? da : da + (gb[2] * gb[3]) - inter;
                r[i, j] = inter / u;
            }
        }

        return r;
    }

    private static IEnumerable<Dt> StableByScore(List<Dt> d) => d.Select((x, i) => (x, i)).OrderByDescending(p => p.x.Score).ThenBy(p => p.i).Select(p => p.x);

    private static double[] Linspace(double start, double stop, int num)
    {
        var r = new double[num];
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++)
        {
            r[i] = (i * step) + start;
        }

        r[^1] = stop;
        return r;
    }

    private static List<TV> Get<TK, TV>(Dictionary<TK, List<TV>> d, TK key)
        where TK : notnull
    {
        if (!d.TryGetValue(key, out List<TV>? l))
        {
            d[key] = l = [];
        }

        return l;
    }

    private static void Fill(Array arr, double v)
    {
        Span<double> s = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(
            ref System.Runtime.CompilerServices.Unsafe.As<byte, double>(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(arr)), arr.Length);
        s.Fill(v);
    }

    private sealed record Gt(double[] Box, double Area, bool Crowd);

    private sealed record Dt(double[] Box, double Area, double Score, int Seq);

    private sealed record ImgEval(double[] Scores, bool[,] Matched, bool[,] Ignored, int NotIgnoredGt);
}

/// <summary>The twelve COCO summary numbers (pycocotools order), per-category AP and AP50, and the precision array.</summary>
public sealed record CocoEvalResult(
    double[] Stats,
    IReadOnlyDictionary<long, double> PerCategoryAp,
    IReadOnlyDictionary<long, double> PerCategoryAp50,
    long[] CategoryIds,
    double[,,,,] Precision,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Names of <see cref="Stats"/> in order, as in the fixtures and report.json.</summary>
    public static readonly string[] StatNames = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"];
}
