#!/usr/bin/env bash
# Measures the Python peers (CasADi, JAX) on adgraph's workloads.
#
# Why: the README's table "Against other AD systems" compares adgraph with CasADi
# and JAX on the same functions at the same points; this script makes those peer
# figures reproducible on any machine with Python 3.9+ and access to PyPI.
#
# What it does:
#   1. creates a virtualenv in benches/peers/.venv (gitignored) if there is none,
#   2. pip-installs the pinned peers into it: casadi 3.8.2 and jax[cpu] 0.10.x,
#   3. runs benches/peers/peers.py on one thread (OMP/MKL/OPENBLAS_NUM_THREADS=1 and
#      XLA's CPU backend without its multi-threaded Eigen), which writes
#      benches/peers/results/peers.json (measured data, with the machine described)
#      and results/peers.txt (the same as a table, also printed).
#
# Usage (from anywhere):
#   bash benches/peers/run.sh                   # every workload (a few minutes)
#   bash benches/peers/run.sh lj-30 mlp         # only the named workloads
#   PEERS_QUICK=1 bash benches/peers/run.sh     # fewer, shorter repeats (smoke test)
#   PYTHON=python3.12 bash benches/peers/run.sh # pick the interpreter for the venv
#
# Workload names: rosenbrock-1000 vdp-rk4-1000 vdp-rk4-20000 lj-30 lj-100 mlp
# mlp-weights. The Rust side (native, adgraph, echidna, num-dual) is the criterion
# bench next to this script: cargo bench --manifest-path benches/peers/Cargo.toml
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "casadi==3.8.2" "jax[cpu]>=0.10,<0.11"

export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
export JAX_PLATFORMS=cpu

exec "$venv/bin/python" "$here/peers.py" "$@"
