#!/usr/bin/env python3
"""Seeded generator of whole synthetic document images for evaluating the reader.

"An evaluation you cannot overfit": every run with a new --seed draws new documents,
and each page varies independently along several axes (font, letter pitch, character
height, image quality, overprints, background, layout, geometry). The ground truth is
written in the schema `passport-vision eval` reads (`struct Truth` in src/cli.rs), with
one extra `factors` object per image naming the bucket of every axis, so results can
be grouped per axis:bucket.

Usage:
    python3 training/challenge.py --out DIR [--n 480] [--seed 20261206]
    passport-vision eval --no-faces --per-image --ground-truth DIR/ground-truth.json \
        > eval.json 2> eval.log
    python3 training/challenge_check.py DIR [--mrz-sheet] [--eval-log eval.log --eval-summary eval.json]

Axes (buckets) in `factors`: font (ocrb ~40%, ocra, dejavu-mono-bold, liberation-mono,
freemono, courier-prime, inconsolata, dotgothic16, league-mono-wide, and the held-out
faces heldout-anonymous, heldout-jetbrains), pitch (letter pitch relative to OCR-B's at
the same cap height: 0.85-1.0, 1.0-1.2, 1.2-1.6), char_px (cap height in final pixels:
6-9, 9-14, 14-25, 25-60), quality (clean, blur, noise, jpeg-low, uneven-light,
low-quality = scale 0.6 + blur 0.6 + JPEG 40), overprint (none, stamp, handwriting,
marker-ellipse, redbox-digits, specimen), background (plain, security), layout (single,
front-back, two-docs: the other side / other document never has an MRZ), geometry
(upright, tilt < 5 deg, rotated 0-360, mirrored, perspective-clutter), doctype, validity.
Negatives (~1/16 of the pages, document_type "none") have only quality, background,
geometry and `negative` (card-front, text-page, bank-card). Buckets are filled by
stratified assignment, so every bucket of the default 480 pages holds >= 25 pages (the
`negative` kinds hold 10 each). Extra per-image fields the Rust side ignores: char_px,
pitch_ratio and mrz_quad_xy (the MRZ's corners in final image pixels). char_px 25-60 is
capped so that a 44-character line stays under 3000 px, and scenes over 2600 px are
cropped to a close-up around the MRZ.

`file` in the truth is "<basename of DIR>/images/<name>", so eval's root is DIR's
parent. Output is deterministic: the same seed gives the same bytes (given the same
Pillow/libjpeg and fonts).

Needs numpy, Pillow and system fonts (fonts-ocr-b, fonts-ocr-a, fonts-dejavu,
fonts-liberation, fonts-freefont-ttf, fonts-courier-prime, fonts-inconsolata,
fonts-dotgothic16, fonts-league-mono, fonts-anonymous-pro, fonts-jetbrains-mono).
No OpenCV: the MRZ text generators of mrzgen.py are imported with a stub for cv2,
which they do not use.
"""
import argparse
import io
import json
import math
import os
import sys
import time
import types

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
try:  # mrzgen imports cv2 for its line renderer; its text generators do not need it.
    import cv2  # noqa: F401
except ImportError:
    sys.modules["cv2"] = types.ModuleType("cv2")
import mrzgen  # noqa: E402

# ------------------------------------------------------------------ fonts

FONTS = {  # bucket -> file
    "ocrb": "/usr/share/fonts/opentype/ocr-b/OCRB.otf",
    "ocra": "/usr/share/fonts/truetype/ocr-a/OCRA.ttf",
    "dejavu-mono-bold": "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "liberation-mono": "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
    "freemono": "/usr/share/fonts/truetype/freefont/FreeMono.ttf",
    "courier-prime": "/usr/share/fonts/opentype/courier-prime/Courier Prime.otf",
    "inconsolata": "/usr/share/fonts/truetype/inconsolata/Inconsolata.otf",
    "dotgothic16": "/usr/share/fonts/truetype/dotgothic16/DotGothic16-Regular.ttf",
    "league-mono-wide": "/usr/share/fonts/opentype/league-mono/LeagueMono-WideRegular.otf",
    "heldout-anonymous": "/usr/share/fonts/truetype/anonymous-pro/Anonymous Pro.ttf",
    "heldout-jetbrains": "/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Regular.ttf",
}
SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SANS_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
SANS2 = "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"
SANS2_BOLD = "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"
SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
ALPHABET = mrzgen.ALPHABET
OCRB_ADV_PER_CAP = 1.018  # OCR-B advance / cap height (measured, OCRB.otf)

_font_cache = {}


def font(path, size):
    key = (path, int(size))
    if key not in _font_cache:
        _font_cache[key] = ImageFont.truetype(path, max(4, int(size)))
    return _font_cache[key]


_metrics = {}


def font_metrics(path):
    """(cap height per unit size, widest ink of the MRZ alphabet per cap) of a face."""
    if path not in _metrics:
        f = ImageFont.truetype(path, 200)
        cap = -f.getbbox("H", anchor="ls")[1]
        notdef = _glyph_mask(f, "\uE7FF")
        widest = 0
        for c in ALPHABET:
            m = _glyph_mask(f, c)
            if m.sum() == 0 or np.array_equal(m, notdef):
                raise RuntimeError(f"{path} lacks a glyph for {c!r}")
            xs = np.nonzero(m.max(axis=0))[0]
            widest = max(widest, xs.max() - xs.min() + 1)
        _metrics[path] = (cap / 200.0, widest / cap)
    return _metrics[path]


def _glyph_mask(f, c):
    im = Image.new("L", (400, 400))
    ImageDraw.Draw(im).text((100, 300), c, font=f, fill=255, anchor="ls")
    return np.asarray(im) > 64


def sans_font(rng, bold=False):
    if rng.random() < 0.5:
        return SANS_BOLD if bold else SANS
    return SANS2_BOLD if bold else SANS2


# ------------------------------------------------------------------ MRZ text

DOC_TYPES = ["TD3", "TD1", "TD2", "MRVA", "MRVB", "FRENCH_ID"]


def _no_bad_cd(rng, field, bad=0.0):
    rng.random()  # keep mrzgen's draw sequence
    return mrzgen.check_digit(field)


mrzgen._cd = _no_bad_cd  # valid check digits; breakage is decided here, explicitly

cd = mrzgen.check_digit


def checks(doc_type, lines):
    """[(name, line, column, covered text)] of every check digit of a format."""
    if doc_type in ("TD3", "MRVA", "TD2", "MRVB"):
        l2 = lines[1]
        out = [("doc", 1, 9, l2[0:9]), ("dob", 1, 19, l2[13:19]), ("exp", 1, 27, l2[21:27])]
        if doc_type == "TD3":
            out += [("pn", 1, 42, l2[28:42]), ("comp", 1, 43, l2[0:10] + l2[13:20] + l2[21:43])]
        if doc_type == "TD2":
            out += [("comp", 1, 35, l2[0:10] + l2[13:20] + l2[21:35])]
        return out
    if doc_type == "TD1":
        l1, l2 = lines[0], lines[1]
        return [("doc", 0, 14, l1[5:14]), ("dob", 1, 6, l2[0:6]), ("exp", 1, 14, l2[8:14]),
                ("comp", 1, 29, l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])]
    if doc_type == "FRENCH_ID":
        l1, l2 = lines
        return [("doc", 1, 12, l2[0:12]), ("dob", 1, 33, l2[27:33]), ("comp", 1, 35, l1 + l2[0:35])]
    return []


def failing_checks(doc_type, lines):
    bad = []
    for name, li, col, text in checks(doc_type, lines):
        c = lines[li][col]
        if c == "<" and set(text) <= {"<"}:
            continue
        if c != cd(text):
            bad.append(name)
    return bad


def make_mrz(rng, doc_type):
    if doc_type == "TD3":
        lines = mrzgen.gen_td3(rng)
    elif doc_type == "MRVA":
        lines = mrzgen.gen_td3(rng, visa=True)
    elif doc_type == "TD2":
        lines = mrzgen.gen_td2(rng)
    elif doc_type == "MRVB":
        lines = mrzgen.gen_td2(rng, visa=True)
    elif doc_type == "TD1":
        lines = mrzgen.gen_td1(rng)
    else:
        l1, l2 = mrzgen.gen_fr_id(rng)
        # French ID: 12-digit number YYMM + office (3) + 5 digits; composite over both lines.
        l1 = l1[:30] + "".join(rng.choice(list("0123456789"), size=3)) + "<<<"
        l2 = l2[:35] + cd(l1 + l2[:35])
        lines = [l1, l2]
    if lines[0][0] == "I" and doc_type in ("TD1", "TD2") and lines[0][1] == "<":
        lines[0] = "ID" + lines[0][2:]
    # (the document code is outside every check digit's span)
    assert not failing_checks(doc_type, lines), (doc_type, lines, failing_checks(doc_type, lines))
    return lines


def break_check(rng, doc_type, lines):
    """Misprint one check digit; returns (lines, names of failing checks)."""
    cands = [c for c in checks(doc_type, lines) if lines[c[1]][c[2]] != "<"]
    name, li, col, _ = cands[int(rng.integers(len(cands)))]
    old = lines[li][col]
    new = str(rng.choice([d for d in "0123456789" if d != old]))
    lines = list(lines)
    lines[li] = lines[li][:col] + new + lines[li][col + 1:]
    return lines, failing_checks(doc_type, lines)


# ------------------------------------------------------------------ drawing helpers

TINTS = [(238, 228, 236), (226, 238, 228), (224, 232, 244), (244, 236, 218), (236, 236, 230),
         (246, 230, 222), (230, 240, 240), (240, 240, 226)]


def lowres_field(rng, w, h, cells=(3, 8), amp=1.0):
    """Smooth random field in [-amp, amp] of size w x h (float32)."""
    sh, sw = int(rng.integers(*cells)), int(rng.integers(*cells))
    a = rng.uniform(0, 255, size=(sh, sw)).astype(np.uint8)
    im = Image.fromarray(a).resize((w, h), Image.BICUBIC)
    return (np.asarray(im, np.float32) / 127.5 - 1.0) * amp


def security_background(rng, w, h, tint):
    """Guilloche lines and colour gradients, computed at low resolution and upscaled."""
    s = min(1.0, 640.0 / max(w, h))
    lw, lh = max(8, int(w * s)), max(8, int(h * s))
    y, x = np.mgrid[0:lh, 0:lw].astype(np.float32)
    x /= s
    y /= s
    img = np.empty((lh, lw, 3), np.float32)
    img[:] = tint
    ang = rng.uniform(0, 2 * math.pi)
    t = (x * math.cos(ang) + y * math.sin(ang)) / max(w, h)
    tint2 = np.array(TINTS[int(rng.integers(len(TINTS)))], np.float32)
    img += (tint2 - np.array(tint, np.float32)) * t[..., None] * rng.uniform(0.5, 1.5)
    scale = max(w, h) / 600.0
    for _ in range(int(rng.integers(2, 5))):
        fx, fy = rng.uniform(0.01, 0.05, 2) / scale
        ph = rng.uniform(0, 6.28)
        amp = rng.uniform(2, 5)
        arg = x * fx + np.sin(y * fy + ph) * amp + np.sin(x * fy * 0.7) * amp * 0.5
        line = np.clip(1.0 - np.abs(np.sin(arg * rng.uniform(2, 5))) / rng.uniform(0.12, 0.35), 0, 1)
        col = np.array([rng.uniform(15, 55) for _ in range(3)], np.float32)
        img -= line[..., None] * col * rng.uniform(0.25, 0.7)
    # rosette
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.6) * h
    r = np.hypot(x - cx, y - cy)
    th = np.arctan2(y - cy, x - cx)
    ros = np.clip(1 - np.abs(np.sin(r / (6 * scale) + 4 * np.sin(th * int(rng.integers(5, 12))))) / 0.2, 0, 1)
    ros *= np.clip(1 - r / (0.35 * max(w, h)), 0, 1)
    img -= ros[..., None] * rng.uniform(10, 35, 3).astype(np.float32)
    im = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    return im.resize((w, h), Image.BILINEAR)


def plain_background(rng, w, h, tint):
    base = np.array(tint, np.float32) * 0.3 + np.array([246, 245, 242], np.float32) * 0.7
    img = Image.new("RGB", (w, h), tuple(int(v) for v in base))
    return img


def multiply_layer(img, mask, colour, alpha):
    """Ink of `colour` through the L-mode mask (0..255) with opacity alpha, multiplied."""
    bbox = mask.getbbox()
    if not bbox:
        return img
    sub, m = img.crop(bbox), mask.crop(bbox)
    inked = ImageChops.multiply(sub, Image.new("RGB", sub.size, colour))
    m = m.point(lambda v: int(v * alpha))
    img.paste(Image.composite(inked, sub, m), bbox[:2])
    return img


def draw_silhouette(img, box, rng):
    """A grey head-and-shoulders silhouette in a framed portrait area, clipped to it."""
    x0, y0, x1, y1 = [int(round(v)) for v in box]
    w, h = x1 - x0, y1 - y0
    bg = int(rng.uniform(170, 215))
    p = Image.new("RGB", (w, h), (bg, bg, bg + 4))
    d = ImageDraw.Draw(p)
    g = int(rng.uniform(90, 140))
    d.ellipse([0.3 * w, 0.15 * h, 0.7 * w, 0.6 * h], fill=(g, g, g))
    d.ellipse([0.08 * w, 0.62 * h, 0.92 * w, 1.45 * h], fill=(g - 15, g - 15, g - 12))
    d.rectangle([0, 0, w - 1, h - 1], outline=(110, 110, 110), width=max(1, int(w / 120)))
    img.paste(p, (x0, y0))


SURNAMES = ["QUINTERO", "BRANDT", "OKAFOR", "NAKAMURA", "SILVA", "KOWALSKA", "DUPONT", "ERIKSSON",
            "HASSAN", "MORENO", "PETROV", "OLSEN", "MBEKI", "ROSSI", "NGUYEN", "FISCHER"]
WORDS = ("the of and to in for is on that by this with you it not or be are from at as your all have new "
         "more an was we will home can us about if page my has search free but our one other do no information "
         "time they site he up may what which their news out use any there see only so his when contact here "
         "business who web also now help get pm view online first am been would how were me services some "
         "these click its like service than find price date back top people had list name just over state "
         "year day into email two health world next used go work last most products music buy data make them "
         "should product system post her city add policy number such please available copyright support").split()


def words(rng, n):
    return " ".join(str(rng.choice(WORDS)) for _ in range(n))


# ------------------------------------------------------------------ documents

DOC_MM = {"TD3": (125.0, 88.0), "MRVA": (120.0, 80.0), "TD2": (105.0, 74.0), "MRVB": (105.0, 74.0),
          "TD1": (85.6, 54.0), "FRENCH_ID": (105.0, 74.0)}
HEADERS = {"TD3": ("PASSPORT", "PASSEPORT"), "MRVA": ("VISA", "VISA"), "MRVB": ("VISA", "VISA"),
           "TD2": ("IDENTITY CARD", "CARTE D'IDENTITE"), "TD1": ("IDENTITY CARD", "CARTE D'IDENTITE"),
           "FRENCH_ID": ("CARTE NATIONALE D'IDENTITE", "REPUBLIQUE FRANCAISE")}


class Doc:
    """A rendered document: RGB image, and the MRZ's character cells in its pixels."""

    def __init__(self, img, mrz_box=None, cells=None, cap=None, pitch=None):
        self.img = img
        self.mrz_box = mrz_box  # (x0, y0, x1, y1)
        self.cells = cells  # [[(x0, y0, x1, y1) per char] per line]
        self.cap = cap
        self.pitch = pitch


def render_surface(rng, w, h, background):
    tint = TINTS[int(rng.integers(len(TINTS)))]
    if background == "security":
        img = security_background(rng, w, h, tint)
    else:
        img = plain_background(rng, w, h, tint)
    return img


def draw_viz(rng, img, doc_type, mm, top_limit, lines, with_portrait=True):
    """Header, portrait and labelled data above `top_limit` (pixels)."""
    d = ImageDraw.Draw(img)
    w, h = img.size
    hdr = HEADERS.get(doc_type, ("DOCUMENT", "DOCUMENT"))
    country = str(rng.choice(["REPUBLIC OF UTOPIA", "KINGDOM OF ARCADIA", "FEDERAL REPUBLIC OF ERIDU",
                              "UNITED PROVINCES OF NOVA", "REPUBLIQUE DE LUMIERE"]))
    hf = font(sans_font(rng, True), 3.2 * mm)
    d.text((w * rng.uniform(0.25, 0.4), 2.5 * mm), country, font=hf, fill=(40, 40, 80))
    d.text((w * rng.uniform(0.25, 0.4), 6.5 * mm), hdr[0] + " / " + hdr[1], font=font(sans_font(rng), 2.4 * mm),
           fill=(60, 40, 60))
    name = lines[0][5:] if doc_type != "TD1" else lines[2]
    parts = [p for p in name.split("<<") if p]
    surname = parts[0].replace("<", " ") if parts else str(rng.choice(SURNAMES))
    given = parts[1].replace("<", " ") if len(parts) > 1 else ""
    y0 = 11 * mm
    px = 5 * mm
    if with_portrait:
        pw = {"TD1": 22, "TD2": 26, "FRENCH_ID": 26}.get(doc_type, 32) * mm
        ph = min(pw * 1.25, top_limit - y0 - 2 * mm)
        if ph > 5 * mm:
            draw_silhouette(img, [px, y0, px + ph / 1.25, y0 + ph], rng)
        tx = px + ph / 1.25 + 5 * mm
    else:
        tx = px
    labels = [("Surname / Nom", surname), ("Given names / Prenoms", given or "-"),
              ("Nationality", "UTOPIAN"), ("Date of birth", "%02d %s %d" % (
                  int(rng.integers(1, 29)), rng.choice(["JAN", "MAR", "JUN", "SEP", "NOV"]), int(rng.integers(1940, 2010)))),
              ("Sex", str(rng.choice(["M", "F"]))), ("Place of birth", str(rng.choice(["ALBA", "NOVA CITY", "PORT EMERY"]))),
              ("Date of expiry", "%02d DEC %d" % (int(rng.integers(1, 29)), int(rng.integers(2026, 2036)))),
              ("Authority", str(rng.choice(["MINISTRY OF INTERIOR", "PASSPORT OFFICE", "CONSULATE"])))]
    lf = font(sans_font(rng), 1.9 * mm)
    vf = font(sans_font(rng, rng.random() < 0.5), 2.7 * mm)
    step = 6.2 * mm
    col_w = 38 * mm
    ty, cx = y0, tx
    for lab, val in labels:
        if ty + step > top_limit - 1 * mm:
            ty = y0
            cx += col_w
        if cx + 20 * mm > w:
            break
        d.text((cx, ty), lab, font=lf, fill=(90, 70, 100))
        d.text((cx, ty + 2.3 * mm), val[:22], font=vf, fill=(15, 15, 20))
        ty += step


def render_mrz(rng, img, lines, fpath, cap, pitch, x0, base0, gap):
    """Draws the MRZ with glyphs squeezed to fit the pitch; returns character cells."""
    capu, widest = font_metrics(fpath)
    size = cap / capu
    sx = min(1.0, 0.92 * pitch / (widest * cap))
    f = font(fpath, round(size))
    n = len(lines[0])
    W = int(math.ceil(n * pitch / sx + 2 * cap))
    H = int(math.ceil(gap * (len(lines) - 1) + 3 * cap))
    mask = Image.new("L", (W, H), 0)
    d = ImageDraw.Draw(mask)
    jit = rng.uniform(0, 0.04)
    for i, line in enumerate(lines):
        for j, ch in enumerate(line):
            cx = cap + (j + 0.5) * pitch / sx + rng.normal(0, jit) * pitch
            cy = 2 * cap + i * gap + rng.normal(0, jit) * cap
            d.text((cx, cy), ch, font=f, fill=255, anchor="ms")
    if sx < 1.0:
        mask = mask.resize((max(1, int(round(W * sx))), H), Image.LANCZOS)
    ox = x0 - cap * sx
    oy = base0 - 2 * cap
    ink = int(rng.uniform(10, 45))
    inkc = (ink, ink, ink + int(rng.uniform(0, 25)))
    full = Image.new("L", img.size, 0)
    full.paste(mask, (int(round(ox)), int(round(oy))))
    img.paste(Image.new("RGB", img.size, inkc), (0, 0), full)
    cells = []
    for i, line in enumerate(lines):
        row = []
        for j in range(n):
            cx0 = x0 + j * pitch
            row.append((cx0, base0 + i * gap - cap, cx0 + pitch, base0 + i * gap))
        cells.append(row)
    box = (x0, base0 - cap, x0 + n * pitch, base0 + (len(lines) - 1) * gap)
    return cells, box


def render_document(rng, doc_type, lines, fpath, cap, ratio, background, with_mrz=True):
    pitch = ratio * OCRB_ADV_PER_CAP * cap
    pitch_mm = 2.54 * rng.uniform(0.97, 1.02)
    mm = pitch / pitch_mm  # pixels per millimetre
    wmm, hmm = DOC_MM[doc_type]
    n = len(lines[0])
    wmm = max(wmm, n * pitch_mm + 8)
    w, h = int(round(wmm * mm)), int(round(hmm * mm))
    img = render_surface(rng, w, h, background)
    gap = 4.23 * mm * rng.uniform(0.95, 1.08)
    gap = max(gap, 1.5 * cap)
    bottom = (3.6 if doc_type == "TD1" else 5.5) * mm * rng.uniform(0.85, 1.2)
    base0 = h - bottom - (len(lines) - 1) * gap
    x0 = (w - n * pitch) / 2 + rng.uniform(-0.5, 0.5) * mm
    top_limit = base0 - cap - 3 * mm
    draw_viz(rng, img, doc_type, mm, top_limit, lines)
    if not with_mrz:
        return Doc(img)
    cells, box = render_mrz(rng, img, lines, fpath, cap, pitch, x0, base0, gap)
    return Doc(img, box, cells, cap, pitch)


def render_card_front(rng, w, h, mm, background, doc_type="TD1"):
    img = render_surface(rng, w, h, background)
    fake = ["ID" + "UTO" + "<" * 40, "<" * 44, "BRANDT<<JONAS" + "<" * 20]
    draw_viz(rng, img, doc_type, mm, h - 4 * mm, fake)
    d = ImageDraw.Draw(img)
    d.text((w - 30 * mm, h - 8 * mm), "Signature", font=font(SANS, 1.8 * mm), fill=(90, 90, 90))
    draw_scribble(rng, d, (w - 32 * mm, h - 6 * mm, w - 6 * mm, h - 2 * mm), (30, 30, 90), max(1, int(0.3 * mm)))
    return img


def render_booklet_page(rng, w, h, mm, background):
    """The facing page of an open passport: observations text, no MRZ."""
    img = render_surface(rng, w, h, background)
    d = ImageDraw.Draw(img)
    f = font(sans_font(rng), 2.4 * mm)
    d.text((8 * mm, 6 * mm), "OBSERVATIONS / OBSERVATIONS", font=font(SANS_BOLD, 2.6 * mm), fill=(60, 50, 70))
    for k in range(int(rng.integers(3, 8))):
        d.text((8 * mm, (14 + 6 * k) * mm), words(rng, int(rng.integers(4, 9))), font=f, fill=(50, 50, 60))
    return img


def render_bank_card(rng, w, h, mm):
    c1 = tuple(int(v) for v in rng.uniform(20, 200, 3))
    c2 = tuple(int(v) for v in rng.uniform(20, 200, 3))
    a = np.linspace(0, 1, w, dtype=np.float32)[None, :, None]
    arr = np.array(c1, np.float32) * (1 - a) + np.array(c2, np.float32) * a
    arr = np.repeat(arr, h, axis=0)
    img = Image.fromarray(arr.astype(np.uint8))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([8 * mm, 18 * mm, 19 * mm, 26 * mm], radius=mm, fill=(212, 180, 90), outline=(120, 100, 40))
    f = font("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf", 4.2 * mm)
    num = " ".join("".join(str(int(rng.integers(10))) for _ in range(4)) for _ in range(4))
    d.text((8 * mm, 31 * mm), num, font=f, fill=(240, 240, 240))
    d.text((8 * mm, 40 * mm), "VALID THRU %02d/%02d" % (int(rng.integers(1, 13)), int(rng.integers(26, 33))),
           font=font(SANS, 2.2 * mm), fill=(235, 235, 235))
    d.text((8 * mm, 45 * mm), "%s %s" % (rng.choice(["J", "A", "M", "K"]), rng.choice(SURNAMES)),
           font=font(SANS_BOLD, 3.0 * mm), fill=(240, 240, 240))
    d.text((w - 30 * mm, 5 * mm), str(rng.choice(["UTOBANK", "NOVA PAY", "ARCADIA"])), font=font(SANS_BOLD, 4 * mm),
           fill=(250, 250, 250))
    return img


def render_text_page(rng, w, h, mm):
    img = Image.new("RGB", (w, h), tuple(int(v) for v in rng.uniform(232, 252, 3)))
    d = ImageDraw.Draw(img)
    f = font(str(rng.choice([SANS, SANS2, SERIF])), 3.2 * mm)
    y = 12 * mm
    d.text((12 * mm, y), words(rng, 5).title(), font=font(SANS_BOLD, 5 * mm), fill=(20, 20, 20))
    y += 12 * mm
    while y < h - 12 * mm:
        d.text((12 * mm, y), words(rng, int(rng.integers(8, 14))), font=f, fill=(25, 25, 25))
        y += 5.2 * mm
    return img


def draw_scribble(rng, d, box, colour, width):
    x0, y0, x1, y1 = box
    n = int(rng.integers(30, 60))
    t = np.linspace(0, 1, n)
    xs = x0 + (x1 - x0) * t + np.sin(t * rng.uniform(10, 30)) * (x1 - x0) * 0.04
    ys = (y0 + y1) / 2 + np.sin(t * rng.uniform(8, 25) + rng.uniform(0, 6)) * (y1 - y0) / 2 * rng.uniform(0.5, 1)
    ys += np.cumsum(rng.normal(0, (y1 - y0) * 0.03, n))
    ys = np.clip(ys, y0, y1)
    d.line(list(zip(xs.tolist(), ys.tolist())), fill=colour, width=width, joint="curve")


# ------------------------------------------------------------------ overprints


def overprint(rng, doc, kind):
    if kind == "none":
        return
    img = doc.img
    w, h = img.size
    x0, y0, x1, y1 = doc.mrz_box
    cap, pitch = doc.cap, doc.pitch
    line1_y = (doc.cells[0][0][1] + doc.cells[0][0][3]) / 2
    mask = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(mask)
    if kind == "stamp":
        R = (x1 - x0) * rng.uniform(0.09, 0.16)
        cx = rng.uniform(x0 + R, x1 - R)
        cy = line1_y + rng.choice([-1, 1]) * R * rng.uniform(0.1, 0.7)
        lw = max(1, int(R * rng.uniform(0.03, 0.06)))
        S = int(2 * R + 4)
        patch = Image.new("L", (S, S), 0)
        pd = ImageDraw.Draw(patch)
        c = S / 2
        pd.ellipse([c - R, c - R, c + R, c + R], outline=255, width=lw)
        r2 = R * rng.uniform(0.7, 0.82)
        pd.ellipse([c - r2, c - r2, c + r2, c + r2], outline=255, width=max(1, lw // 2))
        f = font(SANS_BOLD, R * 0.28)
        pd.text((c, c - R * 0.18), str(rng.choice(["ARRIVED", "DEPARTED", "ENTRY", "CONTROL", "ADMITTED"])),
                font=f, fill=255, anchor="mm")
        pd.text((c, c + R * 0.22), "%02d %s %d" % (int(rng.integers(1, 29)), rng.choice(["JAN", "APR", "AUG", "OCT"]),
                                                   int(rng.integers(2015, 2026))), font=font(SANS, R * 0.22), fill=255, anchor="mm")
        patch = patch.rotate(rng.uniform(-40, 40), resample=Image.BILINEAR)
        noise = lowres_field(rng, S, S, (6, 14), 1.0)
        m = np.asarray(patch, np.float32) * np.clip(0.75 + 0.35 * noise, 0.3, 1.0)
        mask.paste(Image.fromarray(m.astype(np.uint8)), (int(cx - c), int(cy - c)))
        colour = [(200, 30, 40), (30, 60, 190), (120, 40, 160)][int(rng.integers(3))]
        doc.img = multiply_layer(img, mask, colour, rng.uniform(0.55, 0.85))
    elif kind == "handwriting":
        colour = [(25, 45, 150), (20, 20, 30), (30, 30, 110)][int(rng.integers(3))]
        lw = max(1, int(round(cap * rng.uniform(0.1, 0.22))))
        for _ in range(int(rng.integers(1, 3))):
            sx = rng.uniform(x0, x0 + 0.5 * (x1 - x0))
            ex = min(x1, sx + (x1 - x0) * rng.uniform(0.25, 0.6))
            draw_scribble(rng, d, (sx, y0 - 0.5 * cap, ex, y1 + cap * 0.2), 255, lw)
        doc.img = multiply_layer(img, mask, colour, rng.uniform(0.8, 1.0))
    elif kind == "marker-ellipse":
        mx, my = (x1 - x0) * rng.uniform(0.02, 0.07), cap * rng.uniform(0.6, 1.6)
        lw = max(1, int(cap * rng.uniform(0.2, 0.45)))
        a = math.radians(rng.uniform(-3, 3))
        t = np.linspace(0, 2 * math.pi, 160)
        ex, ey = (x1 - x0) / 2 + mx, (y1 - y0) / 2 + my
        px, py = ex * np.cos(t), ey * np.sin(t) * rng.uniform(0.9, 1.1, len(t)) ** 0.2
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        pts = list(zip((cx + px * math.cos(a) - py * math.sin(a)).tolist(),
                       (cy + px * math.sin(a) + py * math.cos(a)).tolist()))
        d.line(pts + pts[:1], fill=255, width=lw, joint="curve")
        doc.img = multiply_layer(img, mask, (220, 30, 40), rng.uniform(0.65, 0.9))
    elif kind == "redbox-digits":
        lw = max(1, int(cap * rng.uniform(0.08, 0.18)))
        fill = rng.random() < 0.35
        for (cx0, cy0, cx1, cy1) in rng.permutation(np.array(doc.check_cells))[: int(rng.integers(2, 5))]:
            pad = 0.18 * pitch
            box = [cx0 - pad, cy0 - 0.3 * cap, cx1 + pad, cy1 + 0.3 * cap]
            if fill:
                d.rectangle(box, fill=110)
            d.rectangle(box, outline=255, width=lw)
        doc.img = multiply_layer(img, mask, (225, 25, 30), rng.uniform(0.7, 0.95))
    elif kind == "specimen":
        vertical = rng.random() < 0.4
        L = (h * rng.uniform(0.7, 0.95)) if vertical else (w * rng.uniform(0.6, 0.9))
        f = font(SANS_BOLD, L / 5.4)
        tw, th = int(f.getlength("SPECIMEN")) + 4, int(L / 5.4 * 1.3)
        t = Image.new("L", (tw, th), 0)
        ImageDraw.Draw(t).text((2, 0), "SPECIMEN", font=f, fill=255)
        ang = 90 if vertical else rng.choice([-1, 1]) * rng.uniform(20, 40)
        t = t.rotate(ang, expand=True, resample=Image.BILINEAR)
        cx = rng.uniform(x0 + 0.2 * (x1 - x0), x1 - 0.2 * (x1 - x0))
        if vertical:  # the column of letters reaches down through the MRZ
            cy = y1 - L / 2 + rng.uniform(0.05, 0.4) * L
        else:  # the diagonal passes through the MRZ
            cy = (y0 + y1) / 2 - rng.uniform(0, 0.08) * h
        mask.paste(t, (int(cx - t.size[0] / 2), int(cy - t.size[1] / 2)))
        colour = [(210, 40, 50), (120, 120, 130), (200, 60, 160)][int(rng.integers(3))]
        doc.img = multiply_layer(img, mask, colour, rng.uniform(0.35, 0.65))


# ------------------------------------------------------------------ geometry


def homography(src, dst):
    A, b = [], []
    for (x, y), (u, v) in zip(src, dst):
        A.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        A.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    hvec = np.linalg.solve(np.array(A, np.float64), np.array(b, np.float64))
    return np.append(hvec, 1.0).reshape(3, 3)


def apply_h(H, pts):
    p = np.c_[np.asarray(pts, np.float64), np.ones(len(pts))] @ H.T
    return p[:, :2] / p[:, 2:3]


def table_surface(rng, W, H, clutter):
    sc = min(1.0, 500.0 / max(W, H))
    w, h = max(8, int(W * sc)), max(8, int(H * sc))
    kind = rng.random()
    if kind < 0.35:  # wood-like
        base = np.array(rng.uniform([120, 80, 40], [190, 140, 90]), np.float32)
        grain = lowres_field(rng, w, h, (3, 6), 1.0)
        stripes = np.asarray(Image.fromarray(rng.integers(0, 255, (int(rng.integers(40, 120)), 4), dtype=np.uint8))
                             .resize((w, h), Image.BICUBIC), np.float32) / 255 - 0.5
        arr = base[None, None, :] * (1 + 0.18 * grain[..., None] + 0.25 * stripes[..., None])
    elif kind < 0.7:  # desk / fabric
        base = np.array(rng.uniform(40, 230, 3), np.float32)
        arr = base[None, None, :] * (1 + 0.12 * lowres_field(rng, w, h, (2, 5), 1.0)[..., None])
    else:  # scanner / paper
        base = np.array(rng.uniform(225, 250, 3), np.float32)
        arr = base[None, None, :] * (1 + 0.03 * lowres_field(rng, w, h, (2, 4), 1.0)[..., None])
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).resize((W, H), Image.BILINEAR)
    w, h = W, H
    if clutter:
        d = ImageDraw.Draw(img)
        s = max(w, h)
        for _ in range(int(rng.integers(4, 10))):
            col = tuple(int(v) for v in rng.uniform(0, 255, 3))
            x, y = rng.uniform(0, w), rng.uniform(0, h)
            r = s * rng.uniform(0.03, 0.15)
            k = rng.random()
            if k < 0.35:
                d.ellipse([x - r, y - r, x + r, y + r], fill=col)
            elif k < 0.7:
                d.rectangle([x - r, y - r * 0.6, x + r, y + r * 0.6], fill=col)
            else:
                d.line([x, y, x + rng.uniform(-3, 3) * r, y + rng.uniform(-3, 3) * r], fill=col,
                       width=max(2, int(r * 0.15)))
        for _ in range(int(rng.integers(3, 9))):
            fsz = s * rng.uniform(0.012, 0.03)
            d.text((rng.uniform(0, w * 0.8), rng.uniform(0, h)), words(rng, int(rng.integers(2, 7))),
                   font=font(str(rng.choice([SANS, SANS2, SERIF, SANS_BOLD])), fsz),
                   fill=tuple(int(v) for v in rng.uniform(0, 120, 3)))
    return img


def place(rng, assembly, mrz_pts, geometry, max_side):
    """Warp the RGBA assembly onto a scene; returns (scene RGB, mrz points in scene, the
    homography from assembly to scene pixels)."""
    aw, ah = assembly.size
    corners = np.array([[0, 0], [aw, 0], [aw, ah], [0, ah]], np.float64)
    if geometry == "perspective-clutter":
        ang = rng.uniform(-25, 25)
        j = rng.uniform(0.04, 0.14)
        dst = corners + rng.uniform(-j, j, (4, 2)) * [aw, ah]
        P = homography(corners, dst)
    else:
        P = np.eye(3)
        ang = {"upright": 0.0, "mirrored": rng.uniform(-2, 2)}.get(geometry, 0.0)
        if geometry == "tilt":
            ang = rng.choice([-1, 1]) * rng.uniform(0.7, 5)
        elif geometry == "rotated":
            ang = rng.uniform(0, 360)
    a = math.radians(ang)
    R = np.array([[math.cos(a), math.sin(a), 0], [-math.sin(a), math.cos(a), 0], [0, 0, 1]])
    H = R @ P
    # keep the scale at the MRZ's centre at 1
    c = np.mean(mrz_pts, axis=0)
    e = 1.0
    q = apply_h(H, [c, c + [e, 0], c + [0, e]])
    u, v = q[1] - q[0], q[2] - q[0]
    s = math.sqrt(abs(u[0] * v[1] - u[1] * v[0]))
    H = np.diag([1 / s, 1 / s, 1]) @ H
    tc = apply_h(H, corners)
    lo, hi = tc.min(0), tc.max(0)
    size = hi - lo
    if geometry == "perspective-clutter":
        m = size * rng.uniform(0.15, 0.5, 2)
    elif geometry == "upright" and rng.random() < 0.3:
        m = size * rng.uniform(0.0, 0.02, 2)
    else:
        m = size * rng.uniform(0.03, 0.15, 2)
    W, Hh = int(size[0] + 2 * m[0]), int(size[1] + 2 * m[1])
    T = np.array([[1, 0, m[0] - lo[0]], [0, 1, m[1] - lo[1]], [0, 0, 1]])
    H = T @ H
    if max(W, Hh) > max_side:  # a close-up: only the part of the scene around the MRZ
        sp = apply_h(H, mrz_pts)
        lo_, hi_ = sp.min(0), sp.max(0)
        cw = min(W, max(max_side, (hi_[0] - lo_[0]) * 1.15))
        ch = min(Hh, max(max_side * 0.75, (hi_[1] - lo_[1]) * 1.4))
        slack = np.maximum(0.0, np.array([cw, ch]) - (hi_ - lo_)) / 2
        cx, cy = (lo_ + hi_) / 2 + rng.uniform(-0.8, 0.8, 2) * slack
        cx0 = float(np.clip(cx - cw / 2, 0, W - cw))
        cy0 = float(np.clip(cy - ch / 2, 0, Hh - ch))
        H = np.array([[1, 0, -int(cx0)], [0, 1, -int(cy0)], [0, 0, 1]]) @ H
        W, Hh = int(cw), int(ch)
    scene = table_surface(rng, W, Hh, geometry == "perspective-clutter")
    # warp only the document's bounding box within the scene
    tc = apply_h(H, corners)
    bx0, by0 = [int(max(0, math.floor(v))) for v in tc.min(0)]
    bx1, by1 = int(min(W, math.ceil(tc[:, 0].max()))), int(min(Hh, math.ceil(tc[:, 1].max())))
    bw, bh = max(1, bx1 - bx0), max(1, by1 - by0)
    Hb = np.array([[1, 0, -bx0], [0, 1, -by0], [0, 0, 1]]) @ H
    if np.allclose(Hb, np.eye(3)) or (np.allclose(Hb[:2, :2], np.eye(2)) and np.allclose(Hb[2], [0, 0, 1])
                                      and np.allclose(Hb[:2, 2], np.round(Hb[:2, 2]))):
        warped = assembly.crop((int(-Hb[0, 2]), int(-Hb[1, 2]), int(-Hb[0, 2]) + bw, int(-Hb[1, 2]) + bh))
    else:
        Hinv = np.linalg.inv(Hb)
        Hinv /= Hinv[2, 2]
        warped = assembly.transform((bw, bh), Image.PERSPECTIVE, tuple(Hinv.flatten()[:8]), Image.BILINEAR)
    if geometry == "perspective-clutter" or rng.random() < 0.5:  # soft shadow
        alpha = Image.new("L", (W, Hh), 0)
        alpha.paste(warped.getchannel("A"), (bx0, by0))
        sh = alpha.resize((max(1, W // 8), max(1, Hh // 8))).filter(ImageFilter.GaussianBlur(2))
        sh = sh.resize((W, Hh), Image.BILINEAR)
        off = int(max(W, Hh) * 0.006)
        sh = ImageChops.offset(sh, off, off)
        scene = multiply_layer(scene, sh, (60, 60, 60), 0.5)
    scene.paste(warped, (bx0, by0), warped)
    return scene, apply_h(H, mrz_pts), H


# ------------------------------------------------------------------ quality


def light(rng, img):
    w, h = img.size
    f = lowres_field(rng, w, h, (2, 4), 1.0)
    gain = 1.0 + rng.uniform(0.25, 0.45) * f
    arr = np.asarray(img, np.float32) * gain[..., None] * rng.uniform(0.8, 1.05)
    # glare: a bright blob
    gx, gy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.3, 0.9) * h
    sl = 8
    yy, xx = np.mgrid[0:h // sl + 1, 0:w // sl + 1].astype(np.float32) * sl
    r = max(w, h) * rng.uniform(0.06, 0.2)
    g = np.exp(-(((xx - gx) / (r * rng.uniform(1, 2.5))) ** 2 + ((yy - gy) / r) ** 2))
    g = np.asarray(Image.fromarray((g * 255).astype(np.uint8)).resize((w, h), Image.BILINEAR), np.float32) / 255
    strength = rng.uniform(0.5, 0.95)
    arr = arr + (255 - arr) * (g * strength)[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def add_noise(rng, img, sigma):
    arr = np.asarray(img, np.int16)
    n = rng.standard_normal(arr.shape[:2], dtype=np.float32) * sigma
    col = rng.standard_normal(arr.shape, dtype=np.float32) * sigma * 0.4
    out = arr + (n[..., None] + col).astype(np.int16)
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


# ------------------------------------------------------------------ plan

AXES = {
    "font": [("ocrb", 0.40)] + [(k, 0.06) for k in FONTS if k != "ocrb"],
    "pitch": [("0.85-1.0", 0.35), ("1.0-1.2", 0.35), ("1.2-1.6", 0.30)],
    "char_px": [("6-9", 0.2), ("9-14", 0.25), ("14-25", 0.3), ("25-60", 0.25)],
    "quality": [("clean", 0.2), ("blur", 0.16), ("noise", 0.16), ("jpeg-low", 0.16), ("uneven-light", 0.16),
                ("low-quality", 0.16)],
    "overprint": [("none", 0.4), ("stamp", 0.12), ("handwriting", 0.12), ("marker-ellipse", 0.12),
                  ("redbox-digits", 0.12), ("specimen", 0.12)],
    "background": [("plain", 0.5), ("security", 0.5)],
    "layout": [("single", 0.55), ("front-back", 0.225), ("two-docs", 0.225)],
    "geometry": [("upright", 0.28), ("tilt", 0.2), ("rotated", 0.2), ("mirrored", 0.12),
                 ("perspective-clutter", 0.2)],
    "doctype": [("TD3", 0.32), ("TD1", 0.24), ("TD2", 0.13), ("MRVA", 0.11), ("MRVB", 0.11), ("FRENCH_ID", 0.09)],
}
NEG_AXES = ["quality", "background", "geometry"]
NEG_KINDS = ["card-front", "text-page", "bank-card"]


def stratified(rng, buckets, n):
    names = [b for b, _ in buckets]
    w = np.array([p for _, p in buckets], np.float64)
    w /= w.sum()
    counts = np.floor(w * n).astype(int)
    rest = n - counts.sum()
    order = np.argsort(-(w * n - counts), kind="stable")
    counts[order[:rest]] += 1
    out = []
    for name, c in zip(names, counts):
        out += [name] * int(c)
    return [out[i] for i in rng.permutation(n)]


def make_plan(seed, n):
    rng = np.random.default_rng([seed, 0])
    nneg = max(1, int(round(n * 30 / 480)))
    npos = n - nneg
    plan = [{"negative": None} for _ in range(npos)] + [{"negative": NEG_KINDS[i % 3]} for i in range(nneg)]
    for axis, buckets in AXES.items():
        if axis in NEG_AXES:
            vals = stratified(rng, buckets, n)
            for p, v in zip(plan, vals):
                p[axis] = v
        else:
            vals = stratified(rng, buckets, npos)
            for p, v in zip(plan[:npos], vals):
                p[axis] = v
    ninv = int(round(0.08 * npos))
    inv = set(rng.permutation(npos)[:ninv].tolist())
    for i, p in enumerate(plan[:npos]):
        p["invalid"] = i in inv
    order = rng.permutation(n)
    return [plan[i] for i in order]


BUCKET_RANGES = {"0.85-1.0": (0.85, 1.0), "1.0-1.2": (1.0, 1.2), "1.2-1.6": (1.2, 1.6),
                 "6-9": (6, 9), "9-14": (9, 14), "14-25": (14, 25), "25-60": (25, 60)}
MAX_MRZ_WIDTH = 3000  # final pixels; caps char_px for wide pitches on 44-character lines
MAX_SIDE = 2600  # final pixels; larger scenes are cropped to a close-up around the MRZ


# ------------------------------------------------------------------ one page


def make_page(seed, idx, p):
    rng = np.random.default_rng([seed, 1, idx])
    neg = p["negative"]
    quality = p["quality"]
    background = p["background"]
    geometry = p["geometry"]
    rec = {"source": "synthetic", "exif_orientation": 1, "face_box_xywh_stored_pixels": None}
    if neg:
        target = float(np.exp(rng.uniform(np.log(8), np.log(40))))
        render_cap = max(target, 18.0)
        mm = render_cap * OCRB_ADV_PER_CAP / 2.54
        if neg == "card-front":
            w, h = int(85.6 * mm), int(54 * mm)
            img = render_card_front(rng, w, h, mm, background)
        elif neg == "bank-card":
            w, h = int(85.6 * mm), int(54 * mm)
            img = render_bank_card(rng, w, h, mm)
        else:
            w, h = int(148 * mm), int(190 * mm)
            img = render_text_page(rng, w, h, mm)
        assembly = img.convert("RGBA")
        pts = np.array([[w * 0.2, h * 0.7], [w * 0.8, h * 0.7], [w * 0.8, h * 0.8], [w * 0.2, h * 0.8]])
        dpts = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)
        rec.update(document_type="none", mrz_lines=[], expected_outcome="no MRZ")
        factors = {"negative": neg, "quality": quality, "background": background, "geometry": geometry}
    else:
        doc_type = p["doctype"]
        lines = make_mrz(rng, doc_type)
        outcome = "valid"
        if p["invalid"]:
            lines, bad = break_check(rng, doc_type, lines)
            outcome = "invalid: %s check(s) fail (check digit deliberately misprinted)" % ", ".join(bad)
        lo, hi = BUCKET_RANGES[p["pitch"]]
        ratio = rng.uniform(lo, hi)
        lo, hi = BUCKET_RANGES[p["char_px"]]
        n = len(lines[0])
        hi = min(hi, MAX_MRZ_WIDTH / (n * ratio * OCRB_ADV_PER_CAP))
        target = float(np.exp(rng.uniform(np.log(lo), np.log(hi)))) if hi > lo else lo
        render_cap = max(target / (0.6 if quality == "low-quality" else 1.0), 18.0)
        fpath = FONTS[p["font"]]
        doc = render_document(rng, doc_type, lines, fpath, render_cap, ratio, background)
        ck = checks(doc_type, lines)
        doc.check_cells = [doc.cells[li][col] for _, li, col, _ in ck]
        overprint(rng, doc, p["overprint"])
        dw, dh = doc.img.size
        mm = doc.pitch / 2.54
        layout = p["layout"]
        x0, y0, x1, y1 = doc.mrz_box
        pts = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)
        dpts = np.array([[0, 0], [dw, 0], [dw, dh], [0, dh]], np.float64)
        if layout == "single":
            assembly = doc.img.convert("RGBA")
        else:
            if layout == "front-back":
                if doc_type in ("TD3", "MRVA", "MRVB"):
                    other = render_booklet_page(rng, dw, dh, mm, background)
                    vertical, first = True, True
                else:
                    other = render_card_front(rng, dw, dh, mm, background, doc_type)
                    vertical, first = rng.random() < 0.5, True
            else:
                if rng.random() < 0.5:
                    ow, oh = int(85.6 * mm), int(54 * mm)
                    other = render_card_front(rng, ow, oh, mm, str(rng.choice(["plain", "security"])), "TD1")
                else:
                    ow, oh = int(85.6 * mm), int(54 * mm)
                    other = render_bank_card(rng, ow, oh, mm)
                vertical, first = rng.random() < 0.4, rng.random() < 0.5
            gap = int(rng.uniform(0.0, 8.0) * mm) if layout == "two-docs" else int(rng.uniform(0.5, 4) * mm)
            ow, oh = other.size
            if vertical:
                W, H = max(dw, ow), dh + oh + gap
                opos = (int(rng.uniform(0, W - ow + 1)), 0 if first else dh + gap)
                dpos = (int(rng.uniform(0, W - dw + 1)), oh + gap if first else 0)
            else:
                W, H = dw + ow + gap, max(dh, oh)
                opos = (0 if first else dw + gap, int(rng.uniform(0, H - oh + 1)))
                dpos = (ow + gap if first else 0, int(rng.uniform(0, H - dh + 1)))
            assembly = Image.new("RGBA", (W, H), (0, 0, 0, 0))
            assembly.paste(other, opos)
            assembly.paste(doc.img, dpos)
            pts = pts + dpos
            dpts = dpts + dpos
        rec.update(document_type=doc_type, mrz_lines=lines, expected_outcome=outcome)
        factors = {k: p[k] for k in ("font", "pitch", "char_px", "quality", "overprint", "background", "layout",
                                     "geometry", "doctype")}
        factors["validity"] = "invalid" if p["invalid"] else "valid"
    # final scale: shrink the assembly (antialiased) before warping it at final resolution
    f = target / render_cap
    if quality == "low-quality":
        f = (target / 0.6) / render_cap
    if f < 0.999:
        aw, ah = assembly.size
        nw, nh = max(8, int(round(aw * f))), max(8, int(round(ah * f)))
        assembly = assembly.resize((nw, nh), Image.LANCZOS)
        pts = pts * [nw / aw, nh / ah]
        dpts = dpts * [nw / aw, nh / ah]
        f = 1.0
    scene, spts, H = place(rng, assembly, pts, geometry, MAX_SIDE / (0.6 if quality == "low-quality" else 1.0))
    dspts = apply_h(H, dpts)
    if quality == "low-quality":
        W, H = scene.size
        scene = scene.resize((max(8, int(round(W * 0.6))), max(8, int(round(H * 0.6)))), Image.BILINEAR)
        scene = scene.filter(ImageFilter.GaussianBlur(0.6))
    if quality == "low-quality":
        spts = spts * 0.6
        dspts = dspts * 0.6
    if geometry == "mirrored":
        scene = ImageOps.mirror(scene)
        spts = np.c_[scene.size[0] - spts[:, 0], spts[:, 1]]
        dspts = np.c_[scene.size[0] - dspts[:, 0], dspts[:, 1]]
    ext, q = "jpg", int(rng.uniform(80, 95))
    if quality == "clean":
        if rng.random() < 0.5:
            ext = "png"
    elif quality == "blur":
        scene = scene.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5)))
    elif quality == "noise":
        scene = add_noise(rng, scene, rng.uniform(6, 16))
    elif quality == "jpeg-low":
        q = int(rng.uniform(15, 40))
    elif quality == "uneven-light":
        scene = light(rng, scene)
    elif quality == "low-quality":
        q = 40
    buf = io.BytesIO()
    if ext == "png":
        scene.save(buf, "PNG", compress_level=1)
    else:
        scene.save(buf, "JPEG", quality=q)
    if not neg:
        factors["char_px"] = p["char_px"]
        rec["char_px"] = round(target, 2)
        rec["pitch_ratio"] = round(ratio, 3)
        # The MRZ's corners (top-left, top-right, bottom-right, bottom-left of the text as
        # printed, cap-top of line 1 to baseline of the last line) in final image pixels.
        rec["mrz_quad_xy"] = [[round(float(x), 1), round(float(y), 1)] for x, y in spts]
    # The document's corners (the one with the MRZ; a negative's card or page), in the
    # same order and pixels as mrz_quad_xy; they may lie outside a close-up.
    rec["document_quad_xy"] = [[round(float(x), 1), round(float(y), 1)] for x, y in dspts]
    rec["image_width"], rec["image_height"] = scene.size
    rec["factors"] = factors
    return rec, ext, buf.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=480)
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--only", type=int, help="render just this page index (debugging)")
    args = ap.parse_args()
    for path in FONTS.values():
        font_metrics(path)  # fails early if a face lacks an MRZ glyph
    out = os.path.abspath(args.out)
    base = os.path.basename(out.rstrip("/"))
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    plan = make_plan(args.seed, args.n)
    t0 = time.time()
    images = []
    for i, p in enumerate(plan):
        if args.only is not None and i != args.only:
            continue
        rec, ext, data = make_page(args.seed, i, p)
        name = "c%05d_%s.%s" % (i, rec["document_type"].lower() if p["negative"] is None else "neg", ext)
        with open(os.path.join(out, "images", name), "wb") as fh:
            fh.write(data)
        rec = {"file": f"{base}/images/{name}", **rec}
        images.append(rec)
    doc = {
        "description": ("Synthetic challenge set from training/challenge.py (seed %d, %d images). Whole document "
                        "images varied independently along font, pitch, char_px, quality, overprint, background, "
                        "layout, geometry (and doctype, validity); `factors` gives each image's bucket per axis. "
                        "mrz_lines are the printed text; `invalid` documents carry a deliberately misprinted check "
                        "digit. Paths are relative to the folder holding %s/." % (args.seed, len(images), base)),
        "generator": {"script": "training/challenge.py", "seed": args.seed, "n": args.n},
        "images": images,
    }
    with open(os.path.join(out, "ground-truth.json"), "w") as fh:
        json.dump(doc, fh, indent=1)
    print("wrote %d images to %s in %.1f s" % (len(images), out, time.time() - t0))


if __name__ == "__main__":
    main()
