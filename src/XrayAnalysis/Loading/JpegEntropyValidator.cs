using System.Buffers.Binary;

namespace XrayAnalysis.Loading;

/// <summary>
/// Checks a JPEG's entropy-coded data the way a decoder consumes it, without dequantising or transforming anything: every
/// Huffman code of every block of every scan is decoded, restart markers must come in order after each interval, no bytes
/// may be left over before a marker, and the scans together must code every coefficient of every component completely.
/// </summary>
/// <remarks>
/// libjpeg reports each of these conditions only as a warning on stderr ("Corrupt JPEG data: premature end of data
/// segment", "bad Huffman code", "N extraneous bytes before marker", "found marker 0xXX instead of RSTn") and fills the
/// missing part of the picture with grey, which is how a scan cut at 45% with an EOI appended came back "ok". Handles
/// baseline, extended and progressive Huffman JPEG (SOF0/1/2); arithmetic-coded and lossless frames are checked only for
/// their marker structure. Cost: one pass over the compressed bytes with a 9-bit lookup per Huffman code
/// (docs/BENCHMARKS.md).
/// </remarks>
internal sealed class JpegEntropyValidator
{
    private const int LookupBits = 9;

    private readonly HuffmanTable?[] _dc = new HuffmanTable?[4];
    private readonly HuffmanTable?[] _ac = new HuffmanTable?[4];
    private readonly bool[] _quant = new bool[4];
    private Component[] _components = [];
    private int _restartInterval;
    private int _width;
    private int _height;
    private int _hmax = 1;
    private int _vmax = 1;
    private bool _progressive;
    private bool _huffman;
    private int _scans;

    /// <summary>True when the frame is Huffman-coded DCT (SOF0/1/2), the kinds whose entropy data are checked.</summary>
    public bool Checks => _huffman;

    /// <summary>Reads a DHT segment body. Returns a defect or null.</summary>
    public string? DefineHuffmanTables(ReadOnlySpan<byte> body)
    {
        int p = 0;
        while (p < body.Length)
        {
            if (p + 17 > body.Length)
            {
                return "damaged JPEG: Huffman table segment is cut";
            }

            int tc = body[p] >> 4, th = body[p] & 15;
            if (tc > 1 || th > 3)
            {
                return $"damaged JPEG: Huffman table class {tc} / id {th} is not valid";
            }

            int total = 0;
            for (int i = 1; i <= 16; i++)
            {
                total += body[p + i];
            }

            if (total > 256 || p + 17 + total > body.Length)
            {
                return "damaged JPEG: Huffman table declares more symbols than its segment holds";
            }

            HuffmanTable? t = HuffmanTable.Build(body.Slice(p + 1, 16), body.Slice(p + 17, total));
            if (t is null)
            {
                return "damaged JPEG: Huffman table code lengths are over-subscribed";
            }

            (tc == 0 ? _dc : _ac)[th] = t;
            p += 17 + total;
        }

        return null;
    }

    /// <summary>Reads a DQT segment body: notes which tables exist. Returns a defect or null.</summary>
    public string? DefineQuantisationTables(ReadOnlySpan<byte> body)
    {
        int p = 0;
        while (p < body.Length)
        {
            int pq = body[p] >> 4, tq = body[p] & 15;
            int size = 1 + (pq == 0 ? 64 : 128);
            if (pq > 1 || tq > 3 || p + size > body.Length)
            {
                return "damaged JPEG: quantisation table segment is not valid";
            }

            _quant[tq] = true;
            p += size;
        }

        return null;
    }

    /// <summary>Reads a DRI segment body.</summary>
    public void DefineRestartInterval(ReadOnlySpan<byte> body)
    {
        _restartInterval = body.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(body) : 0;
    }

    /// <summary>Reads a SOF segment body. Returns a defect or null.</summary>
    public string? StartFrame(byte marker, ReadOnlySpan<byte> body)
    {
        if (_components.Length > 0)
        {
            return "damaged JPEG: more than one frame header";
        }

        _huffman = marker is 0xC0 or 0xC1 or 0xC2;
        _progressive = marker == 0xC2;
        if (body.Length < 6)
        {
            return "damaged JPEG: frame header is cut";
        }

        _height = BinaryPrimitives.ReadUInt16BigEndian(body[1..]);
        _width = BinaryPrimitives.ReadUInt16BigEndian(body[3..]);
        int n = body[5];
        if (n == 0 || body.Length < 6 + (3 * n))
        {
            return $"damaged JPEG: frame header declares {n} components in a {body.Length}-byte segment";
        }

        _components = new Component[n];
        for (int i = 0; i < n; i++)
        {
            int id = body[6 + (3 * i)], h = body[7 + (3 * i)] >> 4, v = body[7 + (3 * i)] & 15;
            if (h is < 1 or > 4 || v is < 1 or > 4)
            {
                return $"damaged JPEG: component {id} has sampling factors {h}x{v}";
            }

            _components[i] = new Component(id, h, v) { Quant = body[8 + (3 * i)] & 3 };
            _hmax = Math.Max(_hmax, h);
            _vmax = Math.Max(_vmax, v);
        }

        foreach (Component c in _components)
        {
            c.BlocksWide = (int)DivCeil(DivCeil((long)_width * c.H, _hmax), 8);
            c.BlocksHigh = (int)DivCeil(DivCeil((long)_height * c.V, _vmax), 8);
            if (_progressive)
            {
                // Coefficient k is coded down to bit LowestBit[k]; -1 = never coded. Non-zero history per block for AC refinement.
                c.LowestBit = new int[64];
                Array.Fill(c.LowestBit, -1);
                c.NonZero = new ulong[(long)c.BlocksWide * c.BlocksHigh];
            }
        }

        return null;
    }

    /// <summary>
    /// Decodes the scan whose SOS body is <paramref name="sos"/> and whose entropy data start at <paramref name="start"/>.
    /// Returns a defect or null; <paramref name="end"/> is the position of the marker that ends the scan.
    /// </summary>
    public string? Scan(ReadOnlySpan<byte> d, ReadOnlySpan<byte> sos, int start, out int end)
    {
        end = start;
        _scans++;
        if (_components.Length == 0)
        {
            return "damaged JPEG: scan before the frame header";
        }

        int ns = sos.Length > 0 ? sos[0] : 0;
        if (ns is < 1 or > 4 || sos.Length < 1 + (2 * ns) + 3)
        {
            return $"damaged JPEG: scan header declares {ns} components";
        }

        var comps = new Component[ns];
        var dcTables = new HuffmanTable?[ns];
        var acTables = new HuffmanTable?[ns];
        for (int i = 0; i < ns; i++)
        {
            int id = sos[1 + (2 * i)];
            Component? c = Array.Find(_components, x => x.Id == id);
            if (c is null)
            {
                return $"damaged JPEG: scan refers to component {id}, which the frame does not have";
            }

            comps[i] = c;
            dcTables[i] = _dc[(sos[2 + (2 * i)] >> 4) & 3];
            acTables[i] = _ac[sos[2 + (2 * i)] & 3];
        }

        int ss = sos[1 + (2 * ns)], se = sos[2 + (2 * ns)], ah = sos[3 + (2 * ns)] >> 4, al = sos[3 + (2 * ns)] & 15;
        if (!_progressive)
        {
            if (_huffman && (ss != 0 || se != 63 || ah != 0 || al != 0))
            {
                // libjpeg: "Invalid SOS parameters for sequential JPEG" (it decodes on, ignoring them).
                return $"damaged JPEG: scan {_scans} has Ss={ss} Se={se} Ah={ah} Al={al}, invalid for a sequential JPEG";
            }

            ss = 0;
            se = 63;
        }
        else if (ss > se || se > 63 || (ss == 0 && se != 0) || (ss > 0 && ns != 1) || al > 13)
        {
            return $"damaged JPEG: progressive scan parameters Ss={ss} Se={se} Ah={ah} Al={al} are not valid";
        }

        bool needDc = ss == 0 && ah == 0, needAc = se > 0;
        for (int i = 0; i < ns; i++)
        {
            if ((needDc && dcTables[i] is null) || (needAc && acTables[i] is null))
            {
                return $"damaged JPEG: scan uses a Huffman table that was never defined (component {comps[i].Id})";
            }
        }

        if (!_huffman)
        {
            end = SkipEntropy(d, start);
            return null;
        }

        string? coverage = _progressive ? RecordCoverage(comps, ss, se, ah, al) : null;
        if (coverage is not null)
        {
            return coverage;
        }

        foreach (Component c in comps)
        {
            c.Coded = true;
            if (!_quant[c.Quant])
            {
                return $"damaged JPEG: quantisation table {c.Quant} of component {c.Id} was never defined";
            }
        }

        var bits = new BitReader(d, start);
        long mcus = ns == 1 ? (long)comps[0].BlocksWide * comps[0].BlocksHigh : DivCeil(_width, 8L * _hmax) * DivCeil(_height, 8L * _vmax);

        var dcPred = new int[ns];
        int eobRun = 0;
        long sinceRestart = 0;
        int restartIndex = 0;
        for (long m = 0; m < mcus; m++)
        {
            if (_restartInterval > 0 && sinceRestart == _restartInterval)
            {
                string? r = Restart(ref bits, restartIndex, m);
                if (r is not null)
                {
                    end = bits.Position;
                    return r;
                }

                restartIndex++;
                sinceRestart = 0;
                eobRun = 0;
                Array.Clear(dcPred);
            }

            sinceRestart++;
            for (int i = 0; i < ns; i++)
            {
                Component c = comps[i];
                int bh = ns == 1 ? 1 : c.H, bv = ns == 1 ? 1 : c.V;
                for (int y = 0; y < bv; y++)
                {
                    for (int x = 0; x < bh; x++)
                    {
                        // Refinement history is only used by AC scans, which are never interleaved: their MCU is the block.
                        long block = m;
                        bool ok = !_progressive ? Sequential(ref bits, dcTables[i]!, acTables[i]!)
                            : ss == 0 ? (ah == 0 ? bits.TryDecodeExtended(dcTables[i]!, out _) : bits.TryRead(1, out _))
                            : ah == 0 ? AcFirst(ref bits, acTables[i]!, c.NonZero!, block, ss, se, ref eobRun)
                            : AcRefine(ref bits, acTables[i]!, c.NonZero!, block, ss, se, ref eobRun);
                        if (!ok)
                        {
                            end = bits.Position;
                            return bits.BadCode
                                ? $"corrupt JPEG: bad Huffman code in scan {_scans} at MCU {m} of {mcus}"
                                : $"truncated JPEG: entropy-coded data of scan {_scans} end at MCU {m} of {mcus} (premature end of data segment)";
                        }
                    }
                }
            }
        }

        int extraneous = bits.SkipToMarker(out end);
        if (extraneous > 0)
        {
            return $"corrupt JPEG: {extraneous} extraneous bytes after the last MCU of scan {_scans}";
        }

        return null;
    }

    /// <summary>After the last scan: every coefficient of every component must have been coded completely.</summary>
    public string? Finish()
    {
        if (!_huffman || _components.Length == 0)
        {
            return null;
        }

        if (_scans == 0)
        {
            return "truncated JPEG: no scan before EOI";
        }

        foreach (Component c in _components)
        {
            if (!_progressive ? !c.Coded : c.LowestBit!.Any(b => b != 0))
            {
                int missing = _progressive ? c.LowestBit!.Count(b => b != 0) : 64;
                return $"incomplete JPEG: the scans end before component {c.Id} is fully coded ({missing} of 64 coefficients missing or not refined)";
            }
        }

        return null;
    }

    private static long DivCeil(long a, long b) => (a + b - 1) / b;

    private string? RecordCoverage(Component[] comps, int ss, int se, int ah, int al)
    {
        foreach (Component c in comps)
        {
            for (int k = ss; k <= se; k++)
            {
                int have = c.LowestBit![k];
                if (ah == 0 ? have != -1 : have != ah)
                {
                    // libjpeg warns ("Inconsistent progression sequence") and decodes on; the picture is not what was encoded.
                    return $"corrupt JPEG: inconsistent progression sequence for component {c.Id} coefficient {k}";
                }

                c.LowestBit[k] = al;
            }
        }

        return null;
    }

    private string? Restart(ref BitReader bits, int index, long mcu)
    {
        int extraneous = bits.SkipToMarker(out int at);
        if (extraneous > 0)
        {
            return $"corrupt JPEG: {extraneous} extraneous bytes before restart marker {index % 8} (MCU {mcu})";
        }

        ReadOnlySpan<byte> d = bits.Data;
        if (at + 1 >= d.Length || d[at + 1] != 0xD0 + (index % 8))
        {
            string found = at + 1 < d.Length ? $"0x{d[at + 1]:X2}" : "end of file";
            return $"corrupt JPEG: found {found} instead of restart marker RST{index % 8} at MCU {mcu}";
        }

        bits = new BitReader(d, at + 2);
        return null;
    }

    private static bool Sequential(ref BitReader bits, HuffmanTable dc, HuffmanTable ac)
    {
        if (!bits.TryDecodeExtended(dc, out _))
        {
            return false;
        }

        for (int k = 1; k < 64; k++)
        {
            if (!bits.TryDecode(ac, out int rs))
            {
                return false;
            }

            int r = rs >> 4, s = rs & 15;
            if (s == 0)
            {
                if (r != 15)
                {
                    break;
                }

                k += 15;
                continue;
            }

            k += r;
            if (!bits.TryRead(s, out _))
            {
                return false;
            }
        }

        return true;
    }

    private static bool AcFirst(ref BitReader bits, HuffmanTable ac, ulong[] nonZero, long block, int ss, int se, ref int eobRun)
    {
        if (eobRun > 0)
        {
            eobRun--;
            return true;
        }

        for (int k = ss; k <= se; k++)
        {
            if (!bits.TryDecode(ac, out int rs))
            {
                return false;
            }

            int r = rs >> 4, s = rs & 15;
            if (s == 0)
            {
                if (r < 15)
                {
                    if (!TryEobRun(ref bits, r, out eobRun))
                    {
                        return false;
                    }

                    eobRun--;
                    break;
                }

                k += 15;
                continue;
            }

            k += r;
            if (!bits.TryRead(s, out _))
            {
                return false;
            }

            if (k < 64)
            {
                nonZero[block] |= 1UL << k;
            }
        }

        return true;
    }

    /// <summary>An end-of-band run of 2^r bands plus r extra bits (EOBr).</summary>
    private static bool TryEobRun(ref BitReader bits, int r, out int run)
    {
        run = 1 << r;
        if (r == 0)
        {
            return true;
        }

        if (!bits.TryRead(r, out int extra))
        {
            return false;
        }

        run += extra;
        return true;
    }

    /// <summary>AC successive-approximation refinement, following libjpeg's decode_mcu_AC_refine.</summary>
    private static bool AcRefine(ref BitReader bits, HuffmanTable ac, ulong[] nonZero, long block, int ss, int se, ref int eobRun)
    {
        ulong nz = nonZero[block];
        int k = ss;
        if (eobRun == 0)
        {
            for (; k <= se; k++)
            {
                if (!bits.TryDecode(ac, out int rs))
                {
                    return false;
                }

                int r = rs >> 4, s = rs & 15;
                if (s > 1)
                {
                    // A refinement scan only adds coefficients of magnitude 1 (libjpeg: "bad Huffman code").
                    bits.MarkBad();
                    return false;
                }

                if (s != 0)
                {
                    // A new coefficient of magnitude 1: its sign bit follows.
                    if (!bits.TryRead(1, out _))
                    {
                        return false;
                    }
                }
                else if (r != 15)
                {
                    if (!TryEobRun(ref bits, r, out eobRun))
                    {
                        return false;
                    }

                    break;
                }

                // Skip r zero-history coefficients, reading a correction bit for each non-zero one passed.
                do
                {
                    if ((nz & (1UL << k)) != 0)
                    {
                        if (!bits.TryRead(1, out _))
                        {
                            return false;
                        }
                    }
                    else
                    {
                        if (r == 0)
                        {
                            break;
                        }

                        r--;
                    }

                    k++;
                }
                while (k <= se);

                if (s != 0 && k <= se)
                {
                    nz |= 1UL << k;
                }
            }
        }

        if (eobRun > 0)
        {
            for (; k <= se; k++)
            {
                if ((nz & (1UL << k)) != 0 && !bits.TryRead(1, out _))
                {
                    return false;
                }
            }

            eobRun--;
        }

        nonZero[block] = nz;
        return true;
    }

    /// <summary>Position of the marker that ends entropy-coded data starting at <paramref name="pos"/> (file length when none).</summary>
    private static int SkipEntropy(ReadOnlySpan<byte> d, int pos)
    {
        while (true)
        {
            int ff = d[pos..].IndexOf((byte)0xFF);
            if (ff < 0 || pos + ff + 1 >= d.Length)
            {
                return d.Length;
            }

            pos += ff;
            byte next = d[pos + 1];
            if (next == 0x00 || next is >= 0xD0 and <= 0xD7)
            {
                pos += 2;
                continue;
            }

            if (next == 0xFF)
            {
                pos++;
                continue;
            }

            return pos;
        }
    }

    private sealed class Component(int id, int h, int v)
    {
        public int Id { get; } = id;

        public int H { get; } = h;

        public int V { get; } = v;

        public int BlocksWide { get; set; }

        public int BlocksHigh { get; set; }

        public bool Coded { get; set; }

        public int Quant { get; init; }

        public int[]? LowestBit { get; set; }

        public ulong[]? NonZero { get; set; }
    }

    /// <summary>Canonical Huffman decoding table with a 9-bit lookup for short codes.</summary>
    private sealed class HuffmanTable
    {
        // Lookup entry: (length << 8) | symbol; 0 when the code is longer than LookupBits.
        public readonly ushort[] Lookup = new ushort[1 << LookupBits];
        public readonly int[] MaxCode = new int[18];
        public readonly int[] ValOffset = new int[17];
        public byte[] Symbols = [];

        public static HuffmanTable? Build(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols)
        {
            var t = new HuffmanTable { Symbols = symbols.ToArray() };
            int code = 0, k = 0;
            for (int len = 1; len <= 16; len++)
            {
                int n = counts[len - 1];
                t.ValOffset[len] = k - code;
                if (n > 0)
                {
                    if (code + n > (1 << len))
                    {
                        return null;
                    }

                    for (int i = 0; i < n; i++, code++, k++)
                    {
                        if (len <= LookupBits)
                        {
                            int shift = LookupBits - len;
                            for (int fill = 0; fill < (1 << shift); fill++)
                            {
                                t.Lookup[(code << shift) | fill] = (ushort)((len << 8) | symbols[k]);
                            }
                        }
                    }

                    t.MaxCode[len] = code - 1;
                }
                else
                {
                    t.MaxCode[len] = -1;
                }

                code <<= 1;
            }

            t.MaxCode[17] = int.MaxValue;
            return t;
        }
    }

    /// <summary>Reads entropy-coded bits: FF 00 is a stuffed FF; any other marker ends the data (zeros after it are not data).</summary>
    private ref struct BitReader(ReadOnlySpan<byte> data, int start)
    {
        private readonly ReadOnlySpan<byte> _d = data;
        private int _pos = start;
        private ulong _acc;
        private int _bits;
        private bool _atMarker;

        public readonly ReadOnlySpan<byte> Data => _d;

        public readonly int Position => _pos;

        public bool BadCode { get; private set; }

        public void MarkBad() => BadCode = true;

        private void Fill()
        {
            while (_bits <= 56 && !_atMarker)
            {
                if (_pos >= _d.Length)
                {
                    _atMarker = true;
                    break;
                }

                byte b = _d[_pos];
                if (b == 0xFF)
                {
                    // As libjpeg: FF fill bytes may repeat; FF (FF...) 00 is one FF data byte; FF xx is a marker.
                    int q = _pos + 1;
                    while (q < _d.Length && _d[q] == 0xFF)
                    {
                        q++;
                    }

                    if (q < _d.Length && _d[q] == 0x00)
                    {
                        _pos = q + 1;
                    }
                    else
                    {
                        _pos = q - 1;
                        _atMarker = true;
                        break;
                    }
                }
                else
                {
                    _pos++;
                }

                _acc |= (ulong)b << (56 - _bits);
                _bits += 8;
            }
        }

        public bool TryRead(int n, out int value)
        {
            value = 0;
            if (n == 0)
            {
                return true;
            }

            if (_bits < n)
            {
                Fill();
                if (_bits < n)
                {
                    return false;
                }
            }

            value = (int)(_acc >> (64 - n));
            _acc <<= n;
            _bits -= n;
            return true;
        }

        public bool TryDecode(HuffmanTable t, out int symbol)
        {
            symbol = 0;
            if (_bits < 16)
            {
                Fill();
            }

            // Peek with zeros past the data; a code is accepted only if its real length fits in the bits that exist.
            int peek = (int)(_acc >> (64 - LookupBits));
            ushort e = t.Lookup[peek];
            if (e != 0)
            {
                int len = e >> 8;
                if (len > _bits)
                {
                    return false;
                }

                symbol = e & 0xFF;
                _acc <<= len;
                _bits -= len;
                return true;
            }

            int code = (int)(_acc >> (64 - LookupBits));
            int l = LookupBits;
            while (code > t.MaxCode[l])
            {
                l++;
                if (l > 16)
                {
                    BadCode = _bits >= 16;
                    return false;
                }

                code = (int)(_acc >> (64 - l));
            }

            if (l > _bits)
            {
                return false;
            }

            int idx = code + t.ValOffset[l];
            if ((uint)idx >= (uint)t.Symbols.Length)
            {
                BadCode = true;
                return false;
            }

            symbol = t.Symbols[idx];
            _acc <<= l;
            _bits -= l;
            return true;
        }

        /// <summary>Decodes a magnitude category and its extra bits (a DC difference).</summary>
        public bool TryDecodeExtended(HuffmanTable t, out int value)
        {
            value = 0;
            return TryDecode(t, out int s) && TryRead(Math.Min(s, 16), out value);
        }

        /// <summary>
        /// Drops the partial byte in hand and moves to the next marker; returns the whole data bytes skipped on the way
        /// (libjpeg's "extraneous bytes"). <paramref name="marker"/> is the position of the marker's FF.
        /// </summary>
        public int SkipToMarker(out int marker)
        {
            int skipped = _bits / 8;
            int pos = _pos;
            while (pos < _d.Length)
            {
                if (_d[pos] == 0xFF)
                {
                    while (pos + 1 < _d.Length && _d[pos + 1] == 0xFF)
                    {
                        pos++;
                    }

                    if (pos + 1 < _d.Length && _d[pos + 1] == 0x00)
                    {
                        skipped += 2;
                        pos += 2;
                        continue;
                    }

                    break;
                }

                skipped++;
                pos++;
            }

            marker = pos;
            _acc = 0;
            _bits = 0;
            _pos = pos;
            return skipped;
        }
    }
}
