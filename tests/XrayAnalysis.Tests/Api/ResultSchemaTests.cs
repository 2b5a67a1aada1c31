using System.Text;
using System.Text.Json;
using OpenCvSharp;
using XrayAnalysis.Outputs;
using XrayAnalysis.Tiling;
using XrayAnalysis.Volumes;

namespace XrayAnalysis.Tests.Api;

/// <summary>
/// One JSON schema per result type: every result a type can produce (ok, tiled, failed, rejected) is checked against the
/// same committed schema in tests/fixtures/schemas, so a renamed, retyped or added field fails here before it reaches a
/// downstream parser. A line is <c>path kinds</c>; a leading <c>?</c> marks a field that some results leave out.
/// After a deliberate change: <c>XRAY_UPDATE_SCHEMAS=1 dotnet test --filter ResultSchemaTests</c>, then review the diff.
/// </summary>
[NonParallelizable] // runs the bundled model
public sealed class ResultSchemaTests : TempDirTest
{
    private static string SchemaPath(string type) => Path.Combine(TestData.Fixtures, "schemas", type + ".schema");

    [Test]
    public void Every_kind_of_scan_result_has_the_one_scan_result_schema()
    {
        var samples = new List<byte[]>();
        using (XrayDetector whole = XrayDetector.Open(TestData.BundledModel))
        using (Mat grey = TestData.Grey16(640, 480))
        {
            grey.GetArray(out ushort[] pixels);
            using ScanImage scan = ScanImage.FromGrey16(pixels, 640, 480, "grey");
            samples.Add(ResultJson.Serialize(whole.Detect(scan)));

            // A scan with a shield ("unable to clear") region: a 100 x 100 block the beam does not get through.
            Cv2.Rectangle(grey, new Rect(400, 300, 100, 100), Scalar.All(0), -1);
            grey.GetArray(out ushort[] shielded);
            using ScanImage dense = ScanImage.FromGrey16(shielded, 640, 480, "dense");
            ScanResult withShield = whole.Detect(dense);
            Assert.That(withShield.ShieldRegions, Is.Not.Empty);
            samples.Add(ResultJson.Serialize(withShield));

            string damaged = TestData.Write(Dir, "damaged.png", TestData.Encode(".png", grey)[..200]);
            string tiny = TestData.Write(Dir, "tiny.png", TestData.Encode(".png", TestData.Grey16(8, 8)));
            foreach (string path in new[] { damaged, tiny, Path.Combine(Dir, "missing.png") })
            {
                ScanResult r = whole.DetectFilesAsync([path]).ToBlockingEnumerable().Single();
                Assert.That(r.Status, Is.Not.EqualTo(ScanStatus.Ok), path);
                samples.Add(ResultJson.Serialize(r));
            }
        }

        // Whole scans run at two fills, the passes fused: the result records both.
        using (XrayDetector fused = XrayDetector.Open(TestData.BundledModel, new XrayDetectorOptions { Detector = new() { Fills = [0.625, 1] } }))
        using (Mat grey = TestData.Grey16(640, 480))
        {
            grey.GetArray(out ushort[] pixels);
            using ScanImage scan = ScanImage.FromGrey16(pixels, 640, 480, "two-fills");
            ScanResult r = fused.Detect(scan);
            Assert.That(r.Parameters!.Preprocessing!.Fills, Is.EqualTo(new[] { 0.625, 1.0 }));
            samples.Add(ResultJson.Serialize(r));
        }

        using (XrayDetector tiled = XrayDetector.Open(TestData.BundledModel, new XrayDetectorOptions { Tiles = TileOptions.Default with { Mode = TileMode.Always } }))
        using (ScanImage pair = ScanImage.FromDualEnergyFiles(
                   Path.Combine(TestData.SampleImages, "express", "raw", "express_00000_high.png"),
                   Path.Combine(TestData.SampleImages, "express", "raw", "express_00000_low.png")))
        {
            ScanResult r = tiled.Detect(pair);
            Assert.That(r.Tiling, Is.Not.Null);
            samples.Add(ResultJson.Serialize(r));
        }

        Check("ScanResult", samples);
    }

    [Test]
    public void Ok_and_failed_volume_results_have_the_one_volume_result_schema()
    {
        // The sample volume has ground truth beside it and regions the bundled model finds: every optional part is filled.
        string mhd = Path.Combine(TestData.SampleImages, "ct", "volumes", "ct_00000.mhd");
        string broken = Path.Combine(Dir, "broken.mhd");
        File.WriteAllText(broken, "NDims = 3\nDimSize = 64 64 4\nElementType = MET_USHORT\nElementDataFile = nowhere.raw\n");

        using XrayDetector detector = XrayDetector.Open(TestData.BundledModel);
        var results = new List<VolumeResult>();
        new VolumeBatch(new VolumePipeline(detector, new VolumeOptions { KeepSliceBoxes = true }), Path.Combine(Dir, "out")) { Pictures = false, OnResult = results.Add }.Run([mhd, broken]);
        Assert.That(results.Select(r => r.Status), Is.EqualTo(new[] { ScanStatus.Ok, ScanStatus.Failed }).Or.EqualTo(new[] { ScanStatus.Ok, ScanStatus.Rejected }));
        Assert.That(results[0].Regions, Is.Not.Empty);
        Assert.That(results[0].Evaluation, Is.Not.Null);
        Check("VolumeResult", results.Select(r => ResultJson.Serialize(r)).ToList());
    }

    [Test]
    public void A_field_renamed_or_retyped_is_caught()
    {
        var schema = Schema.Infer([Encoding.UTF8.GetBytes("""{"a": 1, "b": {"c": "x"}, "d": [1, 2]}""")]);
        Assert.That(schema.Problems(Encoding.UTF8.GetBytes("""{"a": 1, "b": {"c": "x"}, "d": []}""")), Is.Empty);
        Assert.That(schema.Problems(Encoding.UTF8.GetBytes("""{"a": "1", "b": {"c": "x"}, "d": [1]}""")), Has.Some.Contains("a: string"));
        Assert.That(schema.Problems(Encoding.UTF8.GetBytes("""{"a": 1, "b": {"c_2": "x"}, "d": [1]}""")),
            Has.Some.Contains("b.c_2").And.Some.Contains("b.c missing"));
        var map = Schema.Parse("m object\n?m.* number\n");
        Assert.That(map.Problems(Encoding.UTF8.GetBytes("""{"m": {"brick": 0.5, "packet": 0.7}}""")), Is.Empty);
        Assert.That(map.Problems(Encoding.UTF8.GetBytes("""{"m": {"brick": "0.5"}}""")), Has.Some.Contains("m.brick: string"));
    }

    private static void Check(string type, IReadOnlyList<byte[]> samples)
    {
        string path = SchemaPath(type);
        if (Environment.GetEnvironmentVariable("XRAY_UPDATE_SCHEMAS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, Schema.Infer(samples).ToText());
            Assert.Warn($"wrote {path}: review and commit it");
            return;
        }

        Schema schema = Schema.Parse(File.ReadAllText(path));
        for (int i = 0; i < samples.Count; i++)
        {
            Assert.That(schema.Problems(samples[i]), Is.Empty, $"{type} sample {i}:\n{Encoding.UTF8.GetString(samples[i])}");
        }
    }

    /// <summary>Paths (arrays as <c>[]</c>) with the JSON kinds seen at each and whether every sample has them.</summary>
    private sealed class Schema
    {
        private readonly SortedDictionary<string, (SortedSet<string> Kinds, bool Required)> _fields = new(StringComparer.Ordinal);

        public static Schema Infer(IReadOnlyList<byte[]> samples)
        {
            var s = new Schema();
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (byte[] json in samples)
            {
                foreach ((string p, string kind) in Flatten(json))
                {
                    if (!s._fields.TryGetValue(p, out var f))
                    {
                        f = (new SortedSet<string>(StringComparer.Ordinal), true);
                        s._fields[p] = f;
                    }

                    f.Kinds.Add(kind);
                }

                foreach (string p in Flatten(json).Select(x => x.Path).Distinct())
                {
                    seen[p] = seen.GetValueOrDefault(p) + 1;
                }
            }

            foreach (string p in s._fields.Keys.ToList())
            {
                s._fields[p] = (s._fields[p].Kinds, seen[p] == samples.Count && !p.Contains("[]", StringComparison.Ordinal));
            }

            return s;
        }

        public static Schema Parse(string text)
        {
            var s = new Schema();
            foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                string[] parts = line.Split(' ');
                bool optional = parts[0].StartsWith('?');
                s._fields[parts[0].TrimStart('?')] = (new SortedSet<string>(parts[1].Split('|'), StringComparer.Ordinal), !optional);
            }

            return s;
        }

        public string ToText() =>
            string.Concat(_fields.Select(kv => $"{(kv.Value.Required ? "" : "?")}{kv.Key} {string.Join('|', kv.Value.Kinds)}\n"));

        public List<string> Problems(byte[] json)
        {
            var problems = new List<string>();
            var present = new HashSet<string>(StringComparer.Ordinal);
            foreach ((string p, string kind) in Flatten(json))
            {
                present.Add(p);
                if (!TryFind(p, out var f))
                {
                    problems.Add($"{p}: not in the schema");
                }
                else if (!f.Kinds.Contains(kind))
                {
                    problems.Add($"{p}: {kind}, the schema says {string.Join('|', f.Kinds)}");
                }
            }

            problems.AddRange(_fields.Where(kv => kv.Value.Required && !present.Contains(kv.Key)).Select(kv => $"{kv.Key} missing"));
            return problems;
        }

        /// <summary>The field at <paramref name="path"/>, where a <c>*</c> segment of the schema matches any one key.</summary>
        private bool TryFind(string path, out (SortedSet<string> Kinds, bool Required) field)
        {
            if (_fields.TryGetValue(path, out field))
            {
                return true;
            }

            string[] segments = path.Split('.');
            foreach ((string key, var value) in _fields)
            {
                string[] k = key.Split('.');
                if (k.Length == segments.Length && k.Zip(segments).All(x => x.First == x.Second || x.First == "*" || (x.First == "*[]" && x.Second.EndsWith("[]", StringComparison.Ordinal))))
                {
                    field = value;
                    return true;
                }
            }

            return false;
        }

        private static List<(string Path, string Kind)> Flatten(byte[] json)
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            var list = new List<(string, string)>();
            Walk(doc.RootElement, "", list);
            return list;
        }

        private static void Walk(JsonElement e, string path, List<(string, string)> list)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    if (path.Length > 0)
                    {
                        list.Add((path, "object"));
                    }

                    foreach (JsonProperty p in e.EnumerateObject())
                    {
                        Walk(p.Value, path.Length == 0 ? p.Name : $"{path}.{p.Name}", list);
                    }

                    break;
                case JsonValueKind.Array:
                    list.Add((path, "array"));
                    foreach (JsonElement item in e.EnumerateArray())
                    {
                        Walk(item, path + "[]", list);
                    }

                    break;
                case JsonValueKind.String:
                    list.Add((path, "string"));
                    break;
                case JsonValueKind.Number:
                    list.Add((path, "number"));
                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    list.Add((path, "bool"));
                    break;
                default:
                    list.Add((path, "null"));
                    break;
            }
        }
    }
}
