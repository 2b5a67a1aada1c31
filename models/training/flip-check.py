#!/usr/bin/python3
"""Validation mAP@0.5 (train.py's count, as val-map.py) of saved weights run three ways: one pass; the test-time flip
as xray runs it (each anchor's scores and box averaged with its mirror anchor's, src/XrayAnalysis/Decoding/FlipFusion.cs);
and the flip with the two passes' boxes pooled before NMS instead (Ultralytics' augment way). On the packed
validation sets of train.sh (default models/training/data/packed3; 360 inputs). Runs on CPU in about 2 minutes.

Usage: /usr/bin/python3 models/training/flip-check.py [WEIGHTS.npz] [--packed DIR]
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as T  # noqa: E402


def mirror_index(size):
    """Index of each anchor's mirror anchor: levels in stride order, row-major within a level."""
    idx, off = [], 0
    for s in T.STRIDES:
        n = (size + s - 1) // s
        g = np.arange(n * n).reshape(n, n)
        idx.append(off + g[:, ::-1].flatten())
        off += n * n
    return torch.from_numpy(np.concatenate(idx))


def run(model, X, pts, mirror, mode):
    out = []
    P = pts.numpy()
    with torch.no_grad():
        for i in range(0, len(X), 32):
            x = torch.from_numpy(X[i:i + 32]).permute(0, 3, 1, 2).float() / 255
            cls, reg = model(x)
            s = cls.sigmoid()
            if mode != "one pass":
                c2, r2 = model(torch.flip(x, [3]))
                s2 = c2.sigmoid()[:, :, mirror]
                r2 = r2[:, :, mirror][:, [2, 1, 0, 3]]  # l t r b: left and right swap in the mirror
                if mode == "anchor average":
                    s, reg = (s + s2) / 2, (reg + r2) / 2
                else:
                    s, reg = torch.cat([s, s2], 2), torch.cat([reg, r2], 2)
            pp = P if mode != "box union" else np.concatenate([P, P])
            s, r = s.numpy(), reg.numpy()
            for b in range(x.shape[0]):
                dets = []
                for c in range(T.NC):
                    m = s[b, c] > 0.05
                    if not m.any():
                        continue
                    rr = r[b][:, m].T
                    bx = np.concatenate([pp[m] - rr[:, :2], pp[m] + rr[:, 2:]], 1)
                    sc = s[b, c][m]
                    top = np.argsort(-sc)[:1000]
                    bx, sc = bx[top], sc[top]
                    for k in T.nms_numpy(bx, sc, 0.7)[:100]:
                        dets.append((c, float(sc[k]), *bx[k]))
                out.append(dets)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("weights", nargs="?", default="models/xray-concealment-s.npz")
    ap.add_argument("--packed", default="models/training/data/packed3")
    ap.add_argument("--imgsz", type=int, default=384)
    a = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    VX, VY = T.load_val(a.packed, a.imgsz)
    state = T.load_weights(a.weights)
    model = T.Detector(**T.arch_of(state))
    model.load_state_dict(state)
    model.eval()
    pts, mirror = T.points(a.imgsz, a.imgsz), mirror_index(a.imgsz)
    for mode in ["one pass", "anchor average", "box union"]:
        print(f"{a.weights}, {mode}: validation mAP@0.5 {T.map50(run(model, VX, pts, mirror, mode), VY):.4f} ({len(VX)} inputs)", flush=True)


if __name__ == "__main__":
    main()
