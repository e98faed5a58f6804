#!/usr/bin/env python3
"""Summarises a challenge set made by training/challenge.py.

Prints the number of images per axis:bucket (and flags buckets under --min), and
writes DIR/contact.png: a contact sheet of about 24 thumbnails chosen to cover the
buckets, each captioned with its factors.

Usage: python3 training/challenge_check.py DIR [--n 24] [--min 25]
"""
import argparse
import collections
import json
import os

from PIL import Image, ImageDraw, ImageFont

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--n", type=int, default=24, help="thumbnails on the contact sheet")
    ap.add_argument("--min", type=int, default=25, help="flag buckets with fewer images")
    ap.add_argument("--thumb", type=int, default=360, help="thumbnail size (px)")
    ap.add_argument("--mrz-sheet", action="store_true", help="also write DIR/mrz.png (MRZ close-ups)")
    ap.add_argument("--eval-log", help="stderr of `passport-vision eval --per-image` on this set: print the "
                    "exact-read rate per axis:bucket")
    ap.add_argument("--eval-summary", help="stdout (summary JSON) of that eval: adds negatives read as an MRZ")
    args = ap.parse_args()
    gt = json.load(open(os.path.join(args.dir, "ground-truth.json")))
    images = gt["images"]
    root = os.path.dirname(os.path.abspath(args.dir.rstrip("/")))
    counts = collections.Counter()
    for r in images:
        for axis, bucket in r.get("factors", {}).items():
            counts[(axis, bucket)] += 1
    by_type = collections.Counter(r["document_type"] for r in images)
    print("%d images; document_type: %s" % (len(images), dict(sorted(by_type.items()))))
    print("invalid (deliberate): %d, negatives: %d" % (
        sum(r["expected_outcome"].startswith("invalid") for r in images),
        sum(not r["mrz_lines"] for r in images)))
    low = []
    for axis in sorted({a for a, _ in counts}):
        parts = []
        for (a, b), c in sorted(counts.items()):
            if a == axis:
                parts.append("%s=%d" % (b, c))
                if c < args.min:
                    low.append("%s:%s=%d" % (a, b, c))
        print("%-10s %s" % (axis, "  ".join(parts)))
    if low:
        print("buckets under %d: %s" % (args.min, ", ".join(low)))
    # Contact sheet: greedily pick images that add the most unseen axis:bucket pairs.
    seen, picked = set(), []
    pool = list(images)
    while pool and len(picked) < args.n:
        best = max(pool, key=lambda r: (len(set(r.get("factors", {}).items()) - seen), -images.index(r)))
        picked.append(best)
        seen |= set(best.get("factors", {}).items())
        pool.remove(best)
    T = args.thumb
    cols = 6
    rows = (len(picked) + cols - 1) // cols
    cap_h = 58
    sheet = Image.new("RGB", (cols * (T + 8), rows * (T + cap_h + 8)), (255, 255, 255))
    d = ImageDraw.Draw(sheet)
    f = ImageFont.truetype(SANS, 11)
    for k, r in enumerate(picked):
        im = Image.open(os.path.join(root, r["file"])).convert("RGB")
        im.thumbnail((T, T), Image.LANCZOS)
        x, y = (k % cols) * (T + 8) + 4, (k // cols) * (T + cap_h + 8) + 4
        sheet.paste(im, (x + (T - im.size[0]) // 2, y + (T - im.size[1]) // 2))
        fa = r.get("factors", {})
        txt = [os.path.basename(r["file"]) + " %dx%d" % (r["image_width"], r["image_height"]),
               " ".join(str(fa.get(a, "")) for a in ("font", "pitch", "char_px", "negative") if a in fa),
               " ".join(str(fa.get(a, "")) for a in ("quality", "overprint", "background") if a in fa),
               " ".join(str(fa.get(a, "")) for a in ("layout", "geometry", "validity") if a in fa)]
        for j, t in enumerate(txt):
            d.text((x, y + T + 2 + 13 * j), t, font=f, fill=(0, 0, 0))
    out = os.path.join(args.dir, "contact.png")
    sheet.save(out)
    print("contact sheet:", out)
    if args.mrz_sheet:
        mrz_sheet(args, images, root)
    if args.eval_log:
        per_factor(args, images)


def per_factor(args, images):
    """Exact-read rate per axis:bucket from eval's per-image lines ("ok  FILE ..." / "MISS FILE ...")."""
    result = {}
    for line in open(args.eval_log, encoding="utf-8", errors="replace"):
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("ok", "MISS"):
            result[parts[1]] = parts[0] == "ok"
    false_neg = set()
    if args.eval_summary:
        text = open(args.eval_summary).read()
        summary = json.loads(text[text.index("{"):text.rindex("}") + 1])
        for m in summary.get("misses", []):
            if ": negative read as" in m:
                false_neg.add(m.split(": negative read as")[0])
    pos = [r for r in images if r["mrz_lines"]]
    scored = [r for r in pos if r["file"] in result]
    print("\nper-image results found for %d of %d images with an MRZ" % (len(scored), len(pos)))
    if not scored:
        return
    ok = sum(result[r["file"]] for r in scored)
    print("overall exact: %d/%d = %.1f%%" % (ok, len(scored), 100.0 * ok / len(scored)))
    tally = collections.defaultdict(lambda: [0, 0])
    for r in scored:
        for axis, bucket in r.get("factors", {}).items():
            t = tally[(axis, bucket)]
            t[0] += result[r["file"]]
            t[1] += 1
    for axis in sorted({a for a, _ in tally}):
        cells = ["%s %d/%d (%.0f%%)" % (b, a, n, 100.0 * a / n) for (ax, b), (a, n) in sorted(tally.items()) if ax == axis]
        print("%-10s %s" % (axis, "  ".join(cells)))
    negs = [r for r in images if not r["mrz_lines"]]
    if args.eval_summary:
        print("negatives read as an MRZ: %d/%d %s" % (len(false_neg), len(negs), sorted(false_neg)))


def mrz_sheet(args, images, root):
    """DIR/mrz.png: the MRZ region (axis-aligned box around mrz_quad_xy) of a few images
    of each overprint and quality bucket, to check legibility and that overprints cross it."""
    picks = []
    for axis in ("overprint", "quality", "char_px"):
        buckets = sorted({r["factors"][axis] for r in images if axis in r.get("factors", {})})
        for b in buckets:
            rs = [r for r in images if r.get("factors", {}).get(axis) == b and r.get("mrz_quad_xy")
                  and r["factors"].get("geometry") in ("upright", "tilt")][:2]
            picks += [(axis + ":" + b, r) for r in rs]
    W, rowh = 900, 130
    sheet = Image.new("RGB", (W, rowh * len(picks)), (255, 255, 255))
    d = ImageDraw.Draw(sheet)
    f = ImageFont.truetype(SANS, 12)
    for k, (label, r) in enumerate(picks):
        im = Image.open(os.path.join(root, r["file"])).convert("RGB")
        xs = [p[0] for p in r["mrz_quad_xy"]]
        ys = [p[1] for p in r["mrz_quad_xy"]]
        h = max(ys) - min(ys)
        box = (max(0, min(xs) - 0.05 * (max(xs) - min(xs))), max(0, min(ys) - 0.5 * h),
               min(im.size[0], max(xs) + 0.05 * (max(xs) - min(xs))), min(im.size[1], max(ys) + 0.5 * h))
        c = im.crop(tuple(int(v) for v in box))
        c.thumbnail((W, rowh - 16), Image.LANCZOS)
        sheet.paste(c, (0, k * rowh + 16))
        d.text((2, k * rowh + 1), "%s  %s  char_px=%s" % (label, os.path.basename(r["file"]), r.get("char_px")),
               font=f, fill=(200, 0, 0))
    out = os.path.join(args.dir, "mrz.png")
    sheet.save(out)
    print("MRZ crops:", out)


if __name__ == "__main__":
    main()
