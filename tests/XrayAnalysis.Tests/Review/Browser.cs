using Microsoft.Playwright;
using OpenCvSharp;

namespace XrayAnalysis.Tests.Review;

/// <summary>
/// The distribution's Chromium driven by Playwright (no browser download): XRAY_CHROMIUM, else /usr/bin/chromium or
/// chromium-browser. Without one the browser tests are ignored, unless XRAY_REQUIRE_BROWSER=1 (scripts/test.sh sets it
/// once Debian's chromium is installed), in which case they fail.
/// </summary>
internal static class Browser
{
    public static string Executable()
    {
        string? found = new[] { Environment.GetEnvironmentVariable("XRAY_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser" }
            .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p));
        if (found is not null)
        {
            return found;
        }

        const string why = "no Chromium executable (set XRAY_CHROMIUM, or apt-get install chromium)";
        if (Environment.GetEnvironmentVariable("XRAY_REQUIRE_BROWSER") == "1")
        {
            Assert.Fail(why);
        }

        Assert.Ignore(why);
        return "";
    }

    public static async Task<IBrowser> LaunchAsync(IPlaywright pw) =>
        await pw.Chromium.LaunchAsync(new() { ExecutablePath = Executable(), Headless = true, Args = ["--no-sandbox"] });

    /// <summary>A PNG screenshot decoded to BGR.</summary>
    public static Mat Decode(byte[] png) => Cv2.ImDecode(png, ImreadModes.Color);

    /// <summary>Mean of the per-channel standard deviations: near 0 for a blank area.</summary>
    public static double Texture(Mat bgr)
    {
        Cv2.MeanStdDev(bgr, out _, out Scalar sd);
        return (sd.Val0 + sd.Val1 + sd.Val2) / 3;
    }

    /// <summary>Pixels within <paramref name="tolerance"/> (max channel difference) of an RGB colour.</summary>
    public static int CountColour(Mat bgr, int r, int g, int b, int tolerance = 40)
    {
        using var lo = new Mat();
        Cv2.InRange(bgr, new Scalar(Math.Max(0, b - tolerance), Math.Max(0, g - tolerance), Math.Max(0, r - tolerance)),
            new Scalar(Math.Min(255, b + tolerance), Math.Min(255, g + tolerance), Math.Min(255, r + tolerance)), lo);
        return Cv2.CountNonZero(lo);
    }
}
