using OpenCvSharp;
using XrayAnalysis.Dicos;
using XrayAnalysis.Loading;
using XrayAnalysis.Tests.Cli;
using XrayAnalysis.Volumes;

namespace XrayAnalysis.Tests.Dicos;

/// <summary>
/// The DICOS reader against files written by other implementations: pydicom writes the native files (explicit and
/// implicit VR, MONOCHROME1/2, 8/16 bits with noise above Bits Stored, signed + rescale, palette colour, multi-frame) and
/// dcmtk's dcmcjpeg compresses them with JPEG Lossless (every predictor, point transform, SV1); dcmconv makes the big
/// endian and deflated files that must be refused by name. Pixels are compared exactly with what pydicom wrote.
/// </summary>
[NonParallelizable]
public sealed class DicosReaderTests
{
    private string _dir = null!;

    [OneTimeSetUp]
    public void MakeFiles()
    {
        ExternalTools.RequirePydicom();
        ExternalTools.Require("dcmcjpeg", "dcmconv");
        _dir = TestData.TempDir();
        ExternalTools.Check("/usr/bin/python3", $"{Path.Combine(TestData.Fixtures, "dicos", "make_dicos.py")} {_dir}");
        for (int sv = 1; sv <= 7; sv++)
        {
            ExternalTools.Check("dcmcjpeg", $"+el +sv {sv} dx16_explicit.dcs jl_sv{sv}.dcs", _dir);
        }

        ExternalTools.Check("dcmcjpeg", "+e1 dx16_mono1.dcs jl_mono1_sv1.dcs", _dir);
        ExternalTools.Check("dcmcjpeg", "+el +sv 4 +pt 3 dx16_explicit.dcs jl_pt3.dcs", _dir);
        ExternalTools.Check("dcmcjpeg", "+e1 dx8.dcs jl_8bit.dcs", _dir);
        ExternalTools.Check("dcmcjpeg", "+e1 +fs 1 dx16_explicit.dcs jl_fragments.dcs", _dir);
        ExternalTools.Check("dcmconv", "+tb dx16_explicit.dcs bigendian.dcs", _dir);
        ExternalTools.Check("dcmconv", "+td dx16_explicit.dcs deflated.dcs", _dir);
    }

    [OneTimeTearDown]
    public void Clean()
    {
        if (_dir is not null)
        {
            Directory.Delete(_dir, true);
        }
    }

    private Mat Load(string name)
    {
        using Scan scan = new ScanLoader().Load(ScanInput.Single(Path.Combine(_dir, name)));
        return scan.Image.Clone();
    }

    private static byte[] Bytes(Mat m)
    {
        var b = new byte[m.Total() * m.ElemSize()];
        System.Runtime.InteropServices.Marshal.Copy(m.Data, b, 0, b.Length);
        return b;
    }

    [TestCase("dx16_explicit.dcs", "dx16_explicit", 0)]
    [TestCase("dx16_implicit.dcm", "dx16_implicit", 0)]
    [TestCase("dx16_mono1.dcs", "dx16_mono1", 0)]
    [TestCase("dx8.dcs", "dx8", 0)]
    [TestCase("dx16_rescaled.dcs", "dx16_rescaled", 0)]
    [TestCase("dx_palette.dcs", "dx_palette", 0)]
    [TestCase("jl_sv1.dcs", "dx16_explicit", 0)]
    [TestCase("jl_sv2.dcs", "dx16_explicit", 0)]
    [TestCase("jl_sv3.dcs", "dx16_explicit", 0)]
    [TestCase("jl_sv4.dcs", "dx16_explicit", 0)]
    [TestCase("jl_sv5.dcs", "dx16_explicit", 0)]
    [TestCase("jl_sv6.dcs", "dx16_explicit", 0)]
    [TestCase("jl_sv7.dcs", "dx16_explicit", 0)]
    [TestCase("jl_mono1_sv1.dcs", "dx16_mono1", 0)]
    [TestCase("jl_8bit.dcs", "dx8", 0)]
    [TestCase("jl_fragments.dcs", "dx16_explicit", 0)]
    [TestCase("jl_pt3.dcs", "dx16_explicit", 3)]
    public void PixelsAreExactlyWhatTheWriterStored(string file, string expected, int pointTransform)
    {
        using Mat m = Load(file);
        byte[] want = File.ReadAllBytes(Path.Combine(_dir, expected + ".expected"));
        byte[] got = Bytes(m);
        if (pointTransform > 0)
        {
            // Point transform drops the low bits: the decoder gives (v >> pt) << pt.
            for (int i = 0; i < want.Length; i += 2)
            {
                int v = (BitConverter.ToUInt16(want, i) >> pointTransform) << pointTransform;
                want[i] = (byte)v;
                want[i + 1] = (byte)(v >> 8);
            }
        }

        Assert.That(got.Length, Is.EqualTo(want.Length), $"{file}: {m.Type()} {m.Cols} x {m.Rows}");
        Assert.That(got.SequenceEqual(want), Is.True, $"{file}: first difference at byte {Enumerable.Range(0, want.Length).FirstOrDefault(i => got[i] != want[i])}");
    }

    [TestCase("bigendian.dcs", "Big Endian")]
    [TestCase("deflated.dcs", "Deflated")]
    [TestCase("ct_multiframe.dcs", "multi-frame")]
    [TestCase("jl_ct.dcs", "multi-frame")]
    public void UnsupportedFilesAreRefusedByName(string file, string why)
    {
        if (file == "jl_ct.dcs")
        {
            ExternalTools.Check("dcmcjpeg", "+e1 ct_multiframe.dcs jl_ct.dcs", _dir);
        }

        var ex = Assert.Throws<ScanLoadException>(() => new ScanLoader().Load(ScanInput.Single(Path.Combine(_dir, file))));
        Assert.That(ex!.Message, Does.Contain(file).And.Contain("DICOS").And.Contain(why));
        Assert.That(ex.Status, Is.Not.EqualTo(ScanStatus.Ok));
    }

    [Test]
    public void DetectFindsDicosInFoldersByExtensionAndByContent()
    {
        string input = Path.Combine(_dir, "folder");
        Directory.CreateDirectory(input);
        File.Copy(Path.Combine(_dir, "dx16_explicit.dcs"), Path.Combine(input, "a.dcs"));
        File.Copy(Path.Combine(_dir, "jl_sv1.dcs"), Path.Combine(input, "b.dcm"));
        File.Copy(Path.Combine(_dir, "dx_palette.dcs"), Path.Combine(input, "1.2.840.99"));   // a DICOM file set name: no real extension
        File.Copy(Path.Combine(_dir, "bigendian.dcs"), Path.Combine(input, "IMG0001"));       // no extension at all
        File.WriteAllText(Path.Combine(input, "notes"), "not a scan");
        string outDir = Path.Combine(_dir, "out");
        // The fixtures are small pictures (under the bundled profile's 160 px): this test is about finding them.
        (int code, string o, string e) = DetectCliTests.Run("detect", input, "--model", TestData.BundledModel, "--min-side", "32", "--out", outDir);
        Assert.That(code, Is.EqualTo(1), o + e); // the big-endian file is not ok, the rest are
        string csv = File.ReadAllText(Path.Combine(outDir, "summary.csv"));
        Assert.That(csv, Does.Contain("\na,").And.Contain("\nb,").And.Contain("/1.2.840.99,"));
        Assert.That(csv.Split('\n').Count(l => l.Contains(",ok,", StringComparison.Ordinal)), Is.EqualTo(3), csv);
        Assert.That(csv, Does.Contain("IMG0001").And.Contain("Big Endian"));
        Assert.That(csv, Does.Not.Contain("notes"));
    }

    [TestCase("ct_multiframe.dcs", "ct_multiframe", false)]
    [TestCase("jl_ct_volume.dcs", "ct_multiframe", true)]
    [TestCase("ct_series", "ct_series", false)]
    public void CtVolumesReadSliceBySliceWithTheirSpacing(string input, string expected, bool compress)
    {
        if (compress)
        {
            ExternalTools.Check("dcmcjpeg", $"+e1 ct_multiframe.dcs {input}", _dir);
        }

        using IVolumeSource v = VolumeReader.Open(Path.Combine(_dir, input));
        byte[] raw = File.ReadAllBytes(Path.Combine(_dir, expected + ".frames"));
        float[] want = input == "ct_series"
            ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).ToArray()
            : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(raw).ToArray().Select(x => (float)x).ToArray();
        int n = v.Info.Nx * v.Info.Ny;
        Assert.That((v.Info.Nz, v.Info.Sx, v.Info.Sy, v.Info.Sz), Is.EqualTo((want.Length / n, 0.6, 0.8, 2.5)), $"{v.Info}");
        var slice = new float[n];
        for (int z = 0; z < v.Info.Nz; z++)
        {
            v.ReadNext(slice);
            Assert.That(slice, Is.EqualTo(want.AsSpan(z * n, n).ToArray()), $"slice {z}: in z order, whatever the file names say");
        }
    }

    [Test]
    public void VolumeCommandRunsOnADicosSeries()
    {
        string outDir = Path.Combine(_dir, "vol-out");
        (int code, string o, string e) = DetectCliTests.Run("volume", Path.Combine(_dir, "ct_series"), "--model", TestData.BundledModel, "--out", outDir);
        Assert.That(code, Is.Zero, o + e);
        Assert.That(Directory.GetFiles(outDir, "*.json", SearchOption.AllDirectories), Is.Not.Empty);
    }

    [Test]
    public void AFolderWithoutScansIsNotReportedAsMissing()
    {
        string empty = Path.Combine(_dir, "empty-folder");
        Directory.CreateDirectory(empty);
        File.WriteAllText(Path.Combine(empty, "readme.txt"), "x");
        (int code, _, string e) = DetectCliTests.Run("detect", empty, "--model", TestData.BundledModel, "--out", Path.Combine(_dir, "out-empty"));
        Assert.That(code, Is.Not.Zero);
        Assert.That(e, Does.Contain("holds no scan files").And.Contain("DICOS").And.Not.Contain("no such file"));
    }

    [Test]
    public void TruncatedAndDamagedFilesAreNeverOk()
    {
        byte[] good = File.ReadAllBytes(Path.Combine(_dir, "jl_sv4.dcs"));
        byte[] native = File.ReadAllBytes(Path.Combine(_dir, "dx16_explicit.dcs"));
        var cases = new Dictionary<string, byte[]>
        {
            ["cut-in-pixels.dcs"] = good[..(good.Length * 3 / 4)],
            ["cut-in-header.dcs"] = good[..300],
            ["native-cut.dcs"] = native[..(native.Length - 100)],
            ["no-dicm.dcs"] = [.. new byte[128], .. "DICX"u8.ToArray(), .. good[132..]],
        };
        byte[] flipped = (byte[])good.Clone();
        for (int i = good.Length - 400; i < good.Length - 300; i++)
        {
            flipped[i] ^= 0x5A;
        }

        cases["entropy-damaged.dcs"] = flipped;
        foreach ((string name, byte[] bytes) in cases)
        {
            string p = TestData.Write(_dir, name, bytes);
            var ex = Assert.Throws<ScanLoadException>(() => new ScanLoader().Load(ScanInput.Single(p)), name);
            Assert.That(ex!.Message, Does.StartWith(p + ": "), name);
            TestContext.Out.WriteLine($"{name}: {ex.Status}: {ex.Reason}");
        }
    }
}
