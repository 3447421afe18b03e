"""Measures CasADi and JAX on the same workloads as crates/adgraph-workloads.

Why this exists: the README compares adgraph with other AD systems, and the Python
peers cannot run inside a Rust bench. This script rebuilds each workload from the
same definitions (same SplitMix64 generator, same points, same weights) in CasADi SX
and in JAX, checks that both agree on f and its gradient, and times

* CasADi: an SX `Function` for f and for [f, grad f], one call at a time through
  the low-overhead buffer interface, and per point over a batch with `map`
  (serial); plus the op counts of f and of [f, grad f] after `cse`.
* JAX (float64, CPU): `jit(f)` and `jit(value_and_grad(f))` written with vectorized
  jnp (the RK4 chain with `lax.fori_loop`), one point at a time and per point
  under `vmap`; compile time apart from run time.

Everything runs on one thread (set by run.sh and re-set here before the imports).
Times are medians over repeats of the process's CPU time (the machine is shared;
wall-clock medians are recorded too); each repeat times enough calls to last about
20 ms. Results go to results/peers.json and a readable table to stdout and
results/peers.txt. Run it through run.sh, which pins the versions.
"""

import json
import math
import os
import platform
import statistics
import sys
import time

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault(
    "XLA_FLAGS",
    "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
)

import numpy as np  # noqa: E402
import casadi as ca  # noqa: E402
import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
QUICK = os.environ.get("PEERS_QUICK") == "1"
REPEATS = 5 if QUICK else 11
SAMPLE_SECONDS = 0.005 if QUICK else 0.02
BATCH = 1000
BATCH_SEED = 99
BATCH_SPREAD = 0.01

# ---------------------------------------------------------------------------
# The workloads' data, exactly as crates/adgraph-workloads builds it.


class Rng:
    """SplitMix64 giving numbers in [-1, 1), bit for bit as adgraph_workloads::Rng."""

    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.state = seed & self.MASK

    def next_f64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        z ^= z >> 31
        return (z >> 11) / float(1 << 52) - 1.0


MLP_LAYERS = [16, 32, 32, 1]


def rosenbrock_point(n):
    return np.array([-1.2 if i % 2 == 0 else 1.0 for i in range(n)])


def vdp_point():
    return np.array([2.0, 0.0, 1.0])


def lj_point(n):
    side = math.ceil(n ** (1.0 / 3.0))
    # Rust computes (n as f64).cbrt().ceil(); guard against cbrt rounding below.
    if (side - 1) ** 3 >= n:
        side -= 1
    rng = Rng(3)
    point = []
    for i in range(n):
        a, b, c = i % side, (i // side) % side, i // (side * side)
        for k in (a, b, c):
            point.append(k * 1.1 + 0.05 * rng.next_f64())
    return np.array(point)


def mlp_parameters():
    """Per layer (W as n_out x n_in, b), from Rng(42) as the workloads draw them."""
    rng = Rng(42)
    layers = []
    for l in range(len(MLP_LAYERS) - 1):
        n_in, n_out = MLP_LAYERS[l], MLP_LAYERS[l + 1]
        scale = 1.0 / math.sqrt(n_in)
        w = np.array([rng.next_f64() * scale for _ in range(n_in * n_out)])
        b = np.array([rng.next_f64() * 0.1 for _ in range(n_out)])
        layers.append((w.reshape(n_out, n_in), b))
    return layers


def mlp_sample():
    rng = Rng(7)
    return np.array([rng.next_f64() for _ in range(MLP_LAYERS[0])])


MLP_TARGET = 0.5


def mlp_weights_point():
    return np.concatenate([np.concatenate([w.ravel(), b]) for w, b in mlp_parameters()])


def batch_points(base, count):
    """`count` points near `base`: base + 0.01 * r, r from Rng(99), point by point."""
    rng = Rng(BATCH_SEED)
    out = np.empty((count, base.size))
    for k in range(count):
        for i in range(base.size):
            out[k, i] = base[i] + BATCH_SPREAD * rng.next_f64()
    return out


# ---------------------------------------------------------------------------
# CasADi SX expressions (scalar graphs, the same ops as the workloads).


def sx_rosenbrock(n):
    x = ca.SX.sym("x", n)
    f = 0
    for i in range(n - 1):
        d = x[i + 1] - x[i] ** 2
        e = 1 - x[i]
        term = 100 * d**2 + e**2
        f = term if i == 0 else f + term
    return x, f


def sx_vdp(steps, h=0.01):
    p = ca.SX.sym("p", 3)
    x, y, mu = p[0], p[1], p[2]

    def rhs(x, y):
        return y, mu * (1 - x * x) * y - x

    for _ in range(steps):
        k1x, k1y = rhs(x, y)
        k2x, k2y = rhs(x + (h / 2) * k1x, y + (h / 2) * k1y)
        k3x, k3y = rhs(x + (h / 2) * k2x, y + (h / 2) * k2y)
        k4x, k4y = rhs(x + h * k3x, y + h * k3y)
        x, y = (
            x + (h / 6) * (k1x + 2 * k2x + 2 * k3x + k4x),
            y + (h / 6) * (k1y + 2 * k2y + 2 * k3y + k4y),
        )
    return p, x


def sx_lennard_jones(n):
    p = ca.SX.sym("p", 3 * n)
    e = None
    for i in range(n):
        for j in range(i + 1, n):
            dx = p[3 * i] - p[3 * j]
            dy = p[3 * i + 1] - p[3 * j + 1]
            dz = p[3 * i + 2] - p[3 * j + 2]
            s = 1 / (dx * dx + dy * dy + dz * dz)
            s3 = s**3
            term = 4 * (s3 * s3 - s3)
            e = term if e is None else e + term
    return p, e


def sx_dense(a, w, b, last):
    out = []
    for j in range(w.shape[0]):
        acc = b[j]
        for i in range(len(a)):
            acc = acc + w[j, i] * a[i]
        out.append(acc if last else ca.tanh(acc))
    return out


def sx_mlp():
    a_sym = ca.SX.sym("a", MLP_LAYERS[0])
    a = [a_sym[i] for i in range(MLP_LAYERS[0])]
    layers = mlp_parameters()
    for l, (w, b) in enumerate(layers):
        a = sx_dense(a, w, b, l + 1 == len(layers))
    return a_sym, a[0]


def sx_mlp_weights():
    theta = ca.SX.sym("theta", mlp_weights_point().size)
    a = list(mlp_sample())
    offset = 0
    n_layers = len(MLP_LAYERS) - 1
    for l in range(n_layers):
        n_in, n_out = MLP_LAYERS[l], MLP_LAYERS[l + 1]
        w = ca.reshape(theta[offset : offset + n_in * n_out], n_in, n_out).T
        offset += n_in * n_out
        b = theta[offset : offset + n_out]
        offset += n_out
        a = sx_dense(a, w, b, l + 1 == n_layers)
    return theta, (a[0] - MLP_TARGET) ** 2


# ---------------------------------------------------------------------------
# JAX, vectorized.


def jax_rosenbrock(x):
    return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def make_jax_vdp(steps, h=0.01):
    def f(p):
        mu = p[2]

        def rhs(x, y):
            return y, mu * (1.0 - x * x) * y - x

        def step(_, state):
            x, y = state
            k1x, k1y = rhs(x, y)
            k2x, k2y = rhs(x + (h / 2) * k1x, y + (h / 2) * k1y)
            k3x, k3y = rhs(x + (h / 2) * k2x, y + (h / 2) * k2y)
            k4x, k4y = rhs(x + h * k3x, y + h * k3y)
            return (
                x + (h / 6) * (k1x + 2 * k2x + 2 * k3x + k4x),
                y + (h / 6) * (k1y + 2 * k2y + 2 * k3y + k4y),
            )

        x, _ = lax.fori_loop(0, steps, step, (p[0], p[1]))
        return x

    return f


def make_jax_lj(n):
    iu, ju = np.triu_indices(n, 1)

    def f(p):
        q = p.reshape(n, 3)
        d = q[iu] - q[ju]
        s = 1.0 / jnp.sum(d * d, axis=1)
        s3 = s**3
        return jnp.sum(4.0 * (s3 * s3 - s3))

    return f


def make_jax_mlp():
    layers = [(jnp.asarray(w), jnp.asarray(b)) for w, b in mlp_parameters()]

    def f(a):
        for l, (w, b) in enumerate(layers):
            a = w @ a + b
            if l + 1 < len(layers):
                a = jnp.tanh(a)
        return a[0]

    return f


def make_jax_mlp_weights():
    sample = jnp.asarray(mlp_sample())

    def f(theta):
        a = sample
        offset = 0
        n_layers = len(MLP_LAYERS) - 1
        for l in range(n_layers):
            n_in, n_out = MLP_LAYERS[l], MLP_LAYERS[l + 1]
            w = theta[offset : offset + n_in * n_out].reshape(n_out, n_in)
            offset += n_in * n_out
            b = theta[offset : offset + n_out]
            offset += n_out
            a = w @ a + b
            if l + 1 < n_layers:
                a = jnp.tanh(a)
        return (a[0] - MLP_TARGET) ** 2

    return f


# ---------------------------------------------------------------------------
# Timing.


def median_time(call):
    """Median CPU seconds per call, and the median wall seconds beside it.

    REPEATS samples of enough calls for ~20 ms each. The primary figure is the CPU
    time of this process (`time.process_time`, every thread): the machine these
    figures come from was shared with other jobs, and CPU time does not count the
    time slices they took. The wall-clock median is kept too.
    """
    call()
    loops = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(loops):
            call()
        elapsed = time.perf_counter() - t0
        if elapsed >= SAMPLE_SECONDS or loops >= 1 << 20:
            break
        loops *= 2 if elapsed <= 0 else max(2, min(10, int(SAMPLE_SECONDS / elapsed) + 1))
    cpu, wall = [], []
    for _ in range(REPEATS):
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(loops):
            call()
        wall.append((time.perf_counter() - t0) / loops)
        cpu.append((time.process_time() - c0) / loops)
    return statistics.median(cpu), statistics.median(wall)


def put_time(out, key, call, per=1):
    """Stores the CPU median of `call` under `key` and the wall median under `key_wall`."""
    cpu, wall = median_time(call)
    out[key] = cpu / per
    out[key[: -len("_s")] + "_wall_s"] = wall / per


def count_ops(function):
    """Instructions of an SX Function that compute something (not input, output, constant)."""
    skip = {ca.OP_INPUT, ca.OP_OUTPUT, ca.OP_CONST, ca.OP_PARAMETER}
    return sum(
        1
        for k in range(function.n_instructions())
        if function.instruction_id(k) not in skip
    )


class CasadiCall:
    """One call of an SX Function through its buffer: no Python conversions per call."""

    def __init__(self, function, inputs):
        self.inputs = np.ascontiguousarray(inputs, dtype=float)
        self.outputs = [
            np.zeros(function.size1_out(k) * function.size2_out(k))
            for k in range(function.n_out())
        ]
        self.buffer, self.eval = function.buffer()
        self.buffer.set_arg(0, memoryview(self.inputs))
        for k, out in enumerate(self.outputs):
            self.buffer.set_res(k, memoryview(out))

    def __call__(self):
        self.eval()


# ---------------------------------------------------------------------------
# One workload.


WORKLOADS = [
    # name, point, sx builder, jax f, batched?
    ("rosenbrock-1000", lambda: rosenbrock_point(1000), lambda: sx_rosenbrock(1000),
     lambda: jax_rosenbrock, True),
    ("vdp-rk4-1000", vdp_point, lambda: sx_vdp(1000), lambda: make_jax_vdp(1000), True),
    ("vdp-rk4-20000", vdp_point, lambda: sx_vdp(20000), lambda: make_jax_vdp(20000), False),
    ("lj-30", lambda: lj_point(30), lambda: sx_lennard_jones(30), lambda: make_jax_lj(30), True),
    ("lj-100", lambda: lj_point(100), lambda: sx_lennard_jones(100), lambda: make_jax_lj(100),
     False),
    ("mlp", mlp_sample, sx_mlp, make_jax_mlp, True),
    ("mlp-weights", mlp_weights_point, sx_mlp_weights, make_jax_mlp_weights, True),
]


def rel_diff(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(1e-300, float(np.max(np.abs(b)))))


def measure_casadi(point, build, batched):
    t0 = time.perf_counter()
    x, f = build()
    f_function = ca.Function("f", [x], [f])
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    g = ca.gradient(f, x)
    fg = ca.cse(ca.vertcat(f, g))
    fg_function = ca.Function("fg", [x], [fg])
    grad_build_s = time.perf_counter() - t0
    ops_f = count_ops(ca.Function("fc", [x], [ca.cse(f)]))
    ops_fg = count_ops(fg_function)

    f_call = CasadiCall(f_function, point)
    fg_call = CasadiCall(fg_function, point)
    f_call()
    fg_call()
    out = {
        "ops_f": ops_f,
        "ops_f_grad": ops_fg,
        "ops_ratio": ops_fg / ops_f,
        "build_f_s": build_s,
        "build_grad_s": grad_build_s,
    }
    put_time(out, "f_s", f_call)
    put_time(out, "grad_s", fg_call)
    value, gradient = float(fg_call.outputs[0][0]), fg_call.outputs[0][1:].copy()
    if batched:
        points = batch_points(point, BATCH).T  # one column per point
        for key, function in (("f", f_function), ("grad", fg_function)):
            mapped = function.map(BATCH, "serial")
            call = CasadiCall(mapped, points.ravel(order="F"))
            put_time(out, f"batch_{key}_per_point_s", call, BATCH)
        out["batch"] = BATCH
    return out, float(f_call.outputs[0][0]), value, gradient


def compile_seconds(jitted, x):
    """Seconds to trace, lower and compile `jitted` for `x` (run time apart).

    The timed calls then go through `jitted` itself (JAX's fast dispatch path, which
    compiles once more on its first, untimed call): calling the `Compiled` object
    directly dispatches through slower Python code.
    """
    t0 = time.perf_counter()
    jitted.lower(x).compile()
    return time.perf_counter() - t0


def measure_jax(point, make, batched):
    f = make()
    x = jnp.asarray(point)
    out = {}
    results = {}
    for key, fun in (("f", f), ("grad", jax.value_and_grad(f))):
        jitted = jax.jit(fun)
        out[f"compile_{key}_s"] = compile_seconds(jitted, x)
        results[key] = jax.block_until_ready(jitted(x))
        put_time(out, f"{key}_s", lambda: jax.block_until_ready(jitted(x)))
    if batched:
        xs = jnp.asarray(batch_points(point, BATCH))
        for key, fun in (("f", f), ("grad", jax.value_and_grad(f))):
            jitted = jax.jit(jax.vmap(fun))
            out[f"compile_batch_{key}_s"] = compile_seconds(jitted, xs)
            jax.block_until_ready(jitted(xs))
            put_time(
                out,
                f"batch_{key}_per_point_s",
                lambda: jax.block_until_ready(jitted(xs)),
                BATCH,
            )
        out["batch"] = BATCH
    value, gradient = results["grad"]
    return out, float(results["f"]), float(value), np.asarray(gradient)


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "arch": platform.machine(),
        "python": platform.python_version(),
        "casadi": ca.__version__,
        "jax": jax.__version__,
        "jaxlib": jax.lib.__version__ if hasattr(jax.lib, "__version__") else None,
        "numpy": np.__version__,
        "threads": "one (OMP/MKL/OPENBLAS_NUM_THREADS=1, XLA single-threaded eigen)",
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def fmt_time(seconds):
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def table(results):
    lines = [
        f"{'workload':<16} {'system':<7} {'f':>10} {'f+grad':>10} {'f/pt':>10} "
        f"{'grad/pt':>10} {'compile':>9} {'ops f':>8} {'ops f+g':>8} {'ratio':>6}"
    ]
    for name, w in results["workloads"].items():
        c, j = w["casadi"], w["jax"]
        lines.append(
            f"{name:<16} {'casadi':<7} {fmt_time(c['f_s']):>10} {fmt_time(c['grad_s']):>10} "
            f"{fmt_time(c.get('batch_f_per_point_s')):>10} "
            f"{fmt_time(c.get('batch_grad_per_point_s')):>10} {'-':>9} "
            f"{c['ops_f']:>8} {c['ops_f_grad']:>8} {c['ops_ratio']:>6.2f}"
        )
        lines.append(
            f"{'':<16} {'jax':<7} {fmt_time(j['f_s']):>10} {fmt_time(j['grad_s']):>10} "
            f"{fmt_time(j.get('batch_f_per_point_s')):>10} "
            f"{fmt_time(j.get('batch_grad_per_point_s')):>10} "
            f"{fmt_time(j['compile_grad_s']):>9}"
        )
    return "\n".join(lines)


def main():
    only = set(sys.argv[1:])
    results = {
        "machine": machine(),
        "settings": {
            "repeats": REPEATS,
            "sample_seconds": SAMPLE_SECONDS,
            "batch": BATCH,
            "batch_points": f"base + {BATCH_SPREAD} * Rng({BATCH_SEED}), point by point",
            "casadi_call": "Function.buffer() (no per-call conversion); batch: map(B, 'serial')",
            "jax_call": "jit(...).lower(x).compile(), then block_until_ready per call",
            "grad_means": "f and its gradient together ([f, grad f], value_and_grad)",
            "times": "*_s: median CPU seconds of the process per call (per point for batch_*); "
            "*_wall_s: median wall-clock seconds",
        },
        "workloads": {},
    }
    for name, point_of, build, make, batched in WORKLOADS:
        if only and name not in only:
            continue
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        point = point_of()
        casadi_out, c_f, c_value, c_grad = measure_casadi(point, build, batched)
        jax_out, j_f, j_value, j_grad = measure_jax(point, make, batched)
        agree = max(rel_diff([c_f, c_value], [j_value, j_value]), rel_diff(c_grad, j_grad))
        if agree > 1e-9:
            print(f"WARNING: {name}: CasADi and JAX differ by {agree:.3g}", file=sys.stderr)
        results["workloads"][name] = {
            "n_inputs": int(point.size),
            "f": c_value,
            "grad_norm": float(np.linalg.norm(c_grad)),
            "grad_head": [float(v) for v in c_grad[:3]],
            "casadi_jax_max_rel_diff": agree,
            "casadi": casadi_out,
            "jax": jax_out,
        }
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "peers.json"), "w") as out:
        json.dump(results, out, indent=1)
        out.write("\n")
    text = table(results)
    with open(os.path.join(HERE, "results", "peers.txt"), "w") as out:
        out.write(json.dumps(results["machine"]) + "\n" + text + "\n")
    print(text)


if __name__ == "__main__":
    main()
