namespace XrayAnalysis.Dicos;

/// <summary>
/// JPEG Lossless, Non-Hierarchical (ITU T.81 process 14, SOF3, Huffman): all seven predictors, point transform,
/// 2–16-bit precision, restart intervals, 1–4 interleaved components (H = V = 1). Written for DICOS pixel data and for
/// untrusted input: every marker length, table and count is checked against the bytes left, the output size is checked
/// against the caller's expectation before anything is allocated, and running out of entropy data is an error, never
/// a hang or a grey fill.
/// </summary>
internal static class JpegLosslessDecoder
{
    /// <summary>A decoded frame: samples interleaved by component, row-major.</summary>
    public sealed record Frame(int Width, int Height, int Components, int Precision, ushort[] Samples);

    private sealed class Huffman
    {
        // Canonical decoding tables (T.81 F.2.2.3): for each code length, the largest code, and where its values start.
        public readonly int[] MaxCode = new int[18];
        public readonly int[] ValPtr = new int[17];
        public readonly int[] MinCode = new int[17];
        public byte[] Values = [];
        // Fast path: the first 9 bits → (length << 8 | value), 0 when the code is longer.
        public readonly ushort[] Fast = new ushort[512];
    }

    /// <summary>Decodes one JPEG lossless image. <paramref name="maxSamples"/> caps width × height × components before allocation.</summary>
    public static Frame Decode(ReadOnlySpan<byte> data, long maxSamples)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8)
        {
            throw new DicosException(ScanStatus.Failed, "DICOS: JPEG lossless frame does not start with SOI (FF D8)");
        }

        var tables = new Huffman?[4];
        int pos = 2, restart = 0;
        int width = 0, height = 0, precision = 0, nc = 0;
        int[] compIds = [];
        while (true)
        {
            // Next marker (fill bytes FF allowed).
            if (pos + 2 > data.Length)
            {
                throw new DicosException(ScanStatus.Incomplete, "DICOS: JPEG lossless data ends before the scan");
            }

            if (data[pos] != 0xFF)
            {
                throw new DicosException(ScanStatus.Failed, $"DICOS: JPEG lossless: expected a marker at offset {pos}, found {data[pos]:X2}");
            }

            byte marker = data[pos + 1];
            pos += 2;
            if (marker == 0xFF)
            {
                pos--;
                continue;
            }

            if (marker is 0xD9)
            {
                throw new DicosException(ScanStatus.Failed, "DICOS: JPEG lossless data has no scan (EOI before SOS)");
            }

            if (marker is >= 0xD0 and <= 0xD7 or 0x01)
            {
                continue;
            }

            if (pos + 2 > data.Length)
            {
                throw new DicosException(ScanStatus.Incomplete, "DICOS: JPEG lossless marker segment runs past the end");
            }

            int len = (data[pos] << 8) | data[pos + 1];
            if (len < 2 || pos + len > data.Length)
            {
                throw new DicosException(ScanStatus.Incomplete, $"DICOS: JPEG lossless marker FF{marker:X2} length {len} runs past the end");
            }

            ReadOnlySpan<byte> seg = data.Slice(pos + 2, len - 2);
            pos += len;
            switch (marker)
            {
                case 0xC3:
                    if (seg.Length < 6)
                    {
                        throw new DicosException(ScanStatus.Failed, "DICOS: JPEG lossless SOF3 segment too short");
                    }

                    precision = seg[0];
                    height = (seg[1] << 8) | seg[2];
                    width = (seg[3] << 8) | seg[4];
                    nc = seg[5];
                    if (precision is < 2 or > 16)
                    {
                        throw new DicosException(ScanStatus.Rejected, $"DICOS: JPEG lossless precision {precision} bits (supported: 2–16)");
                    }

                    if (nc is < 1 or > 4 || seg.Length < 6 + (3 * nc))
                    {
                        throw new DicosException(ScanStatus.Rejected, $"DICOS: JPEG lossless with {nc} components (supported: 1–4)");
                    }

                    if (width == 0 || height == 0)
                    {
                        throw new DicosException(ScanStatus.Rejected, "DICOS: JPEG lossless frame of zero width or height (DNL not supported)");
                    }

                    compIds = new int[nc];
                    for (int i = 0; i < nc; i++)
                    {
                        compIds[i] = seg[6 + (3 * i)];
                        if (seg[7 + (3 * i)] != 0x11)
                        {
                            throw new DicosException(ScanStatus.Rejected, "DICOS: JPEG lossless with subsampled components (only H = V = 1 is supported)");
                        }
                    }

                    if ((long)width * height * nc > maxSamples)
                    {
                        throw new DicosException(ScanStatus.Rejected, $"DICOS: JPEG lossless frame {width} x {height} x {nc} is above the {maxSamples}-sample cap");
                    }

                    break;
                case 0xC0 or 0xC1 or 0xC2 or 0xC5 or 0xC6 or 0xC7 or 0xC9 or 0xCA or 0xCB or 0xCD or 0xCE or 0xCF:
                    throw new DicosException(ScanStatus.Rejected, $"DICOS: JPEG frame type SOF{marker - 0xC0} in a lossless transfer syntax (only SOF3, lossless Huffman, is supported)");
                case 0xC4:
                    ReadHuffman(seg, tables);
                    break;
                case 0xDD:
                    if (seg.Length < 2)
                    {
                        throw new DicosException(ScanStatus.Failed, "DICOS: JPEG lossless DRI segment too short");
                    }

                    restart = (seg[0] << 8) | seg[1];
                    break;
                case 0xDA:
                    if (precision == 0)
                    {
                        throw new DicosException(ScanStatus.Failed, "DICOS: JPEG lossless scan before its frame header (no SOF3)");
                    }

                    return DecodeScan(data, pos, seg, tables, width, height, nc, compIds, precision, restart);
                default:
                    break; // APPn, COM, DQT and others: skipped.
            }
        }
    }

    private static void ReadHuffman(ReadOnlySpan<byte> seg, Huffman?[] tables)
    {
        int p = 0;
        while (p < seg.Length)
        {
            if (seg.Length - p < 17)
            {
                throw new DicosException(ScanStatus.Failed, "DICOS: JPEG lossless DHT segment too short");
            }

            int tc = seg[p] >> 4, th = seg[p] & 15;
            if (tc != 0 || th > 3)
            {
                throw new DicosException(ScanStatus.Failed, $"DICOS: JPEG lossless DHT table class {tc} id {th} (lossless uses DC tables 0–3)");
            }

            var counts = seg.Slice(p + 1, 16);
            int total = 0;
            foreach (byte c in counts)
            {
                total += c;
            }

            if (total > 256 || seg.Length - p - 17 < total)
            {
                throw new DicosException(ScanStatus.Failed, "DICOS: JPEG lossless DHT holds more codes than its segment");
            }

            var h = new Huffman { Values = seg.Slice(p + 17, total).ToArray() };
            int code = 0, k = 0;
            for (int l = 1; l <= 16; l++)
            {
                h.ValPtr[l] = k;
                h.MinCode[l] = code;
                code += counts[l - 1];
                k += counts[l - 1];
                h.MaxCode[l] = counts[l - 1] > 0 ? code - 1 : -1;
                if (code > (1 << l))
                {
                    throw new DicosException(ScanStatus.Failed, "DICOS: JPEG lossless DHT code lengths overflow (not a prefix code)");
                }

                code <<= 1;
            }

            h.MaxCode[17] = int.MaxValue;
            for (int l = 1; l <= 9; l++)
            {
                for (int c = h.MinCode[l]; c <= h.MaxCode[l]; c++)
                {
                    byte v = h.Values[h.ValPtr[l] + c - h.MinCode[l]];
                    int shift = 9 - l;
                    for (int f = c << shift; f < (c + 1) << shift; f++)
                    {
                        h.Fast[f] = (ushort)((l << 8) | v);
                    }
                }
            }

            tables[th] = h;
            p += 17 + total;
        }
    }

    private ref struct BitReader(ReadOnlySpan<byte> data, int pos)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos = pos;
        private ulong _bits;
        private int _count;

        /// <summary>A marker met in the entropy data (0 when none): decoding stops reading bytes at it.</summary>
        public byte Marker;

        /// <summary>Zero bits fed past the end of the data or a marker: a little is normal padding, a lot is damage.</summary>
        public int Padding;

        /// <summary>Padding bits actually decoded: any at all means the entropy data ran out before the image did.</summary>
        public readonly int PaddingConsumed => Math.Max(0, Padding - _count);

        private void Fill()
        {
            while (_count <= 56)
            {
                int b = 0;
                if (Marker == 0 && _pos < _data.Length)
                {
                    b = _data[_pos];
                    if (b == 0xFF)
                    {
                        byte next = _pos + 1 < _data.Length ? _data[_pos + 1] : (byte)0xD9;
                        if (next == 0x00)
                        {
                            _pos += 2;
                        }
                        else if (next == 0xFF)
                        {
                            _pos++;
                            continue;
                        }
                        else
                        {
                            Marker = next;
                            b = 0;
                            Padding += 8;
                        }
                    }
                    else
                    {
                        _pos++;
                    }
                }
                else
                {
                    Padding += 8;
                }

                _bits |= (ulong)b << (56 - _count);
                _count += 8;
            }
        }

        public int Peek9()
        {
            if (_count < 16)
            {
                Fill();
            }

            return (int)(_bits >> 55);
        }

        public int Bits(int n)
        {
            if (n == 0)
            {
                return 0;
            }

            if (_count < n)
            {
                Fill();
            }

            int v = (int)(_bits >> (64 - n));
            _bits <<= n;
            _count -= n;
            return v;
        }

        public void Skip(int n)
        {
            _bits <<= n;
            _count -= n;
        }

        /// <summary>At a restart marker: drop the partial byte, consume RSTn, carry on.</summary>
        public bool Restart(int expected)
        {
            _bits = 0;
            _count = 0;
            if (Marker == 0)
            {
                // Find the marker: skip to the next FF xx.
                while (_pos + 1 < _data.Length && !(_data[_pos] == 0xFF && _data[_pos + 1] is not 0x00 and not 0xFF))
                {
                    _pos++;
                }

                if (_pos + 1 >= _data.Length)
                {
                    return false;
                }

                Marker = _data[_pos + 1];
            }

            if (Marker != 0xD0 + expected)
            {
                return false;
            }

            // Skip the marker bytes themselves.
            while (_pos + 1 < _data.Length && !(_data[_pos] == 0xFF && _data[_pos + 1] == Marker))
            {
                _pos++;
            }

            _pos += 2;
            Marker = 0;
            Padding = 0;
            return true;
        }
    }

    private static int DecodeDiff(ref BitReader br, Huffman h)
    {
        int peek = br.Peek9();
        int fast = h.Fast[peek];
        int s;
        if (fast != 0)
        {
            br.Skip(fast >> 8);
            s = fast & 0xFF;
        }
        else
        {
            int code = br.Bits(1);
            int l = 1;
            while (code > h.MaxCode[l])
            {
                code = (code << 1) | br.Bits(1);
                if (++l > 16)
                {
                    throw new DicosException(ScanStatus.Failed, "DICOS: JPEG lossless entropy data holds an invalid Huffman code");
                }
            }

            s = h.Values[h.ValPtr[l] + code - h.MinCode[l]];
        }

        if (s == 0)
        {
            return 0;
        }

        if (s == 16)
        {
            return 32768;
        }

        if (s > 16)
        {
            throw new DicosException(ScanStatus.Failed, $"DICOS: JPEG lossless difference category {s} (at most 16)");
        }

        int v = br.Bits(s);
        return v < (1 << (s - 1)) ? v - (1 << s) + 1 : v;
    }

    private static Frame DecodeScan(ReadOnlySpan<byte> data, int pos, ReadOnlySpan<byte> sos, Huffman?[] tables, int width, int height, int nc, int[] compIds, int precision, int restart)
    {
        if (sos.Length < 1 || sos[0] != nc || sos.Length < 1 + (2 * nc) + 3)
        {
            throw new DicosException(ScanStatus.Rejected, $"DICOS: JPEG lossless scan holds {(sos.Length > 0 ? sos[0] : 0)} of the frame's {nc} components (only one interleaved scan is supported)");
        }

        var table = new Huffman[nc];
        for (int i = 0; i < nc; i++)
        {
            if (sos[1 + (2 * i)] != compIds[i])
            {
                throw new DicosException(ScanStatus.Failed, "DICOS: JPEG lossless scan components differ from the frame's");
            }

            int td = sos[2 + (2 * i)] >> 4;
            table[i] = (td < tables.Length ? tables[td] : null) ?? throw new DicosException(ScanStatus.Failed, $"DICOS: JPEG lossless scan uses Huffman table {td}, which is not defined");
        }

        int predictor = sos[1 + (2 * nc)], pt = sos[3 + (2 * nc)] & 15;
        if (predictor is < 1 or > 7)
        {
            throw new DicosException(ScanStatus.Failed, $"DICOS: JPEG lossless predictor (selection value) {predictor}; expected 1–7");
        }

        if (pt >= precision)
        {
            throw new DicosException(ScanStatus.Failed, $"DICOS: JPEG lossless point transform {pt} for {precision}-bit samples");
        }

        if (restart > 0 && restart % width != 0)
        {
            throw new DicosException(ScanStatus.Rejected, $"DICOS: JPEG lossless restart interval {restart} is not a whole number of {width}-sample lines");
        }

        var outp = new ushort[(long)width * height * nc];
        int mask = (1 << precision) - 1, initial = 1 << (precision - pt - 1);
        var br = new BitReader(data, pos);
        int row = width * nc;
        int rstIndex = 0;
        for (int y = 0; y < height; y++)
        {
            // The first line of the image, and of every restart interval, is predicted from the left only, starting at 2^(P-Pt-1).
            bool first = y == 0;
            if (restart > 0 && y > 0 && ((long)y * width) % restart == 0)
            {
                if (!br.Restart(rstIndex))
                {
                    throw new DicosException(ScanStatus.Failed, $"DICOS: JPEG lossless restart marker RST{rstIndex} missing before line {y + 1}");
                }

                rstIndex = (rstIndex + 1) & 7;
                first = true;
            }

            int rowBase = y * row;
            for (int x = 0; x < width; x++)
            {
                int baseIdx = rowBase + (x * nc);
                for (int c = 0; c < nc; c++)
                {
                    int idx = baseIdx + c;
                    int pred;
                    if (first)
                    {
                        pred = x == 0 ? initial : outp[idx - nc] >> pt;
                    }
                    else if (x == 0)
                    {
                        pred = outp[idx - row] >> pt;
                    }
                    else
                    {
                        int ra = outp[idx - nc] >> pt, rb = outp[idx - row] >> pt, rc = outp[idx - row - nc] >> pt;
                        pred = predictor switch
                        {
                            1 => ra,
                            2 => rb,
                            3 => rc,
                            4 => ra + rb - rc,
                            5 => ra + ((rb - rc) >> 1),
                            6 => rb + ((ra - rc) >> 1),
                            _ => (ra + rb) >> 1,
                        };
                    }

                    int diff = DecodeDiff(ref br, table[c]);
                    int v = (pred + diff) & 0xFFFF & (mask >> pt);
                    outp[idx] = (ushort)(v << pt);
                }
            }

            if (br.PaddingConsumed > 0)
            {
                throw new DicosException(ScanStatus.Incomplete, $"DICOS: JPEG lossless entropy data ends at line {y + 1} of {height} (truncated)");
            }
        }

        return new Frame(width, height, nc, precision, outp);
    }
}
