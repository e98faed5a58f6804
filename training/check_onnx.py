"""Quick sanity check: greedy-decode a few freshly generated lines with the ONNX model.

  python3 training/check_onnx.py [--model models/mrz_line_crnn.onnx] [--n 10] [--png out.png]
"""
import argparse
import os
import sys

import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mrzgen  # noqa: E402


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(here, "..", "models", "mrz_line_crnn.onnx"))
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--png", default="", help="optionally save the normalised crops here")
    args = ap.parse_args()
    sess = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    gen = mrzgen.Generator()
    rng = np.random.default_rng(args.seed)
    ok = 0
    rows = []
    for _ in range(args.n):
        im, lab = gen.sample(rng)
        x = mrzgen.normalise(im)  # same normalisation as the Rust side
        rows.append(x)
        probs = sess.run(["probs"], {"image": x[None, None].astype(np.float32)})[0]  # [1, W/4, 38]
        pred = mrzgen.decode_greedy(probs[0].argmax(-1))
        ok += pred == lab
        print(("OK   " if pred == lab else "DIFF ") + "W=%4d  %s\n%s %s" % (x.shape[1], lab, " " * 13, pred))
    print("%d/%d lines exact" % (ok, args.n))
    if args.png:
        import cv2
        Wm = max(r.shape[1] for r in rows)
        canvas = np.full((len(rows) * 36, Wm), 128, np.uint8)
        for i, r in enumerate(rows):
            canvas[i * 36:i * 36 + 32, :r.shape[1]] = (r * 255).astype(np.uint8)
        cv2.imwrite(args.png, canvas)


if __name__ == "__main__":
    main()
