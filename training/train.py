"""Train the MRZ line CRNN with CTC on synthetic data (CPU or CUDA, auto-detected).

Example:
  python3 training/train.py --minutes 8 --workers 14 --batch 64      # GPU
  python3 training/train.py --minutes 45 --workers 1 --threads 1     # CPU
"""
import argparse
import json
import math
import multiprocessing as mp
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, IterableDataset

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mrzgen  # noqa: E402
from model import CRNN, STEMS, count_params, load_onnx  # noqa: E402


class Harvest:
    """Line crops the Rust reader made on synthetic pages, labelled with the printed line
    (`examples/harvest_crops.rs`): records of u16 width, u8 label length, the label, then
    32 x width bytes (0 ink, 255 paper, already normalised as the reader does). `paths` is
    a comma-separated list of such files."""

    def __init__(self, paths):
        self.maps = [np.memmap(p, dtype=np.uint8, mode="r") for p in paths.split(",")]
        self.index = []  # (file, pixel offset, width, label)
        for f, data in enumerate(self.maps):
            i, n = 0, len(data)
            while i + 3 <= n:
                w = int(data[i]) | (int(data[i + 1]) << 8)
                m = int(data[i + 2])
                if i + 3 + m + 32 * w > n:
                    break  # a file cut short while it was written
                label = bytes(data[i + 3:i + 3 + m]).decode()
                self.index.append((f, i + 3 + m, w, label))
                i += 3 + m + 32 * w

    def split(self, holdout):
        """The last `holdout` records (the last pages harvested) as a validation list."""
        val = [(self.crop(k), self.index[k][3]) for k in range(len(self.index) - holdout, len(self.index))]
        self.index = self.index[:len(self.index) - holdout]
        return val

    def crop(self, k):
        f, off, w, _ = self.index[k]
        return np.asarray(self.maps[f][off:off + 32 * w], np.float32).reshape(32, w) / 255.0

    def batch(self, rng, n):
        """`n` random crops, each stretched along the line by 0.94-1.06 (so the model
        cannot learn them by width), padded with paper to a common width (a multiple of 4)."""
        crops, labels = [], []
        for k in rng.integers(0, len(self.index), n):
            im = self.crop(int(k))
            w = im.shape[1]
            nw = max(8, int(round(w * rng.uniform(0.94, 1.06) / 4)) * 4)
            xs = np.clip((np.arange(nw) + 0.5) * w / nw - 0.5, 0, w - 1)
            x0 = np.floor(xs).astype(int)
            x1 = np.minimum(x0 + 1, w - 1)
            f = (xs - x0)[None, :]
            crops.append((im[:, x0] * (1 - f) + im[:, x1] * f).astype(np.float32))
            labels.append(self.index[k][3])
        wmax = max(c.shape[1] for c in crops)
        x = np.ones((n, 1, 32, wmax), np.float32)
        for b, c in enumerate(crops):
            x[b, 0, :, :c.shape[1]] = c
        return x, labels, [c.shape[1] for c in crops]


class BatchStream(IterableDataset):
    """Endless stream of ready-made, width-bucketed batches."""

    def __init__(self, batch, seed, progress, full_frac, curr_frac=0.25, mix=None, harvest=None,
                 harvest_frac=0.0):
        self.harvest = harvest
        self.harvest_frac = harvest_frac
        self.batch = batch
        self.mix = mix
        self.seed = seed
        self.progress = progress  # mp.Value shared with the trainer (curriculum)
        self.full_frac = full_frac
        self.curr_frac = max(curr_frac, 1e-6)

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        wid = info.id if info is not None else 0
        rng = np.random.default_rng([self.seed, wid, int(time.time() * 1000) % 100000])
        gen = mrzgen.Generator(mix=self.mix)
        while True:
            p = self.progress.value
            strength = 0.35 + 0.65 * min(1.0, p / self.curr_frac)
            if self.harvest is not None and rng.random() < self.harvest_frac:
                x, labels, widths = self.harvest.batch(rng, self.batch)
                yield pack(x, labels, widths, [False] * len(labels))
                continue
            if rng.random() < self.full_frac:
                n_chars = None
            else:
                n_chars = int(rng.integers(6, 31))
            x, labels, widths, faces = mrzgen.make_batch(gen, rng, self.batch, n_chars=n_chars, strength=strength,
                                                         with_faces=True)
            yield pack(x, labels, widths, [f == "ocr-b" for f in faces])


def pack(x, labels, widths, is_ocrb):
    """A batch as the trainer takes it: images, CTC targets, their lengths, frames per crop
    (W/4), the labels, and which lines are OCR-B (for --distil-ocrb-only)."""
    tg = [mrzgen.encode(l) for l in labels]
    return (torch.from_numpy(x), torch.tensor([c for t in tg for c in t], dtype=torch.long),
            torch.tensor([len(t) for t in tg], dtype=torch.long),
            torch.tensor([w // 4 for w in widths], dtype=torch.long), labels,
            torch.tensor(is_ocrb, dtype=torch.bool))


def make_val(n, seed=12345, mix=None):
    gen = mrzgen.Generator(mix=mix)
    rng = np.random.default_rng(seed)
    items = [gen.sample(rng, strength=1.0) for _ in range(n)]
    return [(mrzgen.normalise(im), lab) for im, lab in items]


def levenshtein(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


@torch.no_grad()
def evaluate(model, val, device, bs=32):
    model.eval()
    order = sorted(range(len(val)), key=lambda i: val[i][0].shape[1])
    errs = chars = ok = 0
    preds = [None] * len(val)
    for s in range(0, len(order), bs):
        idx = order[s:s + bs]
        Wm = max(val[i][0].shape[1] for i in idx)
        x = np.ones((len(idx), 1, 32, Wm), np.float32)
        for k, i in enumerate(idx):
            x[k, 0, :, :val[i][0].shape[1]] = val[i][0]
        out = model(torch.from_numpy(x).to(device)).argmax(-1).cpu().numpy()
        for k, i in enumerate(idx):
            T = val[i][0].shape[1] // 4
            p = mrzgen.decode_greedy(out[k, :T])
            preds[i] = p
            lab = val[i][1]
            e = levenshtein(p, lab)
            errs += e
            chars += len(lab)
            ok += int(p == lab)
    model.train()
    return {"line_acc": ok / len(val), "cer": errs / chars, "n": len(val)}, preds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=45.0, help="wall-clock training budget")
    ap.add_argument("--iters", type=int, default=0, help="optional step budget (0 = time only)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--workers", type=int, default=max(1, min(14, (os.cpu_count() or 2) - 1)))
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (CPU training)")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--wd", type=float, default=1e-2)
    ap.add_argument("--full-frac", type=float, default=0.4, help="fraction of batches with full-length lines")
    ap.add_argument("--curr-frac", type=float, default=0.25,
                    help="fraction of the budget over which augmentation strength ramps 0.35 -> 1")
    ap.add_argument("--val-n", type=int, default=500)
    ap.add_argument("--eval-every", type=float, default=5.0, help="minutes between evaluations")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out"))
    ap.add_argument("--init", default="", help="checkpoint to continue from")
    ap.add_argument("--init-onnx", default="",
                    help="exported model (e.g. models/mrz_line_crnn.onnx) to continue from; its BN is folded, "
                         "so BatchNorm stays frozen (model.load_onnx)")
    ap.add_argument("--freeze-bn", action="store_true",
                    help="keep BatchNorm frozen (needed for --init from a run that began with --init-onnx)")
    ap.add_argument("--mix", default="", choices=["", "run4"],
                    help='synthetic distribution: "" = runs 1-3 (OCR-B only), "run4" = wider fonts/pitch/overprints')
    ap.add_argument("--stem", default="stride", choices=STEMS, help="model stem (see model.py)")
    ap.add_argument("--teacher", default="", help="checkpoint of a trained model to distil from")
    ap.add_argument("--teacher-stem", default="pool", choices=STEMS)
    ap.add_argument("--teacher-onnx", default="", help="an exported model to distil from (instead of --teacher)")
    ap.add_argument("--distil-ocrb-only", action="store_true",
                    help="distil only on the OCR-B samples of a batch (run 4b: keeps the teacher's OCR-B O/0)")
    ap.add_argument("--distil", type=float, default=1.0,
                    help="weight of the per-frame KL divergence to the teacher")
    ap.add_argument("--harvest", default="", help="crops from examples/harvest_crops.rs to mix in (comma-separated files)")
    ap.add_argument("--harvest-frac", type=float, default=0.5, help="share of batches drawn from --harvest")
    ap.add_argument("--harvest-val", type=int, default=600, help="last harvested crops kept for validation")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    device = torch.device("cuda" if (args.device == "auto" and torch.cuda.is_available()) else
                          (args.device if args.device != "auto" else "cpu"))
    if device.type == "cpu":
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    log_f = open(os.path.join(args.out, "train_log.txt"), "a")

    def log(*a):
        s = " ".join(str(x) for x in a)
        print(s, flush=True)
        log_f.write(s + "\n")
        log_f.flush()

    model = CRNN(stem_kind=args.stem).to(device)
    if args.init_onnx:
        model = load_onnx(args.init_onnx, stem_kind=args.stem).to(device)
    if args.init:
        ck0 = torch.load(args.init, map_location="cpu")
        model.load_state_dict(ck0["model"])
        if ck0.get("bn_frozen") or args.freeze_bn:  # a model that came from an ONNX file (load_onnx)
            model.freeze_bn()
    teacher = None
    if args.teacher:
        # Both models emit W/4 frames, so the student can match the teacher frame by
        # frame: far more signal per line than CTC alone, and it keeps the teacher's
        # alignment (the Rust decoder's pitch fixes rely on it).
        teacher = CRNN(stem_kind=args.teacher_stem).to(device)
        teacher.load_state_dict(torch.load(args.teacher, map_location="cpu")["model"])
        teacher.eval()
    if args.teacher_onnx:
        teacher = load_onnx(args.teacher_onnx).to(device)
        teacher.eval()
    if teacher is not None:
        kl = nn.KLDivLoss(reduction="batchmean", log_target=True)
    log("device", device, "params", count_params(model), "args", vars(args))
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.wd)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)

    t0 = time.time()
    val = make_val(args.val_n, mix=args.mix or None)
    log("val set ready (%d lines) in %.1fs" % (len(val), time.time() - t0))

    harvest, hval = None, []
    if args.harvest:
        harvest = Harvest(args.harvest)
        hval = harvest.split(args.harvest_val)
        log("harvest: %d crops for training, %d for validation" % (len(harvest.index), len(hval)))
        m, _ = evaluate(model, hval, device)
        log("EVAL-HARVEST step 0 %s" % json.dumps(m))

    def with_harvest(m, tag, step):
        """`m` (the generator's validation set) with its CER and line accuracy replaced by
        the harvested crops', when there are any: checkpoints are chosen on the crops the
        reader makes, which is what whole pages need. The generator's figures stay under
        "gen"."""
        if not hval:
            return m
        mh, _ = evaluate(model, hval, device)
        log("%s-HARVEST step %d %s" % (tag, step, json.dumps(mh)))
        return {**m, "cer": mh["cer"], "line_acc": mh["line_acc"], "gen": dict(m)}

    progress = mp.Value("d", 0.0)
    ds = BatchStream(args.batch, args.seed, progress, args.full_frac, args.curr_frac, mix=args.mix or None,
                     harvest=harvest, harvest_frac=args.harvest_frac)
    dl = DataLoader(ds, batch_size=None, num_workers=args.workers,
                    prefetch_factor=4 if args.workers > 0 else None,
                    persistent_workers=args.workers > 0, pin_memory=device.type == "cuda")
    budget = args.minutes * 60.0
    t_start = time.time()
    last_eval = t_start
    best = None
    step = 0
    ema = None
    warm = 0.04
    for x, tgt, tlen, ilen, labels, is_ocrb in dl:
        el = time.time() - t_start
        p = el / budget
        if args.iters:
            p = max(p, step / args.iters)
        if p >= 1.0:
            break
        progress.value = p
        lr = args.lr * (p / warm if p < warm else 0.5 * (1 + math.cos(math.pi * (p - warm) / (1 - warm))))
        lr = max(lr, args.lr * 0.002)
        for g in opt.param_groups:
            g["lr"] = lr
        x = x.to(device, non_blocking=True)
        logits = model(x)  # [N,T,C]
        lp = logits.float().log_softmax(-1).permute(1, 0, 2)
        loss = ctc(lp, tgt, ilen, tlen)
        if teacher is not None:
            with torch.no_grad():
                tl = teacher(x).float().log_softmax(-1)
            sl = logits.float().log_softmax(-1)
            if args.distil_ocrb_only:
                sel = is_ocrb.to(device)
                sl, tl = sl[sel], tl[sel]
            # batchmean over N*T frames: the mean KL per frame
            if sl.shape[0]:
                loss = loss + args.distil * kl(sl.reshape(-1, sl.shape[-1]), tl.reshape(-1, tl.shape[-1]))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        step += 1
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if step % 50 == 0:
            log("step %d  t=%.0fs  p=%.3f  lr=%.2e  loss=%.4f  W=%d" % (step, el, p, lr, ema, x.shape[-1]))
        if time.time() - last_eval > args.eval_every * 60:
            last_eval = time.time()
            m, _ = evaluate(model, val, device)
            log("EVAL step %d %s" % (step, json.dumps(m)))
            m = with_harvest(m, "EVAL", step)
            ck = {"model": model.state_dict(), "step": step, "metrics": m, "stem": args.stem,
                  "bn_frozen": getattr(model, "bn_frozen", False)}
            torch.save(ck, os.path.join(args.out, "last.pt"))
            if best is None or (m["cer"], -m["line_acc"]) < (best["cer"], -best["line_acc"]):
                best = m
                torch.save(ck, os.path.join(args.out, "best.pt"))
    m, preds = evaluate(model, val, device)
    log("FINAL step %d %s" % (step, json.dumps(m)))
    m = with_harvest(m, "FINAL", step)
    ck = {"model": model.state_dict(), "step": step, "metrics": m, "stem": args.stem,
                  "bn_frozen": getattr(model, "bn_frozen", False)}
    torch.save(ck, os.path.join(args.out, "last.pt"))
    if best is None or (m["cer"], -m["line_acc"]) <= (best["cer"], -best["line_acc"]):
        best = m
        torch.save(ck, os.path.join(args.out, "best.pt"))
    log("BEST %s" % json.dumps(best))
    for (im, lab), p in list(zip(val, preds))[:10]:
        log(("OK  " if p == lab else "ERR ") + lab + " | " + p)
    os._exit(0)  # don't wait on endless workers


if __name__ == "__main__":
    main()
