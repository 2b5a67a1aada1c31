using System.Globalization;
using OpenCvSharp;
using XrayAnalysis.Loading;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Inference;

/// <summary>Score statistics of one preprocessing contract over the checked pictures.</summary>
internal sealed record ContractTrial
{
    /// <summary>The contract tried.</summary>
    public required InputContract Contract { get; init; }

    /// <summary>Command-line options that select it.</summary>
    public required string Options { get; init; }

    /// <summary>True for the contract the model is run with.</summary>
    public required bool InForce { get; init; }

    /// <summary>Highest score over all pictures.</summary>
    public required float MaxScore { get; init; }

    /// <summary>Mean over pictures of each picture's highest score.</summary>
    public required float MeanTopScore { get; init; }

    /// <summary>Mean number of boxes per picture at or above <see cref="ModelCheck.ConfidentScore"/>.</summary>
    public required double ConfidentBoxesPerImage { get; init; }

    /// <summary>Mean number of boxes per picture at the detector's confidence floor (hits of the max-det cap show here).</summary>
    public required double BoxesPerImage { get; init; }

    /// <summary>
    /// Share of confident boxes found again (same class, IoU ≥ 0.5) on the same picture scaled by 0.9; 1 when there are no
    /// confident boxes. A contract that matches the model's training gives boxes that follow the content.
    /// </summary>
    public required double Stability { get; init; }

    /// <summary>Per class: confident box count, highest score, median score of boxes at the floor.</summary>
    public required IReadOnlyDictionary<string, (int Confident, float Max, float Median)> PerClass { get; init; }
}

/// <summary>What <see cref="ModelCheck.Run"/> found.</summary>
internal sealed record ModelCheckReport
{
    /// <summary>The model checked.</summary>
    public required ModelInfo Model { get; init; }

    /// <summary>Pictures used.</summary>
    public required IReadOnlyList<string> Images { get; init; }

    /// <summary>Pictures that could not be loaded, with reasons.</summary>
    public required IReadOnlyList<string> Skipped { get; init; }

    /// <summary>The contract in force first, then the alternatives, best first.</summary>
    public required IReadOnlyList<ContractTrial> Trials { get; init; }

    /// <summary>Warnings a model engineer must read.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>True when the model looks broken or wrongly preprocessed (a warning that says so was raised).</summary>
    public required bool LooksBroken { get; init; }

    /// <summary>The best-scoring trial.</summary>
    public ContractTrial Best => Trials.OrderByDescending(Quality).First();

    internal static double Quality(ContractTrial t) => t.MeanTopScore * (0.5 + (0.5 * t.Stability));
}

/// <summary>
/// <c>xray model check</c>: runs a model over a few pictures with the contract in force and with the common alternative
/// contracts (channel order × value scale × letterbox alignment), and says whether the model gives confident, stable
/// boxes and which contract does. Catches the silent failures of a wrong preprocessing contract (e.g. a YOLOX export fed
/// Ultralytics preprocessing gives no box at all) before a batch is run.
/// </summary>
internal static class ModelCheck
{
    /// <summary>Score at or above which a box counts as confident.</summary>
    public const float ConfidentScore = 0.25f;

    /// <summary>Max score below which a model is taken as giving nothing.</summary>
    public const float NothingScore = 0.05f;

    /// <summary>Runs the check on up to <paramref name="maxImages"/> of <paramref name="inputs"/>.</summary>
    public static ModelCheckReport Run(string modelPath, DetectorOptions options, IReadOnlyList<ScanInput> inputs, int maxImages = 10)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(inputs);
        using OnnxDetector detector = OnnxDetector.Open(modelPath, options with { Confidence = 0.01f, Classes = null });
        var loader = new ScanLoader();
        var pictures = new List<(string Path, Mat Bgr)>();
        var skipped = new List<string>();
        try
        {
            foreach (ScanInput input in inputs)
            {
                if (pictures.Count >= maxImages)
                {
                    break;
                }

                try
                {
                    #pragma warning disable CA2000 // disposed by the using declaration; the analyzer loses it in the deconstruction below
                    using Scan scan = loader.Load(input);
                    #pragma warning restore CA2000
                    (Mat bgr, _) = ScanRenderer.Render(scan, new RenderOptions());
                    pictures.Add((input.Path, bgr));
                }
                catch (ScanLoadException ex)
                {
                    skipped.Add($"{input.Path}: {ex.Reason}");
                }
            }

            if (pictures.Count == 0)
            {
                throw new ArgumentException("no picture could be loaded for the check" + (skipped.Count > 0 ? $" ({skipped[0]})" : ""));
            }

            InputContract inForce = detector.Contract;
            var trials = new List<ContractTrial> { Trial(detector, inForce, pictures, true) };
            foreach (InputContract alt in Alternatives(inForce))
            {
                trials.Add(Trial(detector, alt, pictures, false));
            }

            ContractTrial current = trials[0];
            ContractTrial best = trials.Skip(1).OrderByDescending(ModelCheckReport.Quality).First();
            var warnings = new List<string>(detector.Model.Notes);
            bool broken = false;
            string n = pictures.Count.ToString(CultureInfo.InvariantCulture);
            if (current.MaxScore < NothingScore)
            {
                broken = true;
                warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"max score {current.MaxScore:0.####} over {n} images: the model gives nothing with its contract; the preprocessing contract is probably wrong") +
                    (best.MeanTopScore >= ConfidentScore ? $" — try {best.Options}" : " (no common alternative does better: check the export itself)"));
            }
            else if (best.MeanTopScore >= ConfidentScore && best.Stability >= 0.5 &&
                     ModelCheckReport.Quality(best) > Math.Max(2 * ModelCheckReport.Quality(current), ModelCheckReport.Quality(current) + 0.2))
            {
                broken = true;
                warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"another contract gives much more confident, stable boxes (mean top score {best.MeanTopScore:0.###} vs {current.MeanTopScore:0.###}, stability {best.Stability:0.##} vs {current.Stability:0.##}): try {best.Options}"));
            }

            if (current.BoxesPerImage >= options.MaxDetections)
            {
                broken = true;
                warnings.Add($"every image reaches the {options.MaxDetections}-box cap at score 0.01: scores do not separate objects from background");
            }

            if (current.MaxScore >= NothingScore && current.Stability < 0.5 && current.ConfidentBoxesPerImage > 0)
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"only {current.Stability:0.##} of the confident boxes survive a 0.9x rescale of the same image: boxes do not follow the content"));
            }

            return new ModelCheckReport
            {
                Model = detector.Model,
                Images = pictures.Select(p => p.Path).ToList(),
                Skipped = skipped,
                Trials = [current, .. trials.Skip(1).OrderByDescending(ModelCheckReport.Quality)],
                Warnings = warnings,
                LooksBroken = broken,
            };
        }
        finally
        {
            foreach ((_, Mat m) in pictures)
            {
                m.Dispose();
            }
        }
    }

    /// <summary>Channel order × value scale × letterbox alignment around the contract in force (stretch stays stretch).</summary>
    private static IEnumerable<InputContract> Alternatives(InputContract c)
    {
        ResizeMode[] resizes = c.Resize == ResizeMode.Stretch ? [ResizeMode.Stretch] : [ResizeMode.Letterbox, ResizeMode.LetterboxTopLeft];
        foreach (ChannelOrder order in new[] { ChannelOrder.Rgb, ChannelOrder.Bgr })
        {
            foreach (float scale in new[] { 1f / 255f, 1f })
            {
                foreach (ResizeMode resize in resizes)
                {
                    InputContract alt = c with { ChannelOrder = order, Scale = scale, Resize = resize, Mean = null, Std = null };
                    if (alt.ChannelOrder != c.ChannelOrder || alt.Scale != c.Scale || alt.Resize != c.Resize || c.Mean is not null || c.Std is not null)
                    {
                        yield return alt;
                    }
                }
            }
        }
    }

    private static ContractTrial Trial(OnnxDetector detector, InputContract contract, List<(string Path, Mat Bgr)> pictures, bool inForce)
    {
        float max = 0;
        double sumTop = 0, confident = 0, all = 0, matched = 0, confidentTotal = 0;
        var perClass = new Dictionary<string, List<float>>(StringComparer.Ordinal);
        foreach ((_, Mat bgr) in pictures)
        {
            List<Detection> full = Detect(detector, contract, bgr, 1.0);
            List<Detection> scaled = Detect(detector, contract, bgr, 0.9);
            float top = full.Count == 0 ? 0 : full.Max(d => d.Score);
            max = Math.Max(max, top);
            sumTop += top;
            all += full.Count;
            foreach (Detection d in full)
            {
                string name = detector.Model.ClassName(d.ClassId);
                if (!perClass.TryGetValue(name, out List<float>? l))
                {
                    perClass[name] = l = [];
                }

                l.Add(d.Score);
                if (d.Score >= ConfidentScore)
                {
                    confident++;
                    confidentTotal++;
                    if (scaled.Any(s => s.ClassId == d.ClassId && s.Score >= ConfidentScore / 2 && Detection.IoU(s, d) >= 0.5f))
                    {
                        matched++;
                    }
                }
            }
        }

        int n = pictures.Count;
        return new ContractTrial
        {
            Contract = contract,
            Options = $"--channel-order {Names.Of(contract.ChannelOrder)} --pixel-scale {(Math.Abs(contract.Scale - (1f / 255f)) < 1e-9 ? "1/255" : contract.Scale.ToString("0.######", CultureInfo.InvariantCulture))} --resize {Names.Of(contract.Resize)}",
            InForce = inForce,
            MaxScore = max,
            MeanTopScore = (float)(sumTop / n),
            ConfidentBoxesPerImage = confident / n,
            BoxesPerImage = all / n,
            Stability = confidentTotal == 0 ? 1 : matched / confidentTotal,
            PerClass = perClass.ToDictionary(kv => kv.Key, kv =>
            {
                float[] s = [.. kv.Value.Order()];
                return (s.Count(v => v >= ConfidentScore), s[^1], s[s.Length / 2]);
            }, StringComparer.Ordinal),
        };
    }

    /// <summary>Detections on <paramref name="bgr"/> scaled by <paramref name="factor"/>, mapped back to the unscaled picture.</summary>
    private static List<Detection> Detect(OnnxDetector detector, InputContract contract, Mat bgr, double factor)
    {
        using var scaled = new Mat();
        Mat src = bgr;
        if (factor != 1.0)
        {
            Cv2.Resize(bgr, scaled, new Size(Math.Max(1, (int)Math.Round(bgr.Cols * factor)), Math.Max(1, (int)Math.Round(bgr.Rows * factor))), 0, 0, InterpolationFlags.Area);
            src = scaled;
        }

        var input = new float[detector.InputFloatsPerImage];
        LetterboxTransform t = InputTensorWriter.Write(src, contract, input, detector.Settings.MaxUpscale);
        List<Detection> dets = detector.Run(input, 1, out _, out _)[0];
        var back = new List<Detection>(dets.Count);
        foreach (Detection d in dets)
        {
            Detection s = t.ToSource(d);
            back.Add(s with { X1 = (float)(s.X1 / factor), Y1 = (float)(s.Y1 / factor), X2 = (float)(s.X2 / factor), Y2 = (float)(s.Y2 / factor) });
        }

        return back;
    }
}
