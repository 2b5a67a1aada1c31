#!/usr/bin/python3
"""Validation mAP@0.5 of saved weights by train.py's own count (VOC-style, the number its logs report), on the packed
validation sets of train.sh (default models/training/data/packed3: val-mail, val-express, val-baggage, val-cargo,
val-ct; 360 inputs). Any network size: it is read from the weights. Runs on CPU.

Usage: /usr/bin/python3 models/training/val-map.py WEIGHTS.npz [WEIGHTS.npz ...] [--packed DIR]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as T  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("weights", nargs="+")
    ap.add_argument("--packed", default="models/training/data/packed3")
    ap.add_argument("--imgsz", type=int, default=384)
    a = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    VX, VY = T.load_val(a.packed, a.imgsz)
    pts = T.points(a.imgsz, a.imgsz)
    for w in a.weights:
        state = T.load_weights(w)
        model = T.Detector(**T.arch_of(state))
        model.load_state_dict(state)
        print(f"{w}: validation mAP@0.5 {T.map50(T.predict(model, VX, pts), VY):.4f} ({len(VX)} inputs, {sum(p.numel() for p in model.parameters())} parameters)", flush=True)


if __name__ == "__main__":
    main()
