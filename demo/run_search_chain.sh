#!/usr/bin/env bash
# The main job on the shipped COCO sample: search -> derive -> retrain -> test.
#   1. first-order DARTS search of a tiny cell backbone + MMPose HeatmapHead
#   2. derive the genotype from the last search checkpoint (tools/derive.py)
#   3. retrain the fixed network built from that genotype
#   4. evaluate it with tools/test.py and MMPose's CocoMetric
# Usage: bash demo/run_search_chain.sh [WORK_DIR]   (default work_dirs/demo)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# Pinned, not just defaulted: results depend on the thread count (float
# reductions are split per thread; 1 vs 2 threads changed 525 of 875 tensors
# after one tiny epoch, see docs/testing.md), so an inherited OMP_NUM_THREADS
# would change the printed numbers.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
WORK=${1:-work_dirs/demo}
SEARCH=configs/darts_pose/td-hm_darts-tiny-search-fo_1xb7-4e_coco-sample-64x48.py
FIXED=configs/darts_pose/td-hm_darts-tiny_1xb7-8e_coco-sample-64x48.py

step() { printf '\n=== %s\n' "$*"; }

step "1/4 search: $SEARCH"
$PY tools/train.py "$SEARCH" --work-dir "$WORK/search"

step "2/4 derive the genotype from the last search checkpoint"
$PY tools/derive.py "$SEARCH" "$WORK/search/epoch_4.pth" --out "$WORK/genotype.json"

step "3/4 retrain the fixed network: $FIXED"
$PY tools/train.py "$FIXED" --work-dir "$WORK/retrain" \
  --cfg-options model.backbone.genotype="$WORK/genotype.json"

step "4/4 test with CocoMetric"
$PY tools/test.py "$FIXED" "$WORK/retrain/epoch_8.pth" --work-dir "$WORK/test" \
  --out "$WORK/metrics.json" --cfg-options model.backbone.genotype="$WORK/genotype.json"

cat <<MSG

Search chain finished.
  genotype (written during search): $WORK/search/genotype.json (history: $WORK/search/genotype_history.json)
  genotype (derived from checkpoint): $WORK/genotype.json
  search checkpoint:  $WORK/search/epoch_4.pth
  retrained checkpoint: $WORK/retrain/epoch_8.pth
  metrics (CocoMetric): $WORK/metrics.json
MSG
cat "$WORK/metrics.json"
