using OpenCvSharp;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Tests.Preprocessing;

public sealed class LetterboxTests
{
    [Test]
    public void Odd_padding_puts_the_extra_pixel_at_the_bottom_as_ultralytics_does()
    {
        // r = 0.64; 333·0.64 = 213.12 → 213 rows; padding 427 split 213 top / 214 bottom (round(213.5 ∓ 0.1)).
        LetterboxTransform t = LetterboxTransform.Create(1000, 333, 640, 640, ResizeMode.Letterbox);
        Assert.That((t.ResizedWidth, t.ResizedHeight, t.PadLeft, t.PadTop, t.PadBottom), Is.EqualTo((640, 213, 0, 213, 214)));
    }

    [Test]
    public void A_fill_below_one_letterboxes_into_that_fraction_of_the_input_whatever_the_pictures_pixel_count()
    {
        // A 640 x 480 mail scan fits a 384 input at 0.6; at fill 0.625 it is 240 x 180, centred with 72 / 102 px of
        // padding. The same field downscaled to 320 x 240 lands on the same 240 x 180: objects keep their model size.
        LetterboxTransform t = LetterboxTransform.Create(640, 480, 384, 384, ResizeMode.Letterbox, fill: 0.625);
        Assert.That((t.ResizedWidth, t.ResizedHeight, t.PadLeft, t.PadTop), Is.EqualTo((240, 180, 72, 102)));
        Assert.That(t.ScaleX, Is.EqualTo(0.375).Within(1e-12));
        LetterboxTransform half = LetterboxTransform.Create(320, 240, 384, 384, ResizeMode.Letterbox, fill: 0.625);
        Assert.That((half.ResizedWidth, half.ResizedHeight, half.PadLeft, half.PadTop), Is.EqualTo((240, 180, 72, 102)));
        Assert.That(LetterboxTransform.Create(100, 80, 384, 384, ResizeMode.Letterbox, 2, 0.625).ScaleX, Is.EqualTo(2), "the enlargement cap still holds");
        Assert.That(LetterboxTransform.Create(640, 480, 384, 384, ResizeMode.Stretch, fill: 0.5).ResizedWidth, Is.EqualTo(384), "stretch fills the input by definition");
        Assert.That(() => LetterboxTransform.Create(640, 480, 384, 384, ResizeMode.Letterbox, fill: 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => LetterboxTransform.Create(640, 480, 384, 384, ResizeMode.Letterbox, fill: 1.5), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Half_way_resize_rounds_half_to_even_like_python()
    {
        // 641·(640/1282) = 320 exactly; 1282 → 640. Then 3·(640/1282)=1.4976 etc. Check a .5 case: 5 px at r = 0.5 → 2.5 → 2.
        LetterboxTransform t = LetterboxTransform.Create(1280, 5, 640, 640, ResizeMode.Letterbox);
        Assert.That(t.ResizedHeight, Is.EqualTo(2));
    }

    [Test]
    public void Boxes_map_to_input_and_back_exactly()
    {
        var rng = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            int w = rng.Next(1, 5000), h = rng.Next(1, 5000);
            var mode = i % 2 == 0 ? ResizeMode.Letterbox : ResizeMode.Stretch;
            LetterboxTransform t = LetterboxTransform.Create(w, h, 416, 320, mode);
            var box = new Detection(0, 1, (float)(rng.NextDouble() * w / 2), (float)(rng.NextDouble() * h / 2), w * 0.75f, h * 0.9f);
            Detection back = t.ToSource(t.ToInput(box));
            Assert.That(back.X1, Is.EqualTo(box.X1).Within(1e-3 * w));
            Assert.That(back.Y2, Is.EqualTo(box.Y2).Within(1e-3 * h));
        }
    }

    [Test]
    public void The_tensor_is_rgb_scaled_to_unit_range_with_grey_114_padding()
    {
        using var bgr = new Mat(20, 40, MatType.CV_8UC3, new Scalar(10, 20, 30));
        var tensor = new float[3 * 32 * 32];
        LetterboxTransform t = InputTensorWriter.Write(bgr, 32, 32, ResizeMode.Letterbox, tensor);
        Assert.That((t.ResizedWidth, t.ResizedHeight, t.PadTop), Is.EqualTo((32, 16, 8)));
        int plane = 32 * 32;
        Assert.That(tensor[(16 * 32) + 5], Is.EqualTo(30 / 255f).Within(1e-6), "channel 0 is red");
        Assert.That(tensor[plane + (16 * 32) + 5], Is.EqualTo(20 / 255f).Within(1e-6));
        Assert.That(tensor[(2 * plane) + (16 * 32) + 5], Is.EqualTo(10 / 255f).Within(1e-6), "channel 2 is blue");
        Assert.That(tensor[0], Is.EqualTo(114 / 255f).Within(1e-6), "padding");
    }

    [Test]
    public void A_reused_canvas_never_carries_the_previous_image_into_the_padding()
    {
        // A full-frame picture fills the pooled canvas edge to edge; the next, wide one must still see grey 114 padding
        // above and below it, and the same tensor as when written first — on every thread that writes at once.
        using var full = new Mat(48, 48, MatType.CV_8UC3, new Scalar(200, 10, 60));
        using var wide = new Mat(12, 48, MatType.CV_8UC3, new Scalar(5, 90, 250));
        int plane = 48 * 48;
        var first = new float[3 * plane];
        InputTensorWriter.Write(wide, 48, 48, ResizeMode.Letterbox, first);
        Parallel.For(0, 64, i =>
        {
            var tensor = new float[3 * plane];
            InputTensorWriter.Write(full, 48, 48, ResizeMode.Letterbox, tensor);
            Assert.That(tensor[0], Is.EqualTo(60 / 255f).Within(1e-6), "no padding for a full frame");
            InputTensorWriter.Write(wide, 48, 48, ResizeMode.Letterbox, tensor);
            Assert.That(tensor, Is.EqualTo(first));
            Assert.That(tensor[0], Is.EqualTo(114 / 255f).Within(1e-6), "padding row 0");
            Assert.That(tensor[(2 * plane) - 1], Is.EqualTo(114 / 255f).Within(1e-6), "padding, last row of channel 1");
        });
    }
}
