using System.Security.Cryptography;
using XrayAnalysis.Loading;

namespace XrayAnalysis.Tests.Loading;

/// <summary>Reading a scan file once into native memory, hashed on the way.</summary>
public sealed class FileBytesTests : TempDirTest
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase((1 << 20) - 1)]
    [TestCase((3 << 20) + 17)]
    public void The_bytes_and_the_hash_are_the_files(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        string path = TestData.Write(Dir, "f.bin", data);
        using FileBytes f = FileBytes.Read(path, long.MaxValue, n => new InvalidOperationException($"too large: {n}"));
        Assert.That(f.Length, Is.EqualTo(length));
        Assert.That(f.Span.SequenceEqual(data), Is.True);
        Assert.That(f.Sha256, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(data))));
        Assert.That(f.ToArray(), Is.EqualTo(data));
    }

    [Test]
    public void A_file_over_the_cap_is_refused_before_it_is_read()
    {
        string path = TestData.Write(Dir, "big.bin", new byte[5000]);
        var ex = Assert.Throws<InvalidOperationException>(() => FileBytes.Read(path, 4999, n => new InvalidOperationException($"too large: {n}")).Dispose());
        Assert.That(ex!.Message, Is.EqualTo("too large: 5000"));
        using FileBytes ok = FileBytes.Read(path, 5000, n => new InvalidOperationException($"too large: {n}"));
        Assert.That(ok.Length, Is.EqualTo(5000));
    }

    [Test]
    public void After_dispose_the_bytes_are_gone_and_a_second_dispose_is_harmless()
    {
        string path = TestData.Write(Dir, "f.bin", [1, 2, 3]);
        FileBytes f = FileBytes.Read(path, 100, n => new InvalidOperationException());
        f.Dispose();
        Assert.That(() => f.Span.Length, Throws.TypeOf<ObjectDisposedException>());
        Assert.That(f.Dispose, Throws.Nothing);
    }

    [Test]
    public void The_loader_hashes_exactly_the_file()
    {
        string path = Path.Combine(TestData.SampleImages, "baggage", "raw", "baggage_00000_high.png");
        using Scan s = new ScanLoader().Load(ScanInput.Single(path));
        Assert.That(s.Sha256, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))));
    }
}
