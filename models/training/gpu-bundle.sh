#!/usr/bin/env bash
# Packs what fit.sh needs on a GPU machine into one small folder, for a transfer with a size limit (the packed sets are
# about 12,800 small files; the bundled weights 11.7 MB of float32):
#   OUT/packed.tar.gz    the packed sets (train.sh with PACK_ONLY=1 makes them) that the stages from START_STAGE on
#                        read (sets.sh), as models/training/data/packed3/..., packed6/... and packed7/...
#   OUT/stage{N-1}.npz   with START_STAGE=N > 1: the bundled weights in float16, half the bytes (widened back there)
#   OUT/run.sh           run there from the repository root: unpacks both under /tmp and runs fit.sh from START_STAGE,
#                        writing the stages' weights and logs to $FIT_OUT (default /tmp/fit)
#   bash models/training/gpu-bundle.sh OUT [START_STAGE]      then, there:  bash OUT/run.sh [more train.py arguments]
# Version 4 was trained so, with START_STAGE=4 (the model card, Training): 55.6 MB and 5.9 MB; version 5 with
# START_STAGE=6 (48.6 MB and 5.9 MB); the stage 7 tried after it with START_STAGE=7 (42 MB and 5.9 MB).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$1; start=${2:-1}
data=models/training/data
packed=$data/packed3; packed6=$data/packed6; packed7=$data/packed7
PY=${PY:-/usr/bin/python3}
source models/training/sets.sh
# Carry only the packed sets that the stages from START_STAGE on read (sets.sh), as one archive of paths under $data.
need=""
[ "$start" -le 5 ] && need="$need $TRAIN4 $VAL"
[ "$start" -le 6 ] && need="$need $TRAIN6 $VAL6"
{ [ "$start" -ge 7 ] || [ "${STAGE7:-0}" = 1 ]; } && need="$need $TRAIN7 $VAL7"
# shellcheck disable=SC2086
need=$(printf '%s\n' $need | sort -u)
rel=()
for d in $need; do
  [ -f "$d/labels.json" ] || { echo "no $d: run PACK_ONLY=1 bash models/training/train.sh first" >&2; exit 2; }
  rel+=("${d#"$data"/}")
done
mkdir -p "$out"
tar -czf "$out/packed.tar.gz" -C "$data" "${rel[@]}"
if [ "$start" -gt 1 ]; then
  $PY - models/xray-concealment-s.npz "$out/stage$((start - 1)).npz" <<'PY'
import sys
import numpy as np
z = np.load(sys.argv[1])
np.savez(sys.argv[2], **{k: (v.astype(np.float16) if v.dtype == np.float32 else v) for k, v in z.items()})
PY
fi
cat > "$out/run.sh" <<RUN
#!/usr/bin/env bash
# Made by models/training/gpu-bundle.sh: run from the repository root on the GPU machine.
set -euo pipefail
here=\$(cd "\$(dirname "\$0")" && pwd)
fit_out=\${FIT_OUT:-/tmp/fit}
PY=\${PY:-python3}
mkdir -p "\$fit_out"
tar -xzf "\$here/packed.tar.gz" -C /tmp
if [ $start -gt 1 ]; then
  \$PY -c "import sys, numpy as np; z = np.load(sys.argv[1]); np.savez(sys.argv[2], **{k: (v.astype(np.float32) if v.dtype == np.float16 else v) for k, v in z.items()})" \\
    "\$here/stage$((start - 1)).npz" "\$fit_out/stage$((start - 1)).npz"
fi
STAGE7=\${STAGE7:-${STAGE7:-0}} START_STAGE=$start PY=\$PY DEVICE=\${DEVICE:-cuda} PACKED6=/tmp/packed6 PACKED7=/tmp/packed7 bash models/training/fit.sh /tmp/packed3 "\$fit_out" "\$@"
RUN
du -sh "$out"/*
