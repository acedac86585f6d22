#!/usr/bin/env bash
# Create or update the project-local virtual environment (.venv) for mmposenas.
#
# Idempotent: a finished environment is recorded in .venv/.mmposenas-setup with the
# hash of this script and pyproject.toml; when both are unchanged the script returns
# in well under a second.  Heavy artefacts built from source (mmcv 2.1.0 with its CPU
# ops, xtcocotools against numpy 2) are built once as wheels and cached in
# ${MMPOSENAS_WHEEL_CACHE:-~/.cache/mmposenas/wheels}, so a fresh venv installs in
# about a minute once the cache exists.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MMPOSENAS_VENV:-$ROOT/.venv}"
CACHE="${MMPOSENAS_WHEEL_CACHE:-$HOME/.cache/mmposenas/wheels}"
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/.mmposenas-setup"

want="$(cat "$ROOT/tools/setup_env.sh" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" && -x "$VENV/bin/python" ]]; then
  exit 0
fi

# The machine's environment points pip at a local CPU-only torch wheel; torchvision
# from the registry imports only beside the registry's torch build, so ignore it.
# The machine-wide pip.conf adds local indexes and find-links as well: read no config.
unset PIP_FIND_LINKS
export PIP_CONFIG_FILE=/dev/null
export PIP_DISABLE_PIP_VERSION_CHECK=1

TORCH="torch==2.13.0"
TORCHVISION="torchvision==0.28.0"
MMCV_VERSION="2.1.0"
XTCOCO_VERSION="1.14.3"

log() { printf '[setup %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
t0=$(date +%s)

if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
pip=("$VENV/bin/python" -m pip)
"${pip[@]}" install -q --upgrade pip

log "installing torch/torchvision from the registry (large download on first run)"
"${pip[@]}" install -q "$TORCH" "$TORCHVISION" "numpy" "cython" "wheel" "ninja"

mkdir -p "$CACHE"
# mmcv 2.1.0 is a source distribution: build it once with its C++ ops for CPU.
if ! ls "$CACHE"/mmcv-"$MMCV_VERSION"-*.whl >/dev/null 2>&1; then
  log "building mmcv $MMCV_VERSION with CPU ops (about 13 minutes on 2 cores, once)"
  "${pip[@]}" install -q "setuptools<70"
  tmp="$(mktemp -d)"
  MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="$(nproc)" \
    "${pip[@]}" wheel -q --no-deps --no-build-isolation -w "$tmp" "mmcv==$MMCV_VERSION"
  mv "$tmp"/mmcv-*.whl "$CACHE"/ && rmdir "$tmp"
fi
# xtcocotools' published wheels are compiled against numpy 1: build it against numpy 2.
if ! ls "$CACHE"/xtcocotools-"$XTCOCO_VERSION"-*.whl >/dev/null 2>&1; then
  log "building xtcocotools $XTCOCO_VERSION against numpy 2 (once)"
  "${pip[@]}" install -q "setuptools<70"
  tmp="$(mktemp -d)"
  "${pip[@]}" wheel -q --no-deps --no-build-isolation --no-binary xtcocotools \
    -w "$tmp" "xtcocotools==$XTCOCO_VERSION"
  mv "$tmp"/xtcocotools-*.whl "$CACHE"/ && rmdir "$tmp"
fi

log "installing OpenMMLab stack"
# torch 2.13 wants setuptools>=77.0.3; MMEngine imports pkg_resources (removed in 82).
"${pip[@]}" install -q "setuptools>=77.0.3,<82"
"${pip[@]}" install -q --no-deps "$CACHE"/mmcv-"$MMCV_VERSION"-*.whl \
  "$CACHE"/xtcocotools-"$XTCOCO_VERSION"-*.whl
# MMPose and MMDetection declare chumpy (never imported, does not build): no deps,
# their real runtime needs are listed in pyproject.toml and installed with the package.
"${pip[@]}" install -q --no-deps "mmpose==1.3.2" "mmdet==3.3.0"
"${pip[@]}" install -q -e "$ROOT[dev]"

"$VENV/bin/python" - <<'PY'
import mmcv, mmcv.ops, mmdet, mmengine, mmpose, torch, torchvision, xtcocotools  # noqa
import mmposenas  # noqa
print(f"torch {torch.__version__} torchvision {torchvision.__version__} "
      f"mmcv {mmcv.__version__} mmengine {mmengine.__version__} "
      f"mmpose {mmpose.__version__} mmdet {mmdet.__version__}")
PY
echo "$want" > "$STAMP"
log "environment ready in $(( $(date +%s) - t0 )) s: $VENV"
