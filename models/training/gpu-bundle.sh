#!/usr/bin/env bash
# Packs what fit.sh needs on a GPU machine into one small folder, for a transfer with a size limit (the packed sets are
# about 12,800 small files; the bundled weights 11.7 MB of float32):
#   OUT/packed3.tar.gz   models/training/data/packed3 (train.sh with PACK_ONLY=1 makes it), one file; only for
#                        START_STAGE 1-5
#   OUT/packed6.tar.gz   models/training/data/packed6, stage 6's sets, likewise
#   OUT/stage{N-1}.npz   with START_STAGE=N > 1: the bundled weights in float16, half the bytes (widened back there)
#   OUT/run.sh           run there from the repository root: unpacks both under /tmp and runs fit.sh from START_STAGE,
#                        writing the stages' weights and logs to $FIT_OUT (default /tmp/fit)
#   bash models/training/gpu-bundle.sh OUT [START_STAGE]      then, there:  bash OUT/run.sh [more train.py arguments]
# Version 4 was trained so, with START_STAGE=4 (the model card, Training): 55.6 MB and 5.9 MB; version 5 with
# START_STAGE=6.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$1; start=${2:-1}
packed=${PACKED:-models/training/data/packed3}
packed6=${PACKED6:-models/training/data/packed6}
PY=${PY:-/usr/bin/python3}
# Stages 1-5 read packed3, stage 6 packed6: carry only what the stages from START_STAGE on read.
sets=(); [ "$start" -le 5 ] && sets+=("$packed:packed3"); sets+=("$packed6:packed6")
mkdir -p "$out"
for s in "${sets[@]}"; do
  dir=${s%%:*}; name=${s##*:}
  [ -d "$dir" ] || { echo "no $dir: run PACK_ONLY=1 bash models/training/train.sh first" >&2; exit 2; }
  tar -czf "$out/$name.tar.gz" -C "$(dirname "$dir")" --transform "s|^$(basename "$dir")|$name|" "$(basename "$dir")"
done
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
for t in "\$here"/packed*.tar.gz; do tar -xzf "\$t" -C /tmp; done
if [ $start -gt 1 ]; then
  \$PY -c "import sys, numpy as np; z = np.load(sys.argv[1]); np.savez(sys.argv[2], **{k: (v.astype(np.float32) if v.dtype == np.float16 else v) for k, v in z.items()})" \\
    "\$here/stage$((start - 1)).npz" "\$fit_out/stage$((start - 1)).npz"
fi
START_STAGE=$start PY=\$PY DEVICE=\${DEVICE:-cuda} PACKED6=/tmp/packed6 bash models/training/fit.sh /tmp/packed3 "\$fit_out" "\$@"
RUN
du -sh "$out"/*
