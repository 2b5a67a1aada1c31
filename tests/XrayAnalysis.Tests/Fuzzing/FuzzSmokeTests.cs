using XrayAnalysis.Fuzz;

namespace XrayAnalysis.Tests.Fuzzing;

/// <summary>
/// A bounded fuzz run of every parser over the committed seed corpus (seconds; the long, coverage-guided runs are
/// scripts/fuzz.sh), and every committed regression input replayed. Any exception other than the documented
/// bad-input one is a failure.
/// </summary>
public sealed class FuzzSmokeTests : TempDirTest
{
    private static string Corpus => Path.Combine(TestData.Fixtures, "fuzz-corpus");

    private static string Regressions => Path.Combine(TestData.Fixtures, "fuzz-regressions");

    public static IEnumerable<string> Targets() => FuzzTargets.Names;

    [TestCaseSource(nameof(Targets))]
    public void Two_thousand_mutations_of_the_seed_corpus_raise_no_unexpected_exception(string target)
    {
        IReadOnlyList<string> exts = FuzzTargets.SeedExtensions(target);
        byte[][] seeds = Directory.GetFiles(Corpus).Where(f => exts.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        Assert.That(seeds, Is.Not.Empty);
        using var engine = new FuzzEngine(target, seeds, seed: 7, Dir);
        engine.Run(2000, TimeSpan.FromSeconds(20));
        Assert.That(engine.Findings.Keys, Is.Empty, string.Join("\n", engine.Findings.Values.Select(f => f.Error.ToString())));
    }

    [Test]
    public void Every_committed_regression_input_is_handled()
    {
        int n = 0;
        foreach (string dir in Directory.GetDirectories(Regressions))
        {
            string target = Path.GetFileName(dir);
            foreach (string input in Directory.GetFiles(dir, "*.bin"))
            {
                Assert.DoesNotThrow(() => FuzzTargets.Run(target, File.ReadAllBytes(input), Path.Combine(Dir, "scratch")), $"{target}: {input}");
                n++;
            }
        }

        Assert.That(n, Is.GreaterThan(0));
    }
}
