//! The guide's seed, `z = x*x + x*y + 2` at `(3, 4)`, differentiated every way
//! adgraph knows: by hand, by finite differences (with their error as the step
//! shrinks), by forward mode (the tangent every node passes on, one sweep per input),
//! by reverse mode (the adjoint every node passes to its operands, one sweep for the
//! whole gradient), and symbolically (the forward and reverse derivative graphs, raw
//! and optimized). Every way is checked against the others.
//!
//! Run: `cargo run --example seed_modes [STEPS]` (STEPS: how many finite-difference
//! steps to tabulate, from 1e-1 down; default 12).

use adgraph::diff::{derivative_function, DiffOptions, Mode};
use adgraph::exec::{tangent_by_rule, ReversePlan, ValueId, ValueKind};
use adgraph::remat::{plan_checkpoints, CostModel, Strategy, Trace};
use adgraph::{dump, evaluate, Builder, Function, Graph, Program};
use std::error::Error;
use std::fmt::Write as _;

type Res<T> = Result<T, Box<dyn Error>>;

/// What a run found, for the tests.
#[cfg_attr(not(test), allow(dead_code))]
struct Summary {
    /// The gradient by hand.
    by_hand: [f64; 2],
    /// The gradient of each way: forward walk, forward interpreter, reverse walk,
    /// reverse interpreter, forward graph, reverse graph.
    ways: Vec<(&'static str, [f64; 2])>,
    /// (step, error of the forward difference, error of the central difference) for x.
    fd: Vec<(f64, f64, f64)>,
    /// Reachable nodes of the raw and optimized derivative graphs (forward, reverse).
    nodes: [(usize, usize); 2],
    /// (DAG nodes, tree nodes) of the workloads' derivative graphs.
    sharing: Vec<(usize, f64)>,
}

fn main() {
    if let Err(e) = try_main() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}

/// Reads the optional arguments, runs, prints.
fn try_main() -> Res<()> {
    let steps = match std::env::args().nth(1) {
        Some(a) => a
            .parse::<usize>()
            .map_err(|e| format!("STEPS must be a whole number ({a:?}: {e})"))?,
        None => 12,
    };
    let mut out = String::new();
    run(steps, &mut out)?;
    print!("{out}");
    Ok(())
}

/// The seed as a graph and function.
fn seed() -> Res<(Graph, Function)> {
    let b = Builder::new();
    let [x, y] = b.inputs(["x", "y"]);
    Ok(b.finish([("z", x * x + x * y + 2.0)])?)
}

/// A name for each value of `p`: inputs and outputs by name, constants by value,
/// other instructions `j` as `v{j}` (for the seed, the names `adgraph dump` gives).
fn labels(p: &Program) -> Vec<String> {
    let mut names: Vec<String> = (0..p.value_count())
        .map(|v| match p.value_kind(ValueId::new(v as u32)) {
            Some(ValueKind::Input(k)) => p.input_names()[k].clone(),
            Some(ValueKind::Constant(c)) => format!("{c}"),
            Some(ValueKind::Instruction(j)) => format!("v{j}"),
            None => "?".into(),
        })
        .collect();
    for (o, v) in p.outputs().iter().enumerate() {
        if let Some(ValueKind::Instruction(_)) = p.value_kind(*v) {
            names[v.index()] = p.output_names()[o].clone();
        }
    }
    names
}

/// How many nodes `f` would have as a tree (every shared node copied at each use):
/// what an expression-tree AD would build. In f64, as it grows exponentially.
fn tree_size(g: &Graph, f: &Function) -> f64 {
    let mut size = vec![0.0; g.len()];
    // Ids are in topological order: operands before users.
    for (id, node) in g.iter() {
        size[id.index()] = 1.0 + node.args().iter().map(|a| size[a.index()]).sum::<f64>();
    }
    f.output_ids().map(|o| size[o.index()]).sum()
}

/// The value of every value of `p` at `point`, by the operators' definitions.
fn values(p: &Program, point: &[f64]) -> Vec<f64> {
    let mut val = vec![0.0; p.value_count()];
    for (v, slot) in val.iter_mut().enumerate() {
        match p.value_kind(ValueId::new(v as u32)) {
            Some(ValueKind::Input(k)) => *slot = point[k],
            Some(ValueKind::Constant(c)) => *slot = c,
            _ => {}
        }
    }
    for (j, ins) in p.instructions().iter().enumerate() {
        let args: Vec<f64> = ins.args().iter().map(|a| val[a.index()]).collect();
        val[p.defined_value(j).index()] = ins.op().eval(&args, ins.exponent());
    }
    val
}

/// `d op / d operand i` at the instruction's operands, by the one derivative rule.
fn partial(op: adgraph::Op, e: i32, args: &[f64], r: f64, i: usize) -> f64 {
    let unit: Vec<f64> = (0..args.len()).map(|k| f64::from(k == i)).collect();
    tangent_by_rule(op, e, args, r, &unit)
}

/// Writes the whole tour into `out`; returns what it found.
fn run(fd_steps: usize, out: &mut String) -> Res<Summary> {
    let (g, f) = seed()?;
    let point = [3.0, 4.0];
    let (x, y) = (point[0], point[1]);
    let p = Program::compile(&g, &f)?;
    let name = labels(&p);
    let val = values(&p, &point);
    let z = |x: f64, y: f64| -> Res<f64> { Ok(p.eval(&[x, y])?[0]) };

    writeln!(
        out,
        "z = x*x + x*y + 2 at x = {x}, y = {y}: z = {}",
        z(x, y)?
    )?;
    writeln!(out, "{}", dump(&g, &f).trim_end())?;

    // 1. By hand: dz/dx = 2x + y, dz/dy = x.
    let by_hand = [2.0 * x + y, x];
    writeln!(
        out,
        "\n1. by hand: dz/dx = 2x + y = {}, dz/dy = x = {}",
        by_hand[0], by_hand[1]
    )?;

    // 2. Finite differences: the truncation error shrinks with h, rounding grows as 1/h.
    writeln!(
        out,
        "\n2. finite differences of dz/dx (exact {}):",
        by_hand[0]
    )?;
    writeln!(
        out,
        "  {:>7}  {:>20}  {:>9}  {:>20}  {:>9}",
        "h", "(z(x+h)-z(x))/h", "error", "(z(x+h)-z(x-h))/2h", "error"
    )?;
    let mut fd = Vec::new();
    for k in 1..=fd_steps {
        let h = 10f64.powi(-(k as i32));
        let fwd = (z(x + h, y)? - z(x, y)?) / h;
        let cen = (z(x + h, y)? - z(x - h, y)?) / (2.0 * h);
        let (ef, ec) = ((fwd - by_hand[0]).abs(), (cen - by_hand[0]).abs());
        writeln!(
            out,
            "  {h:>7.0e}  {fwd:>20.15}  {ef:>9.2e}  {cen:>20.15}  {ec:>9.2e}"
        )?;
        fd.push((h, ef, ec));
    }

    // 3. Forward mode: each node's tangent from its operands' tangents, one sweep per
    // input direction.
    writeln!(
        out,
        "\n3. forward mode: the tangent of every node, one sweep per input"
    )?;
    writeln!(
        out,
        "  {:<14} {:>6}  {:>12}  {:>12}",
        "node", "value", "along x", "along y"
    )?;
    let mut fwd_walk = [0.0; 2];
    let mut tangents = [vec![0.0; p.value_count()], vec![0.0; p.value_count()]];
    for (d, t) in tangents.iter_mut().enumerate() {
        for (v, slot) in t.iter_mut().enumerate() {
            if p.value_kind(ValueId::new(v as u32)) == Some(ValueKind::Input(d)) {
                *slot = 1.0;
            }
        }
    }
    for (j, ins) in p.instructions().iter().enumerate() {
        let v = p.defined_value(j).index();
        let args: Vec<f64> = ins.args().iter().map(|a| val[a.index()]).collect();
        for t in tangents.iter_mut() {
            let ta: Vec<f64> = ins.args().iter().map(|a| t[a.index()]).collect();
            t[v] = tangent_by_rule(ins.op(), ins.exponent(), &args, val[v], &ta);
        }
        let text = ins
            .args()
            .iter()
            .map(|a| name[a.index()].as_str())
            .collect::<Vec<_>>();
        let expr = match text.as_slice() {
            [a, b] => format!("{a} {} {b}", ins.op().name()),
            _ => format!("{}({})", ins.op().name(), text.join(", ")),
        };
        writeln!(
            out,
            "  {:<14} {:>6}  {:>12}  {:>12}",
            format!("{} = {expr}", name[v]),
            val[v],
            tangents[0][v],
            tangents[1][v]
        )?;
    }
    let zv = p.outputs()[0].index();
    fwd_walk[0] = tangents[0][zv];
    fwd_walk[1] = tangents[1][zv];
    let interp = [
        p.jvp(&point, &[1.0, 0.0])?.tangent(0, 0),
        p.jvp(&point, &[0.0, 1.0])?.tangent(0, 0),
    ];
    writeln!(
        out,
        "  the interpreter (Program::jvp) agrees: dz/dx = {}, dz/dy = {}",
        interp[0], interp[1]
    )?;

    // 4. Reverse mode: one backward sweep; each node passes adjoint * partial to each
    // operand, and operands sum what they receive.
    writeln!(out, "\n4. reverse mode: one backward sweep from adj(z) = 1")?;
    let mut adj = vec![0.0; p.value_count()];
    adj[zv] = 1.0;
    for (j, ins) in p.instructions().iter().enumerate().rev() {
        let v = p.defined_value(j).index();
        let args: Vec<f64> = ins.args().iter().map(|a| val[a.index()]).collect();
        let mut passed = Vec::new();
        for (i, a) in ins.args().iter().enumerate() {
            if matches!(p.value_kind(*a), Some(ValueKind::Constant(_))) {
                continue;
            }
            let c = adj[v] * partial(ins.op(), ins.exponent(), &args, val[v], i);
            adj[a.index()] += c;
            passed.push(format!("{} += {c}", name[a.index()]));
        }
        writeln!(
            out,
            "  adj({}) = {:<4} passes  {}",
            name[v],
            adj[v],
            passed.join(", ")
        )?;
    }
    let input_adj = |k: usize| {
        (0..p.value_count())
            .find(|&v| p.value_kind(ValueId::new(v as u32)) == Some(ValueKind::Input(k)))
            .map_or(0.0, |v| adj[v])
    };
    let rev_walk = [input_adj(0), input_adj(1)];
    writeln!(out, "  adj(x) = {}, adj(y) = {}", rev_walk[0], rev_walk[1])?;
    let trace = Trace::from_function(&g, &f)?;
    let plan = plan_checkpoints(&trace, Strategy::StoreAll, &CostModel::default())?;
    let r = ReversePlan::new(&trace, &plan)?.grad(&point, 0)?;
    writeln!(
        out,
        "  the interpreter (ReversePlan::grad) agrees: {:?}, {} ops forward + {} backward, {} B held",
        r.adjoints, r.stats.forward_ops, r.stats.backward_ops, r.stats.peak_bytes
    )?;

    // 5. Symbolic: derivative graphs built into the arena, raw and optimized.
    let mut ways = vec![
        ("forward walk", fwd_walk),
        ("Program::jvp", interp),
        ("reverse walk", rev_walk),
        ("ReversePlan::grad", [r.adjoints[0], r.adjoints[1]]),
    ];
    let mut nodes = [(0, 0); 2];
    for (m, (mode, label)) in [
        (Mode::Forward, "forward graph"),
        (Mode::Reverse, "reverse graph"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut work = g.clone();
        let opts = DiffOptions {
            mode,
            ..DiffOptions::default()
        };
        let d = derivative_function(&mut work, &f, &opts)?;
        let (raw_g, raw_f) = adgraph::diff::compact(&work, &d)?;
        let (opt_g, opt_f) = adgraph::diff::optimize(&work, &d)?;
        nodes[m] = (raw_g.len(), opt_g.len());
        writeln!(
            out,
            "\n5{}. the {label} (DiffOptions {{ mode: {mode:?} }}), as built: {} nodes",
            ["a", "b"][m],
            raw_g.len()
        )?;
        writeln!(out, "{}", dump(&raw_g, &raw_f).trim_end())?;
        writeln!(
            out,
            "  optimized (fold, simplify, cse, dce): {} nodes",
            opt_g.len()
        )?;
        writeln!(out, "{}", dump(&opt_g, &opt_f).trim_end())?;
        let e = evaluate(&opt_g, &opt_f, &point)?;
        let raw = evaluate(&raw_g, &raw_f, &point)?;
        if raw != e {
            return Err(
                format!("the raw and optimized {label}s disagree: {raw:?} vs {e:?}").into(),
            );
        }
        ways.push((label, [e[1], e[2]]));
    }

    // 6. Hash-consing: the derivative graphs of bigger functions, as the DAG the
    // arena holds against the tree they would be without sharing.
    writeln!(
        out,
        "\n6. derivative graphs as hash-consed DAGs against trees (reachable nodes):"
    )?;
    writeln!(
        out,
        "  {:<14} {:>6} {:>10} {:>12} {:>10} {:>12}",
        "function", "nodes", "fwd DAG", "fwd tree", "rev DAG", "rev tree"
    )?;
    let workloads = [
        adgraph::workloads::seed(),
        adgraph::workloads::rosenbrock(4),
        adgraph::workloads::van_der_pol(3),
        adgraph::workloads::lennard_jones(4),
        adgraph::workloads::mlp(),
    ];
    let mut sharing = Vec::new();
    for w in &workloads {
        let mut row = format!("  {:<14} {:>6}", w.name, w.function.nodes(&w.graph).len());
        for mode in [Mode::Forward, Mode::Reverse] {
            let mut work = w.graph.clone();
            let opts = DiffOptions {
                mode,
                ..DiffOptions::default()
            };
            let d = derivative_function(&mut work, &w.function, &opts)?;
            let dag = d.nodes(&work).len();
            let tree = tree_size(&work, &d);
            write!(row, " {dag:>10} {tree:>12.3e}")?;
            sharing.push((dag, tree));
        }
        writeln!(out, "{row}")?;
    }

    writeln!(out, "\nall ways, against the gradient by hand {by_hand:?}:")?;
    for (way, grad) in &ways {
        let ok = if *grad == by_hand {
            "same"
        } else {
            "DIFFERENT"
        };
        writeln!(out, "  {way:<18} {grad:?}  {ok}")?;
    }
    Ok(Summary {
        by_hand,
        ways,
        fd,
        nodes,
        sharing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_agrees_and_fd_error_behaves() {
        let mut out = String::new();
        let s = run(10, &mut out).unwrap();
        assert_eq!(s.by_hand, [10.0, 3.0]);
        assert_eq!(s.ways.len(), 6);
        for (way, g) in &s.ways {
            assert_eq!(*g, s.by_hand, "{way}\n{out}");
        }
        // The forward difference's error is truncation, h * f''/2 = h for x*x: it
        // shrinks with h at first.
        let (e1, e3) = (s.fd[0].1, s.fd[2].1);
        assert!((e1 - 0.1).abs() < 1e-9 && e3 < e1 / 50.0, "{out}");
        // z is quadratic: the central difference has no truncation error, only
        // rounding, which grows as h shrinks.
        assert!(s.fd[0].2 < 1e-12 && s.fd[9].2 > s.fd[0].2, "{out}");
        // Optimizing never grows a derivative graph.
        for (raw, opt) in s.nodes {
            assert!(opt <= raw && opt > 0, "{out}");
        }
        // Sharing never loses, and on the RK4 chain it wins by orders of magnitude.
        assert!(
            s.sharing.iter().all(|&(dag, tree)| dag as f64 <= tree),
            "{out}"
        );
        assert!(
            s.sharing
                .iter()
                .any(|&(dag, tree)| tree > 1000.0 * dag as f64),
            "{out}"
        );
    }
}
