#!/usr/bin/env bash
# Rebuild models/mrz_line_crnn.onnx from scratch (synthetic data only), the way the
# committed model was made (models/MODEL_CARD.md):
#   run 1: pooled stem from scratch; run 2: fine-tuned from run 1;
#   run 3: strided stem (the shipped one) initialised from run 2 and distilled from it;
#   run 4: run 3's exported model fine-tuned on the wider run 4 distribution (more faces,
#          wide pitch, bold/blur/dot-matrix, stamps/strokes/boxes/SPECIMEN overprints),
#          exported to $OUT/run4/mrz_line_crnn.onnx;
#   run 5: run 4 continued with DotGothic16 down-weighted (1.5 -> 0.3) and more OCR-B
#          (OCRB_FRAC 0.47 -> 0.57), the candidate to ship: exported to $OUT/run5/ and, as the
#          last step, copied to models/mrz_line_crnn.onnx (run 3's export is kept in $OUT/run3/).
#
#   bash training/run.sh                 # auto: CUDA if available, else CPU (about 4 h)
#   SCALE=0.5 bash training/run.sh       # scale every run's wall-clock budget
#   SKIP_PIP=1 bash training/run.sh      # don't run pip
#
# Needs the OCR-B font: Debian `fonts-ocr-b` (/usr/share/fonts/opentype/ocr-b/OCRB.otf),
# or .dev/fonts/OCRB.otf in the repo, or MRZ_FONT=/path/to/OCRB.otf.
# Run 4 also uses system fonts (fonts-ocr-a, fonts-liberation, fonts-freefont-ttf, fonts-noto-mono,
# fonts-inconsolata, fonts-courier-prime, fonts-dotgothic16, fonts-hack, fonts-league-mono, DejaVu;
# held out for evaluation only: fonts-anonymous-pro, fonts-jetbrains-mono); missing faces are dropped.
# Outputs: training/out/run{1,2,3,4,5}/{best,last}.pt, train_log.txt; training/out/run{3,4,5}/mrz_line_crnn.onnx;
# eval_fonts.json (run{4,5}/); models/mrz_line_crnn.onnx = run 5.
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
  M=(4 5 4 6 4)
else
  # The CPU budgets of the committed model's runs.
  COMMON="--batch 32 --workers 1 --threads 1 --val-n 500 --eval-every 6"
  M=(34 52 42 65 40)
fi
python3 training/train.py $COMMON --stem pool --minutes "$(minutes "${M[0]}")" --lr 3e-3 \
  --out "$OUT/run1"
python3 training/train.py $COMMON --stem pool --minutes "$(minutes "${M[1]}")" --lr 1.5e-3 \
  --curr-frac 0.03 --init "$OUT/run1/best.pt" --seed 2 --out "$OUT/run2"
python3 training/train.py $COMMON --stem stride --minutes "$(minutes "${M[2]}")" --lr 1.5e-3 \
  --curr-frac 0.03 --init "$OUT/run2/last.pt" --teacher "$OUT/run2/last.pt" --teacher-stem pool \
  --seed 3 --out "$OUT/run3"
python3 training/export.py --ckpt "$OUT/run3/last.pt" --out "$OUT/run3/mrz_line_crnn.onnx" --n 1000
python3 training/check_onnx.py --model "$OUT/run3/mrz_line_crnn.onnx" --n 10
cp "$OUT/run3/mrz_line_crnn.onnx" models/mrz_line_crnn.onnx
# run 4: BatchNorm is folded in the ONNX file, so it stays frozen (model.load_onnx).
# MRZGEN_RUN4_ORIG=1: run 4's mix (DotGothic16 weight 1.5, OCRB_FRAC 0.47; training/mrzgen.py);
# eval_fonts.py builds and caches its set here, so the set is run 4's too.
MRZGEN_RUN4_ORIG=1 python3 training/train.py $COMMON --stem stride --minutes "$(minutes "${M[3]}")" --lr 1.5e-3 \
  --curr-frac 0.03 --mix run4 --init-onnx models/mrz_line_crnn.onnx --seed 4 --eval-every 8 --out "$OUT/run4"
python3 training/export.py --ckpt "$OUT/run4/best.pt" --out "$OUT/run4/mrz_line_crnn.onnx" --n 1000
python3 training/check_onnx.py --model "$OUT/run4/mrz_line_crnn.onnx" --n 10
MRZGEN_RUN4_ORIG=1 python3 training/eval_fonts.py --model run3="$OUT/run3/mrz_line_crnn.onnx" \
  --model run4="$OUT/run4/mrz_line_crnn.onnx" --cache "$OUT/run4/eval_fonts_set.pkl" --json "$OUT/run4/eval_fonts.json"
# run 5: continue run 4's best.pt (its BatchNorm is the frozen ONNX fold: --freeze-bn) on the
# run 5 mix (the mrzgen.py defaults), lower lr, short augmentation ramp.
python3 training/train.py $COMMON --stem stride --minutes "$(minutes "${M[4]}")" --lr 8e-4 \
  --curr-frac 0.01 --mix run4 --init "$OUT/run4/best.pt" --freeze-bn --seed 6 --eval-every 8 --out "$OUT/run5"
python3 training/export.py --ckpt "$OUT/run5/best.pt" --out "$OUT/run5/mrz_line_crnn.onnx" --n 1000
python3 training/check_onnx.py --model "$OUT/run5/mrz_line_crnn.onnx" --n 10
python3 training/eval_fonts.py --model run3="$OUT/run3/mrz_line_crnn.onnx" --model run4="$OUT/run4/mrz_line_crnn.onnx" \
  --model run5="$OUT/run5/mrz_line_crnn.onnx" --cache "$OUT/run4/eval_fonts_set.pkl" --json "$OUT/run5/eval_fonts.json"
# ship run 5
cp "$OUT/run5/mrz_line_crnn.onnx" models/mrz_line_crnn.onnx
