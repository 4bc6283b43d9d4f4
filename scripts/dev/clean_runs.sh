#!/usr/bin/env bash
# The suite as CI runs it, N times in a row (issue 10: "ten runs in a row on a clean clone"): each
# run on a fresh clone of this repository at <commit>, with an empty Deno cache, `CI=true .ci/run`.
# Usage: scripts/dev/clean_runs.sh <commit> [runs=10] [out=/tmp/clean_runs]
# One line per run in <out>/summary.txt (exit code, seconds, load average); each run's output in
# <out>/run_<i>.txt. Stops at the first failure: "in a row" is what it is for.
set -u
commit=${1:?usage: clean_runs.sh <commit> [runs] [out]}
runs=${2:-10}
out=${3:-/tmp/clean_runs}
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
mkdir -p "$out"
for i in $(seq 1 "$runs"); do
  clone=$(mktemp -d /tmp/clean_clone.XXXX)
  cache=$(mktemp -d /tmp/clean_denodir.XXXX)
  git clone -q "$repo" "$clone" && git -C "$clone" checkout -q "$commit"
  start=$(date +%s)
  (cd "$clone" && DENO_DIR=$cache CI=true ./.ci/run >"$out/run_$i.txt" 2>&1)
  rc=$?
  echo "run $i rc=$rc $(($(date +%s) - start))s load=$(cut -d' ' -f1 /proc/loadavg)" >>"$out/summary.txt"
  rm -rf "$clone" "$cache"
  [ "$rc" -eq 0 ] || { echo "stopped: run $i failed" >>"$out/summary.txt"; exit 1; }
done
echo "$runs runs in a row passed on $commit" >>"$out/summary.txt"
