using XrayAnalysis.Evaluation;

namespace XrayAnalysis.Tests.Evaluation;

/// <summary>The optional <c>concealment</c> of a COCO annotation: read when it is a string, ignored otherwise.</summary>
public sealed class CocoConcealmentTests : TempDirTest
{
    [Test]
    public void A_string_is_read_and_a_number_null_or_missing_tag_leaves_none_without_failing_the_file()
    {
        string path = Path.Combine(Dir, "gt.json");
        File.WriteAllText(path, """
            {"images": [{"id": 1, "file_name": "a.png", "width": 100, "height": 100}],
             "annotations": [
               {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20], "concealment": "shoe-sole"},
               {"id": 2, "image_id": 1, "category_id": 1, "bbox": [40, 10, 20, 20], "concealment": 5},
               {"id": 3, "image_id": 1, "category_id": 1, "bbox": [70, 10, 20, 20], "concealment": null},
               {"id": 4, "image_id": 1, "category_id": 1, "bbox": [10, 40, 20, 20]}],
             "categories": [{"id": 1, "name": "narcotics_packet"}]}
            """);
        CocoDataset gt = CocoDataset.Load(path);
        Assert.That(gt.Annotations.Select(a => a.Concealment), Is.EqualTo(new[] { "shoe-sole", null, null, null }));
        ScreeningResult r = ScreeningEvaluator.Evaluate(gt, [new(1, 1, [10, 10, 20, 20], 0.9)], 0.5);
        Assert.That(r.PerConcealment.Keys, Is.EqualTo(new[] { "shoe-sole" }));
        Assert.That(r.PerConcealment["shoe-sole"].Iou50.Count, Is.EqualTo(1));
    }
}
