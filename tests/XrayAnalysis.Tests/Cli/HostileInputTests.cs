using System.Diagnostics;
using System.Text.Json;
using OpenCvSharp;

namespace XrayAnalysis.Tests.Cli;

/// <summary>
/// The reliability contract through the real CLI: one batch holding every kind of bad input next to 100 good scans is
/// processed whole, each input is accounted for exactly once, nothing damaged is reported ok, and the run-level faults
/// (locked folder, disk full, failed overlay, missing or altered model) end the way README's exit codes say.
/// </summary>
public sealed class HostileInputTests : TempDirTest
{
    private static (int Code, string Out, string Err) Run(params string[] args) => DetectCliTests.Run(args);

    private static Dictionary<string, (string Status, string Reason)> Summary(string outDir)
    {
        var rows = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(Path.Combine(outDir, "summary.csv")).Skip(1))
        {
            // name,path,status,reason,... (reason may be quoted and hold commas)
            string[] head = line.Split(',', 4);
            string rest = head[3];
            string reason = rest.StartsWith('"') ? rest[1..rest.IndexOf("\",", 1, StringComparison.Ordinal)] : rest[..rest.IndexOf(',', StringComparison.Ordinal)];
            Assert.That(rows.TryAdd(Path.GetFileName(head[1]), (head[2], reason)), Is.True, $"{head[1]} appears twice in summary.csv");
        }

        return rows;
    }

    private static byte[] Png(Mat m) => TestData.Encode(".png", m);

    /// <summary>A folder holding one good 16-bit scan, a.png.</summary>
    private string OneScanFolder()
    {
        string scans = Directory.CreateDirectory(Path.Combine(Dir, "scans")).FullName;
        using Mat g = TestData.Grey16(64, 48);
        TestData.Write(scans, "a.png", Png(g));
        return scans;
    }

    [Test]
    public void A_batch_of_every_bad_input_and_100_good_scans_is_processed_whole_with_one_status_each()
    {
        string scans = Directory.CreateDirectory(Path.Combine(Dir, "scans")).FullName;
        for (int i = 0; i < 100; i++)
        {
            using Mat g = TestData.Grey16(64 + i, 48);
            TestData.Write(scans, $"good_{i:D3}.png", Png(g));
        }

        var bad = new Dictionary<string, string[]>(StringComparer.Ordinal); // file -> acceptable statuses
        using (var sliver = new Mat(1, 1000, MatType.CV_8UC3, new Scalar(90, 120, 200)))
        {
            TestData.Write(scans, "sliver_1000x1.png", Png(sliver));
            bad["sliver_1000x1.png"] = ["rejected"];
        }

        using (Mat g = TestData.Grey16(80, 60))
        {
            // A TIFF whose BitsPerSample points at 0xFFFFFFFF.
            Cv2.ImEncode(".tif", g, out byte[] tif, [259, 1]);
            int ifd = BitConverter.ToInt32(tif, 4), n = BitConverter.ToUInt16(tif, ifd);
            for (int k = 0; k < n; k++)
            {
                int e = ifd + 2 + (12 * k);
                if (BitConverter.ToUInt16(tif, e) == 258)
                {
                    BitConverter.GetBytes(3u).CopyTo(tif, e + 4);
                    BitConverter.GetBytes(0xFFFFFFFFu).CopyTo(tif, e + 8);
                }
            }

            TestData.Write(scans, "bps_offset.tif", tif);
            bad["bps_offset.tif"] = ["failed", "incomplete"];

            byte[] png = Png(g);
            TestData.Write(scans, "cut.png", png[..(png.Length * 2 / 3)]);
            bad["cut.png"] = ["incomplete"];
        }

        using (Mat c = new Mat(240, 320, MatType.CV_8UC3))
        {
            Cv2.Randu(c, Scalar.All(0), Scalar.All(255));
            Cv2.GaussianBlur(c, c, new Size(9, 9), 3);
            byte[] jpg = TestData.Encode(".jpg", c);
            TestData.Write(scans, "cut45_eoi.jpg", [.. jpg.AsSpan(0, jpg.Length * 45 / 100), 0xFF, 0xD9]);
            bad["cut45_eoi.jpg"] = ["incomplete"];
        }

        using (var f = new Mat(40, 50, MatType.CV_32FC1, new Scalar(0.5)))
        {
            f.Set(3, 4, float.NaN);
            TestData.Write(scans, "float_one_nan.tif", TestData.Encode(".tif", f));
            bad["float_one_nan.tif"] = ["ok"];
            using (Mat top = f.RowRange(0, 20))
            {
                top.SetTo(new Scalar(float.PositiveInfinity));
            }

            TestData.Write(scans, "float_half_inf.tif", TestData.Encode(".tif", f));
            bad["float_half_inf.tif"] = ["incomplete"];
        }

        using (var s16 = new Mat(40, 50, MatType.CV_16SC1, new Scalar(-1200)))
        {
            Cv2.Rectangle(s16, new Rect(10, 10, 20, 15), new Scalar(900), -1);
            TestData.Write(scans, "signed16.tif", TestData.Encode(".tif", s16));
            bad["signed16.tif"] = ["ok"];
        }

        File.WriteAllBytes(Path.Combine(scans, "empty.png"), []);
        bad["empty.png"] = ["failed"];
        var noise = new byte[5000];
        new Random(1).NextBytes(noise);
        File.WriteAllBytes(Path.Combine(scans, "noise.jpg"), noise);
        bad["noise.jpg"] = ["failed"];
        Process.Start("mkfifo", Path.Combine(scans, "pipe.png"))!.WaitForExit();
        bad["pipe.png"] = ["failed"];
        File.CreateSymbolicLink(Path.Combine(scans, "zero.png"), "/dev/zero");
        bad["zero.png"] = ["failed"];
        byte[] bomb = File.ReadAllBytes(Path.Combine(scans, "good_000.png"));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bomb.AsSpan(16), 30000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bomb.AsSpan(20), 30000);
        File.WriteAllBytes(Path.Combine(scans, "bomb.png"), bomb);
        bad["bomb.png"] = ["failed", "rejected", "incomplete"];

        string outDir = Path.Combine(Dir, "out");
        var sw = Stopwatch.StartNew();
        (int code, string stdout, string stderr) = Run("detect", scans, "--model", TestData.FixtureModel("v8"), "--out", outDir, "--input-timeout", "60");
        Assert.That(code, Is.EqualTo(1), stdout + stderr);
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(90)), "no input stalled the batch");

        Dictionary<string, (string Status, string Reason)> rows = Summary(outDir);
        Assert.That(rows, Has.Count.EqualTo(100 + bad.Count), "every input exactly once");
        Assert.That(Enumerable.Range(0, 100).All(i => rows[$"good_{i:D3}.png"].Status == "ok"), Is.True);
        foreach ((string file, string[] allowed) in bad)
        {
            Assert.That(allowed, Does.Contain(rows[file].Status), $"{file}: {rows[file].Status} ({rows[file].Reason})");
            Assert.That(rows[file].Status == "ok" || rows[file].Reason.Length > 0, Is.True, $"{file} has an empty reason");
        }

        Assert.That(stdout, Does.Contain($"inputs:     {100 + bad.Count} = "));
        Assert.That(File.Exists(Path.Combine(outDir, "detections.coco.json")), Is.True);
        Assert.That(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.All.StartWith("xray: "), "one line per problem, no stack traces");

        using JsonDocument oneNan = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, "results", "float_one_nan.json")));
        Assert.That(oneNan.RootElement.GetProperty("non_finite_samples").GetInt64(), Is.EqualTo(1));
    }

    [Test]
    public void A_second_run_on_a_held_output_folder_is_refused_naming_the_holder()
    {
        string scans = OneScanFolder();

        string outDir = Path.Combine(Dir, "out");
        using (XrayAnalysis.Outputs.OutputLock.Acquire(outDir))
        {
            (int code, _, string stderr) = Run("detect", scans, "--model", TestData.FixtureModel("v8"), "--out", outDir);
            Assert.That(code, Is.EqualTo(4));
            Assert.That(stderr, Does.Contain("in use by another xray run (pid " + Environment.ProcessId));
        }

        Assert.That(Run("detect", scans, "--model", TestData.FixtureModel("v8"), "--out", outDir).Code, Is.EqualTo(0), "free again once released");
    }

    [Test]
    public void Temp_files_of_a_killed_run_are_removed_by_the_next_run()
    {
        string scans = OneScanFolder();

        string outDir = Path.Combine(Dir, "out");
        Directory.CreateDirectory(Path.Combine(outDir, "results"));
        File.WriteAllText(Path.Combine(outDir, "results", ".a.json.1234.deadbeef.tmp"), "{ half a res");
        (int code, string stdout, _) = Run("detect", scans, "--model", TestData.FixtureModel("v8"), "--out", outDir);
        Assert.That(code, Is.EqualTo(0));
        Assert.That(stdout, Does.Contain("1 temp files left by an earlier killed run"));
        Assert.That(Directory.GetFiles(outDir, "*.tmp", SearchOption.AllDirectories), Is.Empty);
    }

    [Test]
    public void An_overlay_that_cannot_be_written_never_costs_the_result()
    {
        string scans = OneScanFolder();

        string outDir = Path.Combine(Dir, "out");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "overlays"), "a file where the overlay folder should be");
        (int code, _, string stderr) = Run("detect", scans, "--model", TestData.FixtureModel("v8"), "--out", outDir, "--overlay");
        Assert.That(code, Is.EqualTo(0), "the scan itself is fine");
        Assert.That(stderr, Does.Contain("warning: ").And.Contain("overlay not written"));
        using JsonDocument r = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, "results", "a.json")));
        Assert.That(r.RootElement.GetProperty("status").GetString(), Is.EqualTo("ok"));
        Assert.That(r.RootElement.GetProperty("warnings")[0].GetString(), Does.Contain("overlay not written"));
    }

    [Test]
    public void Disk_full_fails_the_affected_scans_as_io_and_ends_the_run_cleanly()
    {
        string mount = Directory.CreateDirectory(Path.Combine(Dir, "small")).FullName;
        using (Process p = Process.Start(new ProcessStartInfo("mount", ["-t", "tmpfs", "-o", "size=48k", "tmpfs", mount]) { RedirectStandardError = true })!)
        {
            p.WaitForExit();
            Assume.That(p.ExitCode, Is.EqualTo(0), "needs root to mount a small tmpfs: " + p.StandardError.ReadToEnd());
        }

        try
        {
            string scans = Directory.CreateDirectory(Path.Combine(Dir, "scans")).FullName;
            for (int i = 0; i < 40; i++)
            {
                using Mat g = TestData.Grey16(64, 48);
                TestData.Write(scans, $"s{i:D2}.png", Png(g));
            }

            // Overlays are large: the disk fills part way through the batch.
            (int code, string stdout, string stderr) = Run("detect", scans, "--model", TestData.FixtureModel("v8"), "--out", mount, "--overlay");
            Assert.That(code, Is.EqualTo(4), stdout + stderr);
            Assert.That(stderr, Does.Contain("run failed: ").And.Contain("disk is full").Or.Contain("No space left"));
            Assert.That(stderr, Does.Not.Contain("   at "), "no stack trace");
            string[] results = Directory.GetFiles(Path.Combine(mount, "results"), "*.json");
            foreach (string f in results)
            {
                Assert.DoesNotThrow(() => JsonDocument.Parse(File.ReadAllBytes(f)).Dispose(), $"{f} is complete JSON");
            }
        }
        finally
        {
            Process.Start("umount", mount)!.WaitForExit();
        }
    }

    [Test]
    public void A_missing_model_exits_3()
    {
        string scans = OneScanFolder();

        (int code, _, string stderr) = Run("detect", scans, "--model", Path.Combine(Dir, "nope.onnx"), "--out", Path.Combine(Dir, "out"));
        Assert.That(code, Is.EqualTo(3));
        Assert.That(stderr, Does.Contain("model file not found"));
    }

    [Test]
    public void A_copy_of_the_bundled_model_is_pinned_by_content_wherever_it_lies()
    {
        string scans = OneScanFolder();

        // Same bytes under another name and folder: accepted.
        string copy = Path.Combine(Dir, "renamed.onnx");
        File.Copy(TestData.BundledModel, copy);
        Assert.That(Run("detect", scans, "--model", copy, "--min-side", "32", "--out", Path.Combine(Dir, "o1")).Code, Is.EqualTo(0));

        // An unknown protobuf field appended: ONNX Runtime still loads it, but it is not the pinned model.
        File.AppendAllBytes(copy, [0x98, 0x06, 0x01]);
        (int code, _, string stderr) = Run("detect", scans, "--model", copy, "--out", Path.Combine(Dir, "o2"));
        Assert.That(code, Is.EqualTo(3));
        Assert.That(stderr, Does.Contain("says it is the bundled xray-concealment-s.onnx"));
    }
}
