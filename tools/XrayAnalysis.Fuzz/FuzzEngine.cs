using System.Diagnostics;
using System.Security.Cryptography;

namespace XrayAnalysis.Fuzz;

/// <summary>
/// An in-process, coverage-guided fuzzer in the manner of AFL: SharpFuzz instruments the library's IL so that every
/// branch bumps a byte of a 64 KiB edge bitmap (<see cref="SharpFuzz.Common.Trace.SharedMem"/>); an input that reaches
/// a new edge or a new hit-count bucket joins the corpus, and mutations are drawn from the corpus. Without
/// instrumentation (the test suite's smoke run) it degrades to plain mutation fuzzing over the seeds.
/// </summary>
public sealed unsafe class FuzzEngine : IDisposable
{
    private const int MapSize = 1 << 16;
    private readonly byte* _trace;
    private readonly byte[] _virgin = new byte[MapSize];
    private readonly List<byte[]> _corpus = [];
    private readonly Random _rng;
    private readonly string _target;
    private readonly string _scratch;

    public FuzzEngine(string target, IEnumerable<byte[]> seeds, int seed, string scratchDir)
    {
        _target = target;
        _rng = new Random(seed);
        _trace = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(MapSize);
        SharpFuzz.Common.Trace.SharedMem = _trace;
        Array.Fill(_virgin, (byte)0xFF);
        Directory.CreateDirectory(scratchDir);
        _scratch = Path.Combine(scratchDir, $"fuzz-{target}-{Environment.ProcessId}");
        foreach (byte[] s in seeds)
        {
            _corpus.Add(s);
            Execute(s, out _);
        }

        if (_corpus.Count == 0)
        {
            throw new ArgumentException($"no seeds for target {target}");
        }
    }

    public long Executions { get; private set; }

    public int CorpusSize => _corpus.Count;

    /// <summary>Edges (bitmap entries) seen at least once.</summary>
    public int EdgesCovered => _virgin.Count(v => v != 0xFF);

    /// <summary>Unique findings, keyed by exception type and throwing frame.</summary>
    public Dictionary<string, (byte[] Input, Exception Error)> Findings { get; } = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="executions"/> mutated inputs (or until <paramref name="budget"/> passes).</summary>
    public void Run(long executions, TimeSpan budget, Action<string>? log = null)
    {
        var sw = Stopwatch.StartNew();
        var lastLog = Stopwatch.StartNew();
        for (long i = 0; i < executions && sw.Elapsed < budget; i++)
        {
            byte[] parent = _corpus[_rng.Next(_corpus.Count)];
            byte[] child = parent;
            int stack = 1 << _rng.Next(3);
            for (int k = 0; k < stack; k++)
            {
                child = _rng.Next(16) == 0 && _corpus.Count > 1 ? Splice(child, _corpus[_rng.Next(_corpus.Count)]) : Mutator.Mutate(child, _rng, out _);
            }

            if (child.Length > 1 << 20)
            {
                child = child[..(1 << 20)];
            }

            if (Execute(child, out Exception? error) && _corpus.Count < 4000)
            {
                _corpus.Add(child);
            }

            if (error is not null)
            {
                string key = $"{error.GetType().Name} at {new StackTrace(error).GetFrame(0)?.GetMethod()?.Name ?? "?"}";
                Findings.TryAdd(key, (child, error));
            }

            if (log is not null && lastLog.Elapsed > TimeSpan.FromSeconds(30))
            {
                log($"{_target}: {Executions} execs ({Executions / sw.Elapsed.TotalSeconds:0}/s), corpus {_corpus.Count}, edges {EdgesCovered}, findings {Findings.Count}");
                lastLog.Restart();
            }
        }
    }

    private byte[] Splice(byte[] a, byte[] b)
    {
        int cutA = _rng.Next(a.Length + 1), cutB = _rng.Next(b.Length + 1);
        return [.. a.AsSpan(0, cutA), .. b.AsSpan(cutB)];
    }

    /// <summary>Runs one input; true when it reached new coverage.</summary>
    private bool Execute(byte[] input, out Exception? error)
    {
        new Span<byte>(_trace, MapSize).Clear();
        SharpFuzz.Common.Trace.PrevLocation = 0;
        error = null;
        try
        {
            FuzzTargets.Run(_target, input, _scratch);
        }
        catch (Exception ex)
        {
            error = ex;
        }

        Executions++;
        bool fresh = false;
        var trace = new ReadOnlySpan<byte>(_trace, MapSize);
        for (int i = 0; i < MapSize; i++)
        {
            byte t = trace[i];
            if (t != 0)
            {
                byte bucket = Bucket(t);
                if ((_virgin[i] & bucket) != 0)
                {
                    _virgin[i] &= (byte)~bucket;
                    fresh = true;
                }
            }
        }

        return fresh;
    }

    /// <summary>AFL's hit-count classes: 1, 2, 3, 4–7, 8–15, 16–31, 32–127, 128+.</summary>
    private static byte Bucket(byte hits) => hits switch
    {
        1 => 1,
        2 => 2,
        3 => 4,
        <= 7 => 8,
        <= 15 => 16,
        <= 31 => 32,
        <= 127 => 64,
        _ => 128,
    };

    /// <summary>Writes each finding as a regression file named by its hash, with the exception beside it.</summary>
    public void SaveFindings(string dir)
    {
        Directory.CreateDirectory(dir);
        foreach ((string key, (byte[] input, Exception error)) in Findings)
        {
            string name = Convert.ToHexStringLower(SHA256.HashData(input))[..16];
            File.WriteAllBytes(Path.Combine(dir, name + ".bin"), input);
            File.WriteAllText(Path.Combine(dir, name + ".txt"), $"{key}\n{error}\n");
        }
    }

    public void Dispose()
    {
        SharpFuzz.Common.Trace.SharedMem = null;
        System.Runtime.InteropServices.NativeMemory.Free(_trace);
    }
}
