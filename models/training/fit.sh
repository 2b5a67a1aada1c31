#!/usr/bin/env bash
# The training step of train.sh alone, on sets already packed (train.sh's pack step, or a copy of its packed folder):
# needs only Python with PyTorch, NumPy and OpenCV, so it runs on a GPU machine without .NET.
#   bash models/training/fit.sh PACKED_DIR OUT_DIR [more train.py arguments, given to every stage]
# Writes OUT_DIR/stage1.npz, stage2.npz and stage3.npz (the bundled weights) with a log beside each.
#
# The bundled 2D detector (version 3) is the "m" network (train.py ARCHS) trained from scratch in three stages, each
# with one warm-up epoch at a tenth of the rate then a one-cycle cosine, batch 64, an exponential moving average of the
# weights (decay 0.9995) that is validated and the best kept:
#   stage 1: 45 epochs from scratch, lr 0.003, validated every 10 epochs;
#   stage 2: 22 epochs from stage 1, lr 0.001, validated every 5;
#   stage 3: 20 epochs from stage 2, lr 0.0006, validated every 5.
# On one H200 these took 297 s (sharing the GPU with a second run), 106 s and 100 s; a CPU is no way to reproduce it
# (train.sh's header).
# PY picks the interpreter (default /usr/bin/python3); DEVICE cpu, cuda or auto.
set -euo pipefail
cd "$(dirname "$0")/../.."
packed=$1; out=$2; shift 2
PY=${PY:-/usr/bin/python3}
mkdir -p "$out"
source models/training/sets.sh
source models/training/cpu-malloc.sh
[ "${DEVICE:-auto}" = cpu ] || CPU_MALLOC=()
fit() {
  "${CPU_MALLOC[@]}" $PY models/training/train.py --data $TRAIN --val $VAL --arch m --ema 0.9995 --batch 64 --warmup-epochs 1 \
    --device "${DEVICE:-auto}" --threads "$(nproc)" --no-export "$@"
}
fit --epochs 45 --lr 0.003 --val-every 10 --out "$out/stage1.npz" --log "$out/stage1.json" "$@"
fit --epochs 22 --lr 0.001 --val-every 5 --init "$out/stage1.npz" --out "$out/stage2.npz" --log "$out/stage2.json" "$@"
fit --epochs 20 --lr 0.0006 --val-every 5 --init "$out/stage2.npz" --out "$out/stage3.npz" --log "$out/stage3.json" "$@"
