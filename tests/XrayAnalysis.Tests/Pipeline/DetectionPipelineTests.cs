using OpenCvSharp;
using XrayAnalysis.Inference;
using XrayAnalysis.Loading;
using XrayAnalysis.Pipeline;
using XrayAnalysis.Tiling;

namespace XrayAnalysis.Tests.Pipeline;

public sealed class DetectionPipelineTests : TempDirTest
{
    [Test]
    public void Outcomes_come_back_in_input_order_whatever_fails_and_however_scans_are_batched()
    {
        var inputs = new List<ScanInput>();
        for (int i = 0; i < 9; i++)
        {
            string p = Path.Combine(Dir, $"s{i}.png");
            if (i % 3 == 1)
            {
                File.WriteAllBytes(p, [1, 2, 3]);
            }
            else
            {
                using var m = new Mat(40 + i, 50, MatType.CV_8UC3, Scalar.All(100 + i));
                Cv2.ImWrite(p, m);
            }

            inputs.Add(ScanInput.Single(p));
        }

        // A large scan in the middle is tiled (its own batches) between batched whole scans.
        using (var big = new Mat(64, 64 * 5, MatType.CV_8UC3, Scalar.All(90)))
        {
            Cv2.ImWrite(Path.Combine(Dir, "big.png"), big);
        }

        inputs.Insert(5, ScanInput.Single(Path.Combine(Dir, "big.png")));
        using OnnxDetector d = OnnxDetector.Open(TestData.FixtureModel("v8"), new DetectorOptions { BatchSize = 3 });
        var pipeline = new DetectionPipeline(d);
        var names = new List<string>();
        var statuses = new List<ScanStatus>();
        foreach (ScanOutcome o in pipeline.Process(inputs, keepRendered: false))
        {
            using (o)
            {
                names.Add(o.Result.Name);
                statuses.Add(o.Result.Status);
                if (o.Result.Name == "big")
                {
                    Assert.That(o.Result.Tiling, Is.Not.Null);
                    Assert.That(o.Result.Tiling!.Tiles, Is.EqualTo(TilePlanner.Plan(320, 64, 64, 0.2).Count));
                }
                else
                {
                    Assert.That(o.Result.Tiling, Is.Null);
                }
            }
        }

        Assert.That(names, Is.EqualTo(inputs.Select(i => i.Name)));
        Assert.That(statuses.Count(s => s == ScanStatus.Failed), Is.EqualTo(3));
    }
}
