// A program outside the solution that uses only XrayAnalysis's public API, as a scanner vendor's workstation would:
// pixels arrive in memory from the acquisition chain (here read with OpenCV to stand in for it), go to the detector,
// and come back as boxes and an overlay PNG.
//
//   dotnet run -- MODEL.onnx OUT_DIR [--conf 0.25] --pair HIGH.png LOW.png --colour SCAN.jpg --grey16 SCAN.png
//
// Prints one JSON line per scan: {"name":..., "status":..., "boxes":[[class, score, x1, y1, x2, y2], ...]}.
using System.Runtime.InteropServices;
using System.Text.Json;
using OpenCvSharp;
using XrayAnalysis;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: InMemoryDetect MODEL.onnx OUT_DIR [--conf C] [--pair HIGH LOW] [--colour IMAGE] [--grey16 IMAGE] ...");
    return 2;
}

// The confidence threshold defaults to the model profile's operating threshold, as in `xray detect`.
int first = 2;
float? confidence = null;
if (args.Length > 3 && args[2] == "--conf")
{
    confidence = float.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
    first = 4;
}

using XrayDetector detector = XrayDetector.Open(args[0], new XrayDetectorOptions { Detector = new() { Confidence = confidence } });
Directory.CreateDirectory(args[1]);
Console.Error.WriteLine($"model {detector.Model.Name}: {detector.Model.Layout}, confidence {detector.Settings.Confidence} ({detector.Settings.ConfidenceSource})");

for (int i = first; i < args.Length; i++)
{
    using ScanImage image = args[i] switch
    {
        "--pair" => Pair(args[++i], args[++i]),
        "--colour" => Colour(args[++i]),
        "--grey16" => Grey16(args[++i]),
        _ => throw new ArgumentException($"unknown argument {args[i]}"),
    };
    ScanResult result = detector.Detect(image);
    File.WriteAllBytes(Path.Combine(args[1], image.Name + ".png"), detector.DrawOverlay(image, result));
    var boxes = result.Detections.Select(d => new object[] { d.ClassId, d.Score, d.X1, d.Y1, d.X2, d.Y2 });
    Console.WriteLine(JsonSerializer.Serialize(new { name = image.Name, status = result.Status.ToString(), tiled = result.Tiling is not null, boxes }));
}

return 0;

static ushort[] Samples16(string path, out int width, out int height)
{
    using Mat m = Cv2.ImRead(path, ImreadModes.Unchanged);
    if (m.Empty() || m.Type() != MatType.CV_16UC1)
    {
        throw new InvalidDataException($"{path}: expected a 16-bit grey image");
    }

    (width, height) = (m.Cols, m.Rows);
    m.GetArray(out ushort[] data);
    return data;
}

static ScanImage Pair(string high, string low)
{
    ushort[] h = Samples16(high, out int w, out int hh);
    ushort[] l = Samples16(low, out _, out _);
    string name = Path.GetFileNameWithoutExtension(high).Replace("_high", "", StringComparison.Ordinal);
    return ScanImage.FromDualEnergy(h, l, w, hh, name);
}

static ScanImage Grey16(string path)
{
    ushort[] s = Samples16(path, out int w, out int h);
    return ScanImage.FromGrey16(s, w, h, Path.GetFileNameWithoutExtension(path));
}

static ScanImage Colour(string path)
{
    using Mat m = Cv2.ImRead(path, ImreadModes.Color);
    var bytes = new byte[m.Cols * m.Rows * 3];
    Marshal.Copy(m.Data, bytes, 0, bytes.Length);
    return ScanImage.FromPixels(bytes, m.Cols, m.Rows, PixelFormat.Bgr24, Path.GetFileNameWithoutExtension(path));
}
