using XrayAnalysis.Loading;
using System.IO.Compression;
using OpenCvSharp;
using XrayAnalysis.Volumes;

namespace XrayAnalysis.Tests.Volumes;

public sealed class VolumeReaderTests : TempDirTest
{
    private static byte[] Ramp(int nx, int ny, int nz)
    {
        var b = new byte[nx * ny * nz * 2];
        for (int i = 0; i < nx * ny * nz; i++)
        {
            b[2 * i] = (byte)i;
            b[(2 * i) + 1] = (byte)(i >> 8);
        }

        return b;
    }

    private string Mhd(string name, string dims, string type, string dataFile, string extra = "")
    {
        string p = Path.Combine(Dir, name + ".mhd");
        File.WriteAllText(p, $"ObjectType = Image\nNDims = 3\nDimSize = {dims}\nElementSpacing = 1.5 1.5 2\nElementType = {type}\n{extra}ElementDataFile = {dataFile}\n");
        return p;
    }

    [Test]
    public void A_metaimage_streams_its_slices_with_spacing_and_values()
    {
        File.WriteAllBytes(Path.Combine(Dir, "v.raw"), Ramp(4, 3, 5));
        using IVolumeSource s = VolumeReader.Open(Mhd("v", "4 3 5", "MET_USHORT", "v.raw"));
        Assert.That((s.Info.Nx, s.Info.Ny, s.Info.Nz, s.Info.Sz), Is.EqualTo((4, 3, 5, 2.0)));
        var slice = new float[12];
        s.ReadNext(slice);
        s.ReadNext(slice);
        Assert.That(slice[0], Is.EqualTo(12f), "first voxel of slice 1");
        Assert.That(slice[11], Is.EqualTo(23f));
    }

    [Test]
    public void Zlib_metaimage_and_gzip_nrrd_read_the_same_values()
    {
        byte[] raw = Ramp(4, 3, 5);
        using (var fs = File.Create(Path.Combine(Dir, "z.zraw")))
        using (var z = new ZLibStream(fs, CompressionLevel.Fastest))
        {
            z.Write(raw);
        }

        string nrrd = Path.Combine(Dir, "n.nrrd");
        using (var fs = File.Create(nrrd))
        {
            fs.Write("NRRD0004\ntype: ushort\ndimension: 3\nsizes: 4 3 5\nspacings: 1 1 3\nencoding: gzip\nendian: little\n\n"u8);
            using var gz = new GZipStream(fs, CompressionLevel.Fastest);
            gz.Write(raw);
        }

        using IVolumeSource a = VolumeReader.Open(Mhd("z", "4 3 5", "MET_USHORT", "z.zraw", "CompressedData = True\n"));
        using IVolumeSource b = VolumeReader.Open(nrrd);
        var sa = new float[12];
        var sb = new float[12];
        for (int z = 0; z < 5; z++)
        {
            a.ReadNext(sa);
            b.ReadNext(sb);
            Assert.That(sb, Is.EqualTo(sa));
        }

        Assert.That(b.Info.Sz, Is.EqualTo(3.0));
    }

    [TestCase("../../etc/passwd")]
    [TestCase("/etc/passwd")]
    [TestCase("sub/v.raw")]
    public void A_data_file_outside_the_header_folder_is_rejected(string dataFile)
    {
        var ex = Assert.Throws<ScanLoadException>(() => VolumeReader.Open(Mhd("evil", "4 3 5", "MET_USHORT", dataFile)));
        Assert.That(ex!.Status, Is.EqualTo(ScanStatus.Rejected));
        Assert.That(ex.Reason, Does.Contain("must sit beside the header"));
    }

    [Test]
    public void A_raw_file_shorter_than_the_header_declares_is_incomplete()
    {
        File.WriteAllBytes(Path.Combine(Dir, "t.raw"), Ramp(4, 3, 4));
        var ex = Assert.Throws<ScanLoadException>(() => VolumeReader.Open(Mhd("t", "4 3 5", "MET_USHORT", "t.raw")));
        Assert.That(ex!.Status, Is.EqualTo(ScanStatus.Incomplete));
        Assert.That(ex.Reason, Does.Contain("holds 96 bytes, the header declares 120"));
    }

    [Test]
    public void A_raw_file_longer_than_declared_fails()
    {
        File.WriteAllBytes(Path.Combine(Dir, "l.raw"), Ramp(4, 3, 6));
        var ex = Assert.Throws<ScanLoadException>(() => VolumeReader.Open(Mhd("l", "4 3 5", "MET_USHORT", "l.raw")));
        Assert.That(ex!.Reason, Does.Contain("more than the 120"));
    }

    [Test]
    public void Overflowing_dimensions_are_rejected_before_reading()
    {
        File.WriteAllBytes(Path.Combine(Dir, "o.raw"), [0, 0]);
        var ex = Assert.Throws<ScanLoadException>(() => VolumeReader.Open(Mhd("o", "2000000000 2000000000 2000000000", "MET_USHORT", "o.raw")));
        Assert.That(ex!.Status, Is.EqualTo(ScanStatus.Rejected));
    }

    [Test]
    public void An_unsupported_element_type_is_rejected_by_name()
    {
        File.WriteAllBytes(Path.Combine(Dir, "c.raw"), [0, 0]);
        var ex = Assert.Throws<ScanLoadException>(() => VolumeReader.Open(Mhd("c", "1 1 1", "MET_LONG_LONG", "c.raw")));
        Assert.That(ex!.Reason, Is.EqualTo("ElementType MET_LONG_LONG is not supported"));
    }

    [Test]
    public void Truncated_compressed_data_are_incomplete_and_extra_data_fail()
    {
        byte[] raw = Ramp(4, 3, 5);
        byte[] z;
        using (var ms = new MemoryStream())
        {
            using (var zs = new ZLibStream(ms, CompressionLevel.Fastest, true))
            {
                zs.Write(raw);
                zs.Write(new byte[10_000]);
            }

            z = ms.ToArray();
        }

        File.WriteAllBytes(Path.Combine(Dir, "bomb.zraw"), z);
        using IVolumeSource s = VolumeReader.Open(Mhd("bomb", "4 3 5", "MET_USHORT", "bomb.zraw", "CompressedData = True\n"));
        var slice = new float[12];
        for (int i = 0; i < 4; i++)
        {
            s.ReadNext(slice);
        }

        var ex = Assert.Throws<ScanLoadException>(() => s.ReadNext(slice));
        Assert.That(ex!.Reason, Does.Contain("hold more than the 120 bytes"));

        File.WriteAllBytes(Path.Combine(Dir, "cut.zraw"), z[..(z.Length / 3)]);
        using IVolumeSource c = VolumeReader.Open(Mhd("cut", "4 3 5", "MET_USHORT", "cut.zraw", "CompressedData = True\n"));
        Assert.Throws<ScanLoadException>(() =>
        {
            for (int i = 0; i < 5; i++)
            {
                c.ReadNext(slice);
            }
        });
    }

    [Test]
    public void Missing_slices_in_a_stack_are_reported()
    {
        string dir = Directory.CreateDirectory(Path.Combine(Dir, "stack")).FullName;
        foreach (int i in new[] { 1, 2, 3, 6, 7 })
        {
            using var m = new Mat(8, 8, MatType.CV_16UC1, Scalar.All(i * 100));
            Cv2.ImWrite(Path.Combine(dir, $"slice_{i}.png"), m);
        }

        using IVolumeSource s = VolumeReader.Open(dir);
        Assert.That(s.Info.Nz, Is.EqualTo(5));
        Assert.That(s.Warnings.Single(), Does.StartWith("missing slices in the numbering: 4, 5"));
        var slice = new float[64];
        s.ReadNext(slice);
        Assert.That(slice[0], Is.EqualTo(100f));
    }
}
