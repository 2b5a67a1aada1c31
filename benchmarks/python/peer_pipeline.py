#!/usr/bin/python3
"""The same detection job as `xray detect`, written the way a Python user would: read each scan with cv2.imread,
letterbox it (Ultralytics: bilinear, pad 114, centred), run the bundled model, decode, per-class NMS, map boxes back
and write one JSON per scan. Two engines, as in issue 17's comparison:

  --engine cv2dnn   OpenCV's DNN module (Debian's python3-opencv 4.6) on the model folded by fold_for_cv2.py, batch 1
  --engine torch    PyTorch (Debian's python3-torch) running the same network from the same weights
                    (models/xray-concealment-s.npz, models/training/train.py's Detector), batched

Prints one JSON line: scans, wall seconds, seconds inside the engine, scans/s.

    peer_pipeline.py --engine cv2dnn --model folded.onnx --images DIR --out OUT
    peer_pipeline.py --engine torch --weights models/xray-concealment-s.npz --images DIR --out OUT --batch 4
"""
import argparse
import glob
import json
import os
import sys
import time

import cv2
import numpy as np

SIZE = 384
NAMES = ["narcotics_brick", "narcotics_packet", "tablet_cluster"]


def letterbox(img):
    h, w = img.shape[:2]
    r = min(SIZE / w, SIZE / h)
    nw, nh = int(round(w * r)), int(round(h * r))
    resized = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR) if (nw, nh) != (w, h) else img
    dw, dh = (SIZE - nw) / 2, (SIZE - nh) / 2
    top, left = int(round(dh - 0.1)), int(round(dw - 0.1))
    out = cv2.copyMakeBorder(resized, top, SIZE - nh - top, left, SIZE - nw - left, cv2.BORDER_CONSTANT, value=(114, 114, 114))
    return out, r, left, top


def decode(out, r, left, top, w, h, conf, iou, max_det=300):
    """out: [7, N] = cx, cy, w, h, 3 class scores (input pixels) -> detections in scan pixels."""
    scores = out[4:]
    cls = scores.argmax(0)
    best = scores[cls, np.arange(scores.shape[1])]
    keep = best > conf
    if not keep.any():
        return []
    b, s, c = out[:4, keep].T, best[keep], cls[keep]
    x1, y1 = b[:, 0] - b[:, 2] / 2, b[:, 1] - b[:, 3] / 2
    dets = []
    for k in np.unique(c):
        m = c == k
        rects = np.stack([x1[m], y1[m], b[m, 2], b[m, 3]], 1).tolist()
        for i in np.array(cv2.dnn.NMSBoxes(rects, s[m].tolist(), conf, iou)).reshape(-1):
            bx, by, bw, bh = rects[i]
            dets.append((float(s[m][i]), int(k), bx, by, bx + bw, by + bh))
    dets.sort(key=lambda d: -d[0])
    res = []
    for score, k, a, bb, cc, dd in dets[:max_det]:
        res.append({"class_id": k, "class_name": NAMES[k], "score": score,
                    "x1": float(np.clip((a - left) / r, 0, w)), "y1": float(np.clip((bb - top) / r, 0, h)),
                    "x2": float(np.clip((cc - left) / r, 0, w)), "y2": float(np.clip((dd - top) / r, 0, h))})
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", choices=["cv2dnn", "torch"], required=True)
    ap.add_argument("--model", help="folded ONNX model (cv2dnn)")
    ap.add_argument("--weights", help=".npz weights (torch)")
    ap.add_argument("--images", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--conf", type=float, default=None,
                    help="score threshold (default: the bundled 2D model's one-pass operating threshold in models/models.json, "
                         "as xray --tta off uses: these pipelines make one pass per scan)")
    ap.add_argument("--iou", type=float, default=0.45)
    a = ap.parse_args()
    if a.conf is None:
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
        m = json.load(open(os.path.join(root, "models", "models.json")))["models"][0]
        a.conf = m.get("operating_threshold_without_flip", m["operating_threshold"])
    files = sorted(glob.glob(os.path.join(a.images, "*.png")))
    os.makedirs(a.out, exist_ok=True)
    cv2.setNumThreads(a.threads)
    if a.engine == "cv2dnn":
        net = cv2.dnn.readNetFromONNX(a.model)
        net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)

        def infer(x):
            net.setInput(x)
            return net.forward()
        batch = 1
    else:
        import torch
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models", "training"))
        from train import Detector, arch_of, load_weights
        torch.set_num_threads(a.threads)
        state = load_weights(a.weights)
        model = Detector(**arch_of(state))
        model.load_state_dict(state)
        model.eval()
        model.export = True

        def infer(x):
            with torch.inference_mode():
                return model(torch.from_numpy(x)).numpy()
        batch = a.batch

    t0 = time.perf_counter()
    engine = 0.0
    for i in range(0, len(files), batch):
        chunk = files[i:i + batch]
        metas, tensors = [], []
        for f in chunk:
            img = cv2.imread(f, cv2.IMREAD_COLOR)
            boxed, r, left, top = letterbox(img)
            tensors.append(cv2.dnn.blobFromImage(boxed, 1 / 255.0, swapRB=True))
            metas.append((f, r, left, top, img.shape[1], img.shape[0]))
        x = np.concatenate(tensors, 0)
        t = time.perf_counter()
        out = infer(x)
        engine += time.perf_counter() - t
        for (f, r, left, top, w, h), o in zip(metas, out):
            dets = decode(o, r, left, top, w, h, a.conf, a.iou)
            name = os.path.splitext(os.path.basename(f))[0]
            with open(os.path.join(a.out, name + ".json"), "w") as fh:
                json.dump({"source": f, "detections": dets}, fh)
    wall = time.perf_counter() - t0
    print(json.dumps({"engine": a.engine, "batch": batch, "scans": len(files), "wall_s": round(wall, 3),
                      "engine_s": round(engine, 3), "scans_per_s": round(len(files) / wall, 2)}))


if __name__ == "__main__":
    main()
