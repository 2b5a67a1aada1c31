namespace XrayAnalysis.Inference;

/// <summary>Finds class names: the profile's class list, else Ultralytics <c>names</c> metadata, else <c>class_N</c> (with a note).</summary>
internal static class ClassNameResolver
{
    /// <param name="classCount">Classes the output tensor holds; 0 when the layout does not tell (end-to-end).</param>
    public static (IReadOnlyList<string> Names, ClassNamesSource Source) Resolve(string modelPath, ModelProfile? profile, IReadOnlyDictionary<string, string> metadata, int classCount)
    {
        if (profile?.Classes is { } fromProfile)
        {
            if (classCount > 0 && fromProfile.Count != classCount)
            {
                throw new ModelLoadException($"{modelPath}: the profile ({profile.Origin}) names {fromProfile.Count} classes but the model outputs {classCount}");
            }

            return (fromProfile, ClassNamesSource.Profile);
        }

        if (metadata.TryGetValue("names", out string? text))
        {
            IReadOnlyDictionary<int, string> dict;
            try
            {
                dict = PythonLiteral.ParseIntStringDict(text);
            }
            catch (FormatException ex)
            {
                throw new ModelLoadException($"{modelPath}: metadata 'names' is not a Python dict literal: {ex.Message}", ex);
            }

            if (classCount > 0 && dict.Count > 0 && dict.Keys.Max() + 1 != classCount)
            {
                throw new ModelLoadException($"{modelPath}: metadata 'names' holds {dict.Keys.Max() + 1} classes but the model outputs {classCount}");
            }

            return (FromDict(dict, classCount), ClassNamesSource.Metadata);
        }

        return (FromDict(new Dictionary<int, string>(), classCount), ClassNamesSource.Default);
    }

    private static string[] FromDict(IReadOnlyDictionary<int, string> dict, int classCount)
    {
        int n = Math.Max(classCount, dict.Count == 0 ? 0 : dict.Keys.Max() + 1);
        var names = new string[n];
        for (int i = 0; i < n; i++)
        {
            names[i] = dict.TryGetValue(i, out string? s) ? s : $"class_{i}";
        }

        return names;
    }
}
