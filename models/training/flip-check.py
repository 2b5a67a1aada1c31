#!/usr/bin/python3
"""Validation mAP@0.5 (train.py's count, as val-map.py) of saved weights run several ways: one pass; the test-time flip
as xray runs it (each anchor's scores and box averaged with its mirror anchor's, src/XrayAnalysis/Decoding/FlipFusion.cs);
the same flip with the two passes' boxes pooled before NMS instead (Ultralytics' augment way); a vertical flip
averaged the same way; and all four mirror images averaged (four passes, not offered by xray). On the packed
validation sets of train.sh (default models/training/data/packed3; 360 inputs). Runs on CPU in about 4 minutes.

Usage: /usr/bin/python3 models/training/flip-check.py [WEIGHTS.npz] [--packed DIR]
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as T  # noqa: E402

# Per mirror: the image axes flipped, and how l t r b of a box predicted on the mirror map back.
MIRRORS = {"h": ([3], [2, 1, 0, 3]), "v": ([2], [0, 3, 2, 1]), "hv": ([2, 3], [2, 3, 0, 1])}


def run(model, X, pts, index, mirrors, union=False):
    out = []
    P = pts.numpy()
    with torch.no_grad():
        for i in range(0, len(X), 32):
            x = torch.from_numpy(X[i:i + 32]).permute(0, 3, 1, 2).float() / 255
            cls, reg = model(x)
            S, R = [cls.sigmoid()], [reg]
            for k in mirrors:
                dims, ltrb = MIRRORS[k]
                c2, r2 = model(torch.flip(x, dims))
                S.append(c2.sigmoid()[:, :, index[k]])
                R.append(r2[:, :, index[k]][:, ltrb])
            if union:
                s, reg, pp = torch.cat(S, 2), torch.cat(R, 2), np.concatenate([P] * len(S))
            else:
                s, reg, pp = sum(S) / len(S), sum(R) / len(R), P
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
    pts = T.points(a.imgsz, a.imgsz)
    index = {k: T.mirror_index(a.imgsz, k) for k in MIRRORS}
    for name, mirrors, union in [("one pass", [], False), ("anchor average (xray's flip)", ["h"], False),
                                 ("box union", ["h"], True), ("vertical flip, anchor average", ["v"], False),
                                 ("four mirror images, anchor average", ["h", "v", "hv"], False)]:
        m = T.map50(run(model, VX, pts, index, mirrors, union), VY)
        print(f"{a.weights}, {name}: validation mAP@0.5 {m:.4f} ({len(VX)} inputs)", flush=True)


if __name__ == "__main__":
    main()
