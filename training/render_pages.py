#!/usr/bin/env python3
"""Renders the repository's synthetic document pages (fixtures/pages/*.png).

Each page is drawn from scratch: a tinted card with a guilloche background, printed
labels in DejaVu Sans, a portrait area, and an MRZ in OCR-B (Debian `fonts-ocr-b`,
public domain). The MRZ texts are invented; their check digits are computed here.
The expected reading of each page is the `<name>.json` beside it, written by the Rust
golden test (`PV_REGENERATE=1 cargo test --test golden`).

Usage: python3 training/render_pages.py [--out fixtures/pages]
Needs: Pillow, numpy; fonts-ocr-b and fonts-dejavu-core (apt).
"""
import argparse
import math
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFont

OCRB = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"
SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
PORTRAIT = os.environ.get("PV_PORTRAIT", "")
# Optional "x0,y0,x1,y1" box of PV_PORTRAIT to use (else the whole image).
PORTRAIT_BOX = os.environ.get("PV_PORTRAIT_BOX", "")


def check_digit(s):
    weights = (7, 3, 1)
    total = 0
    for i, c in enumerate(s):
        v = 0 if c == "<" else (ord(c) - 48 if c.isdigit() else ord(c) - 55)
        total += v * weights[i % 3]
    return str(total % 10)


def pad(s, n):
    return (s + "<" * n)[:n]


def td3(code, state, surname, given, number, nat, dob, sex, exp, personal):
    l1 = pad(f"{code}<{state}{surname}<<{given.replace(' ', '<')}", 44)
    num = pad(number, 9)
    pn = pad(personal, 14)
    pn_cd = check_digit(pn)
    body = num + check_digit(num) + nat + dob + check_digit(dob) + sex + exp + check_digit(exp) + pn + pn_cd
    comp = check_digit(num + check_digit(num) + dob + check_digit(dob) + exp + check_digit(exp) + pn + pn_cd)
    return [l1, body + comp]


def td1(code, state, number, optional, dob, sex, exp, nat, optional2, surname, given):
    num = pad(number, 9)
    l1 = pad(code + state + num + check_digit(num) + optional, 30)
    l2 = dob + check_digit(dob) + sex + exp + check_digit(exp) + nat + pad(optional2, 11)
    comp = check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
    l2 += comp
    l3 = pad(f"{surname}<<{given.replace(' ', '<')}", 30)
    return [l1, l2, l3]


def guilloche(w, h, rng, tint):
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.zeros((h, w), np.float32)
    for _ in range(4):
        fx, fy = rng.uniform(0.01, 0.05, 2)
        ph = rng.uniform(0, 6.28)
        base += np.sin(x * fx + np.sin(y * fy + ph) * 3.0)
    pattern = (base - base.min()) / (np.ptp(base) + 1e-6)
    img = np.stack([tint[c] - 25 * pattern for c in range(3)], -1)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def draw_page(kind, lines, size, seed, labels, portrait=PORTRAIT):
    rng = np.random.default_rng(seed)
    w, h = size
    page = guilloche(w, h, rng, (236, 232, 222) if kind == "td3" else (226, 236, 240))
    d = ImageDraw.Draw(page)
    sans = ImageFont.truetype(SANS, max(10, h // 36))
    n = len(lines[0])
    # OCR-B pitch is 2.54 mm; the MRZ is centred with its last line ~5 mm from the bottom.
    mm = w / {44: 125.0, 36: 105.0, 30: 85.6}[n]
    font = ImageFont.truetype(OCRB, int(round(3.6 * mm)))
    pitch = 2.54 * mm
    x0 = (w - pitch * n) / 2
    line_gap = 4.3 * mm
    yb = h - 5.0 * mm - (len(lines) - 1) * line_gap
    for i, line in enumerate(lines):
        for j, ch in enumerate(line):
            cx = x0 + (j + 0.5) * pitch
            cy = yb + i * line_gap
            d.text((cx, cy), ch, font=font, fill=(20, 20, 24), anchor="mm")
    # Portrait area and visual-zone labels.
    # Portrait zone per ICAO 9303 layouts: TD3 about 32x40 mm, TD1 about 22x28 mm,
    # both above the MRZ.
    if n == 30:
        px, py, pw, ph = int(4 * mm), int(6 * mm), int(22 * mm), int(28 * mm)
    else:
        px, py, pw, ph = int(6 * mm), int(14 * mm), int(32 * mm), int(40 * mm)
    if kind == "blank":
        px, py = int(8 * mm), int(10 * mm)
    d.rectangle([px, py, px + pw, py + ph], fill=(200, 198, 194), outline=(120, 120, 120))
    if portrait and os.path.exists(portrait):
        face = Image.open(portrait).convert("RGB")
        if PORTRAIT_BOX:
            face = face.crop(tuple(int(v) for v in PORTRAIT_BOX.split(",")))
        face = face.resize((pw, ph), Image.LANCZOS)
        page.paste(face, (px, py))
    tx = px + pw + int(6 * mm)
    for k, (label, value) in enumerate(labels):
        ty = py + k * int(7 * mm)
        d.text((tx, ty), label, font=sans, fill=(70, 70, 90))
        d.text((tx, ty + int(3 * mm)), value, font=sans, fill=(10, 10, 10))
    return page


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "fixtures", "pages"))
    ap.add_argument("--only", help="render just this page")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    passport = td3("P", "UTO", "QUINTERO", "ALMA LUZ", "XK4271903", "UTO", "870915", "F", "330602", "")
    card = td1("ID", "UTO", "R8L2047Q1", "", "910228", "M", "310117", "UTO", "", "BRANDT", "JONAS")
    pages = {
        "td3_passport": ("td3", passport, (1000, 704), [("Surname", "QUINTERO"), ("Given names", "ALMA LUZ"), ("Date of birth", "15 SEP 1987")]),
        "td1_card": ("td1", card, (856, 540), [("Surname", "BRANDT"), ("Given names", "JONAS"), ("Nationality", "UTOPIAN")]),
    }
    # A passport with a real photograph in its portrait zone, for the face-extraction
    # tests: needs PV_PORTRAIT (scikit-image's public-domain astronaut.png, with
    # PV_PORTRAIT_BOX=135,0,315,225 to frame head and shoulders as a passport photo does: the head 75% of its height).
    portrait_passport = td3("P", "UTO", "ORBITA", "STELLA", "XC5619260", "UTO", "561119", "F", "320101", "")
    pages["td3_passport_portrait"] = ("td3", portrait_passport, (1000, 704), [("Surname", "ORBITA"), ("Given names", "STELLA"), ("Date of birth", "19 NOV 1956")])
    for name, (kind, lines, size, labels) in pages.items():
        if args.only and name != args.only:
            continue
        if name == "td3_passport_portrait" and not (PORTRAIT and os.path.exists(PORTRAIT)):
            print(name, "skipped: PV_PORTRAIT is not set")
            continue
        img = draw_page(kind, lines, size, seed=sum(map(ord, name)), labels=labels)
        img.save(os.path.join(args.out, f"{name}.png"), optimize=True)
        print(name, lines)
    if args.only:
        return
    # A page with ordinary text and no MRZ: readers must report nothing.
    rng = np.random.default_rng(7)
    page = guilloche(1000, 704, rng, (240, 240, 236))
    d = ImageDraw.Draw(page)
    sans = ImageFont.truetype(SANS, 22)
    for k in range(12):
        d.text((60, 60 + k * 48), "Observations / Remarks: THIS PAGE IS RESERVED FOR OFFICIAL USE", font=sans, fill=(30, 30, 30))
    page.save(os.path.join(args.out, "blank_page.png"), optimize=True)


if __name__ == "__main__":
    main()
