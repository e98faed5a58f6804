"""Export a trained checkpoint to ONNX and verify it with onnxruntime.

  python3 training/export.py --ckpt training/out/best.pt --out models/mrz_line_crnn.onnx
"""
import argparse
import collections
import hashlib
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mrzgen  # noqa: E402
from model import CRNN, CRNNProbs, count_params  # noqa: E402
from train import levenshtein  # noqa: E402


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(here, "out", "best.pt"))
    ap.add_argument("--out", default=os.path.join(here, "..", "models", "mrz_line_crnn.onnx"))
    ap.add_argument("--n", type=int, default=300, help="fresh synthetic lines for the accuracy check")
    ap.add_argument("--seed", type=int, default=777)
    args = ap.parse_args()

    torch.set_num_threads(1)
    ck = torch.load(args.ckpt, map_location="cpu")
    # Checkpoints before run 3 carry no "stem": they are the pooled stem.
    m = CRNN(stem_kind=ck.get("stem", "pool"))
    m.load_state_dict(ck["model"])
    m.eval()
    wrap = CRNNProbs(m).eval()
    print("checkpoint step", ck.get("step"), "metrics", ck.get("metrics"), "params", count_params(m))
    dummy = torch.ones(1, 1, 32, 400)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.onnx.export(wrap, dummy, args.out, input_names=["image"], output_names=["probs"],
                      dynamic_axes={"image": {0: "N", 3: "W"}, "probs": {0: "N", 1: "T"}},
                      opset_version=17, do_constant_folding=True, dynamo=False)

    import onnx
    import onnxruntime as ort

    mo = onnx.load(args.out)
    onnx.checker.check_model(mo)
    ops = collections.Counter(n.op_type for n in mo.graph.node)
    print("ops:", dict(ops))
    for v in list(mo.graph.input) + list(mo.graph.output):
        dims = [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
        print("io:", v.name, dims)

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(args.out, so, providers=["CPUExecutionProvider"])
    gen = mrzgen.Generator()
    rng = np.random.default_rng(args.seed)
    maxdiff = 0.0
    ok = errs = chars = 0
    times = []
    for i in range(args.n):
        im, lab = gen.sample(rng, strength=1.0)
        x = mrzgen.normalise(im)[None, None]
        t = time.perf_counter()
        p = sess.run(["probs"], {"image": x})[0]
        times.append((time.perf_counter() - t, x.shape[-1]))
        if i < 20:
            with torch.no_grad():
                pt = wrap(torch.from_numpy(x)).numpy()
            maxdiff = max(maxdiff, float(np.abs(pt - p).max()))
        assert p.shape == (1, x.shape[-1] // 4, 38), p.shape
        pred = mrzgen.decode_greedy(p[0].argmax(-1))
        ok += pred == lab
        errs += levenshtein(pred, lab)
        chars += len(lab)
    # batched run with padding must work too
    xb = np.ones((3, 1, 32, 640), np.float32)
    pb = sess.run(["probs"], {"image": xb})[0]
    assert pb.shape == (3, 160, 38)
    print("max |torch - onnxruntime| = %.2e" % maxdiff)
    assert maxdiff < 1e-4, maxdiff
    t44 = [t for t, w in times if w >= 800]
    print("onnxruntime 1 thread: median %.2f ms per line (W>=800: %.2f ms)" % (
        1000 * np.median([t for t, _ in times]), 1000 * np.median(t44) if t44 else float("nan")))
    print("fresh synthetic check (n=%d): line_acc=%.4f cer=%.5f" % (args.n, ok / args.n, errs / chars))
    # a second, moderately degraded synthetic set (augmentation strength 0.5)
    rng = np.random.default_rng(args.seed + 1)
    ok = errs = chars = 0
    for i in range(args.n):
        im, lab = gen.sample(rng, strength=0.5)
        p = sess.run(["probs"], {"image": mrzgen.normalise(im)[None, None]})[0]
        pred = mrzgen.decode_greedy(p[0].argmax(-1))
        ok += pred == lab
        errs += levenshtein(pred, lab)
        chars += len(lab)
    print("moderate synthetic check (strength 0.5, n=%d): line_acc=%.4f cer=%.5f" % (args.n, ok / args.n, errs / chars))
    data = open(args.out, "rb").read()
    print("wrote %s (%d bytes) sha256 %s" % (args.out, len(data), hashlib.sha256(data).hexdigest()))


if __name__ == "__main__":
    main()
