#!/usr/bin/env bash
# A fourth stage that fits a CPU working session: continues the bundled weights (models/xray-concealment-s.npz) on
# fit.sh's training sets with self-distillation towards the same weights run with the test-time flip (train.py
# --distill-flip), so that one pass learns part of what the flip adds. The weight average starts from the bundled
# weights at full decay (--ema-from-init), which are validated first as epoch 0, so the run keeps them unless it beats
# them on validation.
#   BUDGET=3600 bash models/training/stage4-cpu.sh [more train.py arguments]
# Writes OUT/stage4.npz and stage4.json (the log; OUT defaults to models/training/data/stage/v3-cpu4). BUDGET is the
# training time in seconds (train.py --time-budget: a warm-up epoch at a tenth of the rate, then as many one-cycle
# epochs as fit). LR (0.0003), BATCH (32) and DISTILL_WEIGHT (0.5; 0 drops the teacher: the control) vary it.
# Needs the packed sets (train.sh with PACK_ONLY=1).
set -euo pipefail
cd "$(dirname "$0")/../.."
source models/training/prereqs.sh
packed=models/training/data/packed3
out=${OUT:-models/training/data/stage/v3-cpu4}
mkdir -p "$out"
source models/training/sets.sh
# DISTILL_WEIGHT=0 runs the same stage without the teacher (the control).
distill=(--distill-flip models/xray-concealment-s.npz --distill-weight "${DISTILL_WEIGHT:-0.5}")
[ "${DISTILL_WEIGHT:-0.5}" = 0 ] && distill=()
"${CPU_MALLOC[@]}" $PY models/training/train.py --data $TRAIN --val $VAL --arch m --init models/xray-concealment-s.npz \
  --ema 0.9995 --ema-from-init "${distill[@]}" \
  --batch "${BATCH:-32}" --lr "${LR:-0.0003}" --epochs 40 --time-budget "${BUDGET:-3600}" --val-every 1 \
  --threads "$(nproc)" --device "${DEVICE:-auto}" --no-export --out "$out/stage4.npz" --log "$out/stage4.json" "$@"
