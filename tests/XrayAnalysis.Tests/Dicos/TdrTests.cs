using System.Text.Json;
using XrayAnalysis.Dicos;
using XrayAnalysis.Outputs;
using XrayAnalysis.Tests.Cli;

namespace XrayAnalysis.Tests.Dicos;

/// <summary>
/// Threat Detection Reports written by <c>xray detect --tdr</c>, read by the independent implementations: pydicom (every
/// field a partner system needs) and dcmtk's dcmdump (the encoding), and read back by our own reader.
/// </summary>
public sealed class TdrTests : TempDirTest
{
    private const string PydicomDump = """
        import json, sys, pydicom
        ds = pydicom.dcmread(sys.argv[1])
        out = {"sop_class": ds.SOPClassUID, "sop": ds.SOPInstanceUID, "modality": ds.Modality, "study": ds.StudyInstanceUID,
               "tdr_type": ds.TDRType, "decision": ds.AlarmDecision, "abort": ds.AbortFlag,
               "algorithm": list(ds.ThreatDetectionAlgorithmAndVersion), "total": ds.NumberOfTotalObjects, "alarms": ds.NumberOfAlarmObjects,
               "transfer_syntax": ds.file_meta.TransferSyntaxUID, "ptos": []}
        for pto in ds.get("ThreatSequence", []):
            rep = pto.PTORepresentationSequence[0]; a = pto.ATDAssessmentSequence[0]
            out["ptos"].append({"id": pto.PotentialThreatObjectID, "ref": rep.ReferencedInstanceSequence[0].ReferencedSOPInstanceUID,
                "base": [float(v) for v in rep.ThreatROIBase], "extents": [float(v) for v in rep.ThreatROIExtents],
                "polygon": len(rep.BoundingPolygon), "category": a.ThreatCategory, "description": a.ThreatCategoryDescription,
                "flag": a.ATDAssessmentFlag, "ability": a.ATDAbilityAssessment,
                "probability": float(a.ATDAssessmentProbability) if "ATDAssessmentProbability" in a else None})
        print(json.dumps(out))
        """;

    private JsonElement Pydicom(string tdr)
    {
        string script = TestData.Write(Dir, "dump.py", System.Text.Encoding.UTF8.GetBytes(PydicomDump));
        (int code, string o, string e) = ExternalTools.Run("/usr/bin/python3", $"{script} {tdr}");
        Assert.That(code, Is.Zero, e);
        return JsonDocument.Parse(o).RootElement;
    }

    [Test]
    public void DetectWritesATdrPerScanThatPydicomAndDcmtkRead()
    {
        ExternalTools.RequirePydicom();
        ExternalTools.Require("dcmdump", "dciodvfy");
        string outDir = Path.Combine(Dir, "out");
        (int code, string o, string e) = DetectCliTests.Run("detect", Path.Combine(TestData.SampleImages, "baggage", "raw"), "--model", TestData.BundledModel,
            "--conf", "0.1", "--out", outDir, "--tdr");
        Assert.That(code, Is.Zero, o + e);
        foreach (string json in Directory.GetFiles(Path.Combine(outDir, "results"), "*.json"))
        {
            ScanResult r = ResultJson.Deserialize<ScanResult>(File.ReadAllBytes(json))!;
            string tdr = Path.Combine(outDir, "tdr", r.Name + ".dcs");
            Assert.That(File.Exists(tdr), tdr);
            (int dc, string dump, string derr) = ExternalTools.Run("dcmdump", $"-q +E {tdr}");
            Assert.That(dc, Is.Zero, dump + derr);
            Assert.That(derr, Does.Not.Contain("E:").And.Not.Contain("W:"), "dcmdump finds no encoding error");

            // dicom3tools' dciodvfy checks encoding, VRs, value lengths and DICOMDIR attributes; it has no definition of
            // the DICOS TDR IOD, so "Information Object Not found" is its one expected complaint.
            (_, string vo, string ve) = ExternalTools.Run("dciodvfy", tdr);
            string[] findings = (vo + ve).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.That(findings, Is.EqualTo(new[] { "Error - Information Object Not found" }), "dciodvfy: " + vo + ve);

            JsonElement p = Pydicom(tdr);
            double threshold = r.Parameters.OperatingThreshold!.Value;
            int threats = r.Detections.Count(d => d.Score >= threshold) + (r.ShieldRegions?.Count ?? 0);
            Assert.That(p.GetProperty("sop_class").GetString(), Is.EqualTo("1.2.840.10008.5.1.4.1.1.501.3"));
            Assert.That(p.GetProperty("modality").GetString(), Is.EqualTo("TDR"));
            Assert.That(p.GetProperty("tdr_type").GetString(), Is.EqualTo("MACHINE"));
            Assert.That(p.GetProperty("abort").GetString(), Is.EqualTo("SUCCESS"));
            Assert.That(p.GetProperty("decision").GetString(), Is.EqualTo(threats > 0 ? "ALARM" : "CLEAR"));
            Assert.That(p.GetProperty("algorithm")[1].GetString(), Is.EqualTo(r.Model.Sha256));
            Assert.That(p.GetProperty("total").GetInt32(), Is.EqualTo(r.Detections.Count + (r.ShieldRegions?.Count ?? 0)));
            Assert.That(p.GetProperty("alarms").GetInt32(), Is.EqualTo(threats));
            var ptos = p.GetProperty("ptos").EnumerateArray().ToList();
            for (int i = 0; i < r.Detections.Count; i++)
            {
                DetectionRecord d = r.Detections[i];
                JsonElement t = ptos[i];
                Assert.That(t.GetProperty("description").GetString(), Is.EqualTo(d.ClassName));
                Assert.That(t.GetProperty("category").GetString(), Is.EqualTo("CONTRABAND"));
                Assert.That(t.GetProperty("probability").GetDouble(), Is.EqualTo(d.Score).Within(1e-6));
                Assert.That(t.GetProperty("flag").GetString(), Is.EqualTo(d.Score >= threshold ? "THREAT" : "NO_THREAT"));
                Assert.That(t.GetProperty("base")[0].GetDouble(), Is.EqualTo(d.X1).Within(1e-3));
                Assert.That(t.GetProperty("base")[1].GetDouble(), Is.EqualTo(d.Y1).Within(1e-3));
                Assert.That(t.GetProperty("extents")[0].GetDouble(), Is.EqualTo(d.X2 - d.X1).Within(1e-3));
                Assert.That(t.GetProperty("polygon").GetInt32(), Is.EqualTo(12), "four corners, x y z each");
            }

            TdrReport back = ThreatDetectionReport.Read(tdr);
            Assert.That(back.Objects, Has.Count.EqualTo(ptos.Count));
            Assert.That(back.AlarmDecision, Is.EqualTo(p.GetProperty("decision").GetString()));
            Assert.That(back.SopInstanceUid, Is.EqualTo(p.GetProperty("sop").GetString()));
        }
    }

    [Test]
    public void ATdrOfADicosScanReferencesItsUids()
    {
        ExternalTools.RequirePydicom();
        string gen = Path.Combine(Dir, "gen");
        ExternalTools.Check("/usr/bin/python3", $"{Path.Combine(TestData.Fixtures, "dicos", "make_dicos.py")} {gen}");
        string input = Path.Combine(Dir, "in");
        Directory.CreateDirectory(input);
        File.Copy(Path.Combine(gen, "dx16_explicit.dcs"), Path.Combine(input, "scan.dcs"));
        string outDir = Path.Combine(Dir, "out");
        (int code, string o, string e) = DetectCliTests.Run("detect", input, "--model", TestData.BundledModel, "--min-side", "32", "--out", outDir, "--tdr");
        Assert.That(code, Is.Zero, o + e);
        JsonElement src = JsonDocument.Parse(ExternalTools.Run("/usr/bin/python3",
            $"-c \"import json,pydicom; d=pydicom.dcmread('{Path.Combine(input, "scan.dcs")}'); print(json.dumps([d.SOPInstanceUID, d.StudyInstanceUID]))\"").Out).RootElement;
        JsonElement tdr = Pydicom(Path.Combine(outDir, "tdr", "scan.dcs"));
        Assert.That(tdr.GetProperty("study").GetString(), Is.EqualTo(src[1].GetString()), "the TDR joins the scan's study");
        foreach (JsonElement pto in tdr.GetProperty("ptos").EnumerateArray())
        {
            Assert.That(pto.GetProperty("ref").GetString(), Is.EqualTo(src[0].GetString()));
        }
    }

    [Test]
    public void EvalTakesTdrsAsPredictionsAndAsGroundTruth()
    {
        string outDir = Path.Combine(Dir, "det");
        (int code, string o, string e) = DetectCliTests.Run("detect", Path.Combine(TestData.SampleImages, "express", "raw"), "--model", TestData.BundledModel,
            "--conf", "0.05", "--out", outDir, "--tdr");
        Assert.That(code, Is.Zero, o + e);
        string gt = Path.Combine(TestData.SampleImages, "express", "annotations.coco.json");
        JsonElement Stats(string g, string p)
        {
            string rep = Path.Combine(Dir, "eval-" + Guid.NewGuid().ToString("N"));
            (int c, string so, string se) = DetectCliTests.Run("eval", "--gt", g, "--pred", p, "--out", rep);
            Assert.That(c, Is.Zero, so + se);
            Assert.That(se, Does.Not.Contain("ignored"), "every detection joins an image");
            return JsonDocument.Parse(File.ReadAllText(Path.Combine(rep, "report.json"))).RootElement;
        }

        // The same detections through COCO results and through TDRs (float32 boxes and scores) give the same numbers.
        JsonElement viaCoco = Stats(gt, Path.Combine(outDir, "detections.coco.json"));
        JsonElement viaTdr = Stats(gt, Path.Combine(outDir, "tdr"));
        Assert.That(viaTdr.GetProperty("coco").GetProperty("AP50").GetDouble(), Is.EqualTo(viaCoco.GetProperty("coco").GetProperty("AP50").GetDouble()).Within(1e-3));
        Assert.That(viaTdr.GetProperty("coco").GetProperty("AP").GetDouble(), Is.EqualTo(viaCoco.GetProperty("coco").GetProperty("AP").GetDouble()).Within(1e-3));

        // TDRs as ground truth: their THREAT objects are the truth, so the same detections find all of them.
        JsonElement asGt = Stats(Path.Combine(outDir, "tdr"), Path.Combine(outDir, "detections.coco.json"));
        Assert.That(asGt.GetProperty("coco").GetProperty("AP50").GetDouble(), Is.EqualTo(1.0).Within(1e-9));
    }

    [Test]
    public void NotOkAndShieldedScansAreNeverClear()
    {
        ScanResult ok = new()
        {
            Name = "s",
            Input = new InputInfo("s.png", "ab", null, null),
            Model = new ModelSummary("m", "cd", "UltralyticsV8", 64, 64),
            Parameters = new DetectParameters(0.25f, 0.45f, 300, null, false, "letterbox", null, OperatingThreshold: 0.6f),
            Detections = [new DetectionRecord(0, "narcotics_brick", 0.3f, 1, 2, 11, 12)],
            ShieldRegions = [],
            TimingsMs = new StageTimings(),
            Status = ScanStatus.Ok,
        };
        Assert.That(Read(ok).AlarmDecision, Is.EqualTo("CLEAR"), "one suggestion below the threshold");
        TdrReport shielded = Read(ok with { ShieldRegions = [new ShieldRegion(5, 5, 40, 30, 1200) { Outline = [[5, 5], [45, 5], [45, 35], [5, 35]] }] });
        Assert.That(shielded.AlarmDecision, Is.EqualTo("ALARM"));
        Assert.That(shielded.Objects.Single(x => x.AbilityAssessment == "SHIELD").Category, Is.EqualTo("ANOMALY"));
        TdrReport failed = Read(ok with { Status = ScanStatus.Incomplete, Reason = "truncated", Detections = [] });
        Assert.That((failed.AlarmDecision, failed.AbortFlag), Is.EqualTo(("ALARM", "ABORT")));

        TdrReport Read(ScanResult r) => ThreatDetectionReport.Read(TestData.Write(Dir, "t.dcs", ThreatDetectionReport.Create(r)));
    }

    [Test]
    public void ReadingAnImageOrGarbageAsATdrFailsWithAReason()
    {
        string garbage = TestData.Write(Dir, "g.dcs", [.. new byte[128], .. "DICM"u8.ToArray(), 2, 0, 16, 0, (byte)'U', (byte)'I', 200, 0]);
        var ex = Assert.Throws<XrayAnalysis.Loading.ScanLoadException>(() => ThreatDetectionReport.Read(garbage));
        Assert.That(ex!.Message, Does.Contain("g.dcs").And.Contain("DICOS"));
    }
}
