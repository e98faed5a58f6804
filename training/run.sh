#!/usr/bin/env bash
# Rebuild models/mrz_line_crnn.onnx from scratch (synthetic data only), the way the
# committed model was made (models/MODEL_CARD.md):
#   run 1: pooled stem from scratch; run 2: fine-tuned from run 1;
#   run 3: strided stem (the shipped one) initialised from run 2 and distilled from it.
#
#   bash training/run.sh                 # auto: CUDA if available, else CPU (about 2 h)
#   SCALE=0.5 bash training/run.sh       # scale every run's wall-clock budget
#   SKIP_PIP=1 bash training/run.sh      # don't run pip
#
# Needs the OCR-B font: Debian `fonts-ocr-b` (/usr/share/fonts/opentype/ocr-b/OCRB.otf),
# or .dev/fonts/OCRB.otf in the repo, or MRZ_FONT=/path/to/OCRB.otf.
# Outputs: training/out/run{1,2,3}/{best,last}.pt, train_log.txt; models/mrz_line_crnn.onnx.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SKIP_PIP:-}" ]; then
  python3 -m pip install -r training/requirements.txt
fi
OUT=${OUT_DIR:-training/out}
SCALE=${SCALE:-1}
minutes() { python3 -c "print(round($1 * $SCALE, 1))"; }
if python3 -c 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  NW=$(( $(nproc) > 2 ? $(nproc) - 2 : 1 ))
  COMMON="--batch 64 --workers $NW --val-n 2000 --eval-every 2"
  M=(4 5 4)
else
  # The CPU budgets of the committed model's runs.
  COMMON="--batch 32 --workers 1 --threads 1 --val-n 500 --eval-every 6"
  M=(34 52 42)
fi
python3 training/train.py $COMMON --stem pool --minutes "$(minutes "${M[0]}")" --lr 3e-3 \
  --out "$OUT/run1"
python3 training/train.py $COMMON --stem pool --minutes "$(minutes "${M[1]}")" --lr 1.5e-3 \
  --curr-frac 0.03 --init "$OUT/run1/best.pt" --seed 2 --out "$OUT/run2"
python3 training/train.py $COMMON --stem stride --minutes "$(minutes "${M[2]}")" --lr 1.5e-3 \
  --curr-frac 0.03 --init "$OUT/run2/last.pt" --teacher "$OUT/run2/last.pt" --teacher-stem pool \
  --seed 3 --out "$OUT/run3"
python3 training/export.py --ckpt "$OUT/run3/last.pt" --out models/mrz_line_crnn.onnx --n 1000
python3 training/check_onnx.py --model models/mrz_line_crnn.onnx --n 10
