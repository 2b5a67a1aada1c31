using XrayAnalysis.Routes;

namespace XrayAnalysis.Cli;

/// <summary>Finds the route file for <c>--route</c>: <c>--routes FILE</c>, else config/routes.json in the current folder, else beside xray.</summary>
internal static class RouteFiles
{
    public const string DefaultPath = "config/routes.json";

    public static RouteConfig Load(string? path)
    {
        if (path is not null)
        {
            return RouteConfig.Load(path);
        }

        string here = Path.GetFullPath(DefaultPath);
        if (File.Exists(here))
        {
            return RouteConfig.Load(here);
        }

        string beside = Path.Combine(AppContext.BaseDirectory, "routes.json");
        return File.Exists(beside)
            ? RouteConfig.Load(beside)
            : throw new FileNotFoundException($"no route file: give --routes FILE (looked for {here} and {beside})");
    }
}
