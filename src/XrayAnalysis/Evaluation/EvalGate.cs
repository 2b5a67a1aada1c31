using System.Globalization;

namespace XrayAnalysis.Evaluation;

/// <summary>A metric a gate can check.</summary>
public enum EvalMetric
{
    /// <summary>COCO mAP@0.5:0.95 (<c>map</c>).</summary>
    Map,

    /// <summary>COCO mAP@0.5 (<c>map50</c>).</summary>
    Map50,

    /// <summary>Scan-level probability of detection (<c>pd</c>).</summary>
    Pd,

    /// <summary>Scan-level false alarm rate (<c>far</c>); this gate fails above its limit.</summary>
    Far,
}

/// <summary>A CI gate: a metric that must be at least (FAR: at most) a limit.</summary>
public sealed record EvalGate(EvalMetric Metric, double Limit)
{
    /// <summary>Parses <c>map50=0.8,map=0.5,pd=0.95,far=0.05</c>; empty or null gives no gates.</summary>
    /// <exception cref="FormatException">A part is not NAME=VALUE with a known name.</exception>
    public static IReadOnlyList<EvalGate> ParseList(string? text)
    {
        var gates = new Dictionary<EvalMetric, EvalGate>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] kv = part.Split('=');
            EvalMetric? metric = kv[0] switch { "map" => EvalMetric.Map, "map50" => EvalMetric.Map50, "pd" => EvalMetric.Pd, "far" => EvalMetric.Far, _ => null };
            if (kv.Length != 2 || metric is null ||
                !double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            {
                throw new FormatException($"'{part}' is not NAME=VALUE with NAME one of map, map50, pd, far");
            }

            gates[metric.Value] = new EvalGate(metric.Value, v);
        }

        return gates.Values.ToList();
    }

    /// <summary>The gate's name as written in <c>--fail-below</c>.</summary>
    public string Name => Metric.ToString().ToLowerInvariant();

    /// <summary>The metric's value in an evaluation.</summary>
    public double ValueIn(CocoEvalResult coco, ScreeningResult screening)
    {
        ArgumentNullException.ThrowIfNull(coco);
        ArgumentNullException.ThrowIfNull(screening);
        return Metric switch
        {
            EvalMetric.Map => coco.Stats[0],
            EvalMetric.Map50 => coco.Stats[1],
            EvalMetric.Pd => screening.Scans.Pd.Value,
            _ => screening.Scans.Far.Value,
        };
    }

    /// <summary>True when the evaluation meets the gate (a NaN metric never does).</summary>
    public bool Passes(CocoEvalResult coco, ScreeningResult screening)
    {
        double v = ValueIn(coco, screening);
        return Metric == EvalMetric.Far ? v <= Limit : v >= Limit;
    }

    /// <summary>"pd = 0.9000 below the gate 0.95".</summary>
    public string Describe(CocoEvalResult coco, ScreeningResult screening) =>
        string.Create(CultureInfo.InvariantCulture, $"{Name} = {ValueIn(coco, screening):0.0000} {(Metric == EvalMetric.Far ? "above" : "below")} the gate {Limit}");
}
