using XrayAnalysis.Dicos;
using XrayAnalysis.Loading;

namespace XrayAnalysis.Evaluation;

/// <summary>
/// DICOS Threat Detection Reports on either side of an evaluation: another vendor's machine TDRs as predictions, or
/// operator TDRs as ground truth. A path is TDRs when it is a folder (every DICOS file in it, recursively) or a file
/// with DICM at byte 128. Reports are joined to images by name (the TDR's file stem against the image's file stem).
/// A PTO's class is its Threat Category Description (else its category); its score the ATD assessment probability
/// (1 for THREAT and 0 for NO_THREAT when no probability is given). A report that aborted, or holds a SHIELD object,
/// makes its scan an alarm whatever the boxes say, as an unreadable or shielded scan does in our own results.
/// </summary>
internal static class TdrEvaluation
{
    public static bool IsTdrPath(string path) =>
        Directory.Exists(path) || (File.Exists(path) && ScanDiscovery.IsScanFile(path) && Volumes.DicosVolumeSource.IsDicos(path));

    private static List<(string Stem, TdrReport Report)> ReadAll(string path, List<string> warnings)
    {
        IEnumerable<string> files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 8 }).Where(Volumes.DicosVolumeSource.IsDicos).Order(StringComparer.Ordinal)
            : [path];
        var list = new List<(string, TdrReport)>();
        foreach (string f in files)
        {
            try
            {
                list.Add((Path.GetFileNameWithoutExtension(f), ThreatDetectionReport.Read(f)));
            }
            catch (ScanLoadException ex)
            {
                warnings.Add($"{ex.Message}; skipped");
            }
        }

        if (list.Count == 0)
        {
            throw new FormatException($"{path}: no readable DICOS Threat Detection Report");
        }

        return list;
    }

    private static string Class(TdrObject o) => string.IsNullOrEmpty(o.Description) ? o.Category : o.Description;

    private static double Score(TdrObject o) => o.Probability ?? (o.AssessmentFlag == "NO_THREAT" ? 0 : 1);

    private static bool NeverClear(TdrReport r) => r.AbortFlag == "ABORT" || r.Objects.Any(o => o.AbilityAssessment == "SHIELD");

    /// <summary>TDRs as predictions for <paramref name="gt"/>; reports that abort or shield add their image to <paramref name="notOk"/>.</summary>
    public static List<CocoDetection> Predictions(CocoDataset gt, string path, List<string> warnings, HashSet<long> notOk)
    {
        var byStem = gt.Images.GroupBy(i => Path.GetFileNameWithoutExtension(i.FileName), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var dets = new List<CocoDetection>();
        int unmatched = 0;
        foreach ((string stem, TdrReport r) in ReadAll(path, warnings))
        {
            if (!byStem.TryGetValue(stem, out List<CocoImage>? imgs) || imgs.Count != 1)
            {
                unmatched++;
                continue;
            }

            long id = imgs[0].Id;
            if (NeverClear(r))
            {
                notOk.Add(id);
            }

            foreach (TdrObject o in r.Objects.Where(o => o.AbilityAssessment != "SHIELD"))
            {
                dets.Add(new CocoDetection(id, 0, [o.X, o.Y, o.Width, o.Height], Score(o)) { CategoryName = Class(o) });
            }
        }

        if (unmatched > 0)
        {
            warnings.Add($"{unmatched} TDRs name no single image of the ground truth (joined on the file stem) and are ignored");
        }

        return dets;
    }

    /// <summary>TDRs (e.g. an operator's) as ground truth: one image per report, one annotation per PTO that is a threat.</summary>
    public static CocoDataset GroundTruth(string path, List<string> warnings)
    {
        var reports = ReadAll(path, warnings);
        var names = reports.SelectMany(x => x.Report.Objects).Where(o => o.AbilityAssessment != "SHIELD").Select(Class).Distinct().Order(StringComparer.Ordinal).ToList();
        var cats = names.Select((n, i) => new CocoCategory(i + 1, n)).ToList();
        var catId = cats.ToDictionary(c => c.Name, c => c.Id, StringComparer.Ordinal);
        var images = new List<CocoImage>();
        var anns = new List<CocoAnnotation>();
        foreach ((string stem, TdrReport r) in reports)
        {
            long id = images.Count + 1;
            images.Add(new CocoImage(id, stem, 0, 0, null));
            foreach (TdrObject o in r.Objects.Where(o => o.AbilityAssessment != "SHIELD" && o.AssessmentFlag != "NO_THREAT"))
            {
                anns.Add(new CocoAnnotation(anns.Count + 1, id, catId[Class(o)], [o.X, o.Y, o.Width, o.Height], o.Width * o.Height, false));
            }
        }

        return new CocoDataset { Images = images, Annotations = anns, Categories = cats };
    }
}
