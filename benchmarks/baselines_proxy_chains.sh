#!/bin/bash
# The baselines' tiny chains on the proxy figures (docs/baselines.md):
# integral regression, the lifter on ground-truth 2D, backbone-only search
# + retrain, heatmaps + lifting separate and joint. Each chain trains and
# tests with tools/train.py / tools/test.py; metrics go to $W/*.json.
#
# Needs data/synthetic (python tools/dataset_converters/make_synthetic_figures.py
# --out data/synthetic --num 2000 --num-val 200 --seed 0) and its lifting
# statistics (python tools/analysis/compute_lifting_stats.py
# configs/baselines/lifting/lift_simple-baseline-tiny_1xb64-30e_synthetic-figures.py
# --out data/synthetic/annotation_body3d/lifting_stats.json).
# On a shared machine set LOCK="flock /path/to.lock" to run each chain under it.
set -e
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
P=${PYTHON:-.venv/bin/python}
W=${WORK_DIR:-work_dirs/proxy}
L=${LOCK:-}
C=configs/baselines
mkdir -p $W
set -x
date -u
$L sh -c "$P tools/train.py $C/lifting/lift_simple-baseline-tiny_1xb64-30e_synthetic-figures.py --work-dir $W/lifter && $P tools/test.py $C/lifting/lift_simple-baseline-tiny_1xb64-30e_synthetic-figures.py $W/lifter/epoch_30.pth --work-dir $W/lifter_test --out $W/lifter.json" > $W/lifter.log 2>&1
date -u
$L sh -c "$P tools/train.py $C/integral/vol-int_res18-tiny-ppm_1xb32-10e_synthetic-figures-64x64.py --work-dir $W/integral && $P tools/test.py $C/integral/vol-int_res18-tiny-ppm_1xb32-10e_synthetic-figures-64x64.py $W/integral/epoch_10.pth --work-dir $W/integral_test --out $W/integral.json" > $W/integral.log 2>&1
date -u
$L sh -c "$P tools/train.py $C/part_aware/vol-int_darts-tiny-search-fo_1xb32-2e_synthetic-figures-64x64.py --work-dir $W/search && $P tools/train.py $C/part_aware/vol-int_darts-tiny_1xb32-10e_synthetic-figures-64x64.py --work-dir $W/retrain --cfg-options model.backbone.genotype=$W/search/genotype.json && $P tools/test.py $C/part_aware/vol-int_darts-tiny_1xb32-10e_synthetic-figures-64x64.py $W/retrain/epoch_10.pth --work-dir $W/retrain_test --out $W/retrain.json --cfg-options model.backbone.genotype=$W/search/genotype.json" > $W/darts.log 2>&1
date -u
$L sh -c "$P tools/train.py $C/lifting/td-hm_res18-tiny_1xb32-10e_synthetic-figures-64x64.py --work-dir $W/hm && $P tools/analysis/combine_lifting_checkpoints.py $W/hm/epoch_10.pth $W/lifter/epoch_30.pth --out $W/separate.pth && $P tools/test.py $C/lifting/hm-lift_res18-tiny_1xb32-10e_synthetic-figures-64x64.py $W/separate.pth --work-dir $W/separate_test --out $W/separate.json" > $W/separate.log 2>&1
date -u
$L sh -c "$P tools/train.py $C/lifting/hm-lift_res18-tiny_1xb32-10e_synthetic-figures-64x64.py --work-dir $W/joint && $P tools/test.py $C/lifting/hm-lift_res18-tiny_1xb32-10e_synthetic-figures-64x64.py $W/joint/epoch_10.pth --work-dir $W/joint_test --out $W/joint.json" > $W/joint.log 2>&1
date -u
