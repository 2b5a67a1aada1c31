namespace XrayAnalysis.Evaluation;

/// <summary>
/// Screening metrics as authorities use them: a scan alarms when any detection scores at or above the operating
/// threshold; scan-level probability of detection (Pd) on scans holding threats and false alarm rate (FAR) on clean
/// scans, with Wilson 95% intervals; object-level Pd at IoU ≥ 0.1 and ≥ 0.5 (any threat class may find an object);
/// per route and per class. Scans whose status is not ok always count as alarms and are listed: an unreadable scan is
/// never clear.
/// </summary>
public static class ScreeningEvaluator
{
    /// <summary>Evaluates at <paramref name="threshold"/>. <paramref name="notOk"/> holds image ids whose result status was not ok.</summary>
    public static ScreeningResult Evaluate(CocoDataset gt, IReadOnlyList<CocoDetection> dets, double threshold, IReadOnlySet<long>? notOk = null)
    {
        ArgumentNullException.ThrowIfNull(gt);
        ArgumentNullException.ThrowIfNull(dets);
        notOk ??= new HashSet<long>();
        var byImage = dets.Where(d => d.Score >= threshold).GroupBy(d => d.ImageId).ToDictionary(g => g.Key, g => g.ToList());
        var gtByImage = gt.Annotations.Where(a => !a.IsCrowd).GroupBy(a => a.ImageId).ToDictionary(g => g.Key, g => g.ToList());
        var routes = new SortedDictionary<string, Counts>(StringComparer.Ordinal);
        var classes = new SortedDictionary<long, (int Found10, int Found50, int N)>();
        var concealments = new SortedDictionary<string, (int Found10, int Found50, int N)>(StringComparer.Ordinal);
        var total = new Counts();
        int obj10 = 0, obj50 = 0, objN = 0;
        foreach (CocoImage im in gt.Images)
        {
            List<CocoAnnotation> g = gtByImage.GetValueOrDefault(im.Id) ?? [];
            List<CocoDetection> d = byImage.GetValueOrDefault(im.Id) ?? [];
            bool alarm = d.Count > 0 || notOk.Contains(im.Id);
            bool threat = g.Count > 0;
            string route = im.Route ?? "all";
            if (!routes.TryGetValue(route, out Counts? rc))
            {
                routes[route] = rc = new Counts();
            }

            total.Add(threat, alarm);
            rc.Add(threat, alarm);
            foreach (CocoAnnotation a in g)
            {
                double best = notOk.Contains(im.Id) ? 1 : d.Select(x => ConfusionMatrix.IoU(x.Bbox, a.Bbox)).DefaultIfEmpty(0).Max();
                bool f10 = best >= 0.1, f50 = best >= 0.5;
                obj10 += f10 ? 1 : 0;
                obj50 += f50 ? 1 : 0;
                objN++;
                (int a10, int a50, int n) = classes.GetValueOrDefault(a.CategoryId);
                classes[a.CategoryId] = (a10 + (f10 ? 1 : 0), a50 + (f50 ? 1 : 0), n + 1);
                if (a.Concealment is { } hidden)
                {
                    (int c10, int c50, int cn) = concealments.GetValueOrDefault(hidden);
                    concealments[hidden] = (c10 + (f10 ? 1 : 0), c50 + (f50 ? 1 : 0), cn + 1);
                }
            }
        }

        return new ScreeningResult(
            threshold,
            total.ToRates(),
            Rate.Of(obj10, objN),
            Rate.Of(obj50, objN),
            routes.ToDictionary(kv => kv.Key, kv => kv.Value.ToRates()),
            classes.ToDictionary(kv => gt.Categories.FirstOrDefault(c => c.Id == kv.Key)?.Name ?? kv.Key.ToString(System.Globalization.CultureInfo.InvariantCulture),
                kv => (Rate.Of(kv.Value.Found10, kv.Value.N), Rate.Of(kv.Value.Found50, kv.Value.N))),
            notOk.Order().ToArray())
        {
            PerConcealment = concealments.ToDictionary(kv => kv.Key, kv => (Rate.Of(kv.Value.Found10, kv.Value.N), Rate.Of(kv.Value.Found50, kv.Value.N)), StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// The highest threshold whose scan-level Pd reaches <paramref name="targetPd"/> (so FAR is as low as that Pd allows),
    /// or, with <paramref name="targetFar"/>, the lowest threshold whose FAR stays at or below it (so Pd is as high as allowed).
    /// </summary>
    public static double ChooseThreshold(CocoDataset gt, IReadOnlyList<CocoDetection> dets, double? targetPd, double? targetFar, IReadOnlySet<long>? notOk = null)
    {
        ArgumentNullException.ThrowIfNull(gt);
        ArgumentNullException.ThrowIfNull(dets);
        if (targetPd is null && targetFar is null)
        {
            throw new ArgumentException("give a target Pd or a target FAR");
        }

        // One sort instead of an evaluation per candidate: a scan alarms at t when its highest score is at least t (not-ok
        // scans always do), so sweeping the candidates from the top moves one pointer down the scans sorted by that score.
        // The candidates and the rule are those of Evaluate at each candidate, so the threshold chosen is the same.
        notOk ??= new HashSet<long>();
        var maxScore = new Dictionary<long, double>();
        foreach (CocoDetection d in dets)
        {
            maxScore[d.ImageId] = maxScore.TryGetValue(d.ImageId, out double m) ? Math.Max(m, d.Score) : d.Score;
        }

        var threat = gt.Annotations.Where(a => !a.IsCrowd).Select(a => a.ImageId).ToHashSet();
        (double Score, bool Threat)[] scans = gt.Images
            .Select(i => (Score: notOk.Contains(i.Id) ? double.PositiveInfinity : maxScore.GetValueOrDefault(i.Id, double.NegativeInfinity), Threat: threat.Contains(i.Id)))
            .OrderByDescending(x => x.Score).ToArray();
        int nThreat = scans.Count(x => x.Threat), nClean = scans.Length - nThreat;
        double[] candidates = dets.Select(d => d.Score).Append(1.0).Distinct().OrderDescending().ToArray();
        int next = 0, tp = 0, fp = 0;
        double best = 1.0;
        foreach (double t in candidates)
        {
            while (next < scans.Length && scans[next].Score >= t)
            {
                if (scans[next++].Threat)
                {
                    tp++;
                }
                else
                {
                    fp++;
                }
            }

            double pd = nThreat == 0 ? double.NaN : (double)tp / nThreat, far = nClean == 0 ? double.NaN : (double)fp / nClean;
            if (targetPd is { } wantPd)
            {
                if (pd >= wantPd)
                {
                    return t;
                }
            }
            else if (far <= targetFar!.Value)
            {
                best = t;
            }
            else
            {
                break;
            }
        }

        return targetPd is not null ? candidates[^1] : best;
    }

    /// <summary>
    /// The first version of <see cref="ChooseThreshold"/>: a full evaluation per candidate (O(n²)). Kept, internal, as the
    /// reference the fast sweep is tested against.
    /// </summary>
    internal static double ChooseThresholdByEvaluation(CocoDataset gt, IReadOnlyList<CocoDetection> dets, double? targetPd, double? targetFar, IReadOnlySet<long>? notOk = null)
    {
        double[] candidates = dets.Select(d => d.Score).Append(1.0).Distinct().OrderDescending().ToArray();
        if (targetPd is { } pd)
        {
            foreach (double t in candidates)
            {
                if (Evaluate(gt, dets, t, notOk).Scans.Pd.Value >= pd)
                {
                    return t;
                }
            }

            return candidates.Length > 0 ? candidates[^1] : 0;
        }

        if (targetFar is { } far)
        {
            double best = 1.0;
            foreach (double t in candidates)
            {
                if (Evaluate(gt, dets, t, notOk).Scans.Far.Value <= far)
                {
                    best = t;
                }
                else
                {
                    break;
                }
            }

            return best;
        }

        throw new ArgumentException("give a target Pd or a target FAR");
    }

    /// <summary>
    /// Scan-level Pd and FAR as the threshold sweeps every distinct score (highest first), for the Pd–FAR curve:
    /// a scan alarms at threshold t when its highest score is at least t; not-ok scans always alarm.
    /// </summary>
    public static IReadOnlyList<(double Threshold, double Pd, double Far)> Curve(CocoDataset gt, IReadOnlyList<CocoDetection> dets, IReadOnlySet<long>? notOk = null)
    {
        ArgumentNullException.ThrowIfNull(gt);
        ArgumentNullException.ThrowIfNull(dets);
        notOk ??= new HashSet<long>();
        var maxScore = dets.GroupBy(d => d.ImageId).ToDictionary(g => g.Key, g => g.Max(d => d.Score));
        var threat = gt.Annotations.Where(a => !a.IsCrowd).Select(a => a.ImageId).ToHashSet();
        var scans = gt.Images.Select(i => (Score: notOk.Contains(i.Id) ? double.PositiveInfinity : maxScore.GetValueOrDefault(i.Id, double.NegativeInfinity), Threat: threat.Contains(i.Id)))
            .OrderByDescending(s => s.Score).ToArray();
        int nThreat = scans.Count(s => s.Threat), nClean = scans.Length - nThreat;
        var curve = new List<(double, double, double)> { (double.PositiveInfinity, 0, 0) };
        int tp = 0, fp = 0;
        for (int i = 0; i < scans.Length; i++)
        {
            if (double.IsNegativeInfinity(scans[i].Score))
            {
                break;
            }

            if (scans[i].Threat)
            {
                tp++;
            }
            else
            {
                fp++;
            }

            if (i == scans.Length - 1 || scans[i + 1].Score != scans[i].Score)
            {
                curve.Add((scans[i].Score, nThreat == 0 ? double.NaN : (double)tp / nThreat, nClean == 0 ? double.NaN : (double)fp / nClean));
            }
        }

        return curve;
    }

    private sealed class Counts
    {
        private int _threatScans, _threatAlarms, _cleanScans, _cleanAlarms;

        public void Add(bool threat, bool alarm)
        {
            if (threat)
            {
                _threatScans++;
                _threatAlarms += alarm ? 1 : 0;
            }
            else
            {
                _cleanScans++;
                _cleanAlarms += alarm ? 1 : 0;
            }
        }

        public ScanRates ToRates() => new(Rate.Of(_threatAlarms, _threatScans), Rate.Of(_cleanAlarms, _cleanScans));
    }
}

/// <summary>A proportion with its count and Wilson 95% interval.</summary>
public sealed record Rate(double Value, int Count, int N, double Low, double High)
{
    /// <summary>k of n with its Wilson 95% interval (NaN value when n is 0).</summary>
    public static Rate Of(int k, int n)
    {
        (double lo, double hi) = Wilson.Interval(k, n);
        return new Rate(n == 0 ? double.NaN : (double)k / n, k, n, lo, hi);
    }
}

/// <summary>Scan-level Pd (threat scans that alarmed) and FAR (clean scans that alarmed).</summary>
public sealed record ScanRates(Rate Pd, Rate Far);

/// <summary>Screening results at one operating threshold.</summary>
public sealed record ScreeningResult(
    double Threshold,
    ScanRates Scans,
    Rate ObjectPdIou10,
    Rate ObjectPdIou50,
    IReadOnlyDictionary<string, ScanRates> PerRoute,
    IReadOnlyDictionary<string, (Rate Iou10, Rate Iou50)> PerClass,
    long[] NotOkImages)
{
    /// <summary>
    /// Object Pd at IoU ≥ 0.1 and ≥ 0.5 per concealment, for ground truth whose annotations carry one
    /// (<see cref="CocoAnnotation.Concealment"/>); empty otherwise.
    /// </summary>
    public IReadOnlyDictionary<string, (Rate Iou10, Rate Iou50)> PerConcealment { get; init; } = new Dictionary<string, (Rate Iou10, Rate Iou50)>(StringComparer.Ordinal);
}
