#!/usr/bin/env bash
# Rebuild models/mrz_line_crnn.onnx from scratch (synthetic data only).
#
#   bash training/run.sh                 # auto: CUDA if available, else CPU
#   MINUTES=45 bash training/run.sh      # override the wall-clock training budget
#   SKIP_PIP=1 bash training/run.sh      # don't run pip
#
# Needs the OCR-B font: Debian `fonts-ocr-b` (/usr/share/fonts/opentype/ocr-b/OCRB.otf),
# or .dev/fonts/OCRB.otf in the repo, or MRZ_FONT=/path/to/OCRB.otf.
# Outputs: training/out/{best,last}.pt, train_log.txt; models/mrz_line_crnn.onnx.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SKIP_PIP:-}" ]; then
  python3 -m pip install -r training/requirements.txt
fi
OUT=${OUT_DIR:-training/out}
if python3 -c 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  NW=$(( $(nproc) > 2 ? $(nproc) - 2 : 1 ))
  python3 training/train.py --minutes "${MINUTES:-9}" --batch 64 --lr 3e-3 --workers "$NW" \
    --full-frac 0.5 --val-n 2000 --eval-every 2 --out "$OUT" ${TRAIN_ARGS:-}
else
  python3 training/train.py --minutes "${MINUTES:-60}" --batch 32 --lr 3e-3 --workers 1 --threads 1 \
    --full-frac 0.4 --val-n 500 --eval-every 5 --out "$OUT" ${TRAIN_ARGS:-}
fi
python3 training/export.py --ckpt "$OUT/last.pt" --out models/mrz_line_crnn.onnx
python3 training/check_onnx.py --model models/mrz_line_crnn.onnx --n 10
