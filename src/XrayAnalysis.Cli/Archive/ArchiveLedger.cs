using System.Globalization;
using Microsoft.Data.Sqlite;

namespace XrayAnalysis.Cli.Archive;

/// <summary>The states a scan goes through in a ledger generation.</summary>
internal static class ScanState
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";
    public const string Incomplete = "incomplete";
    public const string Rejected = "rejected";
    public const string Quarantined = "quarantined";

    public static readonly string[] All = [Pending, Running, Done, Failed, Incomplete, Rejected, Quarantined];

    /// <summary>States that end a scan's life in a generation.</summary>
    public static bool IsFinal(string s) => s is Done or Failed or Incomplete or Rejected or Quarantined;
}

/// <summary>Verdicts at the generation's operating threshold.</summary>
internal static class Verdict
{
    public const string Alarm = "alarm";
    public const string Clear = "clear";
    public const string UnableToClear = "unable to clear";
    public const string NotOk = "not ok";
}

/// <summary>One generation: a model (by SHA-256) and a parameter set (by hash of its canonical JSON).</summary>
internal sealed record GenerationInfo(long Id, string ModelSha256, string ParamsHash, string ParamsJson, double Threshold, string ModelPath);

/// <summary>One scan of a generation as the ledger holds it.</summary>
internal sealed record LedgerScan(
    string ContentSha256,
    string Path,
    string? LowPath,
    string State,
    int Attempts,
    string? Worker,
    double? Ms,
    string? Verdict,
    string? Top,
    string? ResultPath,
    string? Cause);

/// <summary>An input as discovered: its path(s) and the SHA-256 of its content (a pair: of both files' hashes).</summary>
internal sealed record LedgerInput(string Path, string? LowPath, string ContentSha256, long Bytes, string? Unreadable);

/// <summary>
/// The archive ledger: one SQLite file (WAL, synchronous FULL, so a committed state change survives a power cut) keyed
/// by (scan content SHA-256, generation), a generation being (model SHA-256, parameters hash). Re-running the same model
/// and parameters reuses the generation; a new model or new parameters make a new one and never touch the old rows.
/// Every input path is recorded (inputs table), so duplicates by content are accounted for, not lost. One process writes
/// a ledger at a time (the run's folder lock); any number may read it while it runs.
/// </summary>
internal sealed class ArchiveLedger : IDisposable
{
    public const int SchemaVersion = 1;
    private readonly SqliteConnection _db;

    private ArchiveLedger(SqliteConnection db, string path)
    {
        _db = db;
        Path = path;
    }

    public string Path { get; }

    /// <summary>
    /// Opens (creating when missing) the ledger at <paramref name="path"/> and checks its pages; throws
    /// <see cref="LedgerCorruptException"/> when SQLite finds it damaged.
    /// </summary>
    public static ArchiveLedger Open(string path, bool readOnly = false)
    {
        var csb = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        };
        var db = new SqliteConnection(csb.ToString());
        try
        {
            db.Open();
            Exec(db, "PRAGMA busy_timeout=10000;");
            if (!readOnly)
            {
                Exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
            }

            string check = Scalar(db, "PRAGMA quick_check;") as string ?? "no answer";
            if (check != "ok")
            {
                throw new LedgerCorruptException($"{path}: the ledger is damaged ({check.Split('\n')[0]})");
            }

            if (!readOnly)
            {
                CreateSchema(db);
            }

            var ledger = new ArchiveLedger(db, path);
            db = null!;
            return ledger;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 11 or 26)
        {
            throw new LedgerCorruptException($"{path}: the ledger is damaged ({ex.Message.Split('\n')[0]})", ex);
        }
        finally
        {
            db?.Dispose();
        }
    }

    private static void CreateSchema(SqliteConnection db)
    {
        Exec(db, """
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS generations(
                id INTEGER PRIMARY KEY, model_sha TEXT NOT NULL, params_hash TEXT NOT NULL, params TEXT NOT NULL,
                threshold REAL NOT NULL, model_path TEXT NOT NULL, created TEXT NOT NULL, UNIQUE(model_sha, params_hash));
            CREATE TABLE IF NOT EXISTS inputs(
                path TEXT PRIMARY KEY, low_path TEXT, content_sha TEXT NOT NULL, bytes INTEGER NOT NULL, unreadable TEXT);
            CREATE TABLE IF NOT EXISTS scans(
                gen INTEGER NOT NULL, content_sha TEXT NOT NULL, path TEXT NOT NULL, low_path TEXT,
                state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, worker TEXT, started REAL, finished REAL, ms REAL,
                verdict TEXT, top TEXT, result TEXT, cause TEXT,
                PRIMARY KEY(gen, content_sha)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS scans_state ON scans(gen, state);
            """);
        Exec(db, $"INSERT OR IGNORE INTO meta(key, value) VALUES('schema', '{SchemaVersion}');");
    }

    public string? GetMeta(string key) => Scalar(_db, "SELECT value FROM meta WHERE key=$k", ("$k", key)) as string;

    public void SetMeta(string key, string value) =>
        Exec(_db, "INSERT INTO meta(key, value) VALUES($k, $v) ON CONFLICT(key) DO UPDATE SET value=excluded.value", ("$k", key), ("$v", value));

    /// <summary>The generation of (model, parameters): the existing one, or a new one.</summary>
    public GenerationInfo Generation(string modelSha, string paramsHash, string paramsJson, double threshold, string modelPath)
    {
        Exec(_db, "INSERT OR IGNORE INTO generations(model_sha, params_hash, params, threshold, model_path, created) VALUES($m, $h, $p, $t, $mp, $c)",
            ("$m", modelSha), ("$h", paramsHash), ("$p", paramsJson), ("$t", threshold), ("$mp", modelPath), ("$c", DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture)));
        return Generations().Single(g => g.ModelSha256 == modelSha && g.ParamsHash == paramsHash);
    }

    public List<GenerationInfo> Generations()
    {
        using SqliteCommand c = Cmd(_db, "SELECT id, model_sha, params_hash, params, threshold, model_path FROM generations ORDER BY id");
        using SqliteDataReader r = c.ExecuteReader();
        var list = new List<GenerationInfo>();
        while (r.Read())
        {
            list.Add(new GenerationInfo(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetDouble(4), r.GetString(5)));
        }

        return list;
    }

    /// <summary>Records the inputs and a pending row per new content in <paramref name="gen"/>, in one transaction.</summary>
    public int AddInputs(long gen, IEnumerable<LedgerInput> inputs)
    {
        int added = 0;
        using SqliteTransaction tx = _db.BeginTransaction();
        using SqliteCommand ins = Cmd(_db, "INSERT INTO inputs(path, low_path, content_sha, bytes, unreadable) VALUES($p, $l, $s, $b, $u) " +
                                           "ON CONFLICT(path) DO UPDATE SET low_path=excluded.low_path, content_sha=excluded.content_sha, bytes=excluded.bytes, unreadable=excluded.unreadable");
        using SqliteCommand scan = Cmd(_db, "INSERT OR IGNORE INTO scans(gen, content_sha, path, low_path, state, cause) VALUES($g, $s, $p, $l, $st, $c)");
        ins.Transaction = tx;
        scan.Transaction = tx;
        foreach (LedgerInput i in inputs)
        {
            Bind(ins, ("$p", i.Path), ("$l", i.LowPath), ("$s", i.ContentSha256), ("$b", i.Bytes), ("$u", i.Unreadable));
            ins.ExecuteNonQuery();
            // An input that cannot even be read is final at once: it never reaches a worker.
            Bind(scan, ("$g", gen), ("$s", i.ContentSha256), ("$p", i.Path), ("$l", i.LowPath),
                ("$st", i.Unreadable is null ? ScanState.Pending : ScanState.Failed), ("$c", i.Unreadable));
            added += scan.ExecuteNonQuery();
        }

        tx.Commit();
        return added;
    }

    /// <summary>Scans left running by a run that was killed go back to pending (the attempt was not their fault).</summary>
    public int ResetRunning(long gen) =>
        Exec(_db, "UPDATE scans SET state='pending', worker=NULL WHERE gen=$g AND state='running'", ("$g", gen));

    /// <summary>Pending scans of <paramref name="gen"/> in path order.</summary>
    public List<LedgerScan> Pending(long gen) => Scans(gen, "state='pending'");

    public List<LedgerScan> Scans(long gen, string? where = null)
    {
        using SqliteCommand c = Cmd(_db, "SELECT content_sha, path, low_path, state, attempts, worker, ms, verdict, top, result, cause FROM scans WHERE gen=$g" +
                                         (where is null ? string.Empty : " AND " + where) + " ORDER BY path", ("$g", gen));
        using SqliteDataReader r = c.ExecuteReader();
        var list = new List<LedgerScan>();
        while (r.Read())
        {
            list.Add(new LedgerScan(r.GetString(0), r.GetString(1), Str(r, 2), r.GetString(3), r.GetInt32(4), Str(r, 5),
                r.IsDBNull(6) ? null : r.GetDouble(6), Str(r, 7), Str(r, 8), Str(r, 9), Str(r, 10)));
        }

        return list;
    }

    public void MarkRunning(long gen, string sha, string worker) =>
        Exec(_db, "UPDATE scans SET state='running', worker=$w, started=$t WHERE gen=$g AND content_sha=$s",
            ("$g", gen), ("$s", sha), ("$w", worker), ("$t", Now()));

    public void Complete(long gen, string sha, string state, string verdict, string? top, string? resultPath, string? cause, double ms, string worker) =>
        Exec(_db, "UPDATE scans SET state=$st, verdict=$v, top=$top, result=$r, cause=$c, ms=$ms, worker=$w, finished=$t WHERE gen=$g AND content_sha=$s",
            ("$g", gen), ("$s", sha), ("$st", state), ("$v", verdict), ("$top", top), ("$r", resultPath), ("$c", cause), ("$ms", ms), ("$w", worker), ("$t", Now()));

    /// <summary>
    /// Counts an attempt that killed its worker: the scan goes back to pending, or to quarantined with the cause once it
    /// has killed <paramref name="maxAttempts"/> workers. Returns the new state.
    /// </summary>
    public string WorkerDied(long gen, string sha, string cause, int maxAttempts, string worker)
    {
        // One statement, so the count and the state change land together.
        Exec(_db, "UPDATE scans SET attempts=attempts+1, state=CASE WHEN attempts+1>=$max THEN 'quarantined' ELSE 'pending' END, " +
                  "verdict=CASE WHEN attempts+1>=$max THEN 'not ok' ELSE NULL END, cause=$c, worker=$w, finished=$t WHERE gen=$g AND content_sha=$s",
            ("$g", gen), ("$s", sha), ("$max", maxAttempts), ("$c", cause), ("$w", worker), ("$t", Now()));
        string state = (string)Scalar(_db, "SELECT state FROM scans WHERE gen=$g AND content_sha=$s", ("$g", gen), ("$s", sha))!;
        return state;
    }

    /// <summary>Scans per state in <paramref name="gen"/>.</summary>
    public Dictionary<string, long> Counts(long gen)
    {
        var d = ScanState.All.ToDictionary(s => s, _ => 0L);
        using SqliteCommand c = Cmd(_db, "SELECT state, count(*) FROM scans WHERE gen=$g GROUP BY state", ("$g", gen));
        using SqliteDataReader r = c.ExecuteReader();
        while (r.Read())
        {
            d[r.GetString(0)] = r.GetInt64(1);
        }

        return d;
    }

    public long InputCount() => Convert.ToInt64(Scalar(_db, "SELECT count(*) FROM inputs"), CultureInfo.InvariantCulture);

    /// <summary>The raw connection, for merge and diff (bulk SQL over attached ledgers).</summary>
    internal SqliteConnection Connection => _db;

    public void Dispose() => _db.Dispose();

    private static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    private static string? Str(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    internal static SqliteCommand Cmd(SqliteConnection db, string sql, params (string Name, object? Value)[] args)
    {
        SqliteCommand c = db.CreateCommand();
        c.CommandText = sql;
        Bind(c, args);
        return c;
    }

    private static void Bind(SqliteCommand c, params (string Name, object? Value)[] args)
    {
        foreach ((string name, object? value) in args)
        {
            if (c.Parameters.Contains(name))
            {
                c.Parameters[name].Value = value ?? DBNull.Value;
            }
            else
            {
                c.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }
        }
    }

    internal static int Exec(SqliteConnection db, string sql, params (string Name, object? Value)[] args)
    {
        using SqliteCommand c = Cmd(db, sql, args);
        return c.ExecuteNonQuery();
    }

    internal static object? Scalar(SqliteConnection db, string sql, params (string Name, object? Value)[] args)
    {
        using SqliteCommand c = Cmd(db, sql, args);
        object? v = c.ExecuteScalar();
        return v is DBNull ? null : v;
    }
}

/// <summary>The ledger file is damaged (SQLite reports a malformed page or not a database).</summary>
internal sealed class LedgerCorruptException : Exception
{
    public LedgerCorruptException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
