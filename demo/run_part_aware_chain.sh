#!/usr/bin/env bash
# The main job: part-aware 3D NAS on the generated proxy figures.
#   0. generate the proxy figures once (data/synthetic; seconds)
#   1. first-order search of a small part-aware network (PartAwareNASBackbone)
#   2. derive the genotype from the last search checkpoint
#   3. MPJPE of the fixed network before training (initial weights)
#   4. retrain the fixed network built from the genotype
#   5. MPJPE / PA-MPJPE after training (tools/test.py, RootRelativeMPJPE)
# Usage: bash demo/run_part_aware_chain.sh [WORK_DIR]  (default work_dirs/demo)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# tiny models: one intra-op thread beside the data workers is fastest on 2 cores
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
WORK=${1:-work_dirs/demo}
DATA=data/synthetic
SEARCH=configs/part_aware_nas/vol-int_pa-nas-tiny-search-fo_1xb32-2e_synthetic-figures-64x64.py
FIXED=configs/part_aware_nas/vol-int_pa-nas-tiny_1xb32-10e_synthetic-figures-64x64.py
GENOTYPE="$WORK/genotype.json"
OPTS=(--cfg-options "model.backbone.genotype=$GENOTYPE")

step() { printf '\n=== %s\n' "$*"; }
mpjpe() { $PY -c "import json,sys; m=json.load(open(sys.argv[1])); print(f\"MPJPE {m['MPJPE']:.1f} mm, PA-MPJPE {m['PA-MPJPE']:.1f} mm\")" "$1"; }

if [[ ! -f "$DATA/meta.json" ]]; then
  step "0/5 generate the proxy figures into $DATA"
  $PY tools/dataset_converters/make_synthetic_figures.py --out "$DATA" --num 2000 --num-val 200 --seed 0
fi

step "1/5 search: $SEARCH"
$PY tools/train.py "$SEARCH" --work-dir "$WORK/search"

step "2/5 derive the genotype from the last search checkpoint"
$PY tools/derive.py "$SEARCH" "$WORK/search/epoch_2.pth" --out "$GENOTYPE"

step "3/5 MPJPE before training (initial weights of the fixed network)"
$PY tools/analysis/save_init_checkpoint.py "$FIXED" "$WORK/init.pth" "${OPTS[@]}"
$PY tools/test.py "$FIXED" "$WORK/init.pth" --work-dir "$WORK/test_init" \
  --out "$WORK/metrics_before.json" "${OPTS[@]}"

step "4/5 retrain the fixed network: $FIXED"
$PY tools/train.py "$FIXED" --work-dir "$WORK/retrain" "${OPTS[@]}"

step "5/5 MPJPE after training"
$PY tools/test.py "$FIXED" "$WORK/retrain/epoch_10.pth" --work-dir "$WORK/test" \
  --out "$WORK/metrics.json" "${OPTS[@]}"

step "pictures: the derived cells and one predicted skeleton"
$PY tools/visualize_genotype.py "$GENOTYPE" --out-dir "$WORK/genotype_png" \
  --metainfo configs/_base_/datasets/h36m18.py \
  --history "$WORK/search/genotype_history.json"
# one held-out validation figure (subject S14)
VAL_IMAGE=$(find "$DATA/images/S14" -name '*.jpg' | sort | sed -n 1p)
$PY demo/topdown_demo.py "$FIXED" "$WORK/retrain/epoch_10.pth" \
  --input "$VAL_IMAGE" --out-dir "$WORK/skeleton" --save-predictions "${OPTS[@]}"

cat <<MSG

Part-aware search chain finished.
  genotype (written during search):   $WORK/search/genotype.json (history: $WORK/search/genotype_history.json)
  genotype (derived from checkpoint): $GENOTYPE
  search checkpoint:    $WORK/search/epoch_2.pth
  retrained checkpoint: $WORK/retrain/epoch_10.pth
  metrics:              $WORK/metrics_before.json, $WORK/metrics.json
  derived cells:        $WORK/genotype_png/cell_fusion.png (all: $WORK/genotype_png/)
  predicted skeleton:   $WORK/skeleton/$(basename "$VAL_IMAGE")
MSG
echo "before training: $(mpjpe "$WORK/metrics_before.json")"
echo "after training:  $(mpjpe "$WORK/metrics.json")"
