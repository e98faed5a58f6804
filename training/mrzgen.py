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

    def __init__(self, font_path=None):
        if font_path is None:
            for p in FONT_CANDIDATES:
                if p and os.path.exists(p):
                    font_path = p
                    break
        if font_path is None:
            raise FileNotFoundError("OCR-B font not found; set MRZ_FONT or install fonts-ocr-b")
        probe = ImageFont.truetype(font_path, 100)
        b = probe.getbbox("H", anchor="ls")
        cap100 = b[3] - b[1]
        self.size = int(round(100 * WORK_CAP / cap100))
        self.font = ImageFont.truetype(font_path, self.size)
        self.cache = {1.0: self._render_all(1.0)}
        for s in OTHER_SCALES:
            self.cache[s] = self._resize_all(self.cache[1.0], s)

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


def draw_line(mask, glyphs, text, x0, baseline, pitch, rng, scale=1.0, jitter=True):
    """Draw monospace text; returns list of (left, right) ink extents per glyph."""
    cache = glyphs.cache[scale]
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


class Generator:
    def __init__(self, font_path=None):
        self.g = Glyphs(font_path)

    def sample(self, rng, n_chars=None, strength=1.0, r=None):
        """Returns (uint8 image [32, W], label str).

        n_chars: None -> full MRZ line; int -> a window of that many chars of a
        line, rendered alone (shorter training samples).
        strength: 0..1 scales augmentation severity (curriculum).
        r: if given, fixes the crop-height / cap-height ratio (evaluation).
        """
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


def make_batch(gen, rng, batch_size, n_chars=None, strength=1.0):
    """Returns (float32 [B,1,32,Wmax] padded with 1.0, labels, widths)."""
    imgs, labels = [], []
    for _ in range(batch_size):
        im, lab = gen.sample(rng, n_chars=n_chars, strength=strength)
        imgs.append(normalise(im))
        labels.append(lab)
    Wm = max(im.shape[1] for im in imgs)
    x = np.ones((batch_size, 1, 32, Wm), np.float32)
    widths = []
    for i, im in enumerate(imgs):
        x[i, 0, :, :im.shape[1]] = im
        widths.append(im.shape[1])
    return x, labels, widths


if __name__ == "__main__":
    import argparse
    import time

    ap = argparse.ArgumentParser(description="render sample crops to PNG for inspection")
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "samples.png"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--strength", type=float, default=1.0)
    args = ap.parse_args()
    gen = Generator()
    rng = np.random.default_rng(args.seed)
    t = time.time()
    rows = []
    for i in range(args.n):
        im, lab = gen.sample(rng, strength=args.strength)
        rows.append((normalise(im) * 255).astype(np.uint8))
        print(lab, im.shape)
    print("%.1f ms/sample" % ((time.time() - t) * 1000 / args.n))
    Wm = max(r.shape[1] for r in rows)
    canvas = np.full((len(rows) * 36, Wm), 128, np.uint8)
    for i, r in enumerate(rows):
        canvas[i * 36:i * 36 + 32, :r.shape[1]] = r
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    cv2.imwrite(args.out, canvas)
