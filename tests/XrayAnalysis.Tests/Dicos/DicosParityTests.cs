using System.Globalization;
using System.Text.Json;
using OpenCvSharp;
using XrayAnalysis.Dicos;
using XrayAnalysis.Outputs;
using XrayAnalysis.Tests.Cli;
using XrayAnalysis.Volumes;

namespace XrayAnalysis.Tests.Dicos;

/// <summary>
/// The same pixels as PNG / MetaImage and as DICOS give the same detections: a 16-bit DX (uncompressed, and JPEG
/// lossless by dcmcjpeg), a PALETTE COLOR DX of the pseudo-colour render, and the sample CT volume as a multi-frame
/// DICOS CT and as a series of slice files.
/// </summary>
public sealed class DicosParityTests : TempDirTest
{
    private static byte[] Dx(Mat m, string uid, string photometric = "MONOCHROME2", (byte[] R, byte[] G, byte[] B, int N)? palette = null, double? kvp = null, string? series = null)
    {
        int rows = m.Rows, cols = m.Cols;
        var px = new byte[m.Total() * m.ElemSize()];
        System.Runtime.InteropServices.Marshal.Copy(m.Data, px, 0, px.Length);
        int bits = m.Depth() == MatType.CV_16U ? 16 : 8;
        var w = new DicomWriter()
            .Text(0x00080016, "UI", DicosUids.DxPresentationStorage).Text(0x00080018, "UI", uid).Text(0x00080060, "CS", "DX")
            .Text(0x0020000D, "UI", uid + ".1").Text(0x0020000E, "UI", series ?? uid + ".2")
            .UShort(0x00280002, 1).Text(0x00280004, "CS", photometric).UShort(0x00280010, (ushort)rows).UShort(0x00280011, (ushort)cols)
            .UShort(0x00280100, (ushort)bits).UShort(0x00280101, (ushort)bits).UShort(0x00280102, (ushort)(bits - 1)).UShort(0x00280103, 0)
            .Binary(0x7FE00010, bits == 16 ? "OW" : "OB", px);
        if (kvp is { } kv)
        {
            w.Text(0x00180060, "DS", kv.ToString(CultureInfo.InvariantCulture));
        }

        if (palette is { } p)
        {
            foreach ((uint desc, uint data, byte[] lut) in new[] { (0x00281101u, 0x00281201u, p.R), (0x00281102u, 0x00281202u, p.G), (0x00281103u, 0x00281203u, p.B) })
            {
                w.UShort(desc, (ushort)p.N, 0, 16);
                var words = new byte[p.N * 2];
                for (int i = 0; i < p.N; i++)
                {
                    words[2 * i] = lut[i];       // 16-bit entries: v * 257
                    words[(2 * i) + 1] = lut[i];
                }

                w.Binary(data, "OW", words);
            }
        }

        return w.File(DicosUids.DxPresentationStorage, uid);
    }

    private static List<DetectionRecord> Detections(string outDir, string name) =>
        [.. ResultJson.Deserialize<ScanResult>(File.ReadAllBytes(Path.Combine(outDir, "results", name + ".json")))!.Detections];

    private static void AssertSame(List<DetectionRecord> a, List<DetectionRecord> b, string what)
    {
        Assert.That(b, Has.Count.EqualTo(a.Count), what);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.That((b[i].ClassId, b[i].Score, b[i].X1, b[i].Y1, b[i].X2, b[i].Y2), Is.EqualTo((a[i].ClassId, a[i].Score, a[i].X1, a[i].Y1, a[i].X2, a[i].Y2)), $"{what}: detection {i}");
        }
    }

    [Test]
    public void DxFilesGiveTheDetectionsOfTheSamePixelsAsPng()
    {
        ExternalTools.Require("dcmcjpeg");
        string png = Path.Combine(TestData.SampleImages, "baggage", "raw", "baggage_00001_high.png");
        string colourPng = Path.Combine(TestData.SampleImages, "baggage", "images", "baggage_00001.png");
        string dir = Directory.CreateDirectory(Path.Combine(Dir, "in")).FullName;
        File.Copy(png, Path.Combine(dir, "grey.png"));
        File.Copy(colourPng, Path.Combine(dir, "colour.png"));
        using (Mat grey = Cv2.ImRead(png, ImreadModes.Unchanged))
        {
            Assert.That(grey.Type(), Is.EqualTo(MatType.CV_16UC1));
            File.WriteAllBytes(Path.Combine(dir, "grey_native.dcs"), Dx(grey, "2.25.1001"));
        }

        ExternalTools.Check("dcmcjpeg", "+e1 grey_native.dcs grey_jpegls.dcs", dir);

        // PALETTE COLOR: the render's distinct colours as a 16-bit indexed image with 16-bit LUT entries.
        using (Mat colour = Cv2.ImRead(colourPng, ImreadModes.Color))
        {
            var index = new Dictionary<int, int>();
            int rows = colour.Rows, cols = colour.Cols;
            var idx = new Mat(rows, cols, MatType.CV_16UC1);
            var r = new List<byte>();
            var g = new List<byte>();
            var b = new List<byte>();
            for (int y = 0; y < rows; y++)
            {
                for (int x = 0; x < cols; x++)
                {
                    Vec3b c = colour.At<Vec3b>(y, x);
                    int key = (c.Item2 << 16) | (c.Item1 << 8) | c.Item0;
                    if (!index.TryGetValue(key, out int k))
                    {
                        index[key] = k = index.Count;
                        r.Add(c.Item2);
                        g.Add(c.Item1);
                        b.Add(c.Item0);
                    }

                    idx.Set(y, x, (ushort)k);
                }
            }

            Assert.That(index.Count, Is.LessThan(65536));
            File.WriteAllBytes(Path.Combine(dir, "colour_palette.dcs"), Dx(idx, "2.25.1002", "PALETTE COLOR", ([.. r], [.. g], [.. b], index.Count)));
            idx.Dispose();
        }

        string outDir = Path.Combine(Dir, "out");
        (int code, string o, string e) = DetectCliTests.Run("detect", dir, "--model", TestData.BundledModel, "--conf", "0.05", "--out", outDir);
        Assert.That(code, Is.Zero, o + e);
        List<DetectionRecord> greyPng = Detections(outDir, "grey"), colourRef = Detections(outDir, "colour");
        Assert.That(greyPng.Count + colourRef.Count, Is.GreaterThan(0), "the comparison has detections to compare");
        AssertSame(greyPng, Detections(outDir, "grey_native"), "uncompressed DX");
        AssertSame(greyPng, Detections(outDir, "grey_jpegls"), "JPEG lossless DX");
        AssertSame(colourRef, Detections(outDir, "colour_palette"), "PALETTE COLOR DX");
    }

    [Test]
    public void TwoDxImagesOfOneSeriesAtDifferentVoltagesAreOneDualEnergyScan()
    {
        string raw = Path.Combine(TestData.SampleImages, "baggage", "raw");
        string pngs = Directory.CreateDirectory(Path.Combine(Dir, "png")).FullName;
        string dcs = Directory.CreateDirectory(Path.Combine(Dir, "dcs")).FullName;
        File.Copy(Path.Combine(raw, "baggage_00001_high.png"), Path.Combine(pngs, "bag_high.png"));
        File.Copy(Path.Combine(raw, "baggage_00001_low.png"), Path.Combine(pngs, "bag_low.png"));
        using (Mat high = Cv2.ImRead(Path.Combine(raw, "baggage_00001_high.png"), ImreadModes.Unchanged))
        using (Mat low = Cv2.ImRead(Path.Combine(raw, "baggage_00001_low.png"), ImreadModes.Unchanged))
        {
            // Names say nothing about energy; the tube voltage does. A third image of another series stays single.
            File.WriteAllBytes(Path.Combine(dcs, "bag_1.dcs"), Dx(low, "2.25.5001", kvp: 80, series: "2.25.5000"));
            File.WriteAllBytes(Path.Combine(dcs, "bag_2.dcs"), Dx(high, "2.25.5002", kvp: 160, series: "2.25.5000"));
            File.WriteAllBytes(Path.Combine(dcs, "other.dcs"), Dx(high, "2.25.5003", kvp: 160, series: "2.25.6000"));
        }

        (int code, string o, string e) = DetectCliTests.Run("detect", pngs, "--model", TestData.BundledModel, "--conf", "0.05", "--out", Path.Combine(Dir, "out-png"));
        Assert.That(code, Is.Zero, o + e);
        (code, o, e) = DetectCliTests.Run("detect", dcs, "--model", TestData.BundledModel, "--conf", "0.05", "--out", Path.Combine(Dir, "out-dcs"));
        Assert.That(code, Is.Zero, o + e);
        ScanResult pair = ResultJson.Deserialize<ScanResult>(File.ReadAllBytes(Path.Combine(Dir, "out-dcs", "results", "bag.json")))!;
        Assert.That(pair.DualEnergy, Is.True);
        Assert.That((Path.GetFileName(pair.Input.Path), Path.GetFileName(pair.Input.LowEnergyPath)), Is.EqualTo(("bag_2.dcs", "bag_1.dcs")), "the higher kVp is the high energy");
        Assert.That(Directory.GetFiles(Path.Combine(Dir, "out-dcs", "results")).Select(Path.GetFileName), Is.EquivalentTo(new[] { "bag.json", "other.json" }));
        AssertSame(Detections(Path.Combine(Dir, "out-png"), "bag"), [.. pair.Detections], "dual-energy DX pair vs the PNG pair");
    }

    [Test]
    public void DicosCtGivesTheRegionsOfTheSameMetaImage()
    {
        string mhd = Path.Combine(TestData.SampleImages, "ct", "volumes", "ct_00000.mhd");
        string multi = Path.Combine(Dir, "ct_multiframe.dcs");
        string series = Directory.CreateDirectory(Path.Combine(Dir, "ct_series")).FullName;
        using (IVolumeSource v = VolumeReader.Open(mhd))
        {
            VolumeInfo i = v.Info;
            int n = i.Nx * i.Ny;
            var all = new byte[(long)n * i.Nz * 2];
            var slice = new float[n];
            for (int z = 0; z < i.Nz; z++)
            {
                v.ReadNext(slice);
                var bytes = new byte[n * 2];
                for (int k = 0; k < n; k++)
                {
                    ushort u = checked((ushort)slice[k]);
                    bytes[2 * k] = (byte)u;
                    bytes[(2 * k) + 1] = (byte)(u >> 8);
                }

                bytes.CopyTo(all, (long)z * n * 2);
                string uid = "2.25.3000" + z.ToString(CultureInfo.InvariantCulture);
                File.WriteAllBytes(Path.Combine(series, $"IMG{i.Nz - z:D4}"), Ct(i, bytes, uid, 1)
                    .Texts(0x00200032, "DS", ["0", "0", (z * i.Sz).ToString(CultureInfo.InvariantCulture)])
                    .Text(0x00200013, "IS", (i.Nz - z).ToString(CultureInfo.InvariantCulture))
                    .File(DicosUids.CtStorage, uid));
            }

            File.WriteAllBytes(multi, Ct(i, all, "2.25.2000", i.Nz).Text(0x00180088, "DS", i.Sz.ToString(CultureInfo.InvariantCulture)).File(DicosUids.CtStorage, "2.25.2000"));
        }

        JsonElement Regions(string input, string name)
        {
            string outDir = Path.Combine(Dir, "out-" + name);
            (int code, string o, string e) = DetectCliTests.Run("volume", input, "--model", TestData.BundledModel, "--out", outDir, "--no-pictures");
            Assert.That(code, Is.Zero, o + e);
            string json = Directory.GetFiles(Path.Combine(outDir, "results"), "*.json").Single();
            return JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("regions").Clone();
        }

        string reference = Regions(mhd, "mhd").GetRawText();
        Assert.That(JsonDocument.Parse(reference).RootElement.GetArrayLength(), Is.GreaterThan(0));
        Assert.That(Regions(multi, "multi").GetRawText(), Is.EqualTo(reference), "multi-frame DICOS CT");
        Assert.That(Regions(series, "series").GetRawText(), Is.EqualTo(reference), "per-slice DICOS CT series (files named against z order)");
    }

    private static DicomWriter Ct(VolumeInfo i, byte[] pixels, string uid, int frames)
    {
        var w = new DicomWriter()
            .Text(0x00080016, "UI", DicosUids.CtStorage).Text(0x00080018, "UI", uid).Text(0x00080060, "CS", "CT")
            .Text(0x0020000D, "UI", "2.25.9999").Text(0x0020000E, "UI", "2.25.9998")
            .UShort(0x00280002, 1).Text(0x00280004, "CS", "MONOCHROME2").UShort(0x00280010, (ushort)i.Ny).UShort(0x00280011, (ushort)i.Nx)
            .Texts(0x00280030, "DS", [i.Sy.ToString(CultureInfo.InvariantCulture), i.Sx.ToString(CultureInfo.InvariantCulture)])
            .UShort(0x00280100, 16).UShort(0x00280101, 16).UShort(0x00280102, 15).UShort(0x00280103, 0)
            .Binary(0x7FE00010, "OW", pixels);
        if (frames > 1)
        {
            w.Text(0x00280008, "IS", frames.ToString(CultureInfo.InvariantCulture));
        }

        return w;
    }
}
