#!/usr/bin/python3
"""Trains the reference concealment detector (xray-concealment-s) on CPU and exports it to ONNX.

Anchor-free FCOS-style detector, strides 8/16/32, exported with Ultralytics' v8 output contract
[batch, 4 + nc, N] (cx, cy, w, h in input pixels, then sigmoid class scores) and Ultralytics-style metadata, so the
C# pipeline runs it exactly like any Ultralytics model. No pretrained weights, nothing downloaded; fixed seed.

Usage: /usr/bin/python3 train.py --data DIR [DIR ...] --val DIR --out ../xray-concealment-s.onnx
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

NAMES = ["narcotics_brick", "narcotics_packet", "tablet_cluster"]
NC = len(NAMES)
STRIDES = (8, 16, 32)
RANGES = ((0, 40), (40, 80), (80, 1e9))  # max(l, t, r, b) in input pixels per level (FCOS scale assignment)


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


# ---------------------------------------------------------------- data
def read_png_rgb(path):
    from PIL import Image
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def letterbox(img, size):
    """Ultralytics letterbox (the C# pipeline's exact arithmetic): returns uint8 HWC, scale, (left, top)."""
    h, w = img.shape[:2]
    r = min(size / h, size / w)
    nw, nh = int(round(w * r)), int(round(h * r))
    from PIL import Image
    if (nw, nh) != (w, h):
        img = np.asarray(Image.fromarray(img).resize((nw, nh), Image.BILINEAR))
    dw, dh = (size - nw) / 2, (size - nh) / 2
    left, top = int(round(dw - 0.1)), int(round(dh - 0.1))
    out = np.full((size, size, 3), 114, np.uint8)
    out[top:top + nh, left:left + nw] = img
    return out, r, left, top


def load_set(d, size):
    coco = json.load(open(os.path.join(d, "annotations.coco.json")))
    by_img = {im["id"]: [] for im in coco["images"]}
    for a in coco["annotations"]:
        by_img[a["image_id"]].append(a)
    X, Y = [], []
    for im in coco["images"]:
        img = read_png_rgb(os.path.join(d, "images", im["file_name"]))
        lb, r, left, top = letterbox(img, size)
        boxes = []
        for a in by_img[im["id"]]:
            x, y, w, h = a["bbox"]
            boxes.append([x * r + left, y * r + top, (x + w) * r + left, (y + h) * r + top, a["category_id"] - 1])
        X.append(lb)
        Y.append(np.array(boxes, np.float32).reshape(-1, 5))
    return np.stack(X), Y


# ---------------------------------------------------------------- model
def conv(ci, co, s=1):
    return nn.Sequential(nn.Conv2d(ci, co, 3, s, 1, bias=False), nn.BatchNorm2d(co), nn.SiLU(inplace=True))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a, self.b = conv(c, c), conv(c, c)

    def forward(self, x):
        return x + self.b(self.a(x))


class Detector(nn.Module):
    def __init__(self, w=(16, 32, 64, 96, 128), head=64):
        super().__init__()
        self.stem = nn.Sequential(conv(3, w[0], 2), conv(w[0], w[1], 2), Block(w[1]))
        self.s3 = nn.Sequential(conv(w[1], w[2], 2), Block(w[2]))
        self.s4 = nn.Sequential(conv(w[2], w[3], 2), Block(w[3]))
        self.s5 = nn.Sequential(conv(w[3], w[4], 2), Block(w[4]))
        self.l3, self.l4, self.l5 = (nn.Conv2d(c, head, 1) for c in w[2:])
        self.tower = nn.Sequential(conv(head, head), conv(head, head))
        self.cls = nn.Conv2d(head, NC, 1)
        self.reg = nn.Conv2d(head, 4, 1)
        nn.init.constant_(self.cls.bias, -4.6)  # prior 0.01
        self.export = False

    def forward(self, x):
        c3 = self.s3(self.stem(x))
        c4 = self.s4(c3)
        c5 = self.s5(c4)
        p5 = self.l5(c5)
        p4 = self.l4(c4) + F.interpolate(p5, scale_factor=2.0, mode="nearest")
        p3 = self.l3(c3) + F.interpolate(p4, scale_factor=2.0, mode="nearest")
        cls, reg = [], []
        for p, s in zip((p3, p4, p5), STRIDES):
            t = self.tower(p)
            cls.append(self.cls(t).flatten(2))
            reg.append((F.softplus(self.reg(t)) * s).flatten(2))
        cls, reg = torch.cat(cls, 2), torch.cat(reg, 2)  # [B, nc, N], [B, 4, N] (l, t, r, b) in pixels
        if not self.export:
            return cls, reg
        pts = points(x.shape[2], x.shape[3], x.device).T  # [2, N]
        x1y1 = pts - reg[:, :2]
        x2y2 = pts + reg[:, 2:]
        return torch.cat([(x1y1 + x2y2) / 2, x2y2 - x1y1, cls.sigmoid()], 1)


def points(h, w, device="cpu"):
    out = []
    for s in STRIDES:
        ys, xs = torch.meshgrid(torch.arange((h + s - 1) // s, device=device), torch.arange((w + s - 1) // s, device=device), indexing="ij")
        out.append(torch.stack([(xs.flatten() + 0.5) * s, (ys.flatten() + 0.5) * s], 1).float())
    return torch.cat(out)


def level_of(size):
    lv = []
    for i, s in enumerate(STRIDES):
        n = ((size + s - 1) // s) ** 2
        lv += [i] * n
    return torch.tensor(lv)


# ---------------------------------------------------------------- targets and loss
def assign(gt, pts, lv, strides):
    """FCOS with centre sampling (radius 2.5 strides) and scale ranges; ambiguous points take the smallest box."""
    n = pts.shape[0]
    labels = torch.full((n,), -1, dtype=torch.long)
    boxes = torch.zeros((n, 4))
    if len(gt) == 0:
        return labels, boxes
    g = torch.from_numpy(gt)
    x, y = pts[:, 0:1], pts[:, 1:2]
    l, t, r, b = x - g[:, 0], y - g[:, 1], g[:, 2] - x, g[:, 3] - y
    ltrb = torch.stack([l, t, r, b], 2)
    inside = ltrb.min(2).values > 0
    cx, cy = (g[:, 0] + g[:, 2]) / 2, (g[:, 1] + g[:, 3]) / 2
    rad = strides[:, None] * 2.5
    centre = ((x - cx).abs() < rad) & ((y - cy).abs() < rad)
    m = ltrb.max(2).values
    lo = torch.tensor([RANGES[i][0] for i in range(3)])[lv][:, None]
    hi = torch.tensor([RANGES[i][1] for i in range(3)])[lv][:, None]
    ok = inside & centre & (m >= lo) & (m <= hi)
    area = ((g[:, 2] - g[:, 0]) * (g[:, 3] - g[:, 1]))[None].expand(n, -1).clone()
    area[~ok] = float("inf")
    best_area, best = area.min(1)
    pos = torch.isfinite(best_area)
    labels[pos] = g[best[pos], 4].long()
    boxes[pos] = g[best[pos], :4]
    return labels, boxes


def giou_loss(pred, target):
    ix1, iy1 = torch.max(pred[:, 0], target[:, 0]), torch.max(pred[:, 1], target[:, 1])
    ix2, iy2 = torch.min(pred[:, 2], target[:, 2]), torch.min(pred[:, 3], target[:, 3])
    inter = (ix2 - ix1).clamp(0) * (iy2 - iy1).clamp(0)
    ap = (pred[:, 2] - pred[:, 0]) * (pred[:, 3] - pred[:, 1])
    at = (target[:, 2] - target[:, 0]) * (target[:, 3] - target[:, 1])
    union = ap + at - inter + 1e-7
    iou = inter / union
    ex1, ey1 = torch.min(pred[:, 0], target[:, 0]), torch.min(pred[:, 1], target[:, 1])
    ex2, ey2 = torch.max(pred[:, 2], target[:, 2]), torch.max(pred[:, 3], target[:, 3])
    enc = (ex2 - ex1) * (ey2 - ey1) + 1e-7
    return (1 - iou + (enc - union) / enc), iou


def loss_fn(cls, reg, targets, pts):
    B = cls.shape[0]
    labels = torch.stack([t[0] for t in targets])  # [B, N]
    gboxes = torch.stack([t[1] for t in targets])  # [B, N, 4]
    onehot = torch.zeros_like(cls)  # [B, nc, N]
    pos = labels >= 0
    npos = max(1.0, float(pos.sum()))
    pred = torch.cat([pts[None] - reg.permute(0, 2, 1)[..., :2], pts[None] + reg.permute(0, 2, 1)[..., 2:]], 2)  # [B, N, 4]
    lbox = torch.tensor(0.0)
    if pos.any():
        gl, _ = giou_loss(pred[pos], gboxes[pos])
        lbox = gl.sum() / npos
        b_idx, n_idx = pos.nonzero(as_tuple=True)
        onehot[b_idx, labels[pos], n_idx] = 1.0
    # Sigmoid focal loss (alpha 0.25, gamma 2), normalised by the number of positives (FCOS / RetinaNet).
    p = cls.sigmoid()
    ce = F.binary_cross_entropy_with_logits(cls, onehot, reduction="none")
    pt = p * onehot + (1 - p) * (1 - onehot)
    alpha = 0.25 * onehot + 0.75 * (1 - onehot)
    lcls = (alpha * ce * (1 - pt).pow(2.0)).sum() / npos
    return lcls + 2.0 * lbox, float(lcls), float(lbox)


# ---------------------------------------------------------------- evaluation (mAP@0.5, VOC-style all-point, for the log)
def nms_numpy(boxes, scores, thr):
    order = scores.argsort()[::-1]
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        xx1 = np.maximum(boxes[i, 0], boxes[order[1:], 0]); yy1 = np.maximum(boxes[i, 1], boxes[order[1:], 1])
        xx2 = np.minimum(boxes[i, 2], boxes[order[1:], 2]); yy2 = np.minimum(boxes[i, 3], boxes[order[1:], 3])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        a = (boxes[i, 2] - boxes[i, 0]) * (boxes[i, 3] - boxes[i, 1])
        b = (boxes[order[1:], 2] - boxes[order[1:], 0]) * (boxes[order[1:], 3] - boxes[order[1:], 1])
        order = order[1:][inter / (a + b - inter + 1e-9) <= thr]
    return keep


def predict(model, X, pts, conf=0.05):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(X), 16):
            x = torch.from_numpy(X[i:i + 16]).permute(0, 3, 1, 2).float() / 255
            cls, reg = model(x)
            s = cls.sigmoid().numpy()
            r = reg.numpy()
            for b in range(x.shape[0]):
                dets = []
                for c in range(NC):
                    m = s[b, c] > conf
                    if not m.any():
                        continue
                    p = pts.numpy()[m]
                    rr = r[b][:, m].T
                    bx = np.concatenate([p - rr[:, :2], p + rr[:, 2:]], 1)
                    sc = s[b, c][m]
                    for k in nms_numpy(bx, sc, 0.7)[:100]:
                        dets.append((c, float(sc[k]), *bx[k]))
                out.append(dets)
    model.train()
    return out


def map50(preds, gts):
    aps = []
    for c in range(NC):
        recs = []
        ngt = 0
        for dets, gt in zip(preds, gts):
            g = gt[gt[:, 4] == c][:, :4]
            ngt += len(g)
            used = np.zeros(len(g), bool)
            for d in sorted([d for d in dets if d[0] == c], key=lambda d: -d[1]):
                tp = 0
                if len(g):
                    b = np.array(d[2:])
                    ix = np.clip(np.minimum(b[2], g[:, 2]) - np.maximum(b[0], g[:, 0]), 0, None) * np.clip(np.minimum(b[3], g[:, 3]) - np.maximum(b[1], g[:, 1]), 0, None)
                    iou = ix / ((b[2] - b[0]) * (b[3] - b[1]) + (g[:, 2] - g[:, 0]) * (g[:, 3] - g[:, 1]) - ix)
                    j = int(np.argmax(np.where(used, -1, iou)))
                    if iou[j] >= 0.5 and not used[j]:
                        used[j] = True
                        tp = 1
                recs.append((d[1], tp))
        if ngt == 0:
            continue
        recs.sort(key=lambda t: -t[0])
        tps = np.cumsum([t for _, t in recs]) if recs else np.zeros(1)
        fps = np.cumsum([1 - t for _, t in recs]) if recs else np.zeros(1)
        rec = tps / ngt
        prec = tps / np.maximum(tps + fps, 1e-9)
        ap = 0.0
        for thr in np.linspace(0, 1, 101):
            p = prec[rec >= thr]
            ap += (p.max() if p.size else 0) / 101
        aps.append(ap)
    return float(np.mean(aps)) if aps else 0.0


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", nargs="+", required=True)
    ap.add_argument("--val", nargs="+", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--imgsz", type=int, default=384)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--log", default=None)
    a = ap.parse_args()
    torch.manual_seed(a.seed); np.random.seed(a.seed); random.seed(a.seed)
    torch.set_num_threads(a.threads)
    t0 = time.time()
    X, Y = [], []
    for d in a.data:
        x, y = load_set(d, a.imgsz); X.append(x); Y += y
    X = np.concatenate(X)
    VX, VY = [], []
    for d in a.val:
        x, y = load_set(d, a.imgsz); VX.append(x); VY += y
    VX = np.concatenate(VX)
    log(f"data: {len(X)} train, {len(VX)} val images at {a.imgsz}^2 ({time.time() - t0:.0f} s)")
    model = Detector()
    log("parameters:", sum(p.numel() for p in model.parameters()))
    pts = points(a.imgsz, a.imgsz)
    lv = level_of(a.imgsz)
    strides = torch.tensor(STRIDES, dtype=torch.float)[lv]
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=5e-4)
    steps = a.epochs * math.ceil(len(X) / a.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=steps, pct_start=0.1, anneal_strategy="cos")
    history = []
    best = (-1, None)
    for ep in range(a.epochs):
        perm = np.random.permutation(len(X))
        tl = tc = tb = 0.0
        nb = 0
        te = time.time()
        for i in range(0, len(perm), a.batch):
            idx = perm[i:i + a.batch]
            xb = torch.from_numpy(X[idx]).permute(0, 3, 1, 2).float() / 255
            targets = []
            for k, j in enumerate(idx):
                g = Y[j].copy()
                # Augment: flips (X-ray scans have no preferred orientation) and a dose/brightness jitter.
                if random.random() < 0.5:
                    xb[k] = xb[k].flip(2); g[:, [0, 2]] = a.imgsz - g[:, [2, 0]]
                if random.random() < 0.5:
                    xb[k] = xb[k].flip(1); g[:, [1, 3]] = a.imgsz - g[:, [3, 1]]
                if random.random() < 0.5:
                    xb[k] = (xb[k] ** random.uniform(0.8, 1.25)).clamp(0, 1)
                targets.append(assign(g, pts, lv, strides))
            cls, reg = model(xb)
            loss, lc, lb = loss_fn(cls, reg, targets, pts)
            opt.zero_grad(); loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            opt.step(); sched.step()
            tl += float(loss); tc += lc; tb += lb; nb += 1
        m = map50(predict(model, VX, pts), VY)
        history.append({"epoch": ep + 1, "loss": tl / nb, "cls": tc / nb, "box": tb / nb, "val_map50": m, "seconds": time.time() - te})
        log(f"epoch {ep + 1}/{a.epochs} loss {tl / nb:.4f} (cls {tc / nb:.4f} box {tb / nb:.4f}) val mAP50 {m:.4f} ({time.time() - te:.0f} s)")
        if m > best[0]:
            best = (m, {k: v.clone() for k, v in model.state_dict().items()})
    model.load_state_dict(best[1])
    log(f"best val mAP50 {best[0]:.4f}; training took {time.time() - t0:.0f} s")
    export(model, a.out, a.imgsz)
    if a.log:
        json.dump({"history": history, "best_val_map50": best[0], "seconds": time.time() - t0, "train_images": len(X), "val_images": len(VX),
                   "imgsz": a.imgsz, "epochs": a.epochs, "seed": a.seed}, open(a.log, "w"), indent=1)


def export(model, path, size):
    import onnx
    model.eval(); model.export = True
    x = torch.rand(2, 3, size, size, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ref = model(x).numpy()
    torch.onnx.export(model, x, path, opset_version=17, input_names=["images"], output_names=["output0"],
                      dynamic_axes={"images": {0: "batch"}, "output0": {0: "batch"}})
    m = onnx.load(path)
    meta = {"description": "XrayAnalysis reference concealment detector (synthetic data only)", "author": "XrayAnalysis",
            "task": "detect", "stride": "32", "batch": "1", "imgsz": f"[{size}, {size}]",
            "names": "{" + ", ".join(f"{i}: '{n}'" for i, n in enumerate(NAMES)) + "}", "channels": "3"}
    for k, v in meta.items():
        p = m.metadata_props.add(); p.key, p.value = k, v
    onnx.save(m, path)
    # Parity fixture for the C# test (tests/.../BundledModelTests): one input and PyTorch's output for it.
    parity = os.path.join(os.path.dirname(os.path.abspath(__file__)), "parity")
    os.makedirs(parity, exist_ok=True)
    np.save(os.path.join(parity, "input.npy"), x.numpy()[:1])
    np.save(os.path.join(parity, "output.npy"), ref[:1])
    torch.save(model.state_dict(), os.path.splitext(path)[0] + ".pt")
    log(f"exported {path} ({os.path.getsize(path)} bytes), output {tuple(ref.shape)}")


if __name__ == "__main__":
    main()
