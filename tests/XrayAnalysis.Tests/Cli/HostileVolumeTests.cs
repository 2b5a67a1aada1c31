using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using OpenCvSharp;

namespace XrayAnalysis.Tests.Cli;

/// <summary>Bad volumes through the real <c>xray volume</c>: each gets its own status and reason, and the run goes on.</summary>
public sealed class HostileVolumeTests : TempDirTest
{
    private static byte[] Voxels(int nx, int ny, int nz)
    {
        var b = new byte[nx * ny * nz * 2];
        var rng = new Random(4);
        for (int i = 0; i < nx * ny * nz; i++)
        {
            int v = 2000 + rng.Next(3000);
            b[2 * i] = (byte)v;
            b[(2 * i) + 1] = (byte)(v >> 8);
        }

        return b;
    }

    private string Nrrd(string name, string sizes, string extra, byte[] data)
    {
        string p = Path.Combine(Dir, name + ".nrrd");
        File.WriteAllBytes(p, [.. Encoding.ASCII.GetBytes($"NRRD0004\ntype: uint16\ndimension: 3\nsizes: {sizes}\nendian: little\nencoding: raw\n{extra}\n"), .. data]);
        return p;
    }

    private string Mhd(string name, string dims, string dataFile, string extra = "")
    {
        string p = Path.Combine(Dir, name + ".mhd");
        File.WriteAllText(p, $"ObjectType = Image\nNDims = 3\nDimSize = {dims}\nElementSpacing = 1 1 1\nElementType = MET_USHORT\n{extra}ElementDataFile = {dataFile}\n");
        return p;
    }

    [Test]
    public void Every_bad_volume_gets_a_status_and_the_good_one_still_runs()
    {
        var inputs = new Dictionary<string, string[]>(StringComparer.Ordinal);

        string good = Nrrd("good", "32 24 6", "", Voxels(32, 24, 6));
        inputs[good] = ["ok"];
        inputs[Nrrd("origin_text", "32 24 6", "space: left-posterior-superior\nspace origin: (a,b,c)", Voxels(32, 24, 6))] = ["failed"];
        inputs[Nrrd("two_pow_31", "2048 1024 1024", "", Voxels(4, 4, 4))] = ["rejected"];
        inputs[Nrrd("sliver", "2000 1 2", "", Voxels(2000, 1, 2))] = ["ok", "failed"];

        byte[] z;
        using (var ms = new MemoryStream())
        {
            using (var zs = new ZLibStream(ms, CompressionLevel.Optimal))
            {
                zs.Write(Voxels(32, 24, 6));
            }

            z = ms.ToArray();
        }

        z[^2] ^= 0x40; // inside the Adler-32: every voxel inflates, the checksum does not match
        File.WriteAllBytes(Path.Combine(Dir, "flip.zraw"), z);
        inputs[Mhd("flip", "32 24 6", "flip.zraw", "CompressedData = True\n")] = ["failed"];

        // A data file that is a link out of the header's folder.
        string elsewhere = Directory.CreateDirectory(Path.Combine(Dir, "elsewhere")).FullName;
        File.WriteAllBytes(Path.Combine(elsewhere, "secret.raw"), Voxels(32, 24, 6));
        File.CreateSymbolicLink(Path.Combine(Dir, "link.raw"), Path.Combine(elsewhere, "secret.raw"));
        inputs[Mhd("link", "32 24 6", "link.raw")] = ["rejected"];

        // A multi-page TIFF whose pages together pass the voxel cap: refused from the headers, nothing decoded.
        var pages = new List<Mat>();
        for (int k = 0; k < 3; k++)
        {
            pages.Add(new Mat(2000, 2000, MatType.CV_16UC1, Scalar.All(1000 * (k + 1))));
        }

        string big = Path.Combine(Dir, "big.tif");
        Cv2.ImWrite(big, pages, [259, 5]);
        pages.ForEach(p => p.Dispose());
        inputs[big] = ["rejected"];

        // A damaged two-page TIFF.
        byte[] tif = File.ReadAllBytes(big);
        File.WriteAllBytes(Path.Combine(Dir, "damaged.tif"), tif[..(tif.Length / 2)]);
        inputs[Path.Combine(Dir, "damaged.tif")] = ["incomplete", "failed"];

        Process.Start("mkfifo", Path.Combine(Dir, "pipe.mhd"))!.WaitForExit();
        inputs[Path.Combine(Dir, "pipe.mhd")] = ["failed"];

        string outDir = Path.Combine(Dir, "out");
        string[] args = ["volume", .. inputs.Keys, "--model", TestData.FixtureModel("v8"), "--out", outDir, "--no-pictures", "--max-voxels", "10000000"];
        (int code, string stdout, string stderr) = DetectCliTests.Run(args);
        Assert.That(code, Is.EqualTo(1), stdout + stderr);
        Assert.That(stderr, Does.Not.Contain("   at "));
        string[] rows = File.ReadAllLines(Path.Combine(outDir, "summary.csv")).Skip(1).ToArray();
        Assert.That(rows, Has.Length.EqualTo(inputs.Count));
        foreach ((string input, string[] allowed) in inputs)
        {
            string row = rows.Single(r => r.Split(',')[1] == input);
            string status = row.Split(',')[2];
            Assert.That(allowed, Does.Contain(status), row);
        }
    }
}
