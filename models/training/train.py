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

Usage: python3 train.py --data DIR [DIR ...] --val DIR [DIR ...] --out ../xray-concealment-s.onnx [--arch s|m] [--init WEIGHTS.npz]
       [--ema 0.9995]; fit.sh holds the bundled model's recipe.
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
    """A packed set (pack.py): RGB uint8 [n, size, size, 3] and per-image boxes [k, 5] (x1, y1, x2, y2, class).
    Images (JPEG, PNG or WebP) are decoded on all cores."""
    import cv2
    from concurrent.futures import ThreadPoolExecutor
    labels = json.load(open(os.path.join(d, "labels.json")))
    X = np.empty((len(labels), size, size, 3), np.uint8)

    def read(i):
        rec = labels[i]
        img = cv2.imread(os.path.join(d, "images", rec["file"]), cv2.IMREAD_COLOR)
        if img is None or img.shape[:2] != (size, size):
            raise SystemExit(f"{d}/{rec['file']}: {'unreadable' if img is None else f'{img.shape[1]}x{img.shape[0]}'}, packed sets must be {size}x{size}")
        X[i] = img[:, :, ::-1]

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        list(pool.map(read, range(len(labels))))
    return X, [np.array(rec["boxes"], np.float32).reshape(-1, 5) for rec in labels]


VAL_SETS = ("val-mail", "val-express", "val-baggage", "val-cargo", "val-ct")


def load_val(packed, size):
    """train.sh's validation sets (VAL_SETS) under a packed folder, as one array of inputs and one list of boxes."""
    X, Y = [], []
    for d in VAL_SETS:
        x, y = load_set(os.path.join(packed, d), size)
        X.append(x)
        Y += y
    return np.concatenate(X), Y


# ---------------------------------------------------------------- model
def conv(ci, co, s=1):
    return nn.Sequential(nn.Conv2d(ci, co, 3, s, 1, bias=False), nn.BatchNorm2d(co), nn.SiLU(inplace=True))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a, self.b = conv(c, c), conv(c, c)

    def forward(self, x):
        return x + self.b(self.a(x))


# Named sizes. "s" is the bundled model's versions 1-2 (and the CT model's); "m" (version 3) is wider, with two residual blocks at strides 8 and 16 (about three
# times the arithmetic). arch_of() reads the size back from any saved weights.
ARCHS = {
    "s": {"w": (16, 32, 64, 96, 128), "head": 64, "depth": (1, 1, 1, 1)},
    "m": {"w": (24, 48, 96, 160, 224), "head": 96, "depth": (1, 2, 2, 1)},
}


class Detector(nn.Module):
    def __init__(self, w=(16, 32, 64, 96, 128), head=64, depth=(1, 1, 1, 1)):
        super().__init__()
        self.stem = nn.Sequential(conv(3, w[0], 2), conv(w[0], w[1], 2), *[Block(w[1]) for _ in range(depth[0])])
        self.s3 = nn.Sequential(conv(w[1], w[2], 2), *[Block(w[2]) for _ in range(depth[1])])
        self.s4 = nn.Sequential(conv(w[2], w[3], 2), *[Block(w[3]) for _ in range(depth[2])])
        self.s5 = nn.Sequential(conv(w[3], w[4], 2), *[Block(w[4]) for _ in range(depth[3])])
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


def arch_of(state):
    """The Detector size that saved weights (a state dict) were made with: widths, head width, blocks per stage."""
    w = tuple(int(state[k].shape[0]) for k in ("stem.0.0.weight", "stem.1.0.weight", "s3.0.0.weight", "s4.0.0.weight", "s5.0.0.weight"))
    def blocks(prefix, first):
        return len({k.split(".")[1] for k in state if k.startswith(prefix + ".")}) - first
    depth = (blocks("stem", 2), blocks("s3", 1), blocks("s4", 1), blocks("s5", 1))
    return {"w": w, "head": int(state["l3.weight"].shape[0]), "depth": depth}


def points(h, w, device="cpu"):
    out = []
    for s in STRIDES:
        ys, xs = torch.meshgrid(torch.arange((h + s - 1) // s, device=device), torch.arange((w + s - 1) // s, device=device), indexing="ij")
        out.append(torch.stack([(xs.flatten() + 0.5) * s, (ys.flatten() + 0.5) * s], 1).float())
    return torch.cat(out)


def mirror_index(size, kind="h"):
    """Index of each anchor's mirror anchor for a left-right ("h"), top-bottom ("v") or both ("hv") mirror of the
    input: levels in stride order, row-major within a level (the layout of points() and of the exported output)."""
    idx, off = [], 0
    for s in STRIDES:
        n = (size + s - 1) // s
        g = np.arange(n * n).reshape(n, n)
        g = g[:, ::-1] if kind == "h" else g[::-1, :] if kind == "v" else g[::-1, ::-1]
        idx.append(off + g.flatten())
        off += n * n
    return torch.from_numpy(np.ascontiguousarray(np.concatenate(idx)))


def flip_teacher(teacher, xb, mirror):
    """The test-time flip as xray runs it: class probabilities and box distances averaged, anchor by mirror anchor,
    over the input and its left-right mirror image."""
    with torch.no_grad():
        c1, r1 = teacher(xb)
        c2, r2 = teacher(torch.flip(xb, [3]))
        p = (c1.float().sigmoid() + c2.float().sigmoid()[:, :, mirror]) / 2
        r = (r1.float() + r2.float()[:, :, mirror][:, [2, 1, 0, 3]]) / 2
    return p, r


def distill_loss(cls, reg, tp, tr, strides, npos):
    """Self-distillation towards the flipped teacher: a quality-focal BCE on the class logits against its averaged
    probabilities (normalised like loss_fn's focal term), plus L1 on the box distances in strides where the teacher
    is fairly sure (max probability > 0.3)."""
    cls, reg = cls.float(), reg.float()
    ce = F.binary_cross_entropy_with_logits(cls, tp, reduction="none")
    lc = (ce * (cls.sigmoid() - tp).abs().pow(2.0)).sum() / npos
    sure = (tp.amax(1) > 0.3).float()  # [B, N]
    lr = (((reg - tr).abs() / strides[None, None, :]).sum(1) * sure).sum() / sure.sum().clamp(min=1)
    return lc + lr


def level_of(size):
    lv = []
    for i, s in enumerate(STRIDES):
        n = ((size + s - 1) // s) ** 2
        lv += [i] * n
    return torch.tensor(lv)


# ---------------------------------------------------------------- targets and loss
def pad_boxes(boxes, device):
    """Per-image [k, 5] box tensors -> one [B, K, 5] tensor (K >= 1) and a [B, K] mask of the real rows."""
    K = max([1] + [len(g) for g in boxes])
    G = torch.zeros((len(boxes), K, 5), device=device)
    for i, g in enumerate(boxes):
        if len(g):
            G[i, :len(g)] = g
    valid = torch.arange(K, device=device)[None] < torch.tensor([len(g) for g in boxes], device=device)[:, None]
    return G, valid


def assign(G, valid, pts, lv, strides):
    """FCOS with centre sampling (radius 2.5 strides) and scale ranges; ambiguous points take the smallest box.

    G: [B, K, 5] boxes (x1, y1, x2, y2, class), valid: [B, K]. Returns labels [B, N] (-1 background) and the assigned
    boxes [B, N, 4]; one pass for the whole batch.
    """
    B, n = G.shape[0], pts.shape[0]
    x, y = pts[None, :, 0:1], pts[None, :, 1:2]  # [1, N, 1]
    g = G[:, None]  # [B, 1, K, 5]
    ltrb = torch.stack([x - g[..., 0], y - g[..., 1], g[..., 2] - x, g[..., 3] - y], 3)  # [B, N, K, 4]
    inside = ltrb.min(3).values > 0
    cx, cy = (g[..., 0] + g[..., 2]) / 2, (g[..., 1] + g[..., 3]) / 2
    rad = strides[None, :, None] * 2.5
    centre = ((x - cx).abs() < rad) & ((y - cy).abs() < rad)
    m = ltrb.max(3).values
    lo = torch.tensor([r[0] for r in RANGES], device=pts.device)[lv][None, :, None]
    hi = torch.tensor([r[1] for r in RANGES], device=pts.device)[lv][None, :, None]
    ok = inside & centre & (m >= lo) & (m <= hi) & valid[:, None, :]
    area = ((g[..., 2] - g[..., 0]) * (g[..., 3] - g[..., 1])).expand(B, n, -1)
    area = torch.where(ok, area, torch.full_like(area, float("inf")))
    best_area, best = area.min(2)  # [B, N]
    pos = torch.isfinite(best_area)
    chosen = torch.gather(G, 1, best[..., None].expand(B, n, 5))  # [B, N, 5]
    labels = torch.where(pos, chosen[..., 4].long(), torch.full_like(best, -1))
    return labels, chosen[..., :4] * pos[..., None]


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


def loss_fn(cls, reg, labels, gboxes, pts):
    """labels [B, N], gboxes [B, N, 4] from assign(); cls [B, nc, N] logits, reg [B, 4, N] distances.

    Returns the loss and its two parts as tensors: nothing here waits for the device (no .item(), no boolean indexing).
    """
    cls, reg = cls.float(), reg.float()
    pos = labels >= 0
    npos = pos.sum().clamp(min=1).float()
    onehot = (F.one_hot(labels.clamp(min=0), NC).permute(0, 2, 1) * pos[:, None]).float()  # [B, nc, N]
    pred = torch.cat([pts[None] - reg.permute(0, 2, 1)[..., :2], pts[None] + reg.permute(0, 2, 1)[..., 2:]], 2)  # [B, N, 4]
    # Background points get their own prediction as target (loss 0, all finite) and are masked out.
    target = torch.where(pos[..., None], gboxes, pred.detach())
    gl, _ = giou_loss(pred.reshape(-1, 4), target.reshape(-1, 4))
    lbox = (gl * pos.flatten()).sum() / npos
    # Sigmoid focal loss (alpha 0.25, gamma 2), normalised by the number of positives (FCOS / RetinaNet).
    p = cls.sigmoid()
    ce = F.binary_cross_entropy_with_logits(cls, onehot, reduction="none")
    pt = p * onehot + (1 - p) * (1 - onehot)
    alpha = 0.25 * onehot + 0.75 * (1 - onehot)
    lcls = (alpha * ce * (1 - pt).pow(2.0)).sum() / npos
    return lcls + 2.0 * lbox, lcls.detach(), lbox.detach()


class Ema:
    """Exponential moving average of the weights (BatchNorm statistics included), as Ultralytics keeps: the averaged
    model is the one validated, kept and exported. decay ramps up over the first `tau` steps; tau 0 keeps it at decay from
    the first step (a fine-tune from good weights: the average then starts from them instead of following the first,
    noisiest steps)."""

    def __init__(self, model, decay, tau=1000):
        import copy
        self.model = copy.deepcopy(model).eval()
        for p_ in self.model.parameters():
            p_.requires_grad = False
        self.decay, self.tau, self.steps = decay, tau, 0
        pairs = list(zip(self.model.state_dict().values(), model.state_dict().values()))
        self.fl = [(e, m) for e, m in pairs if e.dtype.is_floating_point]
        self.other = [(e, m) for e, m in pairs if not e.dtype.is_floating_point]

    @torch.no_grad()
    def update(self):
        self.steps += 1
        d = self.decay if self.tau <= 0 else self.decay * (1 - math.exp(-self.steps / self.tau))
        e, m = [p[0] for p in self.fl], [p[1] for p in self.fl]
        torch._foreach_mul_(e, d)
        torch._foreach_add_(e, m, alpha=1 - d)
        for e_, m_ in self.other:
            e_.copy_(m_)


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
    was = model.training
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
                    top = np.argsort(-sc)[:1000]  # at most 1000 candidates per class into NMS, as Ultralytics' max_nms
                    bx, sc = bx[top], sc[top]
                    for k in nms_numpy(bx, sc, 0.7)[:100]:
                        dets.append((c, float(sc[k]), *bx[k]))
                out.append(dets)
    model.train(was)
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
def augment(xb, G, valid, size, gen, ct=False):
    """xb: float [B, 3, S, S] in 0-1; G: [B, K, 5] boxes and valid: [B, K] (pad_boxes). Returns all three augmented.

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
    c = size / 2
    sx, sy = (scale * fx)[:, None], (scale * fy)[:, None]
    x1 = (G[..., 0] - c) * sx + c + tx[:, None] * c
    x2 = (G[..., 2] - c) * sx + c + tx[:, None] * c
    y1 = (G[..., 1] - c) * sy + c + ty[:, None] * c
    y2 = (G[..., 3] - c) * sy + c + ty[:, None] * c
    nx1, nx2 = torch.minimum(x1, x2), torch.maximum(x1, x2)
    ny1, ny2 = torch.minimum(y1, y2), torch.maximum(y1, y2)
    area = (nx2 - nx1) * (ny2 - ny1)
    cx1, cy1, cx2, cy2 = nx1.clamp(0, size), ny1.clamp(0, size), nx2.clamp(0, size), ny2.clamp(0, size)
    keep = ((cx2 - cx1) * (cy2 - cy1) >= 0.4 * area) & (cx2 - cx1 >= 3) & (cy2 - cy1 >= 3)
    G, valid = torch.stack([cx1, cy1, cx2, cy2, G[..., 4]], 2), valid & keep
    if ct:
        noise = torch.randn(B, 1, size, size, generator=gen, device=dev) * (u(B, 1, 1, 1) * 0.02)
        out = out + torch.where(u(B, 1, 1, 1) < 0.5, noise, torch.zeros_like(noise))
        return _blur(out, u(B) < 0.2).clamp(0, 1), G, valid
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
    return _blur(out, u(B) < 0.2).clamp(0, 1), G, valid


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
    ap.add_argument("--arch", default=None, choices=sorted(ARCHS),
                    help="network size (ARCHS): s (the bundled model's versions 1-2, the CT model) or m (version 3); default: --init's, else s")
    ap.add_argument("--ema", type=float, default=0, help="keep, validate and save an exponential moving average of the weights with this decay (e.g. 0.9995); 0: off")
    ap.add_argument("--ema-from-init", action="store_true",
                    help="with --init and --ema: the average starts from the --init weights at its full decay (no ramp), and the --init weights are validated first as epoch 0")
    ap.add_argument("--deadline", type=float, default=0, help="seconds: stop training at this wall time whatever the schedule (the best weights so far are kept)")
    ap.add_argument("--distill-flip", default=None, metavar="TEACHER.npz",
                    help="add a self-distillation loss towards these weights run with the test-time flip (an experiment: can one pass learn what the flip adds?)")
    ap.add_argument("--distill-weight", type=float, default=1.0, help="weight of the --distill-flip loss")
    ap.add_argument("--freeze-backbone", action="store_true",
                    help="fine-tuning: keep the backbone (stem and stages 3-5, BatchNorm statistics included) as loaded; train the neck and head only")
    a = ap.parse_args()
    torch.manual_seed(a.seed); np.random.seed(a.seed); random.seed(a.seed)
    torch.set_num_threads(a.threads)
    if a.export_from:
        state = load_weights(a.export_from)
        model = Detector(**arch_of(state))
        model.load_state_dict(state)
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
    init = load_weights(a.init) if a.init else None
    arch = arch_of(init) if init is not None else ARCHS[a.arch or "s"]
    if init is not None and a.arch and arch != ARCHS[a.arch]:
        raise SystemExit(f"--init {a.init} holds a {arch} network, not --arch {a.arch}")
    model = Detector(**arch).to(dev)
    if init is not None:
        model.load_state_dict({k: v.to(dev) for k, v in init.items()})
        log("initialised from", a.init)
    if dev.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed input size: let cuDNN pick its fastest kernels once
        model = model.to(memory_format=torch.channels_last)
    frozen = (model.stem, model.s3, model.s4, model.s5) if a.freeze_backbone else ()
    for m in frozen:
        for p_ in m.parameters():
            p_.requires_grad = False
    log("parameters:", sum(p.numel() for p in model.parameters()), "arch", arch,
        f"({sum(p.numel() for p in model.parameters() if p.requires_grad)} trained)" if frozen else "")
    if a.ema_from_init and (init is None or a.ema <= 0):
        raise SystemExit("--ema-from-init needs --init and --ema")
    ema = Ema(model, a.ema, tau=0 if a.ema_from_init else 1000) if a.ema > 0 else None
    kept = ema.model if ema else model  # the weights that are validated, mined for hard negatives and saved
    pts = points(a.imgsz, a.imgsz, dev)
    lv = level_of(a.imgsz).to(dev)
    strides = torch.tensor(STRIDES, dtype=torch.float, device=dev)[lv]
    teacher = None
    if a.distill_flip:
        t_state = load_weights(a.distill_flip)
        teacher = Detector(**arch_of(t_state))
        teacher.load_state_dict(t_state)
        teacher.to(dev).eval()
        for p_ in teacher.parameters():
            p_.requires_grad = False
        mirror = mirror_index(a.imgsz).to(dev)
        log("distilling towards", a.distill_flip, "with the test-time flip, weight", a.distill_weight)
    Xt = torch.from_numpy(X).to(dev) if dev.type == "cuda" else torch.from_numpy(X)
    Yall, Vall = pad_boxes([torch.from_numpy(y) for y in Y], "cpu")
    Yall, Vall = Yall.to(dev), Vall.to(dev)
    clean = np.array([len(y) == 0 for y in Y])
    weights = np.ones(len(X))
    opt = torch.optim.AdamW([p_ for p_ in model.parameters() if p_.requires_grad], lr=a.lr, weight_decay=5e-4)
    per_epoch = max(1, len(X) // a.batch)  # whole batches only: one input shape throughout

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
    npz = os.path.splitext(a.out)[0] + ".npz"
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)

    def write_log():
        if a.log:
            json.dump({"history": history, "best_val_map50": best[0], "best_epoch": best[2], "seconds": time.time() - t0,
                       "train_images": len(X), "val_images": len(VX), "imgsz": a.imgsz, "epochs": epochs, "batch": a.batch, "time_budget": a.time_budget,
                       "lr": a.lr, "seed": a.seed, "arch": arch, "ema": a.ema, "device": str(dev) + (f" ({torch.cuda.get_device_name(0)})" if dev.type == "cuda" else ""),
                       "torch": torch.__version__, "init": a.init, "distill_flip": a.distill_flip, "distill_weight": a.distill_weight, "ct": a.ct, "freeze_backbone": a.freeze_backbone, "data": a.data, "val": a.val}, open(a.log, "w"), indent=1)

    val_seconds = 0.0
    ep = -1
    if a.ema_from_init:
        # The starting point is a candidate: a fine-tune that never beats it keeps it, and the log shows the gain.
        tv = time.time()
        m = map50(predict(kept, VX, pts, device=dev), VY)
        val_seconds = time.time() - tv
        best = (m, {k: v.detach().cpu().contiguous().clone() for k, v in kept.state_dict().items()}, 0)
        history.append({"epoch": 0, "val_map50": m, "seconds": 0.0})
        log(f"epoch 0 (the --init weights) val mAP50 {m:.4f} ({val_seconds:.0f} s)")
    while ep + 1 < epochs:
        if a.deadline > 0 and time.time() - t0 > a.deadline:
            log(f"deadline {a.deadline:.0f} s reached after {ep + 1} of {epochs} epochs: stopping")
            break
        ep += 1
        # Hard negatives: from the fifth epoch on, every fifth epoch, clean images are re-weighted by their top score.
        if ep >= 4 and ep % 5 == 4 and clean.any():
            idx = np.nonzero(clean)[0]
            top = max_scores(kept, X[idx], dev)
            weights[idx] = 1 + 4 * top
            log(f"hard negatives: {int((top > 0.3).sum())} of {len(idx)} clean images score > 0.3")
        perm = torch.from_numpy(rng.choice(len(X), size=per_epoch * a.batch, replace=True, p=weights / weights.sum())).to(dev)
        model.train()
        for m in frozen:
            m.eval()  # frozen BatchNorm keeps the statistics it was trained with
        sums = torch.zeros(3, device=dev)
        te = time.time()
        for i in range(per_epoch):
            idx = perm[i * a.batch:(i + 1) * a.batch]
            xb = Xt[idx.to(Xt.device)].to(dev).permute(0, 3, 1, 2).float() / 255
            xb, G, valid = augment(xb, Yall[idx], Vall[idx], a.imgsz, gen, ct=a.ct)
            if dev.type == "cuda":
                xb = xb.contiguous(memory_format=torch.channels_last)
            labels, gboxes = assign(G, valid, pts, lv, strides)
            cls, reg = model(xb)
            loss, lc, lb = loss_fn(cls, reg, labels, gboxes, pts)
            if teacher is not None:
                tp, tr = flip_teacher(teacher, xb, mirror)
                loss = loss + a.distill_weight * distill_loss(cls, reg, tp, tr, strides, (labels >= 0).sum().clamp(min=1).float())
            opt.zero_grad(set_to_none=True); loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            opt.step()
            if ema:
                ema.update()
            if sched is not None:
                sched.step()
            sums += torch.stack([loss.detach(), lc, lb])
        tl, tc, tb = (sums / per_epoch).tolist()
        rec = {"epoch": ep + 1, "loss": tl, "cls": tc, "box": tb, "seconds": time.time() - te}
        if (ep + 1) % a.val_every == 0 or ep + 1 >= epochs - 2 or sched is None:
            tv = time.time()
            m = map50(predict(kept, VX, pts, device=dev), VY)
            val_seconds = time.time() - tv
            rec["val_map50"] = m
            if m > best[0]:
                best = (m, {k: v.detach().cpu().contiguous().clone() for k, v in kept.state_dict().items()}, ep + 1)
                np.savez(npz, **{k: v.numpy() for k, v in best[1].items()})  # kept on disk as it improves: a stopped run leaves weights
        history.append(rec)
        if sched is None:
            if a.time_budget > 0:
                spent = time.time() - t0
                per = rec["seconds"] * 1.05 + val_seconds / a.val_every + (rec["seconds"] * clean.mean() / 5 if clean.any() else 0)
                epochs = max(2, min(a.epochs, 1 + int((a.time_budget - spent) / max(1e-3, per))))
                log(f"time budget {a.time_budget:.0f} s: warm-up epoch took {rec['seconds']:.1f} s, validation {val_seconds:.1f} s -> {epochs} epochs")
            sched = schedule(epochs - 1)
        log(f"epoch {ep + 1}/{epochs} loss {tl:.4f} (cls {tc:.4f} box {tb:.4f})"
            + (f" val mAP50 {rec['val_map50']:.4f}" if "val_map50" in rec else "") + f" ({time.time() - te:.0f} s)")
        write_log()
    if best[1] is None:
        raise SystemExit("no epoch was validated before the deadline: no weights written")
    model = Detector(**arch)
    model.load_state_dict(best[1])
    log(f"best val mAP50 {best[0]:.4f} at epoch {best[2]}; training took {time.time() - t0:.0f} s")
    np.savez(npz, **{k: v.numpy() for k, v in best[1].items()})
    write_log()
    if not a.no_export:
        export(model, a.out, a.imgsz, a.description)


def load_weights(path):
    """State dict from an .npz (portable between PyTorch versions) or a .pt file."""
    if path.endswith(".npz"):
        with np.load(path) as z:
            return {k: torch.from_numpy(z[k]) for k in z.files}
    return torch.load(path, map_location="cpu")


def max_scores(model, X, dev):
    was = model.training
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(X), 64):
            x = torch.from_numpy(X[i:i + 64]).to(dev).permute(0, 3, 1, 2).float() / 255
            cls, _ = model(x)
            out.append(cls.sigmoid().amax((1, 2)).float().cpu().numpy())
    model.train(was)
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
