using XrayAnalysis.Inference;

namespace XrayAnalysis.Tests.Inference;

public sealed class PythonLiteralTests
{
    [Test]
    public void Ultralytics_names_with_quotes_commas_and_escapes_parse()
    {
        IReadOnlyDictionary<int, string> d = PythonLiteral.ParseIntStringDict("{0: 'gun', 1: \"it's\", 2: 'a, b', 3: 'x\\'y'}");
        Assert.That(d, Is.EquivalentTo(new Dictionary<int, string> { [0] = "gun", [1] = "it's", [2] = "a, b", [3] = "x'y" }));
    }

    [Test]
    public void Json_is_not_accepted_as_a_python_dict()
    {
        Assert.Throws<FormatException>(() => PythonLiteral.ParseIntStringDict("{\"0\": \"gun\"}"));
    }

    [Test]
    public void Imgsz_lists_parse()
    {
        Assert.That(PythonLiteral.ParseIntList("[640, 480]"), Is.EqualTo(new[] { 640, 480 }));
        Assert.That(PythonLiteral.ParseIntList("416"), Is.EqualTo(new[] { 416 }));
    }
}
