#!/usr/bin/python3
"""Makes an ONNX detector loadable by Debian's OpenCV 4.6 DNN module, which refuses Identity nodes and the shape
arithmetic (Shape -> Gather -> Range -> ...) that a PyTorch export leaves for dynamic sizes.

Fixes the input to [1, 3, H, W], infers every tensor's shape, then repeatedly evaluates (in numpy) each node whose
inputs are all known: Shape of a tensor with a static shape becomes a constant, and whatever depends only on constants
is folded. Identity nodes are bypassed. The weights and the arithmetic on the image are untouched, so the network
computes what the original does (scripts/bench-peers.sh checks the boxes against xray's).

    fold_for_cv2.py IN.onnx OUT.onnx [--size 384]
"""
import argparse

import numpy as np
import onnx
from onnx import helper, numpy_helper, shape_inference

DT = {1: np.float32, 6: np.int32, 7: np.int64, 9: np.bool_, 11: np.float64}


def attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def evaluate(node, v, shapes):
    """The node's outputs from known inputs (v: name -> array), or None when it cannot be folded."""
    op, ins = node.op_type, [v.get(i) if i else None for i in node.input]
    if op == "Constant":
        return [numpy_helper.to_array(attr(node, "value"))]
    if op == "Shape":
        if ins[0] is not None:
            return [np.array(ins[0].shape, dtype=np.int64)]
        s = shapes.get(node.input[0])
        return None if s is None or any(d is None for d in s) else [np.array(s, dtype=np.int64)]
    if any(x is None for i, x in zip(node.input, ins) if i):
        return None
    if op == "Identity":
        return [ins[0]]
    if op == "Cast":
        return [ins[0].astype(DT[attr(node, "to")])]
    if op in ("Add", "Sub", "Mul", "Div"):
        a, b = ins
        r = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply}.get(op)
        if r is not None:
            return [r(a, b).astype(a.dtype)]
        return [(a // b if np.issubdtype(a.dtype, np.integer) else a / b).astype(a.dtype)]
    if op == "Gather":
        return [np.take(ins[0], ins[1], axis=attr(node, "axis", 0))]
    if op == "Unsqueeze":
        axes = ins[1] if len(ins) > 1 else attr(node, "axes")
        x = ins[0]
        for ax in sorted(int(a) % (x.ndim + len(axes)) for a in axes):
            x = np.expand_dims(x, ax)
        return [x]
    if op == "Concat":
        return [np.concatenate(ins, axis=attr(node, "axis"))]
    if op == "Range":
        return [np.arange(ins[0], ins[1], ins[2]).astype(ins[0].dtype)]
    if op == "Reshape":
        return [ins[0].reshape([d if d != 0 else ins[0].shape[i] for i, d in enumerate(ins[1])])]
    if op == "Expand":
        return [ins[0] * np.ones(ins[1], dtype=ins[0].dtype)]
    if op == "Transpose":
        return [np.transpose(ins[0], attr(node, "perm"))]
    if op == "Slice":
        x, starts, ends = ins[0], ins[1], ins[2]
        axes = ins[3] if len(ins) > 3 and ins[3] is not None else range(len(starts))
        steps = ins[4] if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
        sl = [slice(None)] * x.ndim
        for s, e, a, st in zip(starts, ends, axes, steps):
            sl[int(a)] = slice(int(s), int(min(e, np.iinfo(np.int64).max)), int(st))
        return [x[tuple(sl)]]
    if op == "ConstantOfShape":
        val = attr(node, "value")
        fill = numpy_helper.to_array(val) if val is not None else np.zeros(1, np.float32)
        return [np.full(ins[0], fill[0], dtype=fill.dtype)]
    return None


def rebuild(g, nodes, known):
    """The graph holds exactly these nodes, and as initializers the known tensors they (or the outputs) read."""
    used = {i for n in nodes for i in n.input} | {o.name for o in g.output}
    del g.node[:]
    g.node.extend(nodes)
    del g.initializer[:]
    g.initializer.extend(numpy_helper.from_array(np.asarray(v), k) for k, v in known.items() if k in used)
    del g.value_info[:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--size", type=int, default=384)
    a = ap.parse_args()
    m = onnx.load(a.src)
    g = m.graph
    inp = g.input[0]
    for d, val in zip(inp.type.tensor_type.shape.dim, [1, 3, a.size, a.size]):
        d.ClearField("dim_param")
        d.dim_value = val
    for o in g.output:
        o.type.tensor_type.shape.dim[0].ClearField("dim_param")
        o.type.tensor_type.shape.dim[0].dim_value = 1
    known = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    nodes = list(g.node)
    while True:
        # Shapes of what is left (folding a Reshape's target shape makes later shapes static), then fold what we can.
        rebuild(g, nodes, known)
        inferred = shape_inference.infer_shapes(m)
        shapes = {}
        for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
            dims = vi.type.tensor_type.shape.dim
            shapes[vi.name] = [d.dim_value if d.HasField("dim_value") else None for d in dims]
        before = len(nodes)
        changed = True
        while changed:
            changed = False
            keep = []
            for n in nodes:
                out = evaluate(n, known, shapes)
                if out is None:
                    keep.append(n)
                    continue
                for name, arr in zip(n.output, out):
                    known[name] = np.asarray(arr)
                changed = True
            nodes = keep
        if len(nodes) == before:
            break
    # Identity on a computed tensor: consumers read its input directly.
    alias = {}
    rest = []
    for n in nodes:
        if n.op_type == "Identity":
            alias[n.output[0]] = n.input[0]
        else:
            rest.append(n)
    outputs = {o.name for o in g.output}
    for n in rest:
        for i, name in enumerate(n.input):
            while name in alias:
                name = alias[name]
            n.input[i] = name
    rebuild(g, rest, known)
    onnx.checker.check_model(m)
    onnx.save(m, a.dst)
    import collections
    print(f"{a.dst}: {len(rest)} nodes left", dict(collections.Counter(n.op_type for n in rest)))


if __name__ == "__main__":
    main()
