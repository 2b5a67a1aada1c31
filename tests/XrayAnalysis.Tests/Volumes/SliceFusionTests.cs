using XrayAnalysis.Volumes;

namespace XrayAnalysis.Tests.Volumes;

public sealed class SliceFusionTests
{
    [Test]
    public void Overlapping_boxes_on_consecutive_slices_become_one_region_and_short_runs_are_dropped()
    {
        var slices = new List<(int, IReadOnlyList<Detection>)>();
        for (int z = 0; z < 10; z++)
        {
            var boxes = new List<Detection>();
            if (z is >= 2 and <= 6 && z != 4)
            {
                // Gap at z = 4 within the tolerance of one slice.
                boxes.Add(new Detection(0, 0.8f, 10 + z, 10, 40 + z, 30));
            }

            if (z == 8)
            {
                boxes.Add(new Detection(1, 0.9f, 100, 100, 120, 120)); // a single-slice blip
            }

            slices.Add((z, boxes));
        }

        var r = SliceFusion.Fuse(slices, 1, new VolumeOptions());
        Assert.That(r, Has.Count.EqualTo(1));
        Assert.That((r[0].Class, r[0].U0, r[0].U1, r[0].S0, r[0].S1, r[0].Count), Is.EqualTo((0, 12f, 46f, 2, 6, 4)));
    }

    [Test]
    public void Three_d_iou_of_identical_boxes_is_one_and_of_disjoint_boxes_zero()
    {
        var a = new Box3D(0, 1, 0, 0, 0, 9, 9, 9, 5, "z");
        Assert.That(Box3D.IoU(a, a), Is.EqualTo(1.0));
        Assert.That(Box3D.IoU(a, a with { MinX = 20, MaxX = 30 }), Is.EqualTo(0.0));
        Assert.That(Box3D.IoU(a, a with { MaxZ = 4 }), Is.EqualTo(0.5));
    }
}
