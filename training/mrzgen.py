"""Synthetic MRZ text-line generator for the passport-vision line recogniser.

Produces (uint8 crop of height 32, label) pairs that imitate what the Rust side
crops from a photo: a single MRZ line, rotated to horizontal (small residual
skew/curvature), vertically centred with total height r * cap height
(r in [1.4, 2.2]), horizontal margins p * cap height (p in [0.1, 1.5]),
neighbouring MRZ lines cut at the top/bottom, and heavy photometric
degradation (low resolution, blur, JPEG, noise, lighting, glare, security
backgrounds).

Only numpy, Pillow and OpenCV are needed.
"""
import math
import os

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
CHAR2IDX = {c: i + 1 for i, c in enumerate(ALPHABET)}  # 0 = CTC blank
NUM_CLASSES = len(ALPHABET) + 1
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"

FONT_CANDIDATES = [
    os.environ.get("MRZ_FONT", ""),
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".dev", "fonts", "OCRB.otf"),
    "/usr/share/fonts/opentype/ocr-b/OCRB.otf",
]

# Run 4: a wider font distribution (models/MODEL_CARD.md, "Run 4"). OCR-B stays the
# majority (OCRB_FRAC of the samples); the rest draw a face from TRAIN_FONTS by weight.
# HELDOUT_FONTS never appear in training: they are only rendered by the evaluation
# sets (eval_fonts.py), to measure generalisation to an unseen face.
_FD = "/usr/share/fonts"
# Run 5 (models/MODEL_CARD.md, "Run 5") changed two numbers of this mix: DotGothic16's
# weight 1.5 -> 0.3 (its O and 0 are the same glyph, which taught run 4 to read OCR-B O as 0)
# and OCRB_FRAC 0.47 -> 0.57. MRZGEN_RUN4_ORIG=1 restores run 4's values (training/run.sh
# sets it to rebuild run 4).
_RUN4_ORIG = os.environ.get("MRZGEN_RUN4_ORIG", "") == "1"
TRAIN_FONTS = [  # (name, path, weight)
    ("ocr-a", _FD + "/truetype/ocr-a/OCRA.ttf", 1.0),
    ("dejavu-mono", _FD + "/truetype/dejavu/DejaVuSansMono.ttf", 1.0),
    ("dejavu-mono-bold", _FD + "/truetype/dejavu/DejaVuSansMono-Bold.ttf", 0.8),
    ("liberation-mono", _FD + "/truetype/liberation/LiberationMono-Regular.ttf", 1.0),
    ("liberation-mono-bold", _FD + "/truetype/liberation/LiberationMono-Bold.ttf", 0.8),
    ("freemono", _FD + "/truetype/freefont/FreeMono.ttf", 1.0),
    ("freemono-bold", _FD + "/truetype/freefont/FreeMonoBold.ttf", 1.0),
    ("courier-prime", _FD + "/opentype/courier-prime/Courier Prime.otf", 1.0),
    ("courier-prime-bold", _FD + "/opentype/courier-prime/Courier Prime Bold.otf", 0.8),
    ("noto-mono", _FD + "/truetype/noto/NotoMono-Regular.ttf", 1.0),
    ("inconsolata", _FD + "/truetype/inconsolata/Inconsolata.otf", 1.0),
    ("hack", _FD + "/truetype/hack/Hack-Regular.ttf", 1.0),
    ("league-mono", _FD + "/opentype/league-mono/LeagueMono-Regular.otf", 0.7),
    ("league-mono-bold", _FD + "/opentype/league-mono/LeagueMono-Bold.otf", 0.7),
    ("league-mono-condensed", _FD + "/opentype/league-mono/LeagueMono-Condensed.otf", 0.6),
    ("league-mono-wide", _FD + "/opentype/league-mono/LeagueMono-WideRegular.otf", 1.0),
    ("league-mono-wide-bold", _FD + "/opentype/league-mono/LeagueMono-WideBold.otf", 0.8),
    ("dotgothic16", _FD + "/truetype/dotgothic16/DotGothic16-Regular.ttf", 1.5 if _RUN4_ORIG else 0.3),
]
# Run 13 (models/MODEL_CARD.md, "Run 13"; MRZGEN_RUN13=1): sixteen more monospaced faces
# from Debian's packages (typewriter, terminal, dot-like and programming faces) in the
# non-OCR-B share, so that the model meets more letter shapes than the 18 above and reads an
# unseen face's names better; the held-out faces below stay out.
_RUN13 = os.environ.get("MRZGEN_RUN13", "") == "1"
RUN13_FONTS = [
    ("ibm-3270", _FD + "/truetype/3270/3270-Regular.ttf", 0.6),
    ("ibm-3270-semicondensed", _FD + "/truetype/3270/3270SemiCondensed-Regular.ttf", 0.4),
    ("hermit-medium", _FD + "/truetype/hermit/Hermit-medium.otf", 0.6),
    ("agave", _FD + "/truetype/agave/agave-r-autohinted.ttf", 0.6),
    ("b612-mono", _FD + "/opentype/b612/B612Mono-Regular.otf", 0.6),
    ("b612-mono-bold", _FD + "/opentype/b612/B612Mono-Bold.otf", 0.4),
    ("fantasque-mono", _FD + "/opentype/fantasque-sans/LargeLineHeight/OTF/FantasqueSansMono-Regular.otf", 0.5),
    ("fira-code", _FD + "/truetype/firacode/FiraCode-Regular.ttf", 0.6),
    ("fira-code-bold", _FD + "/truetype/firacode/FiraCode-Bold.ttf", 0.4),
    ("gnu-typewriter", _FD + "/truetype/gnutypewriter/GNUTypewriter.ttf", 0.6),
    ("go-mono", _FD + "/fonts-go/Go-Mono.ttf", 0.6),
    ("monofur", _FD + "/truetype/monofur/monof55.ttf", 0.5),
    ("monoid", _FD + "/truetype/monoid/Monoid-Regular.ttf", 0.6),
    ("mononoki", _FD + "/truetype/mononoki/mononoki-Regular.ttf", 0.6),
    ("cousine", _FD + "/truetype/croscore/Cousine-Regular.ttf", 0.6),
    ("cousine-bold", _FD + "/truetype/croscore/Cousine-Bold.ttf", 0.4),
]
if _RUN13:
    TRAIN_FONTS += RUN13_FONTS
HELDOUT_FONTS = [
    ("anonymous-pro", _FD + "/truetype/anonymous-pro/Anonymous Pro.ttf", 1.0),
    ("jetbrains-mono", _FD + "/truetype/jetbrains-mono/JetBrainsMono-Regular.ttf", 1.0),
]
# Run 6 (models/MODEL_CARD.md, "Run 6"; MRZGEN_RUN6=1): real documents print OCR-B, and runs
# 4-5 read small blurred OCR-B worse than the OCR-B-only run 3 (real images at 0.6x + blur + JPEG 40:
# run 3 58/70, run 5 54/70, mostly 0 read as O in all-zero document numbers), so OCR-B's share goes
# 0.57 -> 0.72 and the share of lines at 6-12 px cap height 0.4 -> 0.5.
_RUN6 = os.environ.get("MRZGEN_RUN6", "") == "1"
# Run 7 (models/MODEL_CARD.md, "Run 7"; MRZGEN_RUN7=1): the run 5 font mix unchanged (OCR-B 0.57;
# run 6's larger OCR-B share lost whole synthetic pages), but overprints more often and across the
# glyphs (strokes, ellipse arcs and grey stamp ink through the line rather than beside it), more
# 6-12 px lines (0.4 -> 0.47), and at 6-12 px more blur + JPEG (the reader's low-quality transform).
_RUN7 = os.environ.get("MRZGEN_RUN7", "") == "1"
# Run 10 (models/MODEL_CARD.md, "Run 10"; MRZGEN_RUN10=1): the run 5 mix plus a tenth of lines
# at 3.5-6 px cap height, half of them through the low-quality capture (blur + JPEG). Real web
# thumbnails at 0.6x (the README's low-quality transform) print 3-5 px characters, below the
# 6 px floor of every earlier run; run 9 read most of them as noise.
_RUN10 = os.environ.get("MRZGEN_RUN10", "") == "1"
TINY_RES_FRAC = 0.1 if _RUN10 else 0.0
OCRB_FRAC = 0.47 if _RUN4_ORIG else (0.72 if _RUN6 else 0.57)
SMALL_RES_FRAC = 0.5 if _RUN6 else (0.47 if _RUN7 else 0.4)
OVERPRINT_FRAC = 0.55 if _RUN7 else 0.4
# OCR-B's pitch at WORK_CAP: 1.05 cap heights (the middle of the run 1-3 range 0.97-1.13).
OCRB_PITCH = 1.05
STAMP_WORDS = ("SPECIMEN", "SPECIMEN", "SPECIMEN", "MUSTER", "SAMPLE", "VOID", "SPECIMEN", "ECHANTILLON",
               "MODELO", "CANCELLED", "PAID", "APPROVED", "ENTRY", "EXIT", "VISA", "IMMIGRATION")

# ---------------------------------------------------------------- text


def check_digit(s):
    w = (7, 3, 1)
    tot = 0
    for i, c in enumerate(s):
        if c.isdigit():
            v = ord(c) - 48
        elif c == "<":
            v = 0
        else:
            v = ord(c) - 55
        tot += v * w[i % 3]
    return str(tot % 10)


COUNTRIES = (
    "AFG ALB DZA AND AGO ARG ARM AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ BEN BTN BOL BIH BWA BRA BRN BGR "
    "BFA BDI KHM CMR CAN CPV CAF TCD CHL CHN COL COM COG CRI CIV HRV CUB CYP CZE DNK DJI DMA DOM ECU EGY "
    "SLV GNQ ERI EST ETH FJI FIN FRA GAB GMB GEO D<< GHA GRC GRD GTM GIN GNB GUY HTI HND HUN ISL IND IDN "
    "IRN IRQ IRL ISR ITA JAM JPN JOR KAZ KEN KIR PRK KOR KWT KGZ LAO LVA LBN LSO LBR LBY LIE LTU LUX MDG "
    "MWI MYS MDV MLI MLT MHL MRT MUS MEX FSM MDA MCO MNG MNE MAR MOZ MMR NAM NRU NPL NLD NZL NIC NER NGA "
    "NOR OMN PAK PLW PAN PNG PRY PER PHL POL PRT QAT ROU RUS RWA KNA LCA VCT WSM SMR STP SAU SEN SRB SYC "
    "SLE SGP SVK SVN SLB SOM ZAF ESP LKA SDN SUR SWZ SWE CHE SYR TJK TZA THA TLS TGO TON TTO TUN TUR TKM "
    "TUV UGA UKR ARE GBR USA URY UZB VUT VEN VNM YEM ZMB ZWE EUE UNO XXA XXB XXC XXX GBD GBN GBO GBP GBS "
    "RKS HKG MAC TWN UTO"
).split()

SYLL = (
    "AN AR BA BE BO CA CE CHI DA DE DO EL EN ER FA FE GA GO HA HE IN JA JO KA KO LA LE LI LU MA ME MI MO "
    "NA NE NI NO OR PA PE PI RA RE RI RO SA SE SI SO TA TE TI TO UL UR VA VE VI WA YA ZA ZE SCH MUE LL "
    "SS TH SH KH NG OV EV SKI SEN SON MAN BERG STE IAN EZ AZ OU EAU"
).split()


def _rand_name(rng):
    if rng.random() < 0.25:
        return "".join(rng.choice(list(LETTERS), size=int(rng.integers(2, 12))))
    n = int(rng.integers(1, 5))
    return "".join(rng.choice(SYLL) for _ in range(n))


def _names_field(rng, length):
    parts = [_rand_name(rng) for _ in range(int(rng.integers(1, 3)))]
    given = [_rand_name(rng) for _ in range(int(rng.integers(0, 4)))]
    s = "<".join(parts)
    if given:
        s += "<<" + "<".join(given)
    elif rng.random() < 0.5:
        s += "<<"
    s = s[:length]
    return s + "<" * (length - len(s))


def _date(rng):
    yy = int(rng.integers(0, 100))
    mm = int(rng.integers(1, 13))
    dd = int(rng.integers(1, 32))
    if rng.random() < 0.03:
        return "<<<<<<"
    return "%02d%02d%02d" % (yy, mm, dd)


def _docnum(rng, length=9):
    k = rng.random()
    if k < 0.4:
        s = "".join(rng.choice(list(DIGITS), size=length))
    elif k < 0.8:
        nl = int(rng.integers(1, 4))
        s = "".join(rng.choice(list(LETTERS), size=nl)) + "".join(rng.choice(list(DIGITS), size=length - nl))
    else:
        s = "".join(rng.choice(list(LETTERS + DIGITS), size=length))
    if rng.random() < 0.15:  # shorter number padded with filler
        cut = int(rng.integers(5, length))
        s = s[:cut] + "<" * (length - cut)
    return s


def _optional(rng, length):
    k = rng.random()
    if k < 0.5:
        return "<" * length
    n = int(rng.integers(1, length + 1))
    s = "".join(rng.choice(list(DIGITS + LETTERS + "<" * 4), size=n))
    return s + "<" * (length - n)


def _country(rng):
    if rng.random() < 0.05:
        return "".join(rng.choice(list(LETTERS), size=3))
    return str(rng.choice(COUNTRIES))


def _sex(rng):
    return str(rng.choice(["M", "F", "<", "M", "F", "X"]))


def _cd(rng, field, bad=0.08):
    if rng.random() < bad:
        return str(rng.choice(list(DIGITS + "<")))
    return check_digit(field)


def _doc_type(rng, first):
    if rng.random() < 0.6:
        return first + "<"
    return first + str(rng.choice(list(LETTERS)))


def gen_td3(rng, visa=False):
    t = ("V" + str(rng.choice(["<", "A", "B", "C", "D"]))) if visa else _doc_type(rng, "P")
    l1 = t + _country(rng) + _names_field(rng, 39)
    dn = _docnum(rng)
    dob, exp = _date(rng), _date(rng)
    nat = _country(rng)
    sex = _sex(rng)
    if visa:
        l2 = dn + _cd(rng, dn) + nat + dob + _cd(rng, dob) + sex + exp + _cd(rng, exp) + _optional(rng, 16)
    else:
        pn = _optional(rng, 14)
        pcd = "<" if (pn == "<" * 14 and rng.random() < 0.5) else _cd(rng, pn)
        body = dn + _cd(rng, dn) + nat + dob + _cd(rng, dob) + sex + exp + _cd(rng, exp) + pn + pcd
        comp = body[0:10] + body[13:20] + body[21:43]
        l2 = body + _cd(rng, comp)
    return [l1, l2]


def gen_td2(rng, visa=False):
    t = ("V" + str(rng.choice(["<", "A", "B", "C"]))) if visa else _doc_type(rng, str(rng.choice(["I", "A", "C"])))
    l1 = t + _country(rng) + _names_field(rng, 31)
    dn = _docnum(rng)
    dob, exp = _date(rng), _date(rng)
    body = dn + _cd(rng, dn) + _country(rng) + dob + _cd(rng, dob) + _sex(rng) + exp + _cd(rng, exp)
    if visa:
        l2 = body + _optional(rng, 8)
    else:
        body += _optional(rng, 7)
        comp = body[0:10] + body[13:20] + body[21:35]
        l2 = body + _cd(rng, comp)
    return [l1, l2]


def gen_fr_id(rng):
    l1 = "IDFRA" + _names_field(rng, 25)[:25] + "".join(rng.choice(list(DIGITS + "<"), size=6))
    dn = "".join(rng.choice(list(DIGITS), size=12))
    given = _names_field(rng, 14)
    dob = _date(rng)
    body = dn + _cd(rng, dn) + given + dob + _cd(rng, dob) + _sex(rng)
    return [l1, body + _cd(rng, body)]


def gen_td1(rng):
    dn = _docnum(rng)
    l1 = _doc_type(rng, str(rng.choice(["I", "A", "C"]))) + _country(rng) + dn + _cd(rng, dn) + _optional(rng, 15)
    dob, exp = _date(rng), _date(rng)
    l2 = dob + _cd(rng, dob) + _sex(rng) + exp + _cd(rng, exp) + _country(rng) + _optional(rng, 11)
    comp = l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
    l2 = l2 + _cd(rng, comp)
    l3 = _names_field(rng, 30)
    return [l1, l2, l3]


def gen_random_lines(rng, n_lines, length):
    out = []
    for _ in range(n_lines):
        k = rng.random()
        if k < 0.5:
            s = "".join(rng.choice(list(ALPHABET), size=length))
        else:  # filler-heavy random
            p = np.full(len(ALPHABET), 1.0)
            p[-1] = rng.uniform(5, 25)
            p /= p.sum()
            s = "".join(rng.choice(list(ALPHABET), size=length, p=p))
        out.append(s)
    return out


def gen_document(rng):
    """Returns a list of MRZ lines (2 or 3) of equal length."""
    k = rng.random()
    if k < 0.32:
        lines = gen_td3(rng)
    elif k < 0.40:
        lines = gen_td3(rng, visa=True)
    elif k < 0.52:
        lines = gen_td2(rng)
    elif k < 0.57:
        lines = gen_td2(rng, visa=True)
    elif k < 0.62:
        lines = gen_fr_id(rng)
    elif k < 0.86:
        lines = gen_td1(rng)
    else:
        length = int(rng.choice([30, 36, 44]))
        lines = gen_random_lines(rng, 3 if length == 30 else 2, length)
    for l in lines:
        assert all(c in CHAR2IDX for c in l), l
    return lines


# ---------------------------------------------------------------- rendering

WORK_CAP = 28  # cap height (px) of the working-resolution render
OTHER_SCALES = (0.45, 0.6, 0.75, 0.9, 1.15)


class Glyphs:
    """Cache of anti-aliased OCR-B glyph masks at working resolution."""

    def __init__(self, font_path=None, centre=False):
        """centre=False: OCR-B as in runs 1-3 (ink offsets from the pen position).
        centre=True (other faces): every glyph's ink is centred on OCR-B's mean ink
        centre, so any face lines up with the pitch grid the same way."""
        if font_path is None:
            for p in FONT_CANDIDATES:
                if p and os.path.exists(p):
                    font_path = p
                    break
        if font_path is None:
            raise FileNotFoundError("OCR-B font not found; set MRZ_FONT or install fonts-ocr-b")
        self.path = font_path
        probe = ImageFont.truetype(font_path, 100)
        b = probe.getbbox("H", anchor="ls")
        cap100 = b[3] - b[1]
        self.size = int(round(100 * WORK_CAP / cap100))
        self.font = ImageFont.truetype(font_path, self.size)
        self.cache = {1.0: self._render_all(1.0)}
        if centre:
            base = self.cache[1.0]
            for c, (g, dx, dy) in list(base.items()):
                base[c] = (g, int(round(0.43 * WORK_CAP - g.shape[1] / 2)), dy)
        self.max_w = max(self.cache[1.0][c][0].shape[1] for c in ALPHABET)
        for s in OTHER_SCALES:
            self.cache[s] = self._resize_all(self.cache[1.0], s)

    def missing(self):
        """Characters of ALPHABET the face lacks (empty, or drawn as the .notdef box)."""
        F = self.size
        bad = []
        refs = []
        for probe in ("\uE000", "\uFFFF", "\u0378"):
            im = Image.new("L", (2 * F, 2 * F), 0)
            ImageDraw.Draw(im).text((F // 2, F), probe, font=self.font, fill=255, anchor="ls")
            refs.append(np.asarray(im))
        for c in ALPHABET:
            im = Image.new("L", (2 * F, 2 * F), 0)
            ImageDraw.Draw(im).text((F // 2, F), c, font=self.font, fill=255, anchor="ls")
            a = np.asarray(im)
            if a.max() == 0 or any(r.max() > 0 and np.array_equal(a, r) for r in refs):
                bad.append(c)
        return bad

    def _render_all(self, scale):
        out = {}
        F = self.size
        for c in ALPHABET + "abcdefghijklmnopqrstuvwxyz.,-/:' ":
            im = Image.new("L", (2 * F, 2 * F), 0)
            d = ImageDraw.Draw(im)
            d.text((F // 2, F), c, font=self.font, fill=255, anchor="ls")
            a = np.asarray(im)
            ys, xs = np.nonzero(a > 0)
            if len(xs) == 0:
                out[c] = (np.zeros((1, 1), np.uint8), 0, 0)
                continue
            y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
            # offsets relative to (cell-left, baseline)
            out[c] = (a[y0:y1, x0:x1].copy(), x0 - F // 2, y0 - F)
        return out

    def _resize_all(self, base, s):
        out = {}
        for c, (g, dx, dy) in base.items():
            h, w = g.shape
            nh, nw = max(1, int(round(h * s))), max(1, int(round(w * s)))
            out[c] = (cv2.resize(g, (nw, nh), interpolation=cv2.INTER_AREA), int(round(dx * s)), int(round(dy * s)))
        return out

    def advance(self, scale=1.0):
        return 0.86 * WORK_CAP * scale


def _stretched(glyphs, scale, xs):
    key = ("x", scale, round(xs, 2))
    if key not in glyphs.cache:
        if len(glyphs.cache) > 40:  # bounded: drop the stretched variants
            for k in [k for k in glyphs.cache if isinstance(k, tuple)]:
                del glyphs.cache[k]
        xs = round(xs, 2)
        out = {}
        for c, (g, dx, dy) in glyphs.cache[scale].items():
            h, w = g.shape
            nw = max(1, int(round(w * xs)))
            cx = dx + w / 2
            out[c] = (cv2.resize(g, (nw, h), interpolation=cv2.INTER_AREA if xs < 1 else cv2.INTER_LINEAR),
                      int(round(cx - nw / 2)), dy)
        glyphs.cache[key] = out
    return glyphs.cache[key]


def _stamp(mask, g, x, y):
    """Max-composite glyph g at top-left (x, y) into mask (clipped)."""
    H, W = mask.shape
    h, w = g.shape
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(W, x + w), min(H, y + h)
    if x1 <= x0 or y1 <= y0:
        return
    sub = g[y0 - y:y1 - y, x0 - x:x1 - x]
    np.maximum(mask[y0:y1, x0:x1], sub, out=mask[y0:y1, x0:x1])


def draw_line(mask, glyphs, text, x0, baseline, pitch, rng, scale=1.0, jitter=True, xstretch=1.0):
    """Draw monospace text; returns list of (left, right) ink extents per glyph.
    xstretch != 1 widens/narrows every glyph about its cell centre (run 4)."""
    cache = glyphs.cache[scale]
    if xstretch != 1.0:
        cache = _stretched(glyphs, scale, xstretch)
    jx = 0.04 * pitch if jitter else 0
    jy = 0.035 * WORK_CAP * scale if jitter else 0
    spacing = rng.uniform(-0.05, 0.05, size=len(text)) * pitch * 0.5 if jitter else np.zeros(len(text))
    ext = []
    x = x0
    for i, c in enumerate(text):
        g, dx, dy = cache[c]
        cx = x + (rng.uniform(-jx, jx) if jx else 0)
        cy = baseline + (rng.uniform(-jy, jy) if jy else 0)
        xi, yi = int(round(cx + dx)), int(round(cy + dy))
        _stamp(mask, g, xi, yi)
        ext.append((xi, xi + g.shape[1]))
        x += pitch + spacing[i]
    return ext


def _rand_words(rng, n):
    chars = LETTERS + LETTERS.lower() + DIGITS + "   .,-/:"
    return "".join(rng.choice(list(chars), size=n)).strip() or "A"


# ---------------------------------------------------------------- backgrounds


def make_background(rng, h, w, paper):
    """Gray security-paper background at working resolution (float32 0..255)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    bg = np.full((h, w), paper, np.float32)
    # smooth large-scale gradient
    if rng.random() < 0.7:
        ang = rng.uniform(0, 2 * math.pi)
        amp = rng.uniform(-35, 35)
        t = (xx * math.cos(ang) + yy * math.sin(ang)) / max(w, h)
        bg += amp * t
    # low-frequency blotches
    if rng.random() < 0.5:
        sh, sw = int(rng.integers(2, 6)), int(rng.integers(3, 16))
        lf = rng.normal(0, rng.uniform(3, 15), size=(sh, sw)).astype(np.float32)
        bg += cv2.resize(lf, (w, h), interpolation=cv2.INTER_CUBIC)
    # guilloche: thin interfering sine curves
    if rng.random() < 0.55:
        for _ in range(int(rng.integers(1, 4))):
            fx = rng.uniform(0.005, 0.06)
            fy = rng.uniform(0.02, 0.25) * rng.choice([-1, 1])
            a2 = rng.uniform(0, 30)
            f2 = rng.uniform(0.003, 0.03)
            ph = rng.uniform(0, 2 * math.pi, size=2)
            arg = 2 * math.pi * (fx * xx + fy * yy) + a2 * np.sin(2 * math.pi * f2 * xx + ph[0]) * 0.2 + ph[1]
            width = rng.uniform(0.05, 0.35)
            line = np.clip(1.0 - np.abs(np.sin(arg)) / width, 0, 1)
            bg -= rng.uniform(5, 45) * line * (1 if rng.random() < 0.8 else -0.5)
    # fine periodic pattern / microprint texture
    if rng.random() < 0.25:
        f = rng.uniform(0.15, 0.45)
        bg -= rng.uniform(3, 15) * (0.5 + 0.5 * np.sin(2 * math.pi * f * (xx + rng.uniform(0.3, 1.5) * yy)))
    # paper grain
    bg += rng.normal(0, rng.uniform(0, 4), size=(h, w)).astype(np.float32)
    return bg


# ---------------------------------------------------------------- sample


def _motion_kernel(rng):
    k = int(rng.integers(3, 6))
    ker = np.zeros((k, k), np.float32)
    ker[k // 2, :] = 1
    M = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), rng.uniform(0, 180), 1.0)
    ker = cv2.warpAffine(ker, M, (k, k))
    return ker / max(ker.sum(), 1e-6)


def normalise(img_u8):
    """Per-crop contrast normalisation (must match the Rust side exactly)."""
    v = img_u8.astype(np.float32)
    lo = np.percentile(v, 5)
    hi = np.percentile(v, 95)
    return np.clip((v - lo) / max(hi - lo, 16.0), 0.0, 1.0)


def out_width(w, h):
    W = int(round(w * 32.0 / h))
    return max(4, (W + 3) // 4 * 4)


def load_fonts(table, verbose=False):
    """{name: Glyphs} for a font table, dropping faces that are missing or lack a glyph."""
    out = {}
    for name, path, _w in table:
        if not os.path.exists(path):
            if verbose:
                print("mrzgen: font %s not found at %s, dropped" % (name, path))
            continue
        g = Glyphs(path, centre=True)
        bad = g.missing()
        if bad:
            if verbose:
                print("mrzgen: font %s lacks %s, dropped" % (name, "".join(bad)))
            continue
        out[name] = g
    return out


def pitch_bucket(m):
    """Evaluation bucket of a pitch multiple of OCR-B's pitch."""
    if m < 0.95:
        return "0.85-0.95"
    if m < 1.15:
        return "0.95-1.15"
    if m < 1.3:
        return "1.15-1.30"
    return "1.30-1.60"


def _sample_pitch_mult(rng):
    k = rng.random()
    if k < 0.5:
        return rng.uniform(0.85, 1.15)
    if k < 0.7:
        return rng.uniform(1.15, 1.3)
    return rng.uniform(1.3, 1.6)


class Generator:
    """mix=None: OCR-B only, exactly the run 1-3 distribution (same random draws).
    mix="run4": OCR-B in OCRB_FRAC of the samples, otherwise a TRAIN_FONTS face;
    letter pitch 0.85-1.6x OCR-B's, synthetic bold/bleed/dot-matrix, and overprints
    (stamps, strokes, boxes, SPECIMEN) over the line. See MODEL_CARD.md, "Run 4"."""

    def __init__(self, font_path=None, mix=None, verbose=False):
        self.g = Glyphs(font_path)
        self.mix = mix
        self.fonts = {}
        self.last = {"font": "ocr-b", "pitch": None}
        if mix == "run4":
            self.fonts = load_fonts(TRAIN_FONTS, verbose)
            self.font_names = [n for n, _p, _w in TRAIN_FONTS if n in self.fonts]
            w = np.array([wt for n, _p, wt in TRAIN_FONTS if n in self.fonts], np.float64)
            self.font_p = w / w.sum()
        elif mix is not None:
            raise ValueError(mix)

    def glyphs_for(self, name):
        """Glyphs of a named face (TRAIN_FONTS or HELDOUT_FONTS), loaded on demand."""
        if name == "ocr-b":
            return self.g
        if name not in self.fonts:
            table = [f for f in TRAIN_FONTS + HELDOUT_FONTS if f[0] == name]
            if not table:
                raise KeyError(name)
            got = load_fonts(table, verbose=True)
            if name not in got:
                raise ValueError("font %s unusable" % name)
            self.fonts[name] = got[name]
        return self.fonts[name]

    def sample(self, rng, n_chars=None, strength=1.0, r=None, font=None, pitch_mult=None, overprint=None):
        """Returns (uint8 image [32, W], label str).

        n_chars: None -> full MRZ line; int -> a window of that many chars of a
        line, rendered alone (shorter training samples).
        strength: 0..1 scales augmentation severity (curriculum).
        r: if given, fixes the crop-height / cap-height ratio (evaluation).
        font, pitch_mult, overprint (run 4 mix only; for evaluation): force the face
        ("ocr-b" or a TRAIN_FONTS/HELDOUT_FONTS name), the pitch as a multiple of
        OCR-B's, and whether overprints are drawn (None = random).
        self.last then says which face and pitch multiple were used.
        """
        if self.mix == "run4":
            return self._sample_run4(rng, n_chars, strength, r, font, pitch_mult, overprint)
        S = strength
        r_fixed = r
        ch = float(WORK_CAP)
        doc = gen_document(rng)
        L = len(doc[0])
        li = int(rng.integers(0, len(doc)))
        label = doc[li]
        if n_chars is not None and n_chars < L:
            st = int(rng.integers(0, L - n_chars + 1))
            label = label[st:st + n_chars]
        pitch = ch * rng.uniform(0.97, 1.13)
        spacing_lines = ch * rng.uniform(1.55, 2.05)
        r = rng.uniform(1.4, 2.2)
        if rng.random() < 0.3:
            r = rng.uniform(1.55, 1.85)
        r = r_fixed if r_fixed is not None else r
        pl, pr = rng.uniform(0.1, 1.5, size=2)

        mrz_w = pitch * (len(label) + 2)
        margin = int(ch * 2.5)
        Wc = int(mrz_w + 2 * margin)
        Hc = int(ch * 7)
        mask = np.zeros((Hc, Wc), np.uint8)  # MRZ ink
        other = np.zeros((Hc, Wc), np.uint8)  # non-MRZ text (different contrast)
        base = Hc // 2 + int(ch / 2)
        x0 = margin
        ext = draw_line(mask, self.g, label, x0, base, pitch, rng)
        left = min(e[0] for e in ext)
        right = max(e[1] for e in ext)
        # neighbouring lines
        for d in (-1, 1):
            j = li + d
            yb = base + d * spacing_lines + rng.uniform(-0.05, 0.05) * ch
            if 0 <= j < len(doc):
                nb = doc[j]
                if n_chars is not None and n_chars < L:
                    off = int(rng.integers(-2, 3))
                    s0 = max(0, st + off)
                    nb = nb[s0:s0 + len(label)]
                    xs = x0 + (s0 - st) * pitch
                else:
                    xs = x0 + rng.uniform(-0.1, 0.1) * pitch
                draw_line(mask, self.g, nb, xs, yb, pitch, rng)
            elif rng.random() < 0.35 * S:
                sc = float(rng.choice(OTHER_SCALES))
                txt = _rand_words(rng, int(len(label) * rng.uniform(0.3, 1.4) / sc))
                yb2 = base + d * ch * rng.uniform(1.4, 2.6)
                draw_line(other, self.g, txt, x0 + rng.uniform(-3, 3) * ch, yb2, ch * 0.9 * sc, rng, scale=sc)
        # other printed text to the left/right of the MRZ line
        for side in (-1, 1):
            if rng.random() < 0.2 * S:
                sc = float(rng.choice(OTHER_SCALES))
                txt = _rand_words(rng, int(rng.integers(2, 10)))
                gap = rng.uniform(0.3, 1.5) * ch
                yb2 = base + rng.uniform(0.6, 1.3) * ch * rng.choice([-1, 1])
                if side < 0:
                    xs = left - gap - len(txt) * ch * 0.9 * sc
                else:
                    xs = right + gap
                draw_line(other, self.g, txt, xs, yb2, ch * 0.9 * sc, rng, scale=sc)

        # ---- crop geometry (in line coordinates) with residual distortion
        cy = base - ch / 2 + rng.uniform(-0.12, 0.12) * ch
        h_crop = r * ch
        xl = left - pl * ch
        xr = right + pr * ch
        w_crop = xr - xl
        ow, oh = int(round(w_crop)), int(round(h_crop))
        cx = (xl + xr) / 2
        theta = math.radians(float(np.clip(rng.normal(0, 0.8), -2, 2)) * S)
        curv = rng.uniform(-0.12, 0.12) * ch * S if rng.random() < 0.4 else 0.0
        persp = rng.uniform(-0.06, 0.06) * S if rng.random() < 0.4 else 0.0
        u = np.arange(ow, dtype=np.float32) - ow / 2
        v = np.arange(oh, dtype=np.float32) - oh / 2
        uu, vv = np.meshgrid(u, v)
        un = uu / (ow / 2)
        vv2 = vv * (1 + persp * un)
        mx = cx + uu * math.cos(theta) - vv2 * math.sin(theta)
        my = cy + uu * math.sin(theta) + vv2 * math.cos(theta) + curv * un * un
        mx, my = mx.astype(np.float32), my.astype(np.float32)
        ink = cv2.remap(mask, mx, my, cv2.INTER_LINEAR, borderValue=0)
        oth = cv2.remap(other, mx, my, cv2.INTER_LINEAR, borderValue=0) if other.any() else None

        # ---- stroke weight
        k = rng.random()
        if k < 0.2 * S:
            ink = cv2.erode(ink, np.ones((2, 2), np.uint8))
        elif k < 0.45 * S:
            ks = int(rng.choice([2, 2, 3]))
            ink = cv2.dilate(ink, np.ones((ks, ks), np.uint8))

        # ---- compose with paper + ink tones
        paper = rng.uniform(150, 250) if rng.random() < 0.85 else rng.uniform(110, 160)
        contrast = rng.uniform(55, paper) if rng.random() < 0.5 * S + 0.2 else rng.uniform(0.6 * paper, paper)
        inkv = max(0.0, paper - contrast)
        bg = make_background(rng, oh, ow, paper) if rng.random() < 0.3 + 0.7 * S else np.full((oh, ow), paper, np.float32)
        a = ink.astype(np.float32) / 255.0
        if rng.random() < 0.3 * S:  # uneven print
            lf = rng.uniform(0.6, 1.0, size=(2, max(2, ow // 40))).astype(np.float32)
            a *= cv2.resize(lf, (ow, oh), interpolation=cv2.INTER_LINEAR)
        img = bg * (1 - a) + inkv * a
        if oth is not None:
            ao = oth.astype(np.float32) / 255.0 * rng.uniform(0.3, 1.0)
            img = img * (1 - ao) + rng.uniform(0, paper * 0.7) * ao
        # dark document edge / outside-card region
        if rng.random() < 0.05 * S:
            band = int(rng.uniform(0.05, 0.25) * oh)
            if rng.random() < 0.5:
                img[:band] = rng.uniform(0, 90)
            else:
                img[oh - band:] = rng.uniform(0, 90)

        # ---- down-scale to the "camera" resolution
        kres = rng.random()
        if kres < 0.4:
            ch_src = rng.uniform(6, 12)
        elif kres < 0.8:
            ch_src = rng.uniform(12, 22)
        else:
            ch_src = rng.uniform(22, 34)
        ch_src = ch_src if S > 0.3 else max(ch_src, 10)
        sc = ch_src / ch
        sw, sh = max(8, int(round(ow * sc))), max(6, int(round(oh * sc)))
        interp = cv2.INTER_AREA if sc < 1 else cv2.INTER_LINEAR
        img = cv2.resize(img, (sw, sh), interpolation=interp)

        # ---- optics / sensor
        if rng.random() < 0.55 * S:
            s = rng.uniform(0.2, 1.0) * max(1.0, ch_src / 14)
            if ch_src < 9:
                s = min(s, 0.6)
            img = cv2.GaussianBlur(img, (0, 0), s)
        if rng.random() < 0.15 * S:
            img = cv2.filter2D(img, -1, _motion_kernel(rng))
        if rng.random() < 0.5 * S:  # lighting / shadow
            yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
            ang = rng.uniform(0, 2 * math.pi)
            t = (xx * math.cos(ang) + yy * math.sin(ang) * 4) / max(sw, 1)
            t = t - t.min()
            img = img * (1 - rng.uniform(0, 0.45) * t / max(t.max(), 1e-6))
        if rng.random() < 0.15 * S:  # glare
            yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
            gx, gy = rng.uniform(0, sw), rng.uniform(-sh, 2 * sh)
            rx, ry = rng.uniform(0.05, 0.4) * sw, rng.uniform(0.5, 3) * sh
            gmap = np.exp(-(((xx - gx) / rx) ** 2 + ((yy - gy) / ry) ** 2))
            strength = rng.uniform(0.3, 0.85)
            img = img + (255 - img) * gmap * strength
        if rng.random() < 0.7 * S:
            img = img + rng.normal(0, rng.uniform(1, 12), size=img.shape).astype(np.float32)
        img = np.clip(img, 0, 255).astype(np.uint8)
        if rng.random() < 0.5 * S:
            q = int(rng.integers(15 if ch_src >= 10 else 30, 90))
            ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])
            img = cv2.imdecode(enc, cv2.IMREAD_GRAYSCALE)

        # ---- the Rust side: resize crop to height 32
        W = out_width(sw, sh)
        interp = [cv2.INTER_LINEAR, cv2.INTER_LINEAR, cv2.INTER_AREA, cv2.INTER_CUBIC][int(rng.integers(0, 4))]
        img = cv2.resize(img, (W, 32), interpolation=interp)
        return img, label


    def _sample_run4(self, rng, n_chars, strength, r, font, pitch_mult, overprint):
        """The run 4 distribution (see the class docstring)."""
        S = strength
        r_fixed = r
        ch = float(WORK_CAP)
        doc = gen_document(rng)
        L = len(doc[0])
        li = int(rng.integers(0, len(doc)))
        label = doc[li]
        if n_chars is not None and n_chars < L:
            st = int(rng.integers(0, L - n_chars + 1))
            label = label[st:st + n_chars]
        # ---- face and pitch
        if font is None:
            font = "ocr-b" if rng.random() < OCRB_FRAC else str(rng.choice(self.font_names, p=self.font_p))
        G = self.glyphs_for(font)
        if pitch_mult is None:
            if font == "ocr-b" and rng.random() < 0.75:
                pitch_mult = rng.uniform(0.97, 1.13) / OCRB_PITCH  # the run 1-3 range
            else:
                pitch_mult = _sample_pitch_mult(rng)
        pitch = ch * OCRB_PITCH * pitch_mult
        self.last = {"font": font, "pitch": float(pitch_mult)}
        # glyphs wider than the pitch allows are narrowed; wide pitches sometimes get
        # wider glyphs (wide faces) rather than only wider gaps
        fit = pitch / (1.08 * G.max_w)
        xstretch = 1.0
        if fit < 1.0:
            xstretch = max(0.6, fit)
        elif rng.random() < 0.3 and fit > 1.1:
            xstretch = rng.uniform(1.0, min(1.45, fit))
        spacing_lines = ch * rng.uniform(1.55, 2.05)
        r = rng.uniform(1.4, 2.2)
        if rng.random() < 0.3:
            r = rng.uniform(1.55, 1.85)
        r = r_fixed if r_fixed is not None else r
        pl, pr = rng.uniform(0.1, 1.5, size=2)

        mrz_w = pitch * (len(label) + 2)
        margin = int(ch * 2.5)
        Wc = int(mrz_w + 2 * margin)
        Hc = int(ch * 7)
        mask = np.zeros((Hc, Wc), np.uint8)  # MRZ ink
        other = np.zeros((Hc, Wc), np.uint8)  # non-MRZ text (different contrast)
        base = Hc // 2 + int(ch / 2)
        x0 = margin
        ext = draw_line(mask, G, label, x0, base, pitch, rng, xstretch=xstretch)
        left = min(e[0] for e in ext)
        right = max(e[1] for e in ext)
        # neighbouring lines
        for d in (-1, 1):
            j = li + d
            yb = base + d * spacing_lines + rng.uniform(-0.05, 0.05) * ch
            if 0 <= j < len(doc):
                nb = doc[j]
                if n_chars is not None and n_chars < L:
                    off = int(rng.integers(-2, 3))
                    s0 = max(0, st + off)
                    nb = nb[s0:s0 + len(label)]
                    xs = x0 + (s0 - st) * pitch
                else:
                    xs = x0 + rng.uniform(-0.1, 0.1) * pitch
                draw_line(mask, G, nb, xs, yb, pitch, rng, xstretch=xstretch)
            elif rng.random() < 0.35 * S:
                sc = float(rng.choice(OTHER_SCALES))
                txt = _rand_words(rng, int(len(label) * rng.uniform(0.3, 1.4) / sc))
                yb2 = base + d * ch * rng.uniform(1.4, 2.6)
                draw_line(other, G, txt, x0 + rng.uniform(-3, 3) * ch, yb2, ch * 0.9 * sc, rng, scale=sc)
        # other printed text to the left/right of the MRZ line
        for side in (-1, 1):
            if rng.random() < 0.2 * S:
                sc = float(rng.choice(OTHER_SCALES))
                txt = _rand_words(rng, int(rng.integers(2, 10)))
                gap = rng.uniform(0.3, 1.5) * ch
                yb2 = base + rng.uniform(0.6, 1.3) * ch * rng.choice([-1, 1])
                if side < 0:
                    xs = left - gap - len(txt) * ch * 0.9 * sc
                else:
                    xs = right + gap
                draw_line(other, G, txt, xs, yb2, ch * 0.9 * sc, rng, scale=sc)

        # ---- dot-matrix print: keep the ink only on a grid of dots
        if rng.random() < (0.25 if font == "dotgothic16" else 0.07) * S:
            step = ch / rng.uniform(5.5, 8.0)
            yy, xx = np.mgrid[0:Hc, 0:Wc].astype(np.float32)
            rad = step * rng.uniform(0.35, 0.55)
            dots = (((xx % step) - step / 2) ** 2 + ((yy % step) - step / 2) ** 2) < rad * rad
            mask = cv2.dilate((mask > 90).astype(np.uint8) * dots.astype(np.uint8) * 255,
                              cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
            mask = cv2.GaussianBlur(mask, (0, 0), 0.8)

        # ---- crop geometry (in line coordinates) with residual distortion
        cy = base - ch / 2 + rng.uniform(-0.12, 0.12) * ch
        h_crop = r * ch
        xl = left - pl * ch
        xr = right + pr * ch
        w_crop = xr - xl
        ow, oh = int(round(w_crop)), int(round(h_crop))
        cx = (xl + xr) / 2
        theta = math.radians(float(np.clip(rng.normal(0, 0.8), -2, 2)) * S)
        curv = rng.uniform(-0.12, 0.12) * ch * S if rng.random() < 0.4 else 0.0
        persp = rng.uniform(-0.06, 0.06) * S if rng.random() < 0.4 else 0.0
        u = np.arange(ow, dtype=np.float32) - ow / 2
        v = np.arange(oh, dtype=np.float32) - oh / 2
        uu, vv = np.meshgrid(u, v)
        un = uu / (ow / 2)
        vv2 = vv * (1 + persp * un)
        mx = cx + uu * math.cos(theta) - vv2 * math.sin(theta)
        my = cy + uu * math.sin(theta) + vv2 * math.cos(theta) + curv * un * un
        mx, my = mx.astype(np.float32), my.astype(np.float32)
        ink = cv2.remap(mask, mx, my, cv2.INTER_LINEAR, borderValue=0)
        oth = cv2.remap(other, mx, my, cv2.INTER_LINEAR, borderValue=0) if other.any() else None

        # ---- stroke weight
        k = rng.random()
        if k < 0.2 * S:
            ink = cv2.erode(ink, np.ones((2, 2), np.uint8))
        elif k < 0.45 * S:
            ks = int(rng.choice([2, 2, 3]))
            ink = cv2.dilate(ink, np.ones((ks, ks), np.uint8))

        # ---- run 4: heavy bold / ink bleed / typewriter wear
        k = rng.random()
        if k < 0.18 * S:  # synthetic bold
            ks = int(rng.integers(3, 6))
            ink = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (ks, ks)))
        elif k < 0.32 * S:  # ink bleed: blur, then a soft threshold that fattens strokes
            sg = rng.uniform(1.0, 2.8)
            bl = cv2.GaussianBlur(ink.astype(np.float32), (0, 0), sg)
            t = rng.uniform(40, 110)
            ink = np.clip((bl - t) * rng.uniform(1.5, 4.0) + 128, 0, 255).astype(np.uint8)
        elif k < 0.40 * S:  # worn typewriter ribbon: speckled ink
            sp = rng.random(ink.shape) < rng.uniform(0.05, 0.25)
            ink = (ink * (1 - sp * rng.uniform(0.5, 1.0))).astype(np.uint8)

        # ---- compose with paper + ink tones
        paper = rng.uniform(150, 250) if rng.random() < 0.85 else rng.uniform(110, 160)
        contrast = rng.uniform(55, paper) if rng.random() < 0.5 * S + 0.2 else rng.uniform(0.6 * paper, paper)
        inkv = max(0.0, paper - contrast)
        bg = make_background(rng, oh, ow, paper) if rng.random() < 0.3 + 0.7 * S else np.full((oh, ow), paper, np.float32)
        a = ink.astype(np.float32) / 255.0
        if rng.random() < 0.3 * S:  # uneven print
            lf = rng.uniform(0.6, 1.0, size=(2, max(2, ow // 40))).astype(np.float32)
            a *= cv2.resize(lf, (ow, oh), interpolation=cv2.INTER_LINEAR)
        img = bg * (1 - a) + inkv * a
        if oth is not None:
            ao = oth.astype(np.float32) / 255.0 * rng.uniform(0.3, 1.0)
            img = img * (1 - ao) + rng.uniform(0, paper * 0.7) * ao
        # ---- overprints over the line (stamps, strokes, boxes, SPECIMEN)
        if overprint is None:
            overprint = rng.random() < OVERPRINT_FRAC * S
        if overprint:
            yoff = oh / 2 - cy  # line y -> crop row
            boxes = [(e0 - xl, base - ch + yoff, e1 - xl, base + yoff) for e0, e1 in ext]
            img = _overprint(rng, img, ch, boxes, base - ch / 2 + yoff)
        # dark document edge / outside-card region
        if rng.random() < 0.05 * S:
            band = int(rng.uniform(0.05, 0.25) * oh)
            if rng.random() < 0.5:
                img[:band] = rng.uniform(0, 90)
            else:
                img[oh - band:] = rng.uniform(0, 90)

        # ---- down-scale to the "camera" resolution
        kres = rng.random()
        if kres < SMALL_RES_FRAC:
            ch_src = rng.uniform(6, 12)
        elif kres < SMALL_RES_FRAC + (1 - SMALL_RES_FRAC) * 2 / 3:  # 12-22 px twice as often as 22-34
            ch_src = rng.uniform(12, 22)
        else:
            ch_src = rng.uniform(22, 34)
        if TINY_RES_FRAC and rng.random() < TINY_RES_FRAC:  # no draw otherwise: earlier runs rebuild as they were
            ch_src = rng.uniform(3.5, 6)
        ch_src = ch_src if S > 0.3 else max(ch_src, 10)
        sc = ch_src / ch
        sw, sh = max(8, int(round(ow * sc))), max(6, int(round(oh * sc)))
        interp = cv2.INTER_AREA if sc < 1 else cv2.INTER_LINEAR
        img = cv2.resize(img, (sw, sh), interpolation=interp)

        # ---- optics / sensor
        if rng.random() < 0.55 * S:
            s = rng.uniform(0.2, 1.0) * max(1.0, ch_src / 14)
            if ch_src < 9:
                s = min(s, 0.6)
            img = cv2.GaussianBlur(img, (0, 0), s)
        elif rng.random() < 0.12 * S and ch_src >= 12:  # out of focus
            img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.8, 1.6) * ch_src / 14)
        if rng.random() < 0.15 * S:
            img = cv2.filter2D(img, -1, _motion_kernel(rng))
        if rng.random() < 0.5 * S:  # lighting / shadow
            yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
            ang = rng.uniform(0, 2 * math.pi)
            t = (xx * math.cos(ang) + yy * math.sin(ang) * 4) / max(sw, 1)
            t = t - t.min()
            img = img * (1 - rng.uniform(0, 0.45) * t / max(t.max(), 1e-6))
        if rng.random() < 0.15 * S:  # glare
            yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
            gx, gy = rng.uniform(0, sw), rng.uniform(-sh, 2 * sh)
            rx, ry = rng.uniform(0.05, 0.4) * sw, rng.uniform(0.5, 3) * sh
            gmap = np.exp(-(((xx - gx) / rx) ** 2 + ((yy - gy) / ry) ** 2))
            strength = rng.uniform(0.3, 0.85)
            img = img + (255 - img) * gmap * strength
        if rng.random() < 0.7 * S:
            img = img + rng.normal(0, rng.uniform(1, 12), size=img.shape).astype(np.float32)
        img = np.clip(img, 0, 255).astype(np.uint8)
        lowq = 0.35 if _RUN7 and ch_src < 12 else (0.5 if ch_src < 6 else 0.0)
        if lowq and rng.random() < lowq * S:  # low-quality capture: blur ~0.6 px + JPEG 30-55
            img = cv2.GaussianBlur(np.clip(img, 0, 255), (0, 0), rng.uniform(0.45, 0.75))
            img = np.clip(img, 0, 255).astype(np.uint8)
            ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 56))])
            img = cv2.imdecode(enc, cv2.IMREAD_GRAYSCALE)
        elif rng.random() < 0.5 * S:
            q = int(rng.integers(15 if ch_src >= 10 else 30, 90))
            ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])
            img = cv2.imdecode(enc, cv2.IMREAD_GRAYSCALE)

        # ---- the Rust side: resize crop to height 32
        W = out_width(sw, sh)
        interp = [cv2.INTER_LINEAR, cv2.INTER_LINEAR, cv2.INTER_AREA, cv2.INTER_CUBIC][int(rng.integers(0, 4))]
        img = cv2.resize(img, (W, 32), interpolation=interp)
        return img, label



def _text_layer(rng, text, height, font_path):
    """Alpha mask (uint8) of `text` with cap height about `height` px."""
    size = max(8, int(height * 1.4))
    f = ImageFont.truetype(font_path, size)
    b = f.getbbox(text, anchor="lt")
    w, h = b[2] - b[0] + 8, b[3] - b[1] + 8
    im = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(im)
    if rng.random() < 0.3:  # outlined letters
        d.text((4 - b[0], 4 - b[1]), text, font=f, fill=0, anchor="lt", stroke_width=max(1, size // 25),
               stroke_fill=255)
        d.text((4 - b[0], 4 - b[1]), text, font=f, fill=0, anchor="lt")
    else:
        d.text((4 - b[0], 4 - b[1]), text, font=f, fill=255, anchor="lt")
    return np.asarray(im)


def _paste_rotated(layer, src, cx, cy, angle_deg, alpha):
    """Max-composite src (uint8 mask), rotated about its centre, centred at (cx, cy)."""
    h, w = src.shape
    M = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    M[0, 2] += cx - w / 2
    M[1, 2] += cy - h / 2
    H, W = layer.shape
    warped = cv2.warpAffine(src, M, (W, H), flags=cv2.INTER_LINEAR, borderValue=0)
    np.maximum(layer, warped.astype(np.float32) / 255.0 * alpha, out=layer)


_OVER_FONTS = [p for p in (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
) if os.path.exists(p)]


def _overprint(rng, img, ch, boxes, ymid):
    """Darken img (float, crop at working resolution) with 1-2 overprints.
    The crop is grayscale, so a coloured stamp is a mid-gray translucent ink.
    boxes: per-character (x0, y0, x1, y1) in crop pixels; ymid: the line's centre row."""
    oh, ow = img.shape
    kinds = rng.choice(["stamp", "stroke", "box", "specimen"], size=int(rng.integers(1, 3)),
                       p=[0.3, 0.28, 0.17, 0.25])
    fonts = _OVER_FONTS or [FONT_CANDIDATES[-1]]
    for kind in kinds:
        A = np.zeros((oh, ow), np.float32)
        if kind == "stamp":
            cx = rng.uniform(0, ow)
            cy = ymid + rng.uniform(-1.8, 1.8) * ch
            R = ch * rng.uniform(1.2, 3.5)
            if _RUN7 and rng.random() < 0.5:  # the stamp's rim or text runs through the glyphs
                cy = ymid + rng.choice([-1, 1]) * R * rng.uniform(0.6, 1.0) + rng.uniform(-0.3, 0.3) * ch
            ax = (int(R), int(R * rng.uniform(0.6, 1.0)))
            ang = rng.uniform(0, 180)
            th = max(1, int(rng.uniform(1.5, 4.5)))
            if rng.random() < 0.75:
                cv2.ellipse(A, (int(cx), int(cy)), ax, ang, 0, 360, 1.0, th, cv2.LINE_AA)
                if rng.random() < 0.5:
                    ax2 = (max(1, int(ax[0] * 0.8)), max(1, int(ax[1] * 0.8)))
                    cv2.ellipse(A, (int(cx), int(cy)), ax2, ang, 0, 360, 1.0, max(1, th - 1), cv2.LINE_AA)
            else:  # rectangular stamp
                w2, h2 = R * rng.uniform(1.0, 2.0), R * rng.uniform(0.5, 0.9)
                box = cv2.boxPoints(((cx, cy), (2 * w2, 2 * h2), rng.uniform(-25, 25))).astype(np.int32)
                cv2.polylines(A, [box], True, 1.0, th, cv2.LINE_AA)
            if rng.random() < 0.3:  # faint ink-pad fill
                cv2.ellipse(A, (int(cx), int(cy)), ax, ang, 0, 360, rng.uniform(0.1, 0.3), -1)
            for _ in range(int(rng.integers(1, 3))):  # text in the stamp
                if rng.random() < 0.6:
                    word = str(rng.choice(STAMP_WORDS))
                else:
                    word = "".join(rng.choice(list(LETTERS + DIGITS + " .-/"), size=int(rng.integers(3, 12))))
                t = _text_layer(rng, word.strip() or "X", R * rng.uniform(0.2, 0.45), str(rng.choice(fonts)))
                _paste_rotated(A, t, cx + rng.uniform(-0.3, 0.3) * R, cy + rng.uniform(-0.5, 0.5) * R,
                               rng.uniform(-40, 40), 1.0)
            tone = rng.uniform(0.3, 0.8)  # remaining brightness under full stamp ink
        elif kind == "stroke":
            for _ in range(int(rng.integers(1, 4))):
                if rng.random() < 0.4:  # ellipse arc
                    c = (int(rng.uniform(0, ow)), int(ymid + rng.uniform(-2, 2) * ch))
                    ax = (int(ch * rng.uniform(0.8, 6)), int(ch * rng.uniform(0.5, 2.5)))
                    if _RUN7 and rng.random() < 0.6:  # a marker ellipse whose top or bottom crosses the line
                        c = (c[0], int(ymid + rng.choice([-1, 1]) * ax[1] * rng.uniform(0.7, 1.0)))
                    a0 = rng.uniform(0, 360)
                    cv2.ellipse(A, c, ax, rng.uniform(-30, 30), a0, a0 + rng.uniform(60, 300), 1.0,
                                int(rng.integers(1, 4)), cv2.LINE_AA)
                else:  # hand-drawn curve / scribble / signature-like stroke
                    n = int(rng.integers(3, 8))
                    x0 = rng.uniform(-0.1, 0.9) * ow
                    span = rng.uniform(1, 10) * ch
                    xs = np.sort(x0 + rng.uniform(0, span, size=n))
                    ys = ymid + rng.normal(0, 0.5 if _RUN7 else 0.9, size=n) * ch
                    tt = np.linspace(0, n - 1, n * 12)
                    px = np.interp(tt, np.arange(n), xs) + rng.uniform(0, 0.4) * ch * np.sin(tt * rng.uniform(1, 4))
                    py = np.interp(tt, np.arange(n), ys) + rng.uniform(0, 0.5) * ch * np.sin(tt * rng.uniform(1, 5))
                    pts = np.stack([px, py], 1).astype(np.int32)[None]
                    cv2.polylines(A, pts, False, 1.0, int(rng.integers(1, 4)), cv2.LINE_AA)
            tone = rng.uniform(0.05, 0.6)
        elif kind == "box":
            for _ in range(int(rng.integers(1, 3))):
                i = int(rng.integers(0, len(boxes)))
                j = min(len(boxes) - 1, i + int(rng.integers(0, 6)))
                pad = rng.uniform(0.05, 0.35) * ch
                x0, y0 = boxes[i][0] - pad, min(b[1] for b in boxes[i:j + 1]) - pad
                x1, y1 = boxes[j][2] + pad, max(b[3] for b in boxes[i:j + 1]) + pad
                cv2.rectangle(A, (int(x0), int(y0)), (int(x1), int(y1)), 1.0, int(rng.integers(1, 4)), cv2.LINE_AA)
            tone = rng.uniform(0.05, 0.6)
        else:  # large faint SPECIMEN-like word crossing the line
            word = str(rng.choice(STAMP_WORDS[:8]))
            if rng.random() < 0.5:  # vertical
                angle = 90 * rng.choice([-1, 1]) + rng.uniform(-8, 8)
                hgt = ch * rng.uniform(1.2, 3.0)
            else:  # diagonal
                angle = rng.uniform(12, 60) * rng.choice([-1, 1])
                hgt = ch * rng.uniform(1.5, 4.0)
            t = _text_layer(rng, word, hgt, str(rng.choice(fonts)))
            _paste_rotated(A, t, rng.uniform(0, ow), ymid + rng.uniform(-1, 1) * ch, angle, 1.0)
            tone = rng.uniform(0.45, 0.9)
        if rng.random() < 0.6:  # uneven ink
            lf = rng.uniform(0.4, 1.0, size=(3, max(2, ow // 30))).astype(np.float32)
            A *= cv2.resize(lf, (ow, oh), interpolation=cv2.INTER_LINEAR)
        img = img * (1 - np.clip(A, 0, 1) * (1 - tone))
    return img


def encode(label):
    return [CHAR2IDX[c] for c in label]


def decode_greedy(best):
    """best: sequence of argmax class ids -> string (collapse repeats, drop blanks)."""
    out = []
    prev = 0
    for k in best:
        k = int(k)
        if k != prev and k != 0:
            out.append(ALPHABET[k - 1])
        prev = k
    return "".join(out)


def make_batch(gen, rng, batch_size, n_chars=None, strength=1.0, with_faces=False):
    """Returns (float32 [B,1,32,Wmax] padded with 1.0, labels, widths[, faces])."""
    imgs, labels, faces = [], [], []
    for _ in range(batch_size):
        im, lab = gen.sample(rng, n_chars=n_chars, strength=strength)
        imgs.append(normalise(im))
        labels.append(lab)
        faces.append(gen.last["font"])
    Wm = max(im.shape[1] for im in imgs)
    x = np.ones((batch_size, 1, 32, Wm), np.float32)
    widths = []
    for i, im in enumerate(imgs):
        x[i, 0, :, :im.shape[1]] = im
        widths.append(im.shape[1])
    if with_faces:
        return x, labels, widths, faces
    return x, labels, widths


if __name__ == "__main__":
    import argparse
    import time

    ap = argparse.ArgumentParser(description="render sample crops to PNG for inspection")
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "samples.png"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--strength", type=float, default=1.0)
    ap.add_argument("--mix", default="", help='"run4": the run 4 distribution (default: runs 1-3)')
    args = ap.parse_args()
    gen = Generator(mix=args.mix or None, verbose=True)
    rng = np.random.default_rng(args.seed)
    t = time.time()
    rows = []
    for i in range(args.n):
        im, lab = gen.sample(rng, strength=args.strength)
        rows.append((normalise(im) * 255).astype(np.uint8))
        print(lab, im.shape, gen.last if args.mix else "")
    print("%.1f ms/sample" % ((time.time() - t) * 1000 / args.n))
    Wm = max(r.shape[1] for r in rows)
    canvas = np.full((len(rows) * 36, Wm), 128, np.uint8)
    for i, r in enumerate(rows):
        canvas[i * 36:i * 36 + 32, :r.shape[1]] = r
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    cv2.imwrite(args.out, canvas)
