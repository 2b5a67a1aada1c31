namespace XrayAnalysis.Fuzz;

/// <summary>Writes COUNT mutated files from the seeds, cycling through them; each keeps its seed's extension.</summary>
internal static class MutateCommand
{
    public static int Run(string seedDir, string outDir, int count, int seed)
    {
        string[] seeds = Directory.GetFiles(seedDir).Where(f => !f.EndsWith(".raw", StringComparison.OrdinalIgnoreCase) && !f.EndsWith(".zraw", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToArray();
        Directory.CreateDirectory(outDir);
        var rng = new Random(seed);
        using var log = new StreamWriter(Path.Combine(outDir, "mutations.tsv"));
        for (int i = 0; i < count; i++)
        {
            string s = seeds[i % seeds.Length];
            string ext = Path.GetExtension(s);
            string stem = $"m{i:D6}_{Path.GetFileNameWithoutExtension(s)}";
            string target = Path.Combine(outDir, stem + ext);
            string kind;
            if (ext is ".mhd" or ".nhdr")
            {
                // A detached header and its data file: mutate one of the two, copy the other under the new name.
                string text = File.ReadAllText(s);
                string dataName = DataFileName(text, ext);
                string dataPath = Path.Combine(seedDir, dataName);
                string newData = stem + Path.GetExtension(dataName);
                string newText = text.Replace(dataName, newData, StringComparison.Ordinal);
                byte[] header = System.Text.Encoding.ASCII.GetBytes(newText);
                byte[] data = File.ReadAllBytes(dataPath);
                if (rng.Next(2) == 0)
                {
                    header = Mutator.Mutate(header, rng, out kind);
                    kind = "header:" + kind;
                }
                else
                {
                    data = Mutator.Mutate(data, rng, out kind);
                    kind = "data:" + kind;
                }

                File.WriteAllBytes(target, header);
                File.WriteAllBytes(Path.Combine(outDir, newData), data);
            }
            else
            {
                File.WriteAllBytes(target, Mutator.Mutate(File.ReadAllBytes(s), rng, out kind));
            }

            log.WriteLine($"{Path.GetFileName(target)}\t{Path.GetFileName(s)}\t{kind}");
        }

        return 0;
    }

    private static string DataFileName(string header, string ext)
    {
        string key = ext == ".mhd" ? "ElementDataFile" : "data file";
        foreach (string line in header.Split('\n'))
        {
            int sep = line.IndexOfAny(['=', ':']);
            if (sep > 0 && line[..sep].Trim().Equals(key, StringComparison.OrdinalIgnoreCase))
            {
                return line[(sep + 1)..].Trim();
            }
        }

        throw new InvalidDataException($"no data file named in the {ext} seed");
    }
}
