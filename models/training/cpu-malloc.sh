# Sourced by the training scripts (prereqs.sh sources it).
# PyTorch on CPU frees and re-maps its large activations every step (glibc serves blocks over 32 MB with mmap): on the
# 2-core machine, 11.3 million page faults and 18 s of system time in 4 training steps of the "m" network at batch 64.
# jemalloc that keeps what it frees (no decay) cut that to 1.0 million and 1 s, and a step from 16.1 s to 11.2 s
# (/tmp probe, 2026-11-27, beside a training run). CPU_MALLOC is the prefix for a CPU training command.
JEMALLOC=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
CPU_MALLOC=()
if [ -f "$JEMALLOC" ]; then CPU_MALLOC=(env LD_PRELOAD="$JEMALLOC" MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1); fi
# A GPU machine keeps the system allocator (the activations live on the GPU there).
if command -v nvidia-smi >/dev/null 2>&1; then CPU_MALLOC=(); fi
