using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using XrayAnalysis.Outputs;

namespace XrayAnalysis.Cli.Archive;

/// <summary>One scan whose verdict, alarming classes or scores differ between two generations.</summary>
internal sealed record DiffRow(
    string Path,
    string ContentSha256,
    string FromVerdict,
    string ToVerdict,
    IReadOnlyList<string> FromClasses,
    IReadOnlyList<string> ToClasses,
    double MaxShift,
    IReadOnlyList<string> Kinds);

/// <summary>What changed between two generations over the scans both hold.</summary>
internal sealed record DiffReport(GenerationInfo From, GenerationInfo To, long Compared, long OnlyFrom, long OnlyTo, IReadOnlyDictionary<string, long> Counts, IReadOnlyList<DiffRow> Rows);

/// <summary>
/// <c>xray batch diff</c>: joins two generations on scan content; a scan is listed when its verdict changed
/// (newly alarming, newly clear, newly or no longer not ok), when the classes at or above each generation's threshold
/// changed, or when a class's top score moved by at least the score-shift. Written as diff.json, diff.csv and diff.md.
/// </summary>
internal static class LedgerDiff
{
    public const string NewlyAlarming = "newly-alarming";
    public const string NewlyClear = "newly-clear";
    public const string NewlyNotOk = "newly-not-ok";
    public const string NoLongerNotOk = "no-longer-not-ok";
    public const string ClassChange = "class-change";
    public const string ShieldChange = "unable-to-clear-change";
    public const string ScoreShift = "score-shift";

    public static DiffReport Compute(ArchiveLedger ledger, long fromGen, long toGen, double scoreShift)
    {
        List<GenerationInfo> gens = ledger.Generations();
        GenerationInfo from = gens.FirstOrDefault(g => g.Id == fromGen) ?? throw new ArgumentException($"no generation {fromGen} in {ledger.Path}");
        GenerationInfo to = gens.FirstOrDefault(g => g.Id == toGen) ?? throw new ArgumentException($"no generation {toGen} in {ledger.Path}");
        SqliteConnection db = ledger.Connection;
        long Count(string sql) => Convert.ToInt64(ArchiveLedger.Scalar(db, sql, ("$a", fromGen), ("$b", toGen)), CultureInfo.InvariantCulture);
        string final = "('done','failed','incomplete','rejected','quarantined')";
        long compared = Count($"SELECT count(*) FROM scans a JOIN scans b ON b.gen=$b AND b.content_sha=a.content_sha WHERE a.gen=$a AND a.state IN {final} AND b.state IN {final}");
        long onlyFrom = Count($"SELECT count(*) FROM scans a WHERE a.gen=$a AND NOT EXISTS (SELECT 1 FROM scans b WHERE b.gen=$b AND b.content_sha=a.content_sha AND b.state IN {final})");
        long onlyTo = Count($"SELECT count(*) FROM scans b WHERE b.gen=$b AND NOT EXISTS (SELECT 1 FROM scans a WHERE a.gen=$a AND a.content_sha=b.content_sha AND a.state IN {final})");

        var rows = new List<DiffRow>();
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (string k in new[] { NewlyAlarming, NewlyClear, NewlyNotOk, NoLongerNotOk, ClassChange, ShieldChange, ScoreShift })
        {
            counts[k] = 0;
        }

        // Only rows that differ at all leave SQLite; on a re-screen that is a small share of the archive.
        using SqliteCommand c = ArchiveLedger.Cmd(db, $"""
            SELECT a.path, a.content_sha, a.verdict, a.top, b.verdict, b.top FROM scans a
            JOIN scans b ON b.gen=$b AND b.content_sha=a.content_sha
            WHERE a.gen=$a AND a.state IN {final} AND b.state IN {final}
              AND (a.verdict IS NOT b.verdict OR a.top IS NOT b.top OR $ta != $tb)
            ORDER BY a.path
            """, ("$a", fromGen), ("$b", toGen), ("$ta", from.Threshold), ("$tb", to.Threshold));
        using SqliteDataReader r = c.ExecuteReader();
        while (r.Read())
        {
            string fv = r.IsDBNull(2) ? Verdict.NotOk : r.GetString(2), tv = r.IsDBNull(4) ? Verdict.NotOk : r.GetString(4);
            Dictionary<string, float> ft = Top(r.IsDBNull(3) ? null : r.GetString(3)), tt = Top(r.IsDBNull(5) ? null : r.GetString(5));
            string[] fc = [.. ft.Where(kv => kv.Value >= from.Threshold).Select(kv => kv.Key).Order(StringComparer.Ordinal)];
            string[] tc = [.. tt.Where(kv => kv.Value >= to.Threshold).Select(kv => kv.Key).Order(StringComparer.Ordinal)];
            double shift = ft.Keys.Union(tt.Keys).Select(k => Math.Abs(tt.GetValueOrDefault(k) - ft.GetValueOrDefault(k))).DefaultIfEmpty(0).Max();
            var kinds = new List<string>();
            if (fv != tv)
            {
                kinds.Add(tv == Verdict.Alarm && fv != Verdict.NotOk ? NewlyAlarming
                    : tv == Verdict.Clear && fv == Verdict.Alarm ? NewlyClear
                    : (tv == Verdict.UnableToClear && fv != Verdict.NotOk) || (fv == Verdict.UnableToClear && tv != Verdict.NotOk) ? ShieldChange
                    : tv == Verdict.NotOk ? NewlyNotOk : NoLongerNotOk);
            }
            else if (fv == Verdict.Alarm && !fc.SequenceEqual(tc))
            {
                kinds.Add(ClassChange);
            }

            if (shift >= scoreShift)
            {
                kinds.Add(ScoreShift);
            }

            if (kinds.Count == 0)
            {
                continue;
            }

            foreach (string k in kinds)
            {
                counts[k]++;
            }

            rows.Add(new DiffRow(r.GetString(0), r.GetString(1), fv, tv, fc, tc, Math.Round(shift, 4), kinds));
        }

        return new DiffReport(from, to, compared, onlyFrom, onlyTo, counts, rows);
    }

    private static Dictionary<string, float> Top(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize<Dictionary<string, float>>(json) ?? [];

    public static void Write(DiffReport d, string outDir, double scoreShift)
    {
        Directory.CreateDirectory(outDir);
        var json = new
        {
            from = Describe(d.From),
            to = Describe(d.To),
            score_shift = scoreShift,
            compared = d.Compared,
            only_in_from = d.OnlyFrom,
            only_in_to = d.OnlyTo,
            counts = d.Counts,
            changes = d.Rows.Select(x => new
            {
                path = x.Path,
                content_sha256 = x.ContentSha256,
                from_verdict = x.FromVerdict,
                to_verdict = x.ToVerdict,
                from_alarm_classes = x.FromClasses,
                to_alarm_classes = x.ToClasses,
                max_score_shift = x.MaxShift,
                kinds = x.Kinds,
            }),
        };
        AtomicFile.WriteAllBytes(Path.Combine(outDir, "diff.json"), JsonSerializer.SerializeToUtf8Bytes(json, new JsonSerializerOptions { WriteIndented = true }));

        var csv = new StringBuilder("path,content_sha256,from_verdict,to_verdict,from_alarm_classes,to_alarm_classes,max_score_shift,kinds\n");
        foreach (DiffRow x in d.Rows)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{CsvField.Quote(x.Path)},{x.ContentSha256},{x.FromVerdict},{x.ToVerdict},{string.Join(';', x.FromClasses)},{string.Join(';', x.ToClasses)},{x.MaxShift:0.####},{string.Join(';', x.Kinds)}\n");
        }

        AtomicFile.WriteAllText(Path.Combine(outDir, "diff.csv"), csv.ToString());
        AtomicFile.WriteAllText(Path.Combine(outDir, "diff.md"), Markdown(d, scoreShift));
    }

    private static object Describe(GenerationInfo g) => new { generation = g.Id, model_sha256 = g.ModelSha256, model_path = g.ModelPath, threshold = g.Threshold, parameters_hash = g.ParamsHash };

    private static string Markdown(DiffReport d, double scoreShift)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# Re-screening diff: generation {d.From.Id} → {d.To.Id}");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"- from: model `{Path.GetFileName(d.From.ModelPath)}` ({d.From.ModelSha256[..12]}…), alarm threshold {d.From.Threshold:0.####}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- to: model `{Path.GetFileName(d.To.ModelPath)}` ({d.To.ModelSha256[..12]}…), alarm threshold {d.To.Threshold:0.####}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- scans compared: {d.Compared} (only in from: {d.OnlyFrom}, only in to: {d.OnlyTo})");
        sb.AppendLine();
        sb.AppendLine("| change | scans |");
        sb.AppendLine("|---|---|");
        foreach ((string k, long v) in d.Counts)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {k}{(k == ScoreShift ? $" (≥ {scoreShift:0.##})" : string.Empty)} | {v} |");
        }

        List<DiffRow> alarming = [.. d.Rows.Where(r => r.Kinds.Contains(NewlyAlarming))];
        if (alarming.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"## Newly alarming ({alarming.Count}; cleared before, would be flagged now)");
            sb.AppendLine();
            foreach (DiffRow r in alarming.Take(50))
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"- `{r.Path}`: {string.Join(", ", r.ToClasses)}");
            }

            if (alarming.Count > 50)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"- … and {alarming.Count - 50} more in diff.csv");
            }
        }

        return sb.ToString();
    }

}
