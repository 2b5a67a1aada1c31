using System.Globalization;
using System.Text;
using OpenCvSharp;
using XrayAnalysis.Outputs;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Synthesis;

/// <summary>
/// Writes synthetic CT sets. Per volume NAME: <c>volumes/NAME.mhd</c> + <c>NAME.raw</c> (MetaImage, MET_USHORT,
/// value = μ·10⁴ per cm), <c>slices/NAME/slice_NNNN.png</c> (16-bit stack), <c>volumes/NAME.boxes.json</c> (3D ground
/// truth: inclusive voxel min/max per axis). For 2D training and evaluation on slices, every <c>sliceStep</c>-th axial
/// slice is rendered with <see cref="CtSliceRenderer"/> to <c>images/NAME_zNNNN.png</c> and listed with its 2D boxes
/// (the 3D boxes cut at that slice) in <c>annotations.coco.json</c>.
/// </summary>
internal static class CtWriter
{
    public static void Write(long seed, int count, int nx, int ny, int nz, double threatRate, int sliceStep, bool compress, bool writeSlices, string outDir,
        IProgress<int>? progress = null, double clutter = 1.0)
    {
        foreach (string sub in writeSlices ? (string[])["volumes", "slices", "images"] : ["volumes", "images"])
        {
            Directory.CreateDirectory(Path.Combine(outDir, sub));
        }

        var perVolume = new List<(string File, int W, int H, List<(ThreatClass C, int X, int Y, int W, int H)> Boxes)>[count];
        int done = 0;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            perVolume[i] = WriteVolume(seed, i, nx, ny, nz, threatRate, sliceStep, compress, writeSlices, outDir, clutter);
            progress?.Report(Interlocked.Increment(ref done));
        });

        var images = new List<(string File, int W, int H, List<(ThreatClass C, int X, int Y, int W, int H)> Boxes)>();
        foreach (var v in perVolume)
        {
            images.AddRange(v);
        }

        AtomicFile.WriteAllBytes(Path.Combine(outDir, "annotations.coco.json"), Coco(images));
    }

    private static List<(string, int, int, List<(ThreatClass, int, int, int, int)>)> WriteVolume(
        long seed, int i, int nx, int ny, int nz, double threatRate, int sliceStep, bool compress, bool writeSlices, string outDir, double clutter)
    {
        string name = SynthWriter.NameOf("ct", i);
        CtVolume v = CtGenerator.Generate(seed, i, nx, ny, nz, threatRate, clutter);
        var raw = new byte[v.Mu.Length * 2];
        for (int k = 0; k < v.Mu.Length; k++)
        {
            ushort q = (ushort)Math.Clamp(Math.Round(v.Mu[k] * CtSliceRenderer.ValueScale), 0, 65535);
            raw[2 * k] = (byte)q;
            raw[(2 * k) + 1] = (byte)(q >> 8);
        }

        string vol = Path.Combine(outDir, "volumes");
        string compressedLine = "CompressedData = False\n";
        string dataFile = name + ".raw";
        if (compress)
        {
            // MetaImage's zlib encoding (CompressedData = True, a .zraw file), as ITK writes it.
            using var ms = new MemoryStream();
            using (var z = new System.IO.Compression.ZLibStream(ms, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
            {
                z.Write(raw);
            }

            dataFile = name + ".zraw";
            compressedLine = string.Create(CultureInfo.InvariantCulture, $"CompressedData = True\nCompressedDataSize = {ms.Length}\n");
            AtomicFile.WriteAllBytes(Path.Combine(vol, dataFile), ms.ToArray());
        }
        else
        {
            AtomicFile.WriteAllBytes(Path.Combine(vol, dataFile), raw);
        }

        AtomicFile.WriteAllText(Path.Combine(vol, name + ".mhd"), string.Create(CultureInfo.InvariantCulture,
            $"ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n{compressedLine}" +
            $"Offset = 0 0 0\nElementSpacing = {v.Spacing.X} {v.Spacing.Y} {v.Spacing.Z}\nDimSize = {nx} {ny} {nz}\n" +
            $"ElementType = MET_USHORT\nElementDataFile = {dataFile}\n"));
        var gt = new StringBuilder();
        gt.Append(CultureInfo.InvariantCulture, $"{{\n  \"name\": \"{name}\",\n  \"dims\": [{nx}, {ny}, {nz}],\n  \"spacing_mm\": [{v.Spacing.X}, {v.Spacing.Y}, {v.Spacing.Z}],\n");
        gt.Append("  \"value\": \"voxel = round(mu_per_cm * 10000), effective 80 keV\",\n  \"box_convention\": \"inclusive voxel index min and max per axis (x, y, z)\",\n  \"threats\": [");
        for (int t = 0; t < v.Threats.Count; t++)
        {
            ThreatBox3D b = v.Threats[t];
            gt.Append(CultureInfo.InvariantCulture, $"{(t == 0 ? "" : ",")}\n    {{\"class\": \"{ThreatClasses.NameOf(b.Class)}\", \"category_id\": {ThreatClasses.CocoId(b.Class)}, \"min\": [{b.MinX}, {b.MinY}, {b.MinZ}], \"max\": [{b.MaxX}, {b.MaxY}, {b.MaxZ}]}}");
        }

        gt.Append("\n  ]");
        if (v.LookAlikes.Count > 0)
        {
            // Benign, not ground truth: where the look-alikes are, so that false alarms on them can be told apart.
            gt.Append(",\n  \"look_alikes\": [");
            for (int t = 0; t < v.LookAlikes.Count; t++)
            {
                LookAlikeBox3D b = v.LookAlikes[t];
                gt.Append(CultureInfo.InvariantCulture, $"{(t == 0 ? "" : ",")}\n    {{\"material\": \"{b.Material}\", \"wrapped\": {(b.Wrapped ? "true" : "false")}, \"min\": [{b.MinX}, {b.MinY}, {b.MinZ}], \"max\": [{b.MaxX}, {b.MaxY}, {b.MaxZ}]}}");
            }

            gt.Append("\n  ]");
        }

        gt.Append("\n}\n");
        AtomicFile.WriteAllText(Path.Combine(vol, name + ".boxes.json"), gt.ToString());
        string sliceDir = Path.Combine(outDir, "slices", name);
        if (writeSlices)
        {
            Directory.CreateDirectory(sliceDir);
        }
        var images = new List<(string, int, int, List<(ThreatClass, int, int, int, int)>)>();
        for (int z = 0; z < nz; z++)
        {
            using Mat slice = Mat.FromPixelData(ny, nx, MatType.CV_16UC1, raw.AsSpan(z * nx * ny * 2, nx * ny * 2).ToArray());
            if (writeSlices)
            {
                Cv2.ImEncode(".png", slice, out byte[] png);
                AtomicFile.WriteAllBytes(Path.Combine(sliceDir, $"slice_{z.ToString("D4", CultureInfo.InvariantCulture)}.png"), png);
            }

            if (z % sliceStep != 0)
            {
                continue;
            }

            string file = $"{name}_z{z.ToString("D4", CultureInfo.InvariantCulture)}.png";
            using Mat bgr = CtSliceRenderer.Render(slice);
            Cv2.ImEncode(".png", bgr, out byte[] rendered);
            AtomicFile.WriteAllBytes(Path.Combine(outDir, "images", file), rendered);
            var boxes = v.Threats.Where(b => z >= b.MinZ && z <= b.MaxZ)
                .Select(b => (b.Class, b.MinX, b.MinY, b.MaxX - b.MinX + 1, b.MaxY - b.MinY + 1)).ToList();
            images.Add((file, nx, ny, boxes));
        }

        return images;
    }

    private static byte[] Coco(List<(string File, int W, int H, List<(ThreatClass C, int X, int Y, int W, int H)> Boxes)> images)
    {
        var sb = new StringBuilder("{\n  \"info\": {\"description\": \"XrayAnalysis synthetic CT slices (xray synth --kind ct)\"},\n  \"images\": [\n");
        for (int i = 0; i < images.Count; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"    {{\"id\": {i + 1}, \"file_name\": \"{images[i].File}\", \"width\": {images[i].W}, \"height\": {images[i].H}, \"route\": \"ct\"}}{(i + 1 < images.Count ? "," : "")}\n");
        }

        sb.Append("  ],\n  \"annotations\": [");
        int id = 1;
        for (int i = 0; i < images.Count; i++)
        {
            foreach ((ThreatClass c, int x, int y, int w, int h) in images[i].Boxes)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{(id == 1 ? "" : ",")}\n    {{\"id\": {id++}, \"image_id\": {i + 1}, \"category_id\": {ThreatClasses.CocoId(c)}, \"bbox\": [{x}, {y}, {w}, {h}], \"area\": {w * h}, \"iscrowd\": 0}}");
            }
        }

        sb.Append("\n  ],\n  \"categories\": [");
        for (int k = 0; k < ThreatClasses.Names.Count; k++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{(k == 0 ? "" : ",")}\n    {{\"id\": {k + 1}, \"name\": \"{ThreatClasses.Names[k]}\", \"supercategory\": \"narcotics\"}}");
        }

        sb.Append("\n  ]\n}\n");
        return new UTF8Encoding(false).GetBytes(sb.ToString());
    }
}
