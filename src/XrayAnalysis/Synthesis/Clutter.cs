using OpenCvSharp;

namespace XrayAnalysis.Synthesis;

/// <summary>
/// Benign items and threats, each drawn into a <see cref="SceneCanvas"/> inside a region. Sizes are physical (cm) and
/// converted with the canvas's pixel pitch, so the same item looks the same size on every route's scanner.
/// </summary>
internal sealed class Clutter(SceneCanvas c, SplitMix r)
{
    private delegate void Item(Rect region);

    public void RandomBenign(Rect region, int count)
    {
        Item[] items = [Clothes, Clothes, Shoe, Book, FoodBlock, Bottle, Cosmetics, Laptop, Phone, Charger, Battery, Cable, Coins, Keys, Can, Tool];
        for (int i = 0; i < count; i++)
        {
            r.Pick(items)(region);
        }
    }

    public void Clothes(Rect g) => Place(g, Material.Clothes, Shapes.Ellipse(c.Px(r.Range(15, 40)), c.Px(r.Range(10, 30)), r.Range(0, 180), r.Range(2, 8), rounded: true));

    public void Shoe(Rect g)
    {
        (int x, int y) = Spot(g, c.Px(28), c.Px(12));
        double a = r.Range(-30, 30);
        Put(Material.Rubber, Shapes.Ellipse(c.Px(r.Range(24, 30)), c.Px(r.Range(8, 11)), a, 2.5, rounded: false), x, y);
        Put(Material.Clothes, Shapes.Ellipse(c.Px(22), c.Px(9), a, 6, rounded: true), x, y);
    }

    public void Book(Rect g) => Place(g, Material.Paper, Shapes.Box(c.Px(r.Range(13, 24)), c.Px(r.Range(18, 30)), r.Range(-20, 20), r.Range(1.5, 4), 1));

    /// <summary>Chocolate, cheese, soap: organic blocks that look like bricks — the detector must not alarm on them.</summary>
    public void FoodBlock(Rect g) => Place(g, Material.Food, Shapes.Box(c.Px(r.Range(6, 20)), c.Px(r.Range(4, 12)), r.Range(0, 180), r.Range(1, 5), c.Px(0.5)));

    public void Bottle(Rect g)
    {
        int w = c.Px(r.Range(6, 9)), h = c.Px(r.Range(18, 28));
        (int x, int y) = Spot(g, h, h);
        double a = r.Range(0, 180);
        Put(r.Chance(0.6) ? Material.Plastic : Material.Glass, Shapes.Ellipse(w, h, a, 0.4, rounded: false), x, y);
        Put(Material.Water, Shapes.Ellipse(w - 2, h - 2, a, w * c.MmPerPixel / 10, rounded: true), x, y);
    }

    public void Cosmetics(Rect g)
    {
        for (int i = 0; i < r.Int(1, 4); i++)
        {
            Place(g, r.Chance(0.5) ? Material.Plastic : Material.Aluminium, Shapes.Ellipse(c.Px(r.Range(3, 5)), c.Px(r.Range(8, 15)), r.Range(0, 180), r.Range(0.3, 1.2), rounded: true));
        }
    }

    public void Laptop(Rect g)
    {
        int w = c.Px(r.Range(30, 36)), h = c.Px(r.Range(20, 24));
        (int x, int y) = Spot(g, w, h);
        Put(Material.Aluminium, Shapes.Box(w, h, 0, 0.35), x, y);
        Put(Material.Battery, Shapes.Box(w * 2 / 3, h / 4, 0, 0.6), x + (w / 6), y + (h * 2 / 3));
        Put(Material.Copper, Shapes.Box(w / 3, h / 3, 0, 0.05), x + (w / 10), y + (h / 8));
        for (int i = 0; i < 6; i++)
        {
            Put(Material.Steel, Shapes.Ellipse(c.Px(0.5), c.Px(0.5), 0, 0.3, false), x + r.Int(2, w - 4), y + r.Int(2, h - 4));
        }
    }

    public void Phone(Rect g)
    {
        (int x, int y) = Spot(g, c.Px(16), c.Px(16));
        double a = r.Range(0, 180);
        Put(Material.Glass, Shapes.Box(c.Px(7), c.Px(15), a, 0.3), x, y);
        Put(Material.Battery, Shapes.Box(c.Px(5), c.Px(8), a, 0.5), x + c.Px(1), y + c.Px(3));
    }

    public void Charger(Rect g)
    {
        (int x, int y) = Spot(g, c.Px(6), c.Px(6));
        Put(Material.Plastic, Shapes.Box(c.Px(5), c.Px(5), 0, 3), x, y);
        Put(Material.Copper, Shapes.Box(c.Px(3), c.Px(2), 0, 0.8), x + c.Px(1), y + c.Px(1.5));
        Cable(new Rect(x, y, c.Px(30), c.Px(30)));
    }

    public void Battery(Rect g) => Place(g, Material.Battery, Shapes.Box(c.Px(1.5), c.Px(5), r.Range(0, 180), 1.4));

    public void Cable(Rect g)
    {
        int n = r.Int(4, 9);
        var pts = new Point[n];
        (int x, int y) = Spot(g, 1, 1);
        for (int i = 0; i < n; i++)
        {
            pts[i] = new Point(x, y);
            x += r.Int(-c.Px(8), c.Px(8));
            y += r.Int(-c.Px(8), c.Px(8));
        }

        Mat p = Shapes.Line(pts, Math.Max(1, c.Px(0.3)), 0.2, out Point o);
        Put(Material.Copper, p, o.X, o.Y);
    }

    public void Coins(Rect g)
    {
        (int x, int y) = Spot(g, c.Px(8), c.Px(8));
        for (int i = 0; i < r.Int(2, 8); i++)
        {
            int d = c.Px(r.Range(1.6, 2.6));
            Put(Material.Copper, Shapes.Ellipse(d, d, 0, 0.18, false), x + r.Int(0, c.Px(6)), y + r.Int(0, c.Px(6)));
        }
    }

    public void Keys(Rect g)
    {
        (int x, int y) = Spot(g, c.Px(8), c.Px(8));
        Put(Material.Steel, Shapes.Ellipse(c.Px(3), c.Px(3), 0, 0.1, false), x, y);
        for (int i = 0; i < r.Int(1, 4); i++)
        {
            Put(Material.Steel, Shapes.Box(c.Px(1.5), c.Px(6), r.Range(-60, 60), 0.2), x + c.Px(1), y + c.Px(1));
        }
    }

    public void Can(Rect g)
    {
        (int x, int y) = Spot(g, c.Px(12), c.Px(12));
        Put(Material.Aluminium, Shapes.Ellipse(c.Px(6.6), c.Px(12), r.Range(0, 180), 0.02, false), x, y);
        Put(Material.Water, Shapes.Ellipse(c.Px(6.4), c.Px(11.5), 0, 6, rounded: true), x, y);
    }

    public void Tool(Rect g) => Place(g, Material.Steel, Shapes.Box(c.Px(r.Range(1.5, 3)), c.Px(r.Range(12, 25)), r.Range(0, 180), r.Range(0.3, 0.8)));

    /// <summary>One or several taped bricks of compressed powder (0.1–1 kg each); stacked bricks share a box when aligned.</summary>
    public void Bricks(Rect g)
    {
        int n = r.Chance(0.6) ? 1 : r.Int(2, 4);
        double a = r.Chance(0.5) ? r.Range(-8, 8) : r.Range(0, 180);
        int w = c.Px(r.Range(14, 24)), h = c.Px(r.Range(9, 15));
        bool row = r.Chance(0.5);
        int gap = c.Px(r.Range(0.5, 3));
        (int x, int y) = Spot(g, row ? n * (w + gap) : w, row ? h : n * (h + gap));
        for (int i = 0; i < n; i++)
        {
            // Stacked in depth bricks share one footprint and one box: drawn as one thicker block.
            double thick = r.Range(3, 6) * (r.Chance(0.3) ? 2 : 1);
            int bx = x + (row ? i * (w + gap) : 0), by = y + (row ? 0 : i * (h + gap));
            Put(Material.Plastic, Shapes.Box(w + 2, h + 2, a, 0.15), bx - 1, by - 1);
            Put(Material.Narcotic, Shapes.Box(w, h, a, thick, c.Px(0.6)), bx, by, ThreatClass.NarcoticsBrick);
        }
    }

    /// <summary>A small soft packet of powder, often hidden inside another item (book, shoe sole, can, toy).</summary>
    public void Packet(Rect g)
    {
        int w = c.Px(r.Range(5, 12)), h = c.Px(r.Range(4, 9));
        (int x, int y) = Spot(g, w + c.Px(4), h + c.Px(4));
        switch (r.Int(0, 4))
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
            default:
                break;
        }

        Put(Material.Narcotic, Shapes.Ellipse(w, h, r.Range(0, 180), r.Range(1, 2.5), rounded: true), x, y, ThreatClass.NarcoticsPacket);
    }

    /// <summary>Hundreds of small pills in a bag or a bottle.</summary>
    public void Tablets(Rect g)
    {
        int w = c.Px(r.Range(7, 14)), h = c.Px(r.Range(6, 12));
        (int x, int y) = Spot(g, w, h);
        if (r.Chance(0.5))
        {
            Put(Material.Plastic, Shapes.Ellipse(w + 4, h + 4, 0, 0.3, false), x - 2, y - 2);
        }

        int rad = Math.Max(1, c.Px(r.Range(0.35, 0.5)));
        int count = Math.Clamp((int)(w * h / (rad * rad * 4.5)), 30, 600);
        Put(Material.Tablet, Shapes.Tablets(w, h, count, rad, r.Range(0.3, 0.5), r), x, y, ThreatClass.TabletCluster);
    }

    public void Threats(Rect g, int count, double brickWeight, double packetWeight)
    {
        for (int i = 0; i < count; i++)
        {
            double u = r.Next();
            if (u < brickWeight)
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

    private void Place(Rect g, Material m, Mat patch)
    {
        (int x, int y) = Spot(g, patch.Cols, patch.Rows);
        Put(m, patch, x, y);
    }

    private void Put(Material m, Mat patch, int x, int y, ThreatClass? t = null)
    {
        using (patch)
        {
            c.Add(m, patch, x, y, t);
        }
    }

    private (int X, int Y) Spot(Rect g, int w, int h) =>
        (g.X + r.Int(0, Math.Max(1, g.Width - w)), g.Y + r.Int(0, Math.Max(1, g.Height - h)));
}
