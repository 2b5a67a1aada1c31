using System.Text.Json;
using XrayAnalysis.Evaluation;
using XrayAnalysis.Tests.Cli;

namespace XrayAnalysis.Tests.Samples;

/// <summary>
/// The bundled model on sample-images/, through the real CLI, held to floors that any acceptable bundled model meets
/// rather than to one set of weights' exact counts: most ground-truth threats are found with their class at IoU ≥ 0.5,
/// most threat scans alarm and no clean scan alarms at the profile's operating threshold, and tiling is what finds the
/// cargo bricks. Retraining changes which scan is missed, not whether these hold.
/// </summary>
[NonParallelizable] // Runs the model over every sample scan; parallel runs would only compete for the same cores.
public sealed class SampleSetTests : TempDirTest
{
    private static readonly string[] Routes = ["mail", "express", "baggage", "cargo"];

    private static double OperatingThreshold => TestData.BundledOperatingThreshold;

    [Test]
    public void The_bundled_model_finds_most_sample_threats_and_no_clean_scan_alarms()
    {
        string outDir = Path.Combine(Dir, "out");
        string[] inputs = Routes.Select(r => Path.Combine(TestData.SampleImages, r, r == "cargo" ? "images" : "raw")).ToArray();
        (int code, string o, string e) = DetectCliTests.Run(["detect", .. inputs, "--model", TestData.BundledModel, "--conf", "0.25", "--out", outDir]);
        Assert.That(code, Is.EqualTo(0), e);
        Assert.That(o, Does.Contain("inputs:     9 = 9 ok"));

        int threats = 0, found = 0;
        var alarmsOnClean = new List<string>();
        var missedAlarms = new List<string>();
        foreach (string route in Routes)
        {
            CocoDataset gt = CocoDataset.Load(Path.Combine(TestData.SampleImages, route, "annotations.coco.json"));
            foreach (CocoImage im in gt.Images)
            {
                string stem = Path.GetFileNameWithoutExtension(im.FileName);
                List<(int Class, double Score, double[] Box)> dets = Detections(Path.Combine(outDir, "results", stem + ".json"));
                var g = gt.Annotations.Where(a => a.ImageId == im.Id).ToList();
                threats += g.Count;
                found += g.Count(a => dets.Any(d => d.Class == a.CategoryId - 1 && ConfusionMatrix.IoU(d.Box, a.Bbox) >= 0.5));
                bool alarm = dets.Any(d => d.Score >= OperatingThreshold);
                if (g.Count == 0 && alarm)
                {
                    alarmsOnClean.Add(stem);
                }

                if (g.Count > 0 && !alarm)
                {
                    missedAlarms.Add(stem);
                }
            }
        }

        TestContext.Out.WriteLine($"found {found}/{threats}; threat scans below the operating threshold: {string.Join(", ", missedAlarms)}");
        Assert.That(threats, Is.EqualTo(12), "the sample set's ground truth");
        Assert.That(found, Is.GreaterThanOrEqualTo(10), "threats found with their class at IoU >= 0.5 (conf 0.25)");
        Assert.That(alarmsOnClean, Is.Empty, "no clean scan alarms at the operating threshold");
        Assert.That(missedAlarms, Has.Count.LessThanOrEqualTo(3), "threat scans that do not alarm at the operating threshold (of 6)");
    }

    [Test]
    public void Thumbnails_of_clean_scans_never_alarm_and_slivers_are_refused_not_cleared()
    {
        // Issue 16: small or thumbnail inputs alarmed where the full scan did not. Every clean sample render, shrunk to
        // 5 %, 10 % and 20 %, through the real CLI: refused as too small to screen (the bundled profile's min_input_side),
        // so no alarm. Slivers are not screened at all either, so they can never come back clear.
        string dir = Path.Combine(Dir, "small");
        Directory.CreateDirectory(dir);
        int thumbs = 0;
        foreach (string route in new[] { "mail", "express", "baggage" })
        {
            CocoDataset gt = CocoDataset.Load(Path.Combine(TestData.SampleImages, route, "annotations.coco.json"));
            foreach (CocoImage im in gt.Images.Where(i => gt.Annotations.All(a => a.ImageId != i.Id)))
            {
                using OpenCvSharp.Mat scan = OpenCvSharp.Cv2.ImRead(Path.Combine(TestData.SampleImages, route, "images", im.FileName));
                string stem = Path.GetFileNameWithoutExtension(im.FileName);
                foreach (double f in new[] { 0.05, 0.1, 0.2 })
                {
                    using var small = new OpenCvSharp.Mat();
                    OpenCvSharp.Cv2.Resize(scan, small, new OpenCvSharp.Size(Math.Max(2, (int)(scan.Cols * f)), Math.Max(2, (int)(scan.Rows * f))), 0, 0, OpenCvSharp.InterpolationFlags.Area);
                    OpenCvSharp.Cv2.ImWrite(Path.Combine(dir, $"{stem}_t{(int)(f * 100)}.png"), small);
                    thumbs++;
                }

                using var sliver = new OpenCvSharp.Mat(scan, new OpenCvSharp.Rect(0, scan.Rows / 2, scan.Cols, 12));
                OpenCvSharp.Cv2.ImWrite(Path.Combine(dir, $"{stem}_sliver.png"), sliver);
            }
        }

        string outDir = Path.Combine(Dir, "small-out");
        (int code, _, string e) = DetectCliTests.Run("detect", dir, "--model", TestData.BundledModel, "--out", outDir);
        Assert.That(code, Is.Not.EqualTo(2), e);
        Assert.That(thumbs, Is.GreaterThanOrEqualTo(9));
        foreach (string f in Directory.GetFiles(Path.Combine(outDir, "results"), "*.json"))
        {
            using JsonDocument r = JsonDocument.Parse(File.ReadAllBytes(f));
            string status = r.RootElement.GetProperty("status").GetString()!;
            if (f.Contains("_sliver", StringComparison.Ordinal))
            {
                Assert.That(status, Is.Not.EqualTo("ok"), f);
                continue;
            }

            // Every thumbnail here has a side under the bundled profile's min_input_side (160 px): refused as too small
            // to screen, so neither cleared nor alarmed.
            Assert.That(status, Is.EqualTo("rejected"), f);
            Assert.That(r.RootElement.GetProperty("reason").GetString(), Does.Contain("too small to screen"), f);
            Assert.That(Detections(f).Where(d => d.Score >= OperatingThreshold), Is.Empty, $"{Path.GetFileName(f)} ({status}) alarms");
        }
    }

    [Test]
    public void Tiling_finds_the_cargo_bricks_that_the_whole_image_run_misses()
    {
        string cargo = Path.Combine(TestData.SampleImages, "cargo", "images");
        CocoDataset gt = CocoDataset.Load(Path.Combine(TestData.SampleImages, "cargo", "annotations.coco.json"));
        int Found(string mode)
        {
            string outDir = Path.Combine(Dir, mode);
            (int code, _, string e) = DetectCliTests.Run("detect", cargo, "--model", TestData.BundledModel, "--conf", "0.25", "--out", outDir, "--tile", mode);
            Assert.That(code, Is.EqualTo(0), e);
            List<(int Class, double Score, double[] Box)> dets = Detections(Path.Combine(outDir, "results", "cargo_00000.json"));
            return gt.Annotations.Count(a => dets.Any(d => ConfusionMatrix.IoU(d.Box, a.Bbox) >= 0.5));
        }

        Assert.That(Found("auto"), Is.GreaterThanOrEqualTo(2), "tiled (default): the bricks are found");
        Assert.That(Found("off"), Is.EqualTo(0), "whole 8192-px scan letterboxed to 384 px: bricks shrink to ~4 px");
    }

    [Test]
    public void Tiled_boxes_stay_as_tight_at_the_mAP_floor_as_at_the_operating_floor()
    {
        // mAP is computed at a confidence floor of 0.001; screening runs at the operating threshold. Lowering the floor
        // lets many weak boxes into the tile merge, and SAHI's rule let them stretch the confident ones (on this truck the
        // bricks' mean IoU fell from 0.89 to 0.61), so evaluation understated the tiled detector.
        string cargo = Path.Combine(TestData.SampleImages, "cargo", "images");
        CocoDataset gt = CocoDataset.Load(Path.Combine(TestData.SampleImages, "cargo", "annotations.coco.json"));
        double[] Tightness(string conf)
        {
            string outDir = Path.Combine(Dir, "floor-" + conf);
            (int code, _, string e) = DetectCliTests.Run("detect", cargo, "--model", TestData.BundledModel, "--conf", conf, "--out", outDir);
            Assert.That(code, Is.EqualTo(0), e);
            List<(int Class, double Score, double[] Box)> dets = Detections(Path.Combine(outDir, "results", "cargo_00000.json"));
            return gt.Annotations.Select(a => dets.Where(d => d.Score >= 0.5).Select(d => ConfusionMatrix.IoU(d.Box, a.Bbox)).DefaultIfEmpty(0).Max()).ToArray();
        }

        double[] operating = Tightness("0.5"), floor = Tightness("0.001");
        Assert.That(operating.Count(v => v >= 0.5), Is.GreaterThanOrEqualTo(2), "the bricks are found at 0.5");
        for (int i = 0; i < operating.Length; i++)
        {
            Assert.That(floor[i], Is.GreaterThanOrEqualTo(operating[i] - 0.05), $"brick {i}: IoU {operating[i]:F2} at floor 0.5, {floor[i]:F2} at 0.001");
        }
    }

    [Test]
    public void Fresh_trucks_bricks_are_found_by_the_tiled_evaluation()
    {
        // Issue 16's check: on two fresh trucks the bundled model scored mAP@0.5 0.000; after the model's third version
        // still 0.224, because the tile merge let weak boxes stretch the found bricks. Now 1.000 (0.809 over IoU
        // 0.5:0.95). The bound leaves room for retraining, not for the old merge.
        string data = Path.Combine(Dir, "trucks"), report = Path.Combine(Dir, "trucks-eval");
        (int code, _, string e) = DetectCliTests.Run("synth", "--kind", "cargo", "--count", "2", "--seed", "5511", "--threat-rate", "1", "--no-raw", "--out", data);
        Assert.That(code, Is.EqualTo(0), e);
        (code, _, e) = DetectCliTests.Run("eval", "--model", TestData.BundledModel, "--data", data, "--iou", "0.45", "--no-plots", "--out", report);
        Assert.That(code, Is.EqualTo(0), e);
        using JsonDocument r = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(report, "report.json")));
        JsonElement coco = r.RootElement.GetProperty("coco");
        Assert.That(coco.GetProperty("AP50").GetDouble(), Is.GreaterThanOrEqualTo(0.7));
        Assert.That(coco.GetProperty("AP").GetDouble(), Is.GreaterThanOrEqualTo(0.5), "the bricks' boxes are tight, not only found");
    }

    [TestCase("baggage")]
    [TestCase("express")]
    [TestCase("mail")]
    public void A_bag_scanned_at_a_finer_pitch_is_screened_whole_by_its_route(string route)
    {
        // A scanner with 2.6 times finer pixels gives the same bag in a 2688-px scan. The default auto mode tiled it at
        // native resolution, where every object is several times larger than the model was trained on (held-out
        // baggage upscaled so: mAP@0.5 0.0001 tiled, 0.895 whole; the model card). The single-item routes letterbox the
        // whole scan, as the model was trained, so it finds what it finds in the original.
        string original = Path.Combine(Dir, route + "-original"), fine = Path.Combine(Dir, route + "-fine");
        Directory.CreateDirectory(original);
        Directory.CreateDirectory(fine);
        const double Factor = 2.625;
        foreach (string f in Directory.GetFiles(Path.Combine(TestData.SampleImages, route, "images"), "*.png"))
        {
            File.Copy(f, Path.Combine(original, Path.GetFileName(f)));
            using OpenCvSharp.Mat m = OpenCvSharp.Cv2.ImRead(f);
            using var up = new OpenCvSharp.Mat();
            OpenCvSharp.Cv2.Resize(m, up, new OpenCvSharp.Size(0, 0), Factor, Factor, OpenCvSharp.InterpolationFlags.Cubic);
            Assert.That(up.Cols, Is.GreaterThan(1536), "beyond the default auto-tiling limit of 4 model inputs");
            OpenCvSharp.Cv2.ImWrite(Path.Combine(fine, Path.GetFileName(f)), up);
        }

        string routes = Path.Combine(TestData.RepoRoot, "config", "routes.json");
        foreach (string dir in new[] { original, fine })
        {
            (int code, _, string e) = DetectCliTests.Run("detect", dir, "--route", route, "--routes", routes, "--conf", "0.25", "--no-shield", "--out", dir + "-out");
            Assert.That(code, Is.EqualTo(0), e);
        }

        int matched = 0;
        foreach (string f in Directory.GetFiles(Path.Combine(fine + "-out", "results"), "*.json"))
        {
            using (JsonDocument r = JsonDocument.Parse(File.ReadAllBytes(f)))
            {
                Assert.That(r.RootElement.GetProperty("tiling").ValueKind, Is.EqualTo(JsonValueKind.Null), $"{Path.GetFileName(f)} was tiled");
            }

            List<(int Class, double Score, double[] Box)> fineDets = Detections(f);
            foreach ((int cls, double score, double[] box) in Detections(Path.Combine(original + "-out", "results", Path.GetFileName(f))).Where(d => d.Score >= 0.5))
            {
                double best = fineDets.Where(d => d.Class == cls).Select(d => ConfusionMatrix.IoU(d.Box.Select(v => v / Factor).ToArray(), box)).DefaultIfEmpty(0).Max();
                Assert.That(best, Is.GreaterThanOrEqualTo(0.7), $"{Path.GetFileName(f)}: class {cls} at {score:F2} not found again at the finer pitch");
                matched++;
            }
        }

        Assert.That(matched, Is.GreaterThan(0), "the samples give the original something to find");
    }

    /// <summary>Detections of one result file as (class, score, COCO [x, y, w, h]).</summary>
    private static List<(int Class, double Score, double[] Box)> Detections(string path)
    {
        using JsonDocument r = JsonDocument.Parse(File.ReadAllBytes(path));
        return r.RootElement.GetProperty("detections").EnumerateArray().Select(d =>
        {
            double x1 = d.GetProperty("x1").GetDouble(), y1 = d.GetProperty("y1").GetDouble();
            return (d.GetProperty("class_id").GetInt32(), d.GetProperty("score").GetDouble(),
                new[] { x1, y1, d.GetProperty("x2").GetDouble() - x1, d.GetProperty("y2").GetDouble() - y1 });
        }).ToList();
    }
}
