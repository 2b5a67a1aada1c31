using OpenCvSharp;

namespace XrayAnalysis.Synthesis;

/// <summary>
/// Threats and their concealment. Powder is textured (grain, uneven compression, air gaps), packages are wrapped
/// (tape layers, cling film, carbon paper or foil that change edges and Zeff), outlines are irregular, and a share of
/// threats hides inside ordinary items (electronics, food tins, shoe soles, pill bottles, false bottoms). The ground
/// truth is the visible extent of the drug itself, not of its wrapping or carrier.
/// </summary>
internal sealed partial class Clutter
{
    /// <summary>
    /// One or several wrapped bricks of compressed powder (0.1–1 kg each); bricks stacked in depth share one box.
    /// <paramref name="concealment"/> names where they are (a cargo pallet's load), none when loose in a bag.
    /// </summary>
    public void Bricks(Rect g, string concealment = "none")
    {
        c.Concealment = concealment;
        int n = r.Chance(0.6) ? 1 : r.Int(2, 4);
        double a = r.Chance(0.5) ? r.Range(-8, 8) : r.Range(0, 180);
        int w = c.Px(r.Range(14, 24)), h = c.Px(r.Range(9, 15));
        bool row = r.Chance(0.5);
        int gap = c.Px(r.Range(0.5, 3));
        (int x, int y) = Spot(g, row ? n * (w + gap) : w, row ? h : n * (h + gap));
        for (int i = 0; i < n; i++)
        {
            double thick = r.Range(3, 6) * (r.Chance(0.3) ? 2 : 1);
            int bx = x + (row ? i * (w + gap) : 0), by = y + (row ? 0 : i * (h + gap));
            Brick(bx, by, w, h, a, thick);
        }
    }

    /// <summary>A small soft packet of powder, often hidden inside another item (book, shoe sole, can, toy).</summary>
    public void Packet(Rect g)
    {
        int w = c.Px(r.Range(5, 12)), h = c.Px(r.Range(4, 9));
        (int x, int y) = Spot(g, w + c.Px(4), h + c.Px(4));
        int wrap = r.Int(0, 5);
        c.Concealment = wrap switch { 0 => "envelope", 1 => "rubber", 2 => "foil", 3 => "carbon-paper", _ => "none" };
        switch (wrap)
        {
            case 0:
                Put(Material.Paper, Shapes.Box(w + c.Px(4), h + c.Px(6), 0, r.Range(1.5, 3), 1), x - c.Px(2), y - c.Px(3));
                break;
            case 1:
                Put(Material.Rubber, Shapes.Ellipse(w + c.Px(6), h + c.Px(2), 0, 2.5, false), x - c.Px(3), y - c.Px(1));
                break;
            case 2:
                Put(Material.Aluminium, Shapes.Ellipse(w + c.Px(3), h + c.Px(3), 0, 0.03, false), x - c.Px(1), y - c.Px(1));
                break;
            case 3:
                Put(Material.Carbon, Shapes.Blob(w + c.Px(2), h + c.Px(2), 0, r.Range(0.05, 0.2), 0.1, r), x - c.Px(1), y - c.Px(1));
                break;
            default:
                break;
        }

        PowderBlob(x, y, w, h, r.Range(0, 180), r.Range(1, 2.5), ThreatClass.NarcoticsPacket);
    }

    /// <summary>Hundreds of small pills in a bag or, in half the cases, a pill bottle with a cap.</summary>
    public void Tablets(Rect g)
    {
        int w = c.Px(r.Range(7, 14)), h = c.Px(r.Range(6, 12));
        (int x, int y) = Spot(g, w, h);
        c.Concealment = "none";
        if (r.Chance(0.5))
        {
            // Pill bottle: walls, cap, a label's worth of paper.
            c.Concealment = "pill-bottle";
            int bw = w + c.Px(1), bh = h + c.Px(2.5);
            Put(Material.Plastic, Shapes.Frame(bw, bh, Math.Max(1, c.Px(0.15)), 0.25), x - c.Px(0.5), y - c.Px(2));
            Put(Material.Plastic, Shapes.Box(bw, c.Px(1.5), 0, 0.6), x - c.Px(0.5), y - c.Px(2));
        }
        else if (r.Chance(0.6))
        {
            c.Concealment = "plastic-bag";
            Put(Material.Plastic, Shapes.Ellipse(w + 4, h + 4, 0, 0.3, false), x - 2, y - 2);
        }

        int rad = Math.Max(1, c.Px(r.Range(0.35, 0.5)));
        int count = Math.Clamp((int)(w * h / (rad * rad * r.Range(3.5, 6))), 30, 600);
        Put(Material.Tablet, Shapes.Tablets(w, h, count, rad, r.Range(0.3, 0.5), r), x, y, ThreatClass.TabletCluster);
    }

    /// <summary>Blotter sheets or thin layers of powder in a letter: a flat rectangle only a few sheets thick.</summary>
    public void ThinLayer(Rect g)
    {
        c.Concealment = "letter";
        int w = c.Px(r.Range(6, 15)), h = c.Px(r.Range(5, 11));
        (int x, int y) = Spot(g, w, h);
        double a = r.Range(-15, 15);
        Mat m = Shapes.Box(w, h, a, r.Range(0.25, 0.6), 1);
        Shapes.Texture(m, 0.1, c.Px(0.5), r);
        Put(Material.Paper, Shapes.Box(w + 2, h + 2, a, 0.05), x - 1, y - 1);
        Put(Material.Narcotic, m, x, y, ThreatClass.NarcoticsPacket);
    }

    /// <summary>
    /// A threat hidden inside an ordinary item, one of <see cref="Concealments"/> in equal parts: a laptop or power bank,
    /// a food tin, a shoe sole, under a false bottom along the region's edge, or (when listed) packed into a suitcase's
    /// frame rail or handle tube.
    /// </summary>
    public void Concealed(Rect g)
    {
        string name = Concealments[r.Int(0, Concealments.Count)];
        c.Concealment = name;
        int kind = name switch { "electronics" => 0, "food-tin" => 1, "shoe-sole" => 2, "false-bottom" => 3, _ => 4 };
        switch (kind)
        {
            case 0:
            {
                // Inside electronics: the packet sits under the board and the battery.
                int w = c.Px(r.Range(28, 34)), h = c.Px(r.Range(19, 23));
                (int x, int y) = Spot(g, w, h);
                Put(Material.Aluminium, Shapes.Box(w, h, 0, 0.35), x, y);
                PowderBlob(x + r.Int(c.Px(2), w / 2), y + r.Int(c.Px(2), h / 2), c.Px(r.Range(6, 11)), c.Px(r.Range(4, 8)), r.Range(-10, 10), r.Range(0.8, 1.5), ThreatClass.NarcoticsPacket);
                Put(Material.CircuitBoard, Shapes.Box(w / 2, h / 2, 0, 0.16), x + (w / 8), y + (h / 8));
                Put(Material.Battery, Shapes.Box(w * 2 / 3, h / 4, 0, 0.6), x + (w / 6), y + (h * 2 / 3));
                break;
            }

            case 1:
            {
                // Food tin: steel can, the powder replaces part of the contents.
                int d = c.Px(r.Range(7, 10)), len = c.Px(r.Range(9, 13));
                (int x, int y) = Spot(g, Shapes.EllipseSide(d, len), Shapes.EllipseSide(d, len));
                Put(Material.Steel, Shapes.Ellipse(d, len, 0, 0.03, false), x, y);
                Put(Material.Food, Shapes.Ellipse(d - 2, len - 2, 0, d * c.MmPerPixel / 20, rounded: true), x, y);
                int side = Shapes.EllipseSide(d, len);
                PowderBlob(x + (side / 2) - (d / 3), y + (side / 2) - (len / 3), d * 2 / 3, len * 2 / 3, 0, d * c.MmPerPixel / 20, ThreatClass.NarcoticsPacket);
                break;
            }

            case 2:
            {
                // Shoe sole: a flat packet along the sole under the rubber.
                (int x, int y) = Spot(g, c.Px(30), c.Px(14));
                double a = r.Range(-20, 20);
                int sw = c.Px(r.Range(25, 30)), sh = c.Px(r.Range(9, 11));
                Put(Material.Rubber, Shapes.Ellipse(sw, sh, a, 2.5, rounded: false), x, y);
                Put(Material.Clothes, Shapes.Ellipse(c.Px(22), c.Px(9), a, 6, rounded: true), x, y);
                int side = Shapes.EllipseSide(sw, sh);
                PowderBlob(x + (side / 2) - (sw / 3), y + (side / 2) - (sh / 3), sw * 2 / 3, sh * 2 / 3, a, r.Range(0.8, 1.5), ThreatClass.NarcoticsPacket);
                break;
            }

            case 4:
            {
                // Suitcase frame: powder packed into an aluminium rail or telescopic-handle tube along one side of the
                // region, filling part of its length; the tube's walls and the rest of it stay visible around the drug.
                bool across = r.Chance(0.5);
                int span = across ? g.Width : g.Height;
                int len = Math.Min(span - c.Px(2), c.Px(r.Range(15, 35))), wid = c.Px(r.Range(1.6, 2.6));
                len = Math.Max(c.Px(4), len);
                int tube = Math.Min(span - c.Px(1), len + c.Px(r.Range(6, 20)));
                int along = r.Int(0, Math.Max(1, span - tube));
                int side = r.Chance(0.5) ? c.Px(1) : (across ? g.Height : g.Width) - wid - c.Px(2);
                int tx = across ? g.X + along : g.X + Math.Max(0, side), ty = across ? g.Y + Math.Max(0, side) : g.Y + along;
                Put(Material.Aluminium, across ? Shapes.Box(tube, wid + c.Px(0.4), 0, 0.25) : Shapes.Box(wid + c.Px(0.4), tube, 0, 0.25), tx, ty);
                int fill = r.Int(0, Math.Max(1, tube - len - c.Px(0.4)));
                Mat powder = across ? Shapes.Box(len, wid, 0, wid * c.MmPerPixel / 10 * r.Range(0.7, 0.95)) : Shapes.Box(wid, len, 0, wid * c.MmPerPixel / 10 * r.Range(0.7, 0.95));
                Shapes.Texture(powder, r.Range(0.05, 0.15), Math.Max(1, wid * 0.3), r);
                Put(Material.Narcotic, powder, across ? tx + c.Px(0.2) + fill : tx + c.Px(0.2), across ? ty + c.Px(0.2) : ty + c.Px(0.2) + fill, ThreatClass.NarcoticsPacket);
                break;
            }

            default:
            {
                // False bottom: a wide thin slab along one edge of the region, under a plastic panel.
                int w = (int)(g.Width * r.Range(0.35, 0.7)), h = Math.Max(c.Px(4), (int)(g.Height * r.Range(0.12, 0.25)));
                int x = g.X + r.Int(0, Math.Max(1, g.Width - w)), y = r.Chance(0.5) ? g.Y + c.Px(1) : g.Bottom - h - c.Px(1);
                Put(Material.Plastic, Shapes.Box(w + c.Px(2), h + c.Px(2), 0, 0.4), x - c.Px(1), y - c.Px(1));
                Brick(x, y, w, h, 0, r.Range(1.5, 3));
                break;
            }
        }
    }

    /// <summary>
    /// Draw every threat in a carrier no training set has (<see cref="Unseen"/>), for robustness tests. Off by default;
    /// when off, nothing about a scene changes.
    /// </summary>
    public bool UnseenConcealment { get; init; }

    /// <summary>Share of threats drawn by <see cref="Concealed"/> in <see cref="Threats"/> (<see cref="SynthOptions.ConcealedShare"/>).</summary>
    public double ConcealedShare { get; init; } = 0.2;

    /// <summary>The hiding places <see cref="Concealed"/> draws from, in equal parts (<see cref="SynthOptions.Concealments"/>).</summary>
    public IReadOnlyList<string> Concealments { get; init; } = SynthOptions.DefaultConcealments;

    /// <summary>
    /// A concealment the training sets never contain (<c>xray synth --unseen-concealment</c>): a packet in the cut-out
    /// of a hardback book, in a bottle of shampoo, in a bag of coffee beans or in a stuffed toy, or swallowed-style
    /// pellets in a toiletry bag. The ground truth is the drug's visible extent, as everywhere.
    /// </summary>
    public void Unseen(Rect g)
    {
        int kind = r.Int(0, 5);
        c.Concealment = kind switch { 0 => "book", 1 => "shampoo", 2 => "pellets", 3 => "coffee", _ => "stuffed-toy" };
        switch (kind)
        {
            case 0:
            {
                // Hollowed-out hardback: pages, boards, the packet in a cut-out of the pages.
                int w = c.Px(r.Range(15, 24)), h = c.Px(r.Range(11, 17));
                (int x, int y) = Spot(g, w + 4, h + 4);
                Put(Material.Paper, Shapes.Box(w, h, 0, r.Range(2, 4), 1), x, y);
                Put(Material.Cardboard, Shapes.Frame(w, h, Math.Max(1, c.Px(0.4)), 0.4), x, y);
                PowderBlob(x + (w / 5), y + (h / 5), w * 3 / 5, h * 3 / 5, r.Range(-5, 5), r.Range(0.8, 1.5), ThreatClass.NarcoticsPacket);
                break;
            }

            case 1:
            {
                // A shampoo bottle: plastic walls, thick liquid, the packet floating in it.
                int d = c.Px(r.Range(6, 9)), len = c.Px(r.Range(18, 26));
                double a = r.Range(-30, 30);
                int side = Shapes.EllipseSide(d, len);
                (int x, int y) = Spot(g, side, side);
                Put(Material.Plastic, Shapes.Ellipse(d, len, a, 0.15, false), x, y);
                Put(Material.Soap, Shapes.Ellipse(d - 2, len - 2, a, d * c.MmPerPixel / 10, rounded: true), x, y);
                PowderBlob(x + (side / 2) - (d / 3), y + (side / 2) - (len / 5), d * 2 / 3, len * 2 / 5, a, r.Range(1, 2), ThreatClass.NarcoticsPacket);
                break;
            }

            case 2:
            {
                // Swallowed-style pellets: 8-24 pellets of compressed powder in a toiletry bag (their latex is too thin to show).
                int w = c.Px(r.Range(8, 14)), h = c.Px(r.Range(6, 11));
                (int x, int y) = Spot(g, w + c.Px(3), h + c.Px(3));
                Put(Material.Plastic, Shapes.Ellipse(w + c.Px(3), h + c.Px(3), 0, 0.2, false), x - c.Px(1.5), y - c.Px(1.5));
                Put(Material.Narcotic, Shapes.Tablets(w, h, r.Int(8, 25), Math.Max(2, c.Px(r.Range(0.8, 1.1))), r.Range(1.5, 2.2), r), x, y, ThreatClass.NarcoticsPacket);
                break;
            }

            case 3:
            {
                // A bag of coffee beans with a foil lining; the packet sits among the beans.
                int w = c.Px(r.Range(12, 18)), h = c.Px(r.Range(18, 24));
                (int x, int y) = Spot(g, w + 2, h + 2);
                Mat beans = Shapes.Box(w, h, 0, r.Range(5, 8), 2);
                Shapes.Texture(beans, 0.2, Math.Max(1, c.Px(0.6)), r);
                Put(Material.Coffee, beans, x, y);
                Put(Material.Aluminium, Shapes.Box(w + 2, h + 2, 0, 0.01), x - 1, y - 1);
                PowderBlob(x + r.Int(c.Px(1), Math.Max(c.Px(1) + 1, w / 3)), y + r.Int(c.Px(1), Math.Max(c.Px(1) + 1, h / 2)), w / 2, h / 3, 0, r.Range(1, 2), ThreatClass.NarcoticsPacket);
                break;
            }

            default:
            {
                // A stuffed toy: a soft, light fibre filling around the packet.
                int w = c.Px(r.Range(18, 30)), h = c.Px(r.Range(15, 25));
                (int x, int y) = Spot(g, w, h);
                Put(Material.Clothes, Shapes.Blob(w, h, r.Range(0, 180), r.Range(8, 15), 0.3, r), x, y);
                PowderBlob(x + (w / 3), y + (h / 3), w / 3, h / 3, r.Range(0, 180), r.Range(1, 2), ThreatClass.NarcoticsPacket);
                break;
            }
        }
    }

    public void Threats(Rect g, int count, double brickWeight, double packetWeight)
    {
        for (int i = 0; i < count; i++)
        {
            if (UnseenConcealment)
            {
                Unseen(g);
                continue;
            }

            double u = r.Next();
            if (r.Chance(ConcealedShare))
            {
                Concealed(g);
            }
            else if (u < brickWeight)
            {
                Bricks(g);
            }
            else if (u < brickWeight + packetWeight)
            {
                Packet(g);
            }
            else
            {
                Tablets(g);
            }
        }
    }

    /// <summary>
    /// One brick: irregular compression and grain in the powder, a few air gaps, one to three tape layers (each a little
    /// larger and turned a little), tape bands across, and in some cases carbon paper or foil.
    /// </summary>
    private void Brick(int bx, int by, int w, int h, double a, double thick)
    {
        int layers = r.Int(1, 4);
        for (int l = 0; l < layers; l++)
        {
            int grow = 2 + (l * 2);
            Put(Material.Plastic, Shapes.Box(w + grow, h + grow, a + r.Range(-2, 2), r.Range(0.05, 0.15)), bx - (grow / 2), by - (grow / 2));
        }

        double u = r.Next();
        if (u < 0.15)
        {
            Put(Material.Carbon, Shapes.Box(w + 3, h + 3, a, r.Range(0.05, 0.3)), bx - 1, by - 1);
        }
        else if (u < 0.25)
        {
            Put(Material.Aluminium, Shapes.Box(w + 3, h + 3, a, r.Range(0.004, 0.02)), bx - 1, by - 1);
        }

        Mat powder = Shapes.Box(w, h, a, thick, c.Px(r.Range(0.3, 1.0)));
        Shapes.Texture(powder, r.Range(0.04, 0.14), c.Px(r.Range(0.3, 1.5)), r);
        if (r.Chance(0.5))
        {
            Shapes.Gaps(powder, r.Int(1, 4), Math.Max(2, Math.Min(w, h) * 0.2), r);
        }

        Put(Material.Narcotic, powder, bx, by, ThreatClass.NarcoticsBrick);
        for (int t = 0; t < r.Int(0, 4); t++)
        {
            int tx = bx + r.Int(0, Math.Max(1, w - c.Px(2)));
            Put(Material.Plastic, Shapes.Box(c.Px(r.Range(1, 2.5)), h + c.Px(1), a, 0.05), tx, by);
        }
    }

    /// <summary>Powder in an irregular soft outline with grain, placed with the patch's top-left at (x, y).</summary>
    private void PowderBlob(int x, int y, int w, int h, double a, double thick, ThreatClass cls)
    {
        Mat m = Shapes.Blob(Math.Max(2, w), Math.Max(2, h), a, thick, r.Range(0.05, 0.3), r);
        Shapes.Texture(m, r.Range(0.05, 0.15), Math.Max(1, Math.Min(w, h) * 0.15), r);
        Put(Material.Narcotic, m, x, y, cls);
    }
}
