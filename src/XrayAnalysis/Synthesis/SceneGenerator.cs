using OpenCvSharp;

namespace XrayAnalysis.Synthesis;

/// <summary>Builds one scene of a route: container, benign clutter and (for threat scenes) concealed threats.</summary>
internal static class SceneGenerator
{
    /// <summary>Generates scene <paramref name="index"/>; the caller disposes the canvas.</summary>
    public static SceneCanvas Generate(SynthOptions o, long index, out bool threatPresent)
    {
        ArgumentNullException.ThrowIfNull(o);
        SplitMix r = SplitMix.For(o.Seed, o.Kind.ToString().ToLowerInvariant(), index);
        (int w, int h, double mm) = o.Geometry();
        var c = new SceneCanvas(w, h, mm);
        var k = new Clutter(c, r) { UnseenConcealment = o.UnseenConcealment, ConcealedShare = o.ConcealedShare, Concealments = o.Concealments };
        threatPresent = r.Chance(o.ThreatRate);
        switch (o.Kind)
        {
            case SceneKind.Mail:
                Mail(o, c, k, r, threatPresent);
                break;
            case SceneKind.Express:
                Express(o, c, k, r, threatPresent);
                break;
            case SceneKind.Baggage:
                Baggage(o, c, k, r, threatPresent);
                break;
            default:
                Cargo(o, c, k, r, threatPresent);
                break;
        }

        return c;
    }

    private static void Mail(SynthOptions o, SceneCanvas c, Clutter k, SplitMix r, bool threat)
    {
        Rect inner;
        if (r.Chance(0.4))
        {
            // Envelope or padded bag: a thin sheet of paper, a few flat items.
            int ew = c.Px(r.Range(22, 34)), eh = c.Px(r.Range(14, 24));
            int x = r.Int(5, Math.Max(6, c.Width - ew - 5)), y = r.Int(5, Math.Max(6, c.Height - eh - 5));
            using Mat env = Shapes.Box(ew, eh, 0, 0.08);
            c.Add(Material.Paper, env, x, y);
            inner = new Rect(x + 4, y + 4, ew - 8, eh - 8);
        }
        else
        {
            int bw = c.Px(r.Range(18, 34)), bh = c.Px(r.Range(14, 26));
            int x = r.Int(5, Math.Max(6, c.Width - bw - 5)), y = r.Int(5, Math.Max(6, c.Height - bh - 5));
            using Mat box = Shapes.Frame(bw, bh, Math.Max(2, c.Px(0.6)), 8);
            c.Add(Material.Cardboard, box, x, y);
            inner = new Rect(x + 6, y + 6, bw - 12, bh - 12);
        }

        int n = Clutter.Scaled(r.Int(1, 5), o.ClutterScale);
        for (int i = 0; i < n; i++)
        {
            switch (r.Int(0, 8))
            {
                case 0: k.Book(inner); break;
                case 1: k.Cosmetics(inner); break;
                case 2: k.FoodBlock(inner); break;
                case 3: k.Clothes(inner); break;
                case 4: k.Phone(inner); break;
                case 5: k.LookAlike(inner); break;
                case 6: k.Board(inner); break;
                default: k.Cable(inner); break;
            }
        }

        if (threat)
        {
            if (r.Chance(0.25) && !o.UnseenConcealment)
            {
                k.ThinLayer(inner);
            }
            else
            {
                k.Threats(inner, r.Chance(0.8) ? 1 : 2, 0.1, 0.6);
            }
        }
    }

    private static void Express(SynthOptions o, SceneCanvas c, Clutter k, SplitMix r, bool threat)
    {
        int bw = (int)(c.Width * r.Range(0.6, 0.92)), bh = (int)(c.Height * r.Range(0.55, 0.9));
        int x = r.Int(5, c.Width - bw - 5), y = r.Int(5, c.Height - bh - 5);
        using (Mat box = Shapes.Frame(bw, bh, Math.Max(3, c.Px(0.8)), 15))
        {
            c.Add(Material.Cardboard, box, x, y);
        }

        var inner = new Rect(x + 8, y + 8, bw - 16, bh - 16);
        k.RandomBenign(inner, Clutter.Scaled(r.Int(4, 11), o.ClutterScale));
        if (threat)
        {
            k.Threats(inner, r.Chance(0.75) ? 1 : 2, 0.45, 0.3);
        }
    }

    private static void Baggage(SynthOptions o, SceneCanvas c, Clutter k, SplitMix r, bool threat)
    {
        int bw = (int)(c.Width * r.Range(0.7, 0.94)), bh = (int)(c.Height * r.Range(0.6, 0.9));
        int x = r.Int(5, c.Width - bw - 5), y = r.Int(5, c.Height - bh - 5);
        bool backpack = r.Chance(0.25);
        using (Mat shell = backpack ? Shapes.Ellipse(bw, bh, 0, 0.4, false) : Shapes.Frame(bw, bh, Math.Max(4, c.Px(1.2)), 12))
        {
            c.Add(backpack ? Material.Clothes : Material.Plastic, shell, x - (backpack ? (shell.Cols - bw) / 2 : 0), y - (backpack ? (shell.Rows - bh) / 2 : 0));
        }

        if (!backpack)
        {
            // Frame rails along the long sides, telescopic handle tubes, wheels and the zip line.
            int rail = Math.Max(2, c.Px(0.5));
            foreach (int ry in (int[])[y + c.Px(1.5), y + bh - c.Px(1.5)])
            {
                #pragma warning disable CA2000 // disposed by the using declaration (the out parameter confuses the analyzer)
                using Mat line = Shapes.Line([new Point(x + c.Px(2), ry), new Point(x + bw - c.Px(2), ry)], rail, 0.15, out Point lo);
                #pragma warning restore CA2000
                c.Add(Material.Steel, line, lo.X, lo.Y);
            }

            foreach (int hy in (int[])[y + (bh / 3), y + (2 * bh / 3)])
            {
                #pragma warning disable CA2000 // disposed by the using declaration (the out parameter confuses the analyzer)
                using Mat tube = Shapes.Line([new Point(x + c.Px(3), hy), new Point(x + (bw * 3 / 5), hy)], Math.Max(2, c.Px(1.5)), 0.25, out Point to);
                #pragma warning restore CA2000
                c.Add(Material.Aluminium, tube, to.X, to.Y);
            }

            foreach ((int wx, int wy) in new[] { (x + c.Px(1), y + c.Px(1)), (x + c.Px(1), y + bh - c.Px(7)), (x + bw - c.Px(7), y + c.Px(1)), (x + bw - c.Px(7), y + bh - c.Px(7)) })
            {
                using Mat wheel = Shapes.Ellipse(c.Px(6), c.Px(6), 0, 4, false);
                c.Add(Material.Rubber, wheel, wx, wy);
                using Mat axle = Shapes.Ellipse(c.Px(1.2), c.Px(1.2), 0, 3, false);
                c.Add(Material.Steel, axle, wx + c.Px(2.4), wy + c.Px(2.4));
            }

            using Mat zip = Shapes.Line([new Point(x + c.Px(4), y + c.Px(4)), new Point(x + bw - c.Px(4), y + c.Px(4)), new Point(x + bw - c.Px(4), y + bh - c.Px(4))], Math.Max(1, c.Px(0.25)), 0.15, out Point zo);
            c.Add(Material.Steel, zip, zo.X, zo.Y);
        }

        var inner = new Rect(x + c.Px(3), y + c.Px(3), bw - c.Px(6), bh - c.Px(6));
        k.RandomBenign(inner, Clutter.Scaled(r.Int(8, 19), o.ClutterScale));
        if (threat)
        {
            k.Threats(inner, r.Chance(0.75) ? 1 : 2, 0.4, 0.35);
        }
    }

    private static void Cargo(SynthOptions o, SceneCanvas c, Clutter k, SplitMix r, bool threat)
    {
        // Truck: cab, chassis beams, wheels, container walls; pallets of cartons inside.
        int cab = c.Width / 9;
        int top = c.Height / 10, bottom = c.Height - (c.Height / 5);
        using (Mat cabin = Shapes.Frame(cab, bottom - top + (c.Height / 10), c.Px(3), 0.4))
        {
            c.Add(Material.Steel, cabin, c.Px(10), top + (c.Height / 12));
        }

        using (Mat engine = Shapes.Box(cab / 2, (bottom - top) / 3, 0, 25))
        {
            c.Add(Material.Steel, engine, c.Px(20), bottom - ((bottom - top) / 3));
        }

        using (Mat chassis = Shapes.Box(c.Width - c.Px(40), c.Px(18), 0, 1.2))
        {
            c.Add(Material.Steel, chassis, c.Px(20), bottom);
        }

        for (int i = 0; i < 5; i++)
        {
            int wx = i == 0 ? c.Px(60) : c.Width - c.Px(160 + (i * 130));
            using Mat tyre = Shapes.Ellipse(c.Px(100), c.Px(100), 0, 20, true);
            c.Add(Material.Rubber, tyre, wx, bottom - c.Px(20));
            using Mat rim = Shapes.Ellipse(c.Px(50), c.Px(50), 0, 2, false);
            c.Add(Material.Steel, rim, wx + c.Px(25) + ((tyre.Cols - c.Px(100)) / 2), bottom + c.Px(5));
        }

        int cx = cab + c.Px(30), cw = c.Width - cx - c.Px(20);
        using (Mat walls = Shapes.Frame(cw, bottom - top, c.Px(4), 2.5))
        {
            c.Add(Material.Steel, walls, cx, top);
        }

        int pallets = Math.Max(2, cw / c.Px(130));
        int pw = cw / pallets;
        var threatPallets = new HashSet<int>();
        if (threat)
        {
            int tn = r.Int(1, 4);
            for (int i = 0; i < tn; i++)
            {
                threatPallets.Add(r.Int(0, pallets));
            }
        }

        for (int p = 0; p < pallets; p++)
        {
            int px = cx + (p * pw) + c.Px(5);
            int ph = (int)((bottom - top) * r.Range(0.4, 0.9));
            int py = bottom - ph - c.Px(5);
            using (Mat pallet = Shapes.Box(pw - c.Px(10), c.Px(14), 0, 15))
            {
                c.Add(Material.Cardboard, pallet, px, bottom - c.Px(19));
            }

            int rows = Math.Max(1, ph / c.Px(45));
            for (int row = 0; row < rows; row++)
            {
                var region = new Rect(px, py + (row * ph / rows), pw - c.Px(10), (ph / rows) - c.Px(2));
                using (Mat carton = Shapes.Frame(region.Width, region.Height, c.Px(1), 20))
                {
                    c.Add(Material.Cardboard, carton, region.X, region.Y);
                }

                Material goods = r.Pick(new[] { Material.Food, Material.Paper, Material.Clothes, Material.Plastic, Material.Water });
                using (Mat load = Shapes.Box(region.Width - c.Px(4), region.Height - c.Px(4), 0, r.Range(4, 20)))
                {
                    c.Add(goods, load, region.X + c.Px(2), region.Y + c.Px(2));
                }

                if (r.Chance(0.2))
                {
                    k.Tool(region);
                }
            }

            if (threatPallets.Contains(p))
            {
                k.Bricks(new Rect(px, py, pw - c.Px(10), ph), "pallet-load");
            }
        }
    }
}
