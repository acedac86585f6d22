#!/bin/bash
# parameters and multiply-adds of every baseline at its seed input size
# Set LOCK="flock /path/to.lock" on a shared machine. Writes $W/*.json.
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
P=${PYTHON:-.venv/bin/python}
export W=${WORK_DIR:-work_dirs/flops}
L=${LOCK:-}
C=configs/baselines
mkdir -p $W
set -x
F="$P tools/analysis/get_flops.py"
$L $F $C/integral/vol-int_res50_1xb24-70e_h36m-p2-mpii-256x256.py --input-shape 256 256 --json $W/int_res50.json
$L $F $C/integral/vol-int_res50_1xb24-70e_h36m-p2-mpii-256x256.py --input-shape 256 256 --json $W/int_res50_k17.json --cfg-options model.head.num_keypoints=17
$L $F $C/integral/vol-int_res50-ppm_1xb24-70e_h36m-p2-mpii-256x256.py --input-shape 256 256 --json $W/int_res50_ppm.json
$L $F $C/integral/vol-int_res152-ppm_1xb14-70e_h36m-p2-mpii-384x288.py --input-shape 384 288 --json $W/int_res152_ppm.json
$L $F $C/lifting/td-hm_res50_1xb32-70e_h36m-p2-mpii-256x256.py --input-shape 256 256 --json $W/hm_res50.json
$L $F $C/lifting/hm-lift_res50-joint_1xb32-70e_h36m-p2-256x256.py --input-shape 256 256 --json $W/hm_lift.json --cfg-options model.lifter.head.decoder.stats_file=data/samples/h36m/lifting_stats.json model.pose2d.backbone.init_cfg=None
$L $F $C/part_aware/vol-int_darts-c7r5-search-fo_1xb40-25e_h36m-128x128.py --input-shape 128 128 --json $W/darts_supernet.json
$L $P tools/analysis/save_init_checkpoint.py $C/part_aware/vol-int_darts-c7r5-search-fo_1xb40-25e_h36m-128x128.py $W/darts_init.pth
$L $P tools/derive.py $C/part_aware/vol-int_darts-c7r5-search-fo_1xb40-25e_h36m-128x128.py $W/darts_init.pth --out $W/darts_init_genotype.json
$L $F $C/part_aware/vol-int_darts-c7r5_1xb64-20e_h36m-p2-mpii-256x256.py --input-shape 256 256 --genotype $W/darts_init_genotype.json --json $W/darts_fixed.json
$L $P - <<'PY'
import json, os, torch
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
import mmposenas
init_default_scope('mmpose')
cfg = Config.fromfile('configs/baselines/lifting/lift_simple-baseline_1xb64-200e_h36m-p2.py')
cfg.model.head.decoder.stats_file = 'data/samples/h36m/lifting_stats.json'
m = MODELS.build(cfg.model).eval()
class F(torch.nn.Module):
    def __init__(s, m): super().__init__(); s.m = m
    def forward(s, x): return s.m._forward(x)
a = FlopAnalyzer(F(m), (torch.randn(1, 36, 1),))
a.unsupported_ops_warnings(False)
r = dict(params=parameter_count(m)[''], macs=a.total(), input_shape=[36, 1])
print('lifter', r)
json.dump(r, open(os.environ['W'] + '/lifter.json', 'w'))
PY
