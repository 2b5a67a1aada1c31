using System.Globalization;
using XrayAnalysis.Loading;

namespace XrayAnalysis.Dicos;

/// <summary>
/// DICOS Threat Detection Reports (NEMA IIC 1, SOP class 1.2.840.10008.5.1.4.1.1.501.3): <see cref="Create"/> turns a
/// <see cref="ScanResult"/> into a TDR that other agencies' systems open — one PTO per detection (box as Threat ROI base
/// and extents and as a bounding polygon, category CONTRABAND with the class name, probability, THREAT / NO_THREAT by
/// the result's operating threshold) and one per shield region (category ANOMALY, ability assessment SHIELD); Alarm
/// Decision ALARM when any PTO is a threat or a shield region exists, else CLEAR; a result that is not ok is an ABORT
/// with decision ALARM (never clear). <see cref="Read"/> reads TDRs back, ours or another vendor's.
/// </summary>
public static class ThreatDetectionReport
{
    private const int MaxPolygonPoints = 4096;

    /// <summary>The TDR of <paramref name="result"/> as DICOM Part 10 bytes (Explicit VR Little Endian).</summary>
    /// <param name="result">The scan's result.</param>
    /// <param name="source">The scanned image's UIDs when it was a DICOS file (see <see cref="SourceUids"/>); generated ones otherwise.</param>
    /// <param name="time">Content and decision time (default: now).</param>
    public static byte[] Create(ScanResult result, TdrSource? source = null, DateTimeOffset? time = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        DateTimeOffset t = time ?? DateTimeOffset.Now;
        string seed = $"{result.Input.Sha256}|{result.Input.LowEnergySha256}|{result.Model.Sha256}|{result.Parameters.OperatingThreshold}";
        string imageUid = source?.SopInstanceUid ?? DicosUidRoot.From("image|" + (result.Input.Sha256 ?? result.Input.Path));
        string imageClass = source?.SopClassUid ?? DicosUids.DxPresentationStorage;
        string study = source?.StudyInstanceUid ?? DicosUidRoot.From("study|" + (result.Input.Sha256 ?? result.Input.Path));
        string sop = DicosUidRoot.From("tdr|" + seed);
        double threshold = result.Parameters.OperatingThreshold ?? 0.5;
        bool ok = result.Status == ScanStatus.Ok;

        var ptos = new List<DicomWriter>();
        int threats = 0;
        foreach (DetectionRecord d in ok ? result.Detections : [])
        {
            bool threat = d.Score >= threshold;
            threats += threat ? 1 : 0;
            ptos.Add(Pto(ptos.Count + 1, imageClass, imageUid, d.X1, d.Y1, d.X2 - d.X1, d.Y2 - d.Y1,
                [(d.X1, d.Y1), (d.X2, d.Y1), (d.X2, d.Y2), (d.X1, d.Y2)], "CONTRABAND", d.ClassName, d.Score, threat ? "THREAT" : "NO_THREAT", "NO_INTERFERENCE"));
        }

        foreach (ShieldRegion s in ok ? result.ShieldRegions ?? [] : [])
        {
            threats++;
            IEnumerable<(double, double)> outline = s.Outline.Count >= 3 ? s.Outline.Take(MaxPolygonPoints).Select(p => ((double)p[0], (double)p[1]))
                : [(s.X, s.Y), (s.X + s.Width, s.Y), (s.X + s.Width, s.Y + s.Height), (s.X, s.Y + s.Height)];
            ptos.Add(Pto(ptos.Count + 1, imageClass, imageUid, s.X, s.Y, s.Width, s.Height, outline, "ANOMALY",
                $"unable to clear: {s.AreaPixels} px too dense for the beam", null, "UNKNOWN", "SHIELD"));
        }

        string date = t.ToString("yyyyMMdd", CultureInfo.InvariantCulture), clock = t.ToString("HHmmss.ffffff", CultureInfo.InvariantCulture);
        string dt = t.ToString("yyyyMMddHHmmss.ffffff", CultureInfo.InvariantCulture) + t.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "", StringComparison.Ordinal);
        string version = typeof(ThreatDetectionReport).Assembly.GetName().Version?.ToString(3) ?? "0";
        var w = new DicomWriter()
            .Text(0x00080005, "CS", "ISO_IR 192")
            .Text(0x00080012, "DA", date)
            .Text(0x00080013, "TM", clock)
            .Text(0x00080016, "UI", DicosUids.TdrStorage)
            .Text(0x00080018, "UI", sop)
            .Text(0x00080020, "DA", source?.StudyDate ?? date)
            .Text(0x00080023, "DA", date)
            .Text(0x00080030, "TM", source?.StudyTime ?? clock)
            .Text(0x00080033, "TM", clock)
            .Text(0x00100020, "LO", Clip(source?.ObjectOfInspectionId ?? result.Name, 64))
            .Text(0x00200010, "SH", "1")
            .Text(0x00200011, "IS", "1")
            .Text(0x00080060, "CS", "TDR")
            .Text(0x00080070, "LO", "XrayAnalysis")
            .Text(0x00081090, "LO", Clip(result.Model.Name, 64))
            .Text(0x00181020, "LO", Clip("XrayAnalysis " + version, 64))
            .Text(0x0020000D, "UI", study)
            .Text(0x0020000E, "UI", DicosUidRoot.From("tdr-series|" + result.Model.Sha256 + "|" + study))
            .Text(0x00200013, "IS", "1")
            .Sequence(0x40101011, ptos)
            .Text(0x40101024, "CS", ok ? "SUCCESS" : "ABORT")
            .Text(0x40101027, "CS", "MACHINE")
            .Texts(0x40101029, "LO", [Clip($"{result.Model.Name} (XrayAnalysis {version})", 64), result.Model.Sha256.Length <= 64 ? result.Model.Sha256 : result.Model.Sha256[..64]])
            .Text(0x4010102B, "DT", dt)
            .Text(0x40101031, "CS", !ok || threats > 0 ? "ALARM" : "CLEAR")
            .UShort(0x40101033, (ushort)Math.Min(ptos.Count, ushort.MaxValue))
            .UShort(0x40101034, (ushort)Math.Min(threats, ushort.MaxValue))
            .Float(0x40101069, result.TimingsMs.Total);
        if (!ok)
        {
            w.Text(0x40101021, "CS", result.Status.ToString().ToUpperInvariant());
            w.Text(0x00324000, "LT", Clip(result.Reason ?? "", 10240)); // Study Comments: the one-line reason.
        }

        return w.File(DicosUids.TdrStorage, sop);
    }

    /// <summary>Writes the TDR of <paramref name="result"/> to <paramref name="path"/> atomically; the source's UIDs are read from its file when it is DICOS.</summary>
    public static void Save(ScanResult result, string path)
    {
        ArgumentNullException.ThrowIfNull(result);
        Outputs.AtomicFile.WriteAllBytes(path, Create(result, SourceUids(result.Input.Path)));
    }

    /// <summary>The SOP class, SOP instance and study UIDs of a DICOS image file, or null when it is not one (or unreadable).</summary>
    public static TdrSource? SourceUids(string imagePath)
    {
        try
        {
            var info = new FileInfo(imagePath);
            if (!info.Exists || info.Length > 4L << 30)
            {
                return null;
            }

            byte[] bytes = File.ReadAllBytes(imagePath);
            if (!DicomParser.IsDicom(bytes))
            {
                return null;
            }

            DicomDataset d = DicomParser.Parse(bytes, stopAtPixelData: true).Dataset;
            return d.String(0x00080018) is { Length: > 0 } sop
                ? new TdrSource(d.String(0x00080016) ?? DicosUids.DxPresentationStorage, sop, d.String(0x0020000D))
                {
                    ObjectOfInspectionId = d.String(0x00100020) is { Length: > 0 } id ? id : null,
                    StudyDate = d.String(0x00080020) is { Length: > 0 } sd ? sd : null,
                    StudyTime = d.String(0x00080030) is { Length: > 0 } st ? st : null,
                }
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DicosException)
        {
            return null;
        }
    }

    /// <summary>Reads a TDR (ours or another vendor's).</summary>
    /// <exception cref="ScanLoadException">The file is not a readable DICOS TDR (the message names the file and why).</exception>
    public static TdrReport Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ScanLoadException(ScanStatus.Failed, path, $"cannot read: {ex.Message}");
        }

        try
        {
            DicomDataset d = DicomParser.Parse(bytes).Dataset;
            string? sopClass = d.String(0x00080016);
            if (sopClass != DicosUids.TdrStorage && !d.Contains(0x40101011))
            {
                throw new DicosException(ScanStatus.Rejected, $"DICOS: not a Threat Detection Report (SOP class {sopClass ?? "missing"}, no Threat Sequence)");
            }

            var objects = new List<TdrObject>();
            string? referenced = null;
            foreach (DicomDataset pto in d.Sequence(0x40101011))
            {
                DicomDataset? rep = pto.Sequence(0x40101037).FirstOrDefault();
                DicomDataset? assess = pto.Sequence(0x40101038).FirstOrDefault();
                // Older TDRs put the ROI and assessment directly in the PTO item.
                DicomDataset geo = rep is not null && rep.Contains(0x40101004) ? rep : pto;
                DicomDataset a = assess ?? pto;
                double[] b = geo.Reals(0x40101004), e = geo.Reals(0x40101005);
                if (b.Length < 2 || e.Length < 2)
                {
                    double[] poly = geo.Reals(0x4010101D);
                    if (poly.Length < 6)
                    {
                        continue; // a PTO without geometry cannot be placed; skipped
                    }

                    var xs = Enumerable.Range(0, poly.Length / 3).Select(i => poly[i * 3]).ToArray();
                    var ys = Enumerable.Range(0, poly.Length / 3).Select(i => poly[(i * 3) + 1]).ToArray();
                    b = [xs.Min(), ys.Min()];
                    e = [xs.Max() - xs.Min(), ys.Max() - ys.Min()];
                }

                referenced ??= rep?.Sequence(0x0008114A).FirstOrDefault()?.String(0x00081155);
                objects.Add(new TdrObject((int)(pto.Integer(0x40101010) ?? objects.Count + 1), a.String(0x40101012) ?? "UNKNOWN", a.String(0x40101013),
                    a.Real(0x40101016), a.String(0x40101015), a.String(0x40101014), b[0], b[1], e[0], e[1]));
            }

            return new TdrReport(d.String(0x00080018) ?? "", referenced, d.String(0x40101031) ?? "UNKNOWN", d.String(0x40101027) ?? "", d.String(0x40101024) ?? "",
                d.Strings(0x40101029), objects);
        }
        catch (DicosException ex)
        {
            throw new ScanLoadException(ex.Status, path, ex.Message);
        }
    }

    private static DicomWriter Pto(int id, string imageClass, string imageUid, double x, double y, double w, double h, IEnumerable<(double X, double Y)> polygon,
        string category, string description, double? probability, string flag, string ability)
    {
        var rep = new DicomWriter()
            .Sequence(0x0008114A, [new DicomWriter().Text(0x00081150, "UI", imageClass).Text(0x00081155, "UI", imageUid)])
            .Float(0x40101004, x, y, 0)
            .Float(0x40101005, w, h, 0)
            .Float(0x4010101D, polygon.SelectMany(p => new[] { p.X, p.Y, 0.0 }).ToArray());
        var assessment = new DicomWriter()
            .Text(0x40101012, "CS", category)
            .Text(0x40101013, "LT", Clip(description, 10240))
            .Text(0x40101014, "CS", ability)
            .Text(0x40101015, "CS", flag);
        if (probability is { } p)
        {
            assessment.Float(0x40101016, p);
        }

        return new DicomWriter()
            .UShort(0x40101010, (ushort)Math.Min(id, ushort.MaxValue))
            .Sequence(0x40101037, [rep])
            .Sequence(0x40101038, [assessment]);
    }

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max];
}
