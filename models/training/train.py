#!/usr/bin/python3
"""Trains the reference concealment detector (xray-concealment-s) and exports it to ONNX. Runs on CPU or, when one is
there, a CUDA GPU (the same recipe; --device picks).

Anchor-free FCOS-style detector, strides 8/16/32, exported with Ultralytics' v8 output contract
[batch, 4 + nc, N] (cx, cy, w, h in input pixels, then sigmoid class scores) and Ultralytics-style metadata, so the
C# pipeline runs it exactly like any Ultralytics model. No pretrained weights, nothing downloaded; fixed seed.

Inputs are packed sets (pack.py: input-sized images + labels.json). Augmentation, on the training device, matches the
synthesiser's scanner effects: flips, multi-scale (zoom out to 0.3x so thumbnails and small inputs look like what the
model sees, zoom in to 1.4x), dose/gamma, colour and saturation jitter, grey conversion, noise and blur. Clean training
images that draw high scores are sampled more often (hard-negative mining, refreshed every few epochs).

Usage: python3 train.py --data DIR [DIR ...] --val DIR [DIR ...] --out ../xray-concealment-s.onnx [--init WEIGHTS.pt]
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
def load_set(d, size):
    """A packed set (pack.py): RGB uint8 [n, size, size, 3] and per-image boxes [k, 5] (x1, y1, x2, y2, class)."""
    import cv2
    labels = json.load(open(os.path.join(d, "labels.json")))
    X = np.empty((len(labels), size, size, 3), np.uint8)
    Y = []
    for i, rec in enumerate(labels):
        img = cv2.imread(os.path.join(d, "images", rec["file"]), cv2.IMREAD_COLOR)
        if img.shape[:2] != (size, size):
            raise SystemExit(f"{d}/{rec['file']}: {img.shape[1]}x{img.shape[0]}, packed sets must be {size}x{size}")
        X[i] = img[:, :, ::-1]
        Y.append(np.array(rec["boxes"], np.float32).reshape(-1, 5))
    return X, Y


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
    labels = torch.full((n,), -1, dtype=torch.long, device=pts.device)
    boxes = torch.zeros((n, 4), device=pts.device)
    if len(gt) == 0:
        return labels, boxes
    g = gt if torch.is_tensor(gt) else torch.from_numpy(gt).to(pts.device)
    x, y = pts[:, 0:1], pts[:, 1:2]
    l, t, r, b = x - g[:, 0], y - g[:, 1], g[:, 2] - x, g[:, 3] - y
    ltrb = torch.stack([l, t, r, b], 2)
    inside = ltrb.min(2).values > 0
    cx, cy = (g[:, 0] + g[:, 2]) / 2, (g[:, 1] + g[:, 3]) / 2
    rad = strides[:, None] * 2.5
    centre = ((x - cx).abs() < rad) & ((y - cy).abs() < rad)
    m = ltrb.max(2).values
    lo = torch.tensor([RANGES[i][0] for i in range(3)], device=pts.device)[lv][:, None]
    hi = torch.tensor([RANGES[i][1] for i in range(3)], device=pts.device)[lv][:, None]
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
    lbox = torch.tensor(0.0, device=cls.device)
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


def predict(model, X, pts, conf=0.05, device="cpu"):
    model.eval()
    out = []
    pts = pts.cpu()
    with torch.no_grad():
        for i in range(0, len(X), 32):
            x = torch.from_numpy(X[i:i + 32]).to(device).permute(0, 3, 1, 2).float() / 255
            cls, reg = model(x)
            s = cls.sigmoid().float().cpu().numpy()
            r = reg.float().cpu().numpy()
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


# ---------------------------------------------------------------- augmentation (on the training device, per batch)
def augment(xb, boxes, size, gen, ct=False):
    """xb: float [B, 3, S, S] in 0-1; boxes: list of [k, 5] tensors on the device. Returns both augmented.

    One affine per image (flip, scale 0.3-1.4, shift) by grid_sample with the letterbox grey outside the source, then
    photometric jitter. Boxes follow the geometry; boxes left with < 40 % of their area or < 3 px are dropped.
    ct: calibrated CT slices, where the grey level is attenuation (the cue that tells a drug from food): scale 0.8-1.25
    (voxel pitch differs between scanners; a slice is never a thumbnail), no gamma, gain or saturation jitter, only
    noise and blur.
    """
    B, dev = xb.shape[0], xb.device
    u = lambda *shape: torch.rand(*shape, generator=gen, device=dev)
    if ct:
        scale = 0.8 + 0.45 * u(B)
    else:
        scale = torch.where(u(B) < 0.35, 0.3 + 0.7 * u(B), 1.0 + 0.4 * u(B))
        scale = torch.where(u(B) < 0.25, torch.ones(B, device=dev), scale)
    fx = torch.where(u(B) < 0.5, -1.0, 1.0)
    fy = torch.where(u(B) < 0.5, -1.0, 1.0)
    # Shift so the scaled image stays covering (zoom in) or stays inside (zoom out) the input.
    room = (1 - scale).abs()
    tx = (u(B) * 2 - 1) * room
    ty = (u(B) * 2 - 1) * room
    # Output pixel p (normalised -1..1) samples source q = (p - t) / (s * f).
    theta = torch.zeros(B, 2, 3, device=dev)
    theta[:, 0, 0] = 1 / (scale * fx)
    theta[:, 1, 1] = 1 / (scale * fy)
    theta[:, 0, 2] = -tx / (scale * fx)
    theta[:, 1, 2] = -ty / (scale * fy)
    grid = F.affine_grid(theta, list(xb.shape), align_corners=False)
    pad = 114 / 255
    out = F.grid_sample(xb - pad, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + pad
    new_boxes = []
    for k, g in enumerate(boxes):
        if len(g) == 0:
            new_boxes.append(g)
            continue
        c = size / 2
        x1 = (g[:, 0] - c) * scale[k] * fx[k] + c + tx[k] * c
        x2 = (g[:, 2] - c) * scale[k] * fx[k] + c + tx[k] * c
        y1 = (g[:, 1] - c) * scale[k] * fy[k] + c + ty[k] * c
        y2 = (g[:, 3] - c) * scale[k] * fy[k] + c + ty[k] * c
        nx1, nx2 = torch.minimum(x1, x2), torch.maximum(x1, x2)
        ny1, ny2 = torch.minimum(y1, y2), torch.maximum(y1, y2)
        area = (nx2 - nx1) * (ny2 - ny1)
        cx1, cy1, cx2, cy2 = nx1.clamp(0, size), ny1.clamp(0, size), nx2.clamp(0, size), ny2.clamp(0, size)
        keep = ((cx2 - cx1) * (cy2 - cy1) >= 0.4 * area) & (cx2 - cx1 >= 3) & (cy2 - cy1 >= 3)
        new_boxes.append(torch.stack([cx1, cy1, cx2, cy2, g[:, 4]], 1)[keep])
    if ct:
        noise = torch.randn(B, 1, size, size, generator=gen, device=dev) * (u(B, 1, 1, 1) * 0.02)
        out = out + torch.where(u(B, 1, 1, 1) < 0.5, noise, torch.zeros_like(noise))
        return _blur(out, u(B) < 0.2).clamp(0, 1), new_boxes
    # Photometric: dose/gamma, per-channel gain (palette drift), saturation, grey, noise, blur.
    gamma = torch.exp((u(B, 1, 1, 1) * 2 - 1) * 0.3)
    out = out.clamp(1e-4, 1) ** gamma
    gain = 1 + (u(B, 3, 1, 1) * 2 - 1) * 0.08
    out = out * gain
    grey = out.mean(1, keepdim=True)
    sat = 0.6 + 0.8 * u(B, 1, 1, 1)
    sat = torch.where(u(B, 1, 1, 1) < 0.15, torch.zeros_like(sat), sat)
    out = grey + (out - grey) * sat
    noise = torch.randn(out.shape, generator=gen, device=dev) * (u(B, 1, 1, 1) * 0.04)
    out = out + torch.where(u(B, 1, 1, 1) < 0.5, noise, torch.zeros_like(noise))
    return _blur(out, u(B) < 0.2).clamp(0, 1), new_boxes


def _blur(out, which):
    """A 3 x 3 binomial blur of the images selected by the boolean mask `which`."""
    if which.any():
        k = torch.tensor([1.0, 2.0, 1.0], device=out.device)
        k = (k[:, None] * k[None, :]) / 16
        out[which] = F.conv2d(F.pad(out[which], (1, 1, 1, 1), mode="replicate"), k.expand(3, 1, 3, 3), groups=3)
    return out


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", nargs="+", help="packed training sets (pack.py)")
    ap.add_argument("--val", nargs="+", help="packed validation sets")
    ap.add_argument("--no-export", action="store_true", help="write only the weights (.npz beside --out), no ONNX")
    ap.add_argument("--export-from", default=None, help="skip training: export these weights (.npz or .pt) to --out")
    ap.add_argument("--out", required=True)
    ap.add_argument("--imgsz", type=int, default=384)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="auto", help="cpu, cuda or auto (cuda when there is one)")
    ap.add_argument("--init", default=None, help="start from these weights (.pt from an earlier export): fine-tuning")
    ap.add_argument("--val-every", type=int, default=1)
    ap.add_argument("--time-budget", type=float, default=0, help="seconds: after a warm-up epoch, fit the epoch count into this budget")
    ap.add_argument("--warmup-epochs", type=int, default=0, help="a first epoch at a tenth of --lr before the one-cycle schedule (implied by --time-budget)")
    ap.add_argument("--description", default="XrayAnalysis concealment detector trained with models/training/train.py (synthetic data)",
                    help="ONNX metadata description; the bundled model's is claimed only by train.sh, which also re-pins its hash")
    ap.add_argument("--log", default=None)
    ap.add_argument("--ct", action="store_true",
                    help="CT slices: augment geometry only lightly and never the grey level (it is calibrated attenuation); see augment()")
    ap.add_argument("--freeze-backbone", action="store_true",
                    help="fine-tuning: keep the backbone (stem and stages 3-5, BatchNorm statistics included) as loaded; train the neck and head only")
    a = ap.parse_args()
    torch.manual_seed(a.seed); np.random.seed(a.seed); random.seed(a.seed)
    torch.set_num_threads(a.threads)
    if a.export_from:
        model = Detector()
        model.load_state_dict(load_weights(a.export_from))
        export(model, a.out, a.imgsz, a.description)
        return
    if not a.data or not a.val:
        ap.error("--data and --val are required for training")
    dev = torch.device("cuda" if a.device == "auto" and torch.cuda.is_available() else ("cpu" if a.device == "auto" else a.device))
    gen = torch.Generator(device=dev).manual_seed(a.seed)
    t0 = time.time()
    X, Y, sources = [], [], []
    for d in a.data:
        x, y = load_set(d, a.imgsz); X.append(x); Y += y; sources += [d] * len(y)
    X = np.concatenate(X)
    VX, VY = [], []
    for d in a.val:
        x, y = load_set(d, a.imgsz); VX.append(x); VY += y
    VX = np.concatenate(VX)
    log(f"data: {len(X)} train ({sum(len(y) == 0 for y in Y)} clean), {len(VX)} val images at {a.imgsz}^2 ({time.time() - t0:.0f} s); device {dev}"
        + (f" ({torch.cuda.get_device_name(0)})" if dev.type == "cuda" else ""))
    model = Detector().to(dev)
    if a.init:
        model.load_state_dict({k: v.to(dev) for k, v in load_weights(a.init).items()})
        log("initialised from", a.init)
    frozen = (model.stem, model.s3, model.s4, model.s5) if a.freeze_backbone else ()
    for m in frozen:
        for p_ in m.parameters():
            p_.requires_grad = False
    log("parameters:", sum(p.numel() for p in model.parameters()),
        f"({sum(p.numel() for p in model.parameters() if p.requires_grad)} trained)" if frozen else "")
    pts = points(a.imgsz, a.imgsz, dev)
    lv = level_of(a.imgsz).to(dev)
    strides = torch.tensor(STRIDES, dtype=torch.float, device=dev)[lv]
    Xt = torch.from_numpy(X).to(dev) if dev.type == "cuda" else torch.from_numpy(X)
    Yt = [torch.from_numpy(y).to(dev) for y in Y]
    clean = np.array([len(y) == 0 for y in Y])
    weights = np.ones(len(X))
    opt = torch.optim.AdamW([p_ for p_ in model.parameters() if p_.requires_grad], lr=a.lr, weight_decay=5e-4)
    per_epoch = math.ceil(len(X) / a.batch)

    def schedule(epochs_left):
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=epochs_left * per_epoch, pct_start=0.1, anneal_strategy="cos")

    epochs = a.epochs
    if a.time_budget > 0 or a.warmup_epochs > 0:
        # Warm-up epoch at a tenth of the peak rate, timed; the one-cycle schedule then covers the epochs that fit.
        for g_ in opt.param_groups:
            g_["lr"] = a.lr * 0.1
        sched = None
    else:
        sched = schedule(epochs)
    history = []
    best = (-1, None, 0)
    rng = np.random.default_rng(a.seed)
    ep = -1
    while ep + 1 < epochs:
        ep += 1
        # Hard negatives: from the fifth epoch on, every fifth epoch, clean images are re-weighted by their top score.
        if ep >= 4 and ep % 5 == 4 and clean.any():
            idx = np.nonzero(clean)[0]
            top = max_scores(model, X[idx], dev)
            weights[idx] = 1 + 4 * top
            log(f"hard negatives: {int((top > 0.3).sum())} of {len(idx)} clean images score > 0.3")
        perm = rng.choice(len(X), size=len(X), replace=True, p=weights / weights.sum())
        model.train()
        for m in frozen:
            m.eval()  # frozen BatchNorm keeps the statistics it was trained with
        tl = tc = tb = 0.0
        nb = 0
        te = time.time()
        for i in range(0, len(perm), a.batch):
            idx = perm[i:i + a.batch]
            xb = Xt[torch.from_numpy(idx).to(Xt.device)].to(dev).permute(0, 3, 1, 2).float() / 255
            xb, gts = augment(xb, [Yt[j] for j in idx], a.imgsz, gen, ct=a.ct)
            targets = [assign(g, pts, lv, strides) for g in gts]
            cls, reg = model(xb)
            loss, lc, lb = loss_fn(cls, reg, targets, pts)
            opt.zero_grad(); loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            opt.step()
            if sched is not None:
                sched.step()
            tl += float(loss); tc += lc; tb += lb; nb += 1
        rec = {"epoch": ep + 1, "loss": tl / nb, "cls": tc / nb, "box": tb / nb, "seconds": time.time() - te}
        if (ep + 1) % a.val_every == 0 or ep + 1 >= epochs - 2:
            m = map50(predict(model, VX, pts, device=dev), VY)
            rec["val_map50"] = m
            if m > best[0]:
                best = (m, {k: v.detach().clone().cpu() for k, v in model.state_dict().items()}, ep + 1)
        history.append(rec)
        if sched is None:
            if a.time_budget > 0:
                spent = time.time() - t0
                epochs = max(2, min(a.epochs, 1 + int((a.time_budget - spent) / max(1e-3, rec["seconds"] * 1.05))))
                log(f"time budget {a.time_budget:.0f} s: warm-up epoch took {rec['seconds']:.1f} s -> {epochs} epochs")
            sched = schedule(epochs - 1)
        log(f"epoch {ep + 1}/{epochs} loss {tl / nb:.4f} (cls {tc / nb:.4f} box {tb / nb:.4f})"
            + (f" val mAP50 {rec['val_map50']:.4f}" if "val_map50" in rec else "") + f" ({time.time() - te:.0f} s)")
    model = model.cpu()
    model.load_state_dict(best[1])
    log(f"best val mAP50 {best[0]:.4f} at epoch {best[2]}; training took {time.time() - t0:.0f} s")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    np.savez(os.path.splitext(a.out)[0] + ".npz", **{k: v.numpy() for k, v in best[1].items()})
    if not a.no_export:
        export(model, a.out, a.imgsz, a.description)
    if a.log:
        json.dump({"history": history, "best_val_map50": best[0], "best_epoch": best[2], "seconds": time.time() - t0,
                   "train_images": len(X), "val_images": len(VX), "imgsz": a.imgsz, "epochs": epochs, "batch": a.batch, "time_budget": a.time_budget,
                   "lr": a.lr, "seed": a.seed, "device": str(dev) + (f" ({torch.cuda.get_device_name(0)})" if dev.type == "cuda" else ""),
                   "torch": torch.__version__, "init": a.init, "ct": a.ct, "freeze_backbone": a.freeze_backbone, "data": a.data, "val": a.val}, open(a.log, "w"), indent=1)


def load_weights(path):
    """State dict from an .npz (portable between PyTorch versions) or a .pt file."""
    if path.endswith(".npz"):
        with np.load(path) as z:
            return {k: torch.from_numpy(z[k]) for k in z.files}
    return torch.load(path, map_location="cpu")


def max_scores(model, X, dev):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(X), 64):
            x = torch.from_numpy(X[i:i + 64]).to(dev).permute(0, 3, 1, 2).float() / 255
            cls, _ = model(x)
            out.append(cls.sigmoid().amax((1, 2)).float().cpu().numpy())
    model.train()
    return np.concatenate(out)


def export(model, path, size, description):
    import onnx
    model.eval(); model.export = True
    x = torch.rand(2, 3, size, size, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ref = model(x).numpy()
    torch.onnx.export(model, x, path, opset_version=17, input_names=["images"], output_names=["output0"],
                      dynamic_axes={"images": {0: "batch"}, "output0": {0: "batch"}})
    m = onnx.load(path)
    meta = {"description": description, "author": "XrayAnalysis",
            "task": "detect", "stride": "32", "batch": "1", "imgsz": f"[{size}, {size}]",
            "names": "{" + ", ".join(f"{i}: '{n}'" for i, n in enumerate(NAMES)) + "}", "channels": "3"}
    for k, v in meta.items():
        p = m.metadata_props.add(); p.key, p.value = k, v
    onnx.save(m, path)
    # Parity fixture (tests/.../BundledModelTests): one input and PyTorch's output for it, beside the exported model;
    # train.sh moves it to models/training/parity/ for the bundled model.
    parity = os.path.splitext(path)[0] + ".parity"
    os.makedirs(parity, exist_ok=True)
    np.save(os.path.join(parity, "input.npy"), x.numpy()[:1])
    np.save(os.path.join(parity, "output.npy"), ref[:1])
    np.savez(os.path.splitext(path)[0] + ".npz", **{k: v.numpy() for k, v in model.state_dict().items()})
    log(f"exported {path} ({os.path.getsize(path)} bytes), output {tuple(ref.shape)}")


if __name__ == "__main__":
    main()
