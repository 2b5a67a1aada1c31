using XrayAnalysis.Inference;
using System.Text.Json;
using XrayAnalysis.Routes;
using XrayAnalysis.Tests.Cli;
using XrayAnalysis.Tiling;
using XrayAnalysis.Viewing;

namespace XrayAnalysis.Tests.Routes;

/// <summary>Route profiles: the bundled route file, strict validation, and <c>--route</c> on the real CLI.</summary>
[TestFixture]
public sealed class RouteConfigTests : TempDirTest
{
    private static string Bundled => Path.Combine(TestData.RepoRoot, "config", "routes.json");

    private string WriteRoutes(string routesJson) =>
        TestData.Write(Dir, "routes.json", System.Text.Encoding.UTF8.GetBytes("{\"schema_version\": 1, \"routes\": {" + routesJson + "}}"));

    private static string Thr => TestData.BundledOperatingThreshold.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);

    [Test]
    public void The_bundled_route_file_holds_the_five_routes_with_existing_models_and_valid_settings()
    {
        RouteConfig config = RouteConfig.Load(Bundled);
        Assert.That(config.Routes.Keys, Is.EquivalentTo(new[] { "mail", "express", "baggage", "cargo", "ct" }));
        foreach (RouteProfile p in config.Routes.Values)
        {
            Assert.That(File.Exists(p.Model), Is.True, $"{p.Name}: {p.Model}");
            Assert.That(p.Description, Is.Not.Empty);
        }

        Assert.That(config.Get("CARGO").Tiles.Mode, Is.EqualTo(TileMode.Always), "names are case-insensitive");
        Assert.That(config.Get("cargo").View, Is.EqualTo(ViewSettings.Parse("grey,edge")));
        Assert.That(config.Get("cargo").Shield.MinThicknessPixels, Is.EqualTo(20), "a container's roof and floor are thinner than any brick");
        Assert.That(config.Get("baggage").Shield.MinThicknessPixels, Is.EqualTo(1));
        Assert.That(config.Get("ct").Shield.Enabled, Is.False);
        Assert.That(config.Get("mail").AlarmThreshold, Is.InRange(0f, 1f));
        Assert.That(config.Get("mail").Overlay.AlarmThreshold, Is.EqualTo(config.Get("mail").AlarmThreshold).Within(1e-6));
    }

    [TestCase("\"mail\": {\"confidnce\": 0.3}", "routes.mail.confidnce: unknown key")]
    [TestCase("\"mail\": {\"confidence\": 1.5}", "routes.mail.confidence: 1.5 is outside 0–1")]
    [TestCase("\"mail\": {\"iou\": \"high\"}", "routes.mail.iou: expected a number, found string")]
    [TestCase("\"mail\": {\"tiles\": {\"mode\": \"sometimes\"}}", "routes.mail.tiles.mode: 'sometimes' is not auto, off or always")]
    [TestCase("\"mail\": {\"view\": \"sepia\"}", "routes.mail.view: unknown image function 'sepia'")]
    [TestCase("\"mail\": {\"window\": [500, 100]}", "routes.mail.window: [500, 100] must satisfy")]
    [TestCase("\"mail\": {\"shield\": {\"min_area_pixels\": 0}}", "routes.mail.shield.min_area_pixels: 0 is outside")]
    [TestCase("\"mail\": {\"shield\": {\"min_thickness_pixels\": 0}}", "routes.mail.shield.min_thickness_pixels: 0 is outside")]
    [TestCase("\"mail\": {\"overlay\": {\"suggestions\": 1}}", "routes.mail.overlay.suggestions: expected true or false")]
    [TestCase("\"mail\": {\"fill\": 0}", "routes.mail.fill: 0 is outside 0.05–1")]
    [TestCase("\"mail\": {\"fill\": 1.5}", "routes.mail.fill: 1.5 is outside 0.05–1")]
    [TestCase("\"mail\": {\"fill\": \"small\"}", "routes.mail.fill: expected a number or an array of 1 to 4 numbers, found string")]
    [TestCase("\"mail\": {\"fill\": []}", "routes.mail.fill: expected a number or an array of 1 to 4 numbers, found array")]
    [TestCase("\"mail\": {\"fill\": [0.2, 0.4, 0.6, 0.8, 1]}", "routes.mail.fill: expected a number or an array of 1 to 4 numbers")]
    [TestCase("\"mail\": {\"fill\": [0.625, \"1\"]}", "routes.mail.fill: expected a number or an array of 1 to 4 numbers")]
    [TestCase("\"mail\": {\"fill\": [0.625, 1.5]}", "routes.mail.fill: 1.5 is outside 0.05–1")]
    [TestCase("\"mail\": {\"fill\": [0.625, 0.625]}", "routes.mail.fill: a fill is repeated")]
    [TestCase("\"ma il\": {}", "a route name is 1–40 letters")]
    [TestCase("\"mail\": [1]", "routes.mail: expected an object, found array")]
    [TestCase("", "routes: no routes defined")]
    public void A_bad_route_file_is_refused_with_the_file_the_key_and_the_reason(string routes, string reason)
    {
        string path = WriteRoutes(routes);
        var ex = Assert.Catch<FormatException>(() => RouteConfig.Load(path));
        Assert.That(ex!.Message, Does.StartWith(path).And.Contain(reason));
    }

    [Test]
    public void Not_json_a_missing_file_and_an_unknown_route_say_so()
    {
        string path = TestData.Write(Dir, "broken.json", "{\"schema_version\": 1, \"routes\": {"u8.ToArray());
        Assert.That(Assert.Catch<FormatException>(() => RouteConfig.Load(path))!.Message, Does.Contain("not valid JSON"));
        Assert.That(Assert.Catch<FileNotFoundException>(() => RouteConfig.Load(Path.Combine(Dir, "none.json")))!.Message, Does.Contain("no such route file"));
        Assert.That(Assert.Catch<ArgumentException>(() => RouteConfig.Load(Bundled).Get("ferry"))!.Message, Does.Contain("no route 'ferry' (routes: mail, express, baggage, cargo, ct)"));
        string v2 = TestData.Write(Dir, "v2.json", "{\"schema_version\": 2, \"routes\": {\"a\": {}}}"u8.ToArray());
        Assert.That(Assert.Catch<FormatException>(() => RouteConfig.Load(v2))!.Message, Does.Contain("schema_version: 2 is outside 1–1"));
    }

    [Test]
    public void Apply_takes_the_routes_settings_but_explicit_options_win()
    {
        RouteProfile p = RouteConfig.Load(Bundled).Get("cargo") with { Confidence = 0.4f };
        XrayDetectorOptions plain = p.Apply(new XrayDetectorOptions());
        Assert.That(plain.Route, Is.EqualTo("cargo"));
        Assert.That(plain.Detector.Confidence, Is.EqualTo(0.4f));
        Assert.That(plain.Tiles.Mode, Is.EqualTo(TileMode.Always));
        Assert.That(plain.Shield.MinAreaPixels, Is.EqualTo(20000));
        XrayDetectorOptions explicitConf = p.Apply(new XrayDetectorOptions { Detector = new() { Confidence = 0.1f }, OperatingThreshold = 0.9f });
        Assert.That(explicitConf.Detector.Confidence, Is.EqualTo(0.1f));
        Assert.That(explicitConf.OperatingThreshold, Is.EqualTo(0.9f));
        Assert.That(explicitConf.Detector.ConfidenceCeiling, Is.EqualTo(0.9f), "the alarm threshold in force caps a confidence left to the profile");
        RouteProfile mail = RouteConfig.Load(Bundled).Get("mail");
        Assert.That(mail.Apply(new XrayDetectorOptions()).Detector.ConfidenceCeiling, Is.EqualTo(mail.AlarmThreshold));
    }

    [Test]
    public void A_route_that_alarms_below_the_models_threshold_keeps_every_box_that_alarms()
    {
        // The route alarms at 0.2, far below the bundled profile's operating threshold: a detector floor left at the
        // profile's would drop every box between the two, and the route could never alarm on them.
        string model = JsonSerializer.Serialize(TestData.BundledModel);
        string routes = WriteRoutes(
            "\"low\": {\"description\": \"test\", \"model\": " + model + ", \"alarm_threshold\": 0.2, \"shield\": {\"enabled\": false}}, " +
            "\"high\": {\"description\": \"test\", \"model\": " + model + ", \"alarm_threshold\": 0.95, \"shield\": {\"enabled\": false}}");
        string images = Path.Combine(TestData.SampleImages, "baggage", "images");
        (int code, string stdout, string stderr) = DetectCliTests.Run("detect", images, "--route", "low", "--routes", routes, "--out", Path.Combine(Dir, "low"));
        Assert.That(code, Is.Zero, stdout + stderr);
        Assert.That(stdout, Does.Contain("confidence 0.2 (alarm_threshold)"));
        (code, _, stderr) = DetectCliTests.Run("detect", images, "--model", TestData.BundledModel, "--conf", "0.2", "--no-shield", "--out", Path.Combine(Dir, "conf"));
        Assert.That(code, Is.Zero, stderr);
        int below = 0;
        foreach (string f in Directory.GetFiles(Path.Combine(Dir, "low", "results"), "*.json"))
        {
            using JsonDocument a = JsonDocument.Parse(File.ReadAllBytes(f));
            using JsonDocument b = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "conf", "results", Path.GetFileName(f))));
            double[] Scores(JsonDocument d) => d.RootElement.GetProperty("detections").EnumerateArray().Select(x => x.GetProperty("score").GetDouble()).ToArray();
            Assert.That(Scores(a), Is.EqualTo(Scores(b)).Within(1e-6), $"{f}: the route keeps what --conf 0.2 keeps");
            Assert.That(a.RootElement.GetProperty("parameters").GetProperty("confidence_source").GetString(), Is.EqualTo("alarm_threshold"));
            below += Scores(a).Count(s => s < TestData.BundledOperatingThreshold);
        }

        Assert.That(below, Is.Positive, "some kept boxes lie below the model's own threshold: the case this is about");

        // A route alarming above the model's threshold leaves the profile's floor (boxes between are suggestions).
        (code, stdout, stderr) = DetectCliTests.Run("detect", images, "--route", "high", "--routes", routes, "--out", Path.Combine(Dir, "high"));
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain($"confidence {Thr} (profile)"));

        // --alarm-threshold alone does the same as a route's.
        (code, stdout, stderr) = DetectCliTests.Run("detect", images, "--model", TestData.BundledModel, "--alarm-threshold", "0.25", "--out", Path.Combine(Dir, "at"));
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("confidence 0.25 (alarm_threshold)"));
    }

    [Test]
    public void Cli_eval_with_a_route_runs_the_detector_as_the_route_does_and_screens_at_its_alarm_threshold()
    {
        string model = JsonSerializer.Serialize(TestData.BundledModel);
        string routes = WriteRoutes(
            "\"lab\": {\"description\": \"test\", \"model\": " + model + ", \"iou\": 0.45, \"alarm_threshold\": 0.9, \"shield\": {\"enabled\": false}}, " +
            "\"dense\": {\"description\": \"every scan too dense\", \"model\": " + model + ", \"shield\": {\"max_rendered_brightness\": 254, \"min_area_pixels\": 1}}");
        string data = Path.Combine(TestData.SampleImages, "baggage");
        JsonElement Screening(string dir) => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "report.json"))).RootElement.GetProperty("screening");

        string lab = Path.Combine(Dir, "lab");
        (int code, string stdout, string stderr) = DetectCliTests.Run("eval", "--route", "lab", "--routes", routes, "--data", data, "--no-plots", "--out", lab);
        Assert.That(code, Is.Zero, stdout + stderr);
        Assert.That(stdout, Does.Contain("at threshold 0.9 (route's alarm threshold)"), "the route names the model and the threshold");
        Assert.That(Screening(lab).GetProperty("threshold_source").GetString(), Is.EqualTo("route's alarm threshold"));
        Assert.That(Screening(lab).GetProperty("not_ok_image_ids").GetArrayLength(), Is.Zero, "the route switches the shield off");

        (code, stdout, stderr) = DetectCliTests.Run("eval", "--route", "lab", "--routes", routes, "--data", data, "--threshold", "0.3", "--no-plots", "--out", Path.Combine(Dir, "lab2"));
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("at threshold 0.3 (option)"), "a threshold given here wins over the route's");

        string dense = Path.Combine(Dir, "dense");
        (code, stdout, stderr) = DetectCliTests.Run("eval", "--route", "dense", "--routes", routes, "--data", data, "--no-plots", "--out", dense);
        Assert.That(code, Is.Zero, stderr);
        Assert.That(Screening(dense).GetProperty("not_ok_image_ids").GetArrayLength(), Is.EqualTo(2), "the route's shield marks both scans unable to clear");
        Assert.That(Screening(dense).GetProperty("scan_far").GetDouble(), Is.EqualTo(1.0), "and unable to clear counts as an alarm");
        Assert.That(stdout, Does.Contain("(model profile's operating threshold)"), "a route without an alarm threshold leaves the model profile's");

        (code, _, stderr) = DetectCliTests.Run("eval", "--route", "ferry", "--routes", routes, "--data", data, "--out", Path.Combine(Dir, "x"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("no route 'ferry'"));
    }

    [Test]
    public void Cli_detect_with_a_route_uses_its_model_and_alarm_threshold_and_records_the_route_in_every_result()
    {
        string model = JsonSerializer.Serialize(TestData.BundledModel);
        string routes = WriteRoutes("\"night-mail\": {\"description\": \"test\", \"model\": " + model + ", \"alarm_threshold\": 0.5, \"confidence\": 0.3, \"shield\": {\"enabled\": false}}");
        string output = Path.Combine(Dir, "out");
        (int code, string stdout, string stderr) = DetectCliTests.Run("detect", Path.Combine(TestData.SampleImages, "mail", "images"), "--route", "night-mail", "--routes", routes, "--out", output);
        Assert.That(code, Is.Zero, stdout + stderr);
        string[] results = Directory.GetFiles(Path.Combine(output, "results"), "*.json");
        Assert.That(results, Is.Not.Empty);
        foreach (string f in results)
        {
            using JsonDocument d = JsonDocument.Parse(File.ReadAllBytes(f));
            Assert.That(d.RootElement.GetProperty("route").GetString(), Is.EqualTo("night-mail"), f);
            JsonElement pars = d.RootElement.GetProperty("parameters");
            Assert.That(pars.GetProperty("operating_threshold").GetSingle(), Is.EqualTo(0.5f), "the route's alarm threshold is recorded");
            Assert.That(pars.GetProperty("confidence").GetSingle(), Is.EqualTo(0.3f));
            Assert.That(d.RootElement.GetProperty("shield_regions").ValueKind, Is.EqualTo(JsonValueKind.Null), "the route switches the shield check off");
        }

        (code, stdout, stderr) = DetectCliTests.Run("detect", Path.Combine(TestData.SampleImages, "mail", "images"), "--route", "night-mail", "--routes", routes, "--conf", "0.6", "--out", Path.Combine(Dir, "out2"));
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("confidence 0.6 (option)"), "an option given on the command line wins over the route");

        (code, _, stderr) = DetectCliTests.Run("detect", Path.Combine(TestData.SampleImages, "mail", "images"), "--route", "ferry", "--routes", routes, "--out", Path.Combine(Dir, "out3"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("no route 'ferry' (routes: night-mail)"));

        (code, _, stderr) = DetectCliTests.Run("detect", Path.Combine(TestData.SampleImages, "mail", "images"), "--out", Path.Combine(Dir, "out4"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("no model: give --model FILE, or a --route"));
    }

    [Test]
    public void A_routes_fill_caps_the_fraction_of_the_input_a_whole_scan_fills_and_the_smaller_of_it_and_the_callers_applies()
    {
        RouteProfile p = RouteConfig.Load(WriteRoutes("\"small-field\": {\"description\": \"test\", \"fill\": 0.625}")).Get("small-field");
        Assert.That(p.Fill, Is.EqualTo(0.625));
        Assert.That(p.Apply(new XrayDetectorOptions()).Detector.Fill, Is.EqualTo(0.625));
        Assert.That(p.Apply(new XrayDetectorOptions { Detector = new() { Fill = 0.5 } }).Detector.Fill, Is.EqualTo(0.5));
        RouteProfile plain = RouteConfig.Load(WriteRoutes("\"plain\": {\"description\": \"test\"}")).Get("plain");
        Assert.That(plain.Fill, Is.Null);
        Assert.That(plain.Apply(new XrayDetectorOptions()).Detector.Fill, Is.EqualTo(1.0));
        Assert.That(() => new DetectorOptions { Fill = 0 }, Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new DetectorOptions { Fill = 1.01 }, Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new DetectorOptions { Fill = double.NaN }, Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void A_routes_list_of_fills_runs_each_capped_by_the_callers_one_fill_and_a_callers_list_wins()
    {
        RouteProfile p = RouteConfig.Load(WriteRoutes("\"small-field\": {\"description\": \"test\", \"fill\": [0.625, 1]}")).Get("small-field");
        Assert.That(p.Fills, Is.EqualTo(new[] { 0.625, 1.0 }));
        Assert.That(p.Fill, Is.EqualTo(0.625), "the first fill is the route's fill");
        Assert.That(p.Apply(new XrayDetectorOptions()).Detector.Fills, Is.EqualTo(new[] { 0.625, 1.0 }));
        Assert.That(p.Apply(new XrayDetectorOptions { Detector = new() { Fill = 0.8 } }).Detector.Fills, Is.EqualTo(new[] { 0.625, 0.8 }));
        Assert.That(p.Apply(new XrayDetectorOptions { Detector = new() { Fill = 0.5 } }).Detector.Fills, Is.EqualTo(new[] { 0.5 }), "capped to the same value: one pass");
        Assert.That(p.Apply(new XrayDetectorOptions { Detector = new() { Fills = [0.4, 0.9] } }).Detector.Fills, Is.EqualTo(new[] { 0.4, 0.9 }));

        var o = new DetectorOptions { Fills = [0.5, 1] };
        Assert.That(o.Fill, Is.EqualTo(0.5));
        Assert.That(new DetectorOptions { Fill = 0.7 }.Fills, Is.EqualTo(new[] { 0.7 }));
        Assert.That(new DetectorOptions().Fills, Is.EqualTo(new[] { 1.0 }));
        Assert.That(() => new DetectorOptions { Fills = [] }, Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new DetectorOptions { Fills = [0.2, 0.4, 0.6, 0.8, 1] }, Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new DetectorOptions { Fills = [0.5, 0] }, Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new DetectorOptions { Fills = [0.5, double.NaN] }, Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new DetectorOptions { Fills = [0.5, 0.5] }, Throws.ArgumentException);
        Assert.That(() => new DetectorOptions { Fills = null! }, Throws.ArgumentNullException);
    }

    [Test]
    public void Cli_detect_with_a_small_field_route_letterboxes_each_scan_smaller_and_maps_boxes_back_to_the_scan()
    {
        // A mail scan (640 x 480) fills the 384-px input at 0.6; the route's fill 0.625 places it at 0.375 with more
        // padding. Its boxes must come back in the scan's own pixels, on the labelled threats. --fill given here wins.
        string model = JsonSerializer.Serialize(TestData.BundledModel);
        string routes = WriteRoutes("\"small-field\": {\"description\": \"test\", \"model\": " + model + ", \"tiles\": {\"mode\": \"off\"}, \"fill\": 0.625, \"shield\": {\"enabled\": false}}");
        string images = Path.Combine(TestData.SampleImages, "mail", "images");
        JsonElement[] Results(string dir) => Directory.GetFiles(Path.Combine(dir, "results"), "*.json").Order(StringComparer.Ordinal)
            .Select(f => JsonDocument.Parse(File.ReadAllBytes(f)).RootElement).ToArray();
        (int code, string stdout, string stderr) = DetectCliTests.Run("detect", images, "--route", "small-field", "--routes", routes, "--conf", "0.05", "--out", Path.Combine(Dir, "small"));
        Assert.That(code, Is.Zero, stdout + stderr);
        Assert.That(stdout, Does.Contain("whole scans fill 0.625 of the input"));
        JsonElement[] small = Results(Path.Combine(Dir, "small"));
        Assert.That(small, Is.Not.Empty);
        foreach (JsonElement d in small)
        {
            JsonElement pre = d.GetProperty("parameters").GetProperty("preprocessing");
            int w = d.GetProperty("width").GetInt32(), h = d.GetProperty("height").GetInt32();
            Assert.That(pre.GetProperty("fill").GetDouble(), Is.EqualTo(0.625));
            Assert.That(pre.GetProperty("applied_scale").GetDouble(), Is.EqualTo(Math.Min(384.0 / w, 384.0 / h) * 0.625).Within(1e-6), $"{w} x {h}");
            foreach (JsonElement b in d.GetProperty("detections").EnumerateArray())
            {
                double[] xyxy = new[] { "x1", "y1", "x2", "y2" }.Select(k => b.GetProperty(k).GetDouble()).ToArray();
                Assert.That(xyxy[0], Is.GreaterThanOrEqualTo(0).And.LessThan(xyxy[2]));
                Assert.That(xyxy[1], Is.GreaterThanOrEqualTo(0).And.LessThan(xyxy[3]));
                Assert.That(xyxy[2], Is.LessThanOrEqualTo(w));
                Assert.That(xyxy[3], Is.LessThanOrEqualTo(h));
            }
        }

        // Each labelled threat in the samples is still found, in the scan's pixels (IoU >= 0.5 with a box).
        using JsonDocument gt = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestData.SampleImages, "mail", "annotations.coco.json")));
        var names = gt.RootElement.GetProperty("images").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetInt32(), i => Path.GetFileNameWithoutExtension(i.GetProperty("file_name").GetString()!));
        foreach (JsonElement a in gt.RootElement.GetProperty("annotations").EnumerateArray())
        {
            double[] g = a.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            JsonElement res = small.Single(d => d.GetProperty("name").GetString() == names[a.GetProperty("image_id").GetInt32()]);
            double best = res.GetProperty("detections").EnumerateArray().Select(b =>
            {
                double x1 = b.GetProperty("x1").GetDouble(), y1 = b.GetProperty("y1").GetDouble(), x2 = b.GetProperty("x2").GetDouble(), y2 = b.GetProperty("y2").GetDouble();
                double iw = Math.Max(0, Math.Min(x2, g[0] + g[2]) - Math.Max(x1, g[0])), ih = Math.Max(0, Math.Min(y2, g[1] + g[3]) - Math.Max(y1, g[1]));
                return iw * ih / (((x2 - x1) * (y2 - y1)) + (g[2] * g[3]) - (iw * ih));
            }).DefaultIfEmpty(0).Max();
            Assert.That(best, Is.GreaterThanOrEqualTo(0.5), $"{names[a.GetProperty("image_id").GetInt32()]}: {string.Join(",", g)}");
        }

        (code, _, stderr) = DetectCliTests.Run("detect", images, "--route", "small-field", "--routes", routes, "--fill", "1", "--out", Path.Combine(Dir, "option"));
        Assert.That(code, Is.Zero, stderr);
        Assert.That(Results(Path.Combine(Dir, "option")).Select(d => d.GetProperty("parameters").GetProperty("preprocessing").GetProperty("fill").GetDouble()), Is.All.EqualTo(1.0));
        (code, _, stderr) = DetectCliTests.Run("detect", images, "--model", TestData.BundledModel, "--fill", "0", "--out", Path.Combine(Dir, "zero"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("--fill"));
    }

    [Test]
    public void Cli_render_starts_from_the_routes_view()
    {
        string scan = Path.Combine(TestData.SampleImages, "cargo", "images", "cargo_00000.jpg");
        string output = Path.Combine(Dir, "cargo-view.png");
        (int code, string stdout, string stderr) = DetectCliTests.Run("render", scan, "--route", "cargo", "--routes", Bundled, "-f", "zoom=0,0,400,300", "-o", output);
        Assert.That(code, Is.Zero, stdout + stderr);
        Assert.That(stdout, Does.Contain("as grey,edge,zoom=0,0,400,300@1"));
    }
}
