#!/usr/bin/python3
"""Seconds per training step of the bundled "m" network on CPU (batch 64 at 384², random inputs, AdamW), with the page
faults and system time of the whole process: run it with and without models/training/cpu-malloc.sh's allocator to see
what the allocator costs.

Usage: /usr/bin/python3 models/training/malloc-probe.py
       env LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 \\
           /usr/bin/python3 models/training/malloc-probe.py
"""
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as T  # noqa: E402

torch.set_num_threads(os.cpu_count() or 1)
torch.manual_seed(0)
model = T.Detector(**T.ARCHS["m"])
opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
x = torch.rand(64, 3, 384, 384)


def step():
    cls, reg = model(x)
    loss = cls.float().sigmoid().mean() + reg.float().mean()
    opt.zero_grad()
    loss.backward()
    opt.step()


step()  # the first step allocates what the others reuse
t = time.time()
for _ in range(3):
    step()
ru = resource.getrusage(resource.RUSAGE_SELF)
print(f"{(time.time() - t) / 3:.2f} s/step, page faults {ru.ru_minflt}, user {ru.ru_utime:.0f} s, system {ru.ru_stime:.0f} s")
