namespace XrayAnalysis.Tests;

/// <summary>Base for tests that write files: a fresh folder per test, deleted afterwards.</summary>
public abstract class TempDirTest
{
    protected string Dir { get; private set; } = null!;

    [SetUp]
    public void CreateTempDir() => Dir = TestData.TempDir();

    [TearDown]
    public void DeleteTempDir() => Directory.Delete(Dir, true);
}
