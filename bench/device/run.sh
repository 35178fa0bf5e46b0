#!/usr/bin/env bash
# Runs the packed webgpu-vs-wasm benchmark (scripts/device-bundle.mjs) on a machine without Node.js:
# from the repository root, with .device-bundle beside it. Unpacks the carried Node.js binary and
# Dawn to $WORKBENCH_DEVICE_RUNTIME (/tmp/cifar-workbench-device), installs the carried Vulkan loader
# when the system has none, then measures every workload on webgpu (the engine's adapter choice) and
# on wasm. Results go to stdout and, when $OUT is set, to $OUT/device-bench.{json,md}.
#   bash bench/device/run.sh [--smoke] [--workloads=…] [--steps=N] [--cap=S] [--budget=S]
# Every argument is passed to the benchmark (bench/device/entry.ts lists them).
set -euo pipefail

bundle="${WORKBENCH_DEVICE_BUNDLE:-.device-bundle}"
runtime="${WORKBENCH_DEVICE_RUNTIME:-/tmp/cifar-workbench-device}"
say() { echo "run.sh: $*"; }

[ -f "$bundle/bench.mjs" ] || { echo "run.sh: $bundle/bench.mjs is missing: run npm run bench:device:pack and carry .device-bundle" >&2; exit 2; }
cat "$bundle/manifest.json"

rm -rf "$runtime"
mkdir -p "$runtime/dist/linux-x64"
cp -r "$bundle/bench.mjs" "$bundle/tfjs-backend-wasm" "$runtime/"
gzip -dc "$bundle/dawn.node.gz" >"$runtime/dist/linux-x64/dawn.node"

# Node.js: the carried binary (xz when packed with xz, where the xz tool is missing Python's lzma reads it).
node_packed=$(ls "$bundle"/node-*-linux-x64.* 2>/dev/null | head -n 1 || true)
case "$node_packed" in
  *.xz)
    if command -v xz >/dev/null; then xz -dc "$node_packed" >"$runtime/node"
    else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$node_packed" "$runtime/node"
    fi ;;
  *.gz) gzip -dc "$node_packed" >"$runtime/node" ;;
  *) echo "run.sh: no Node.js binary in $bundle" >&2; exit 2 ;;
esac
chmod +x "$runtime/node"
say "node $("$runtime/node" --version)"

# The Vulkan loader Dawn's Vulkan backend opens (libvulkan.so.1), from the carried Debian package.
# (Read whole before grep: with pipefail, grep -q closing the pipe early would fail the test.)
loaders=$(ldconfig -p 2>/dev/null || true)
if ! grep -q 'libvulkan\.so\.1' <<<"$loaders"; then
  deb=$(ls "$bundle"/libvulkan1_*_amd64.deb 2>/dev/null | head -n 1 || true)
  if [ -n "$deb" ]; then
    say "no libvulkan.so.1: installing the carried $(basename "$deb")"
    dpkg -x "$deb" /
    ldconfig
  else
    say "no libvulkan.so.1 and none carried: Dawn can use OpenGL ES at most"
  fi
fi
# NVIDIA's Vulkan driver manifest where the loader does not look by default.
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia_icd" ] \
  && ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1; then
  export VK_DRIVER_FILES="$nvidia_icd"
  say "VK_DRIVER_FILES=$VK_DRIVER_FILES"
fi
# And NVIDIA's EGL vendor file, for Dawn's OpenGL ES backend (the engine's last hardware choice).
nvidia_egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
if [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ] && [ -f "$nvidia_egl" ] && ! ls /usr/share/glvnd/egl_vendor.d/*nvidia* >/dev/null 2>&1; then
  export __EGL_VENDOR_LIBRARY_FILENAMES="$nvidia_egl"
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

# The MobileNetV2 base ships in the working tree (resources/bases).
if [ -z "${CIFAR_WORKBENCH_RESOURCES:-}" ] && [ -f resources/bases/bases.json ]; then
  export CIFAR_WORKBENCH_RESOURCES="$PWD/resources"
fi
args=("$@")
if [ -n "${OUT:-}" ]; then args+=("--out=$OUT"); fi
# A hung device must not outlast the 5 minutes: the lines printed so far say what was measured.
limit="${WORKBENCH_DEVICE_TIMEOUT:-290}"
say "benchmark (killed after ${limit} s)"
exec timeout --signal=KILL "$limit" "$runtime/node" "$runtime/bench.mjs" "${args[@]}"
