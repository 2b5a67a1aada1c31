# Sourced by the training scripts (prereqs.sh sources it).
# PyTorch on CPU frees and re-maps its large activations every step (glibc serves blocks over 32 MB with mmap). On the
# 2-core machine a training step of the "m" network at batch 64 took 6.26 s, 12.4 million page faults and 20 s of
# system time in 4 steps; under jemalloc that keeps what it frees (no decay), 3.20 s, 1.0 million and 1 s: 1.96x
# (models/training/malloc-probe.py, docs/BENCHMARKS.md). CPU_MALLOC is the prefix for a CPU training command.
JEMALLOC=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
CPU_MALLOC=()
if [ -f "$JEMALLOC" ]; then CPU_MALLOC=(env LD_PRELOAD="$JEMALLOC" MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1); fi
# A GPU machine keeps the system allocator (the activations live on the GPU there).
if command -v nvidia-smi >/dev/null 2>&1; then CPU_MALLOC=(); fi
