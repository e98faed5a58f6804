"""Per-font / per-pitch synthetic evaluation of exported line models (run 4 on).

Builds one fixed, seeded validation set and greedy-decodes it with each ONNX model
given, so every model sees exactly the same crops:
- per face: OCR-B, every TRAIN_FONTS face and the HELDOUT_FONTS faces (never seen in
  training), N lines each, the pitch stratified over four buckets of OCR-B's pitch
  (0.85-0.95, 0.95-1.15, 1.15-1.30, 1.30-1.60), run 4 augmentations at --strength
  (overprints drawn at random as in training);
- "overprint": N lines, random face (OCR-B in about half), overprints always drawn;
- "legacy-full" / "legacy-moderate": the runs 1-3 OCR-B distribution
  (mrzgen.Generator() at strength 1.0 / 0.5, seeds 777 / 778, as export.py).

  python3 training/eval_fonts.py --model old=models/mrz_line_crnn.onnx \\
      --model run4=training/out/run4/mrz_line_crnn.onnx --json training/out/run4/eval_fonts.json
"""
import argparse
import json
import os
import pickle
import sys
import time
import zlib

import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mrzgen  # noqa: E402

BUCKETS = [(0.85, 0.95), (0.95, 1.15), (1.15, 1.3), (1.3, 1.6)]


def build_set(n_font, n_legacy, strength, seed):
    gen = mrzgen.Generator(mix="run4", verbose=True)
    faces = ["ocr-b"] + gen.font_names + [n for n, _p, _w in mrzgen.HELDOUT_FONTS]
    items = []  # (group, face, pitch_mult, image, label)
    for face in faces:
        rng = np.random.default_rng([seed, zlib.crc32(face.encode())])
        for i in range(n_font):
            lo, hi = BUCKETS[i % len(BUCKETS)]
            m = rng.uniform(lo, hi)
            im, lab = gen.sample(rng, strength=strength, font=face, pitch_mult=m)
            items.append(("font", face, m, im, lab))
    rng = np.random.default_rng([seed, 99])
    for i in range(n_font * 2):
        im, lab = gen.sample(rng, strength=strength, overprint=True)
        items.append(("overprint", gen.last["font"], gen.last["pitch"], im, lab))
    legacy = mrzgen.Generator()
    for name, s, sd in (("legacy-full", 1.0, 777), ("legacy-moderate", 0.5, 778)):
        rng = np.random.default_rng(sd)
        for i in range(n_legacy):
            im, lab = legacy.sample(rng, strength=s)
            items.append((name, "ocr-b", None, im, lab))
    return faces, items


def run_model(path, items):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    preds = []
    for _g, _f, _m, im, _lab in items:
        p = sess.run(["probs"], {"image": mrzgen.normalise(im)[None, None]})[0]
        preds.append(mrzgen.decode_greedy(p[0].argmax(-1)))
    return preds


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append", required=True, help="NAME=PATH.onnx (repeatable)")
    ap.add_argument("--n-font", type=int, default=120, help="lines per face (a multiple of 4)")
    ap.add_argument("--n-legacy", type=int, default=300)
    ap.add_argument("--strength", type=float, default=0.6)
    ap.add_argument("--seed", type=int, default=2604)
    ap.add_argument("--cache", default=os.path.join(here, "out", "run4", "eval_fonts_set.pkl"),
                    help="the generated set is cached here (regenerating gives the same set)")
    ap.add_argument("--json", default="")
    args = ap.parse_args()

    key = (args.n_font, args.n_legacy, args.strength, args.seed)
    faces = items = None
    if args.cache and os.path.exists(args.cache):
        with open(args.cache, "rb") as f:
            k2, faces, items = pickle.load(f)
        if k2 != key:
            faces = items = None
    if items is None:
        t = time.time()
        faces, items = build_set(*key)
        print("built %d lines in %.0fs" % (len(items), time.time() - t), flush=True)
        if args.cache:
            os.makedirs(os.path.dirname(args.cache), exist_ok=True)
            with open(args.cache, "wb") as f:
                pickle.dump((key, faces, items), f)
    held = {n for n, _p, _w in mrzgen.HELDOUT_FONTS}

    results = {}
    names = []
    for spec in args.model:
        name, path = spec.split("=", 1)
        names.append(name)
        t = time.time()
        preds = run_model(path, items)
        print("%s: %d lines in %.0fs" % (name, len(items), time.time() - t), flush=True)
        groups = {}

        def add(g, ok):
            a = groups.setdefault(g, [0, 0])
            a[0] += ok
            a[1] += 1

        for (grp, face, m, _im, lab), p in zip(items, preds):
            ok = int(p == lab)
            if grp != "font":
                add(grp, ok)
                continue
            add("face " + face, ok)
            kind = "ocr-b" if face == "ocr-b" else ("held-out" if face in held else "train-other")
            add("all " + kind, ok)
            add("pitch %s %s" % (mrzgen.pitch_bucket(m), kind), ok)
        results[name] = {g: {"exact": a[0], "n": a[1], "acc": a[0] / a[1]} for g, a in groups.items()}

    rows = (["face " + f for f in faces] + ["all ocr-b", "all train-other", "all held-out"] +
            ["pitch %s %s" % (b, k) for k in ("ocr-b", "train-other", "held-out")
             for b in ("0.85-0.95", "0.95-1.15", "1.15-1.30", "1.30-1.60")] +
            ["overprint", "legacy-full", "legacy-moderate"])
    print("| set | n | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for r in rows:
        if r not in results[names[0]]:
            continue
        n = results[names[0]][r]["n"]
        print("| %s%s | %d | %s |" % (r, " (held out)" if r[5:] in held else "", n,
                                      " | ".join("%.1f%%" % (100 * results[k][r]["acc"]) for k in names)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
