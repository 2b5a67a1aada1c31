using OpenCvSharp;
using XrayAnalysis.Loading;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Tests.Preprocessing;

public sealed class RenderingTests
{
    [Test]
    public void Air_renders_white()
    {
        Assert.That(DualEnergyRenderer.ColourOf(0, 0), Is.EqualTo(((byte)255, (byte)255, (byte)255)));
    }

    [Test]
    public void Organic_renders_orange_and_metal_blue()
    {
        // 5 cm of water at 60/100 keV: μ = 0.206 / 0.171 cm⁻¹ → attenuations 1.03 / 0.855.
        (byte b, byte g, byte r) organic = DualEnergyRenderer.ColourOf(0.855, 1.03);
        Assert.That(organic.r, Is.GreaterThan(organic.g));
        Assert.That(organic.g, Is.GreaterThan(organic.b));

        // 2 mm of steel: 7.9 g/cm³ · 0.2 cm · (1.21, 0.372) → 1.91 / 0.588.
        (byte b, byte g, byte r) metal = DualEnergyRenderer.ColourOf(0.588, 1.91);
        Assert.That(metal.b, Is.GreaterThan(metal.r));
        Assert.That(metal.b, Is.GreaterThan(metal.g));
    }

    [Test]
    public void Thicker_material_renders_darker()
    {
        int Sum((byte B, byte G, byte R) c) => c.B + c.G + c.R;
        Assert.That(Sum(DualEnergyRenderer.ColourOf(2.0, 2.4)), Is.LessThan(Sum(DualEnergyRenderer.ColourOf(0.5, 0.6))));
    }

    [Test]
    public void Sixteen_bit_grey_uses_the_percentile_window_and_a_fixed_window_when_given()
    {
        using var m = new Mat(100, 100, MatType.CV_16UC1, new Scalar(1000));
        Cv2.Rectangle(m, new Rect(0, 0, 50, 100), new Scalar(3000), -1);
        using var scan = new Scan(ScanInput.Single("x.png"), m.Clone(), null, new ImageHeader(ImageFormat.Png, 100, 100, 16, 1, 1, null), "", null);
        (Mat auto, IntensityWindow? w) = ScanRenderer.Render(scan, RenderOptions.Default);
        using (auto)
        {
            Assert.That(w, Is.EqualTo(new IntensityWindow(1000, 3001)));
            Assert.That(auto.At<Vec3b>(10, 10).Item0, Is.EqualTo(255));
            Assert.That(auto.At<Vec3b>(10, 90).Item0, Is.EqualTo(0));
        }

        (Mat fixedW, _) = ScanRenderer.Render(scan, new RenderOptions { Window = new IntensityWindow(0, 4000) });
        using (fixedW)
        {
            Assert.That(fixedW.At<Vec3b>(10, 90).Item0, Is.EqualTo(64));
        }
    }

    [Test]
    public void Window_text_must_be_low_comma_high()
    {
        Assert.That(IntensityWindow.Parse("100,2000.5"), Is.EqualTo(new IntensityWindow(100, 2000.5)));
        Assert.Throws<FormatException>(() => IntensityWindow.Parse("5,5"));
        Assert.Throws<FormatException>(() => IntensityWindow.Parse("abc"));
    }

    [Test]
    public void A_ct_training_slice_and_the_same_slice_at_inference_render_to_identical_pixels()
    {
        // Training data (CtWriter: 16-bit μ·10⁴ through CtSliceRenderer) and xray volume (float slices through
        // VolumePictures.Grey with its default level and width) must give the detector the same picture.
        var rng = new Random(3);
        using var slice16 = new Mat(64, 80, MatType.CV_16UC1);
        var floats = new float[64 * 80];
        for (int i = 0; i < floats.Length; i++)
        {
            ushort v = (ushort)rng.Next(0, 12000);
            slice16.Set(i / 80, i % 80, v);
            floats[i] = v;
        }

        using Mat training = XrayAnalysis.Preprocessing.CtSliceRenderer.Render(slice16);
        using Mat inference = XrayAnalysis.Volumes.VolumePictures.Grey(floats, 80, 64, new XrayAnalysis.Volumes.VolumeOptions());
        using var diff = new Mat();
        Cv2.Absdiff(training, inference, diff);
        Assert.That(Cv2.CountNonZero(diff.Reshape(1)), Is.Zero);
        Assert.That(training.At<Vec3b>(0, 0).Item0, Is.EqualTo((byte)Math.Clamp(Math.Round(slice16.At<ushort>(0, 0) * 255.0 / 7000), 0, 255)).Within(1));
    }
}
