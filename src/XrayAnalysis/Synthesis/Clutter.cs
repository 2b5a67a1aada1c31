using OpenCvSharp;

namespace XrayAnalysis.Synthesis;

/// <summary>
/// Benign items and threats, each drawn into a <see cref="SceneCanvas"/> inside a region. Sizes are physical (cm) and
/// converted with the canvas's pixel pitch, so the same item looks the same size on every route's scanner.
/// </summary>
internal sealed partial class Clutter(SceneCanvas c, SplitMix r)
{
    private delegate void Item(Rect region);

    /// <summary>A benign item count scaled by the options' clutter factor (at least 1).</summary>
    public static int Scaled(int n, double scale) => Math.Max(1, (int)Math.Round(n * scale));

    public void RandomBenign(Rect region, int count)
    {
        Item[] items = [Clothes, Clothes, Clothes, Shoe, Book, FoodBlock, LookAlike, LookAlike, Bottle, Cosmetics, Laptop, Phone, Charger, Battery, Cable, Coins, Keys, Can, Tool, Board, PowerBank];
        for (int i = 0; i < count; i++)
        {
            r.Pick(items)(region);
        }
    }

    /// <summary>A folded garment: a soft irregular pile with parallel folds.</summary>
    public void Clothes(Rect g)
    {
        Mat m = Shapes.Blob(c.Px(r.Range(15, 40)), c.Px(r.Range(10, 30)), r.Range(0, 180), r.Range(2, 8), 0.25, r);
        Shapes.Stripes(m, c.Px(r.Range(1.5, 5)), r.Range(0.2, 0.6), r.Range(0, 180), r);
        Place(g, Material.Clothes, m);
    }

    public void Shoe(Rect g)
    {
        (int x, int y) = Spot(g, c.Px(28), c.Px(12));
        double a = r.Range(-30, 30);
        Put(Material.Rubber, Shapes.Ellipse(c.Px(r.Range(24, 30)), c.Px(r.Range(8, 11)), a, 2.5, rounded: false), x, y);
        Put(Material.Clothes, Shapes.Ellipse(c.Px(22), c.Px(9), a, 6, rounded: true), x, y);
    }

    public void Book(Rect g)
    {
        double a = r.Range(-20, 20);
        Mat m = Shapes.Box(c.Px(r.Range(13, 24)), c.Px(r.Range(18, 30)), a, r.Range(1.5, 4), 1);
        Shapes.Stripes(m, Math.Max(2, c.Px(0.2)), 0.08, a, r);
        Place(g, Material.Paper, m);
    }

    /// <summary>A generic organic food block (sandwich, cake, packed food).</summary>
    public void FoodBlock(Rect g)
    {
        Mat m = Shapes.Box(c.Px(r.Range(6, 20)), c.Px(r.Range(4, 12)), r.Range(0, 180), r.Range(1, 5), c.Px(0.5));
        Shapes.Texture(m, 0.15, c.Px(1), r);
        Place(g, Material.Food, m);
    }

    /// <summary>
    /// Deliberate look-alikes — chocolate, cheese, soap, vacuum-packed coffee, sugar and flour: organic blocks and bags
    /// with Zeff and density close to compressed powder, the detector must not alarm on them.
    /// </summary>
    public void LookAlike(Rect g)
    {
        double a = r.Chance(0.5) ? r.Range(-10, 10) : r.Range(0, 180);
        switch (r.Int(0, 6))
        {
            case 0:
            {
                // Chocolate bar: segments in two directions.
                Mat m = Shapes.Box(c.Px(r.Range(8, 16)), c.Px(r.Range(4, 8)), a, r.Range(0.8, 1.5), 1);
                Shapes.Stripes(m, c.Px(r.Range(1.5, 3)), 0.3, a, r);
                Shapes.Stripes(m, c.Px(r.Range(1.5, 3)), 0.3, a + 90, r);
                Place(g, Material.Chocolate, m);
                break;
            }

            case 1:
            {
                // Cheese: a wedge or wheel with holes.
                Mat m = Shapes.Blob(c.Px(r.Range(8, 20)), c.Px(r.Range(6, 14)), a, r.Range(3, 8), 0.15, r);
                Shapes.Gaps(m, r.Int(0, 8), c.Px(r.Range(0.8, 2)), r);
                Place(g, Material.Cheese, m);
                break;
            }

            case 2:
                Place(g, Material.Soap, Shapes.Box(c.Px(r.Range(6, 10)), c.Px(r.Range(4, 7)), a, r.Range(2, 3.5), c.Px(1)));
                break;
            case 3:
            {
                // Vacuum-packed coffee: a hard brick in foil laminate — the closest look-alike of a wrapped brick.
                int w = c.Px(r.Range(12, 18)), h = c.Px(r.Range(6, 9));
                (int x, int y) = Spot(g, w + 4, h + 4);
                Put(Material.Aluminium, Shapes.Box(w + 2, h + 2, a, 0.003), x - 1, y - 1);
                Mat m = Shapes.Box(w, h, a, r.Range(6, 9), c.Px(0.4));
                Shapes.Texture(m, 0.08, c.Px(0.5), r);
                Put(Material.Coffee, m, x, y);
                break;
            }

            default:
            {
                // Sugar or flour in a paper bag: a soft lumpy sack.
                Mat m = Shapes.Blob(c.Px(r.Range(10, 18)), c.Px(r.Range(14, 22)), a, r.Range(6, 10), 0.12, r);
                Shapes.Texture(m, 0.12, c.Px(r.Range(0.5, 2)), r);
                Place(g, r.Chance(0.5) ? Material.Sugar : Material.Flour, m);
                break;
            }
        }
    }

    /// <summary>Electronics: a circuit board with copper traces and chips.</summary>
    public void Board(Rect g)
    {
        int w = c.Px(r.Range(8, 20)), h = c.Px(r.Range(5, 12));
        (int x, int y) = Spot(g, w, h);
        Put(Material.CircuitBoard, Shapes.Box(w, h, 0, 0.16), x, y);
        for (int i = 0; i < r.Int(3, 10); i++)
        {
            bool across = r.Chance(0.5);
            int x0 = x + r.Int(0, w), y0 = y + r.Int(0, h);
            Point end = across ? new Point(Math.Min(x + w - 1, x0 + r.Int(c.Px(1), w)), y0) : new Point(x0, Math.Min(y + h - 1, y0 + r.Int(c.Px(1), h)));
            Mat trace = Shapes.Line([new Point(x0, y0), end], 1, 0.004, out Point o);
            Put(Material.Copper, trace, o.X, o.Y);
        }

        for (int i = 0; i < r.Int(1, 5); i++)
        {
            int cw = c.Px(r.Range(0.6, 2.5));
            Put(Material.Plastic, Shapes.Box(cw, cw, 0, 0.3), x + r.Int(0, Math.Max(1, w - cw)), y + r.Int(0, Math.Max(1, h - cw)));
        }
    }

    /// <summary>A power bank: cylindrical cells side by side in a plastic case.</summary>
    public void PowerBank(Rect g)
    {
        int cells = r.Int(2, 5), d = c.Px(1.8), len = c.Px(6.5);
        (int x, int y) = Spot(g, (cells * d) + 4, len + 4);
        Put(Material.Plastic, Shapes.Box((cells * d) + 4, len + 4, 0, 0.4), x - 2, y - 2);
        for (int i = 0; i < cells; i++)
        {
            Put(Material.Battery, Shapes.Ellipse(d, len, 0, 1.6, rounded: true), x + (i * d) - ((Shapes.EllipseSide(d, len) - d) / 2), y - ((Shapes.EllipseSide(d, len) - len) / 2));
        }
    }

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
