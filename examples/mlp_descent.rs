//! Training a small neural network with adgraph: a tanh MLP whose weights and biases
//! are the function's inputs (as in `workloads::mlp_weights`) and whose loss is the
//! mean squared error over a few fixed samples (constants of the graph). One reverse
//! sweep gives the gradient with respect to every weight at once; plain gradient
//! descent then lowers the loss, printed as it falls.
//!
//! Run: `cargo run --example mlp_descent [WIDTH]` (WIDTH: neurons per hidden layer,
//! default 16; 4 inputs, two hidden layers, one output, 8 samples).

use adgraph::exec::{ReversePlan, ReverseWorkspace};
use adgraph::remat::{plan_checkpoints, CostModel, Strategy, Trace};
use adgraph::workloads::Rng;
use adgraph::{Builder, Expr, Function, Graph};
use std::error::Error;
use std::fmt::Write as _;

type Res<T> = Result<T, Box<dyn Error>>;

/// Inputs per sample.
const FEATURES: usize = 4;
/// Training samples.
const SAMPLES: usize = 8;

fn main() {
    if let Err(e) = try_main() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}

/// Reads the optional arguments, runs, prints.
fn try_main() -> Res<()> {
    let width = match std::env::args().nth(1) {
        Some(a) => a
            .parse::<usize>()
            .map_err(|e| format!("WIDTH must be a whole number ({a:?}: {e})"))?,
        None => 16,
    };
    let mut out = String::new();
    run(width, 300, &mut out)?;
    print!("{out}");
    Ok(())
}

/// One dense layer `act(W a + b)`, weights and biases taken from `params` in order.
fn dense<'b>(
    a: &[Expr<'b>],
    params: &mut impl Iterator<Item = Expr<'b>>,
    n_out: usize,
    last: bool,
) -> Res<Vec<Expr<'b>>> {
    let mut layer = Vec::with_capacity(n_out);
    for _ in 0..n_out {
        let mut acc = params.next().ok_or("too few parameters")?;
        for &ai in a {
            acc = acc + params.next().ok_or("too few parameters")? * ai;
        }
        layer.push(if last { acc } else { acc.tanh() });
    }
    Ok(layer)
}

/// The loss of a FEATURES-width-width-1 MLP over SAMPLES fixed samples, its
/// parameters the inputs; returns the graph, the function and an initial point.
fn model(width: usize) -> Res<(Graph, Function, Vec<f64>)> {
    let layers = [FEATURES, width, width, 1];
    let b = Builder::new();
    let count: usize = layers.windows(2).map(|w| w[1] * (w[0] + 1)).sum();
    let params: Vec<Expr> = (0..count).map(|k| b.input(&format!("p{k}"))).collect();
    let mut rng = Rng::new(11);
    let mut point = Vec::with_capacity(count);
    for w in layers.windows(2) {
        let scale = 1.0 / (w[0] as f64).sqrt();
        point.extend((0..w[1] * (w[0] + 1)).map(|_| rng.next_f64() * scale));
    }
    let mut data = Rng::new(5);
    let mut loss: Option<Expr> = None;
    for _ in 0..SAMPLES {
        let x: Vec<f64> = (0..FEATURES).map(|_| data.next_f64()).collect();
        let target = (x[0] * 2.0).sin() * x[1] + 0.5 * x[2] * x[3];
        let mut a: Vec<Expr> = x.iter().map(|&v| b.constant(v)).collect();
        let mut it = params.iter().copied();
        for (l, w) in layers.windows(2).enumerate() {
            a = dense(&a, &mut it, w[1], l + 2 == layers.len())?;
        }
        let e = (a[0] - target).powi(2);
        loss = Some(match loss {
            None => e,
            Some(s) => s + e,
        });
    }
    let loss = loss.ok_or("no samples")? * (1.0 / SAMPLES as f64);
    let (g, f) = b.finish([("loss", loss)])?;
    Ok((g, f, point))
}

/// Trains for `steps` steps of gradient descent; returns the loss before each step and
/// after the last.
fn run(width: usize, steps: usize, out: &mut String) -> Res<Vec<f64>> {
    let width = width.max(1);
    let (g, f, mut w) = model(width)?;
    let trace = Trace::from_function(&g, &f)?;
    let plan = plan_checkpoints(&trace, Strategy::StoreAll, &CostModel::default())?;
    let reverse = ReversePlan::new(&trace, &plan)?;
    let mut ws = ReverseWorkspace::new();
    writeln!(
        out,
        "MLP {FEATURES}-{width}-{width}-1, {} weights, {SAMPLES} samples: {} instructions",
        w.len(),
        trace.steps().len()
    )?;
    writeln!(out, "{:>6}  {:>12}", "step", "loss")?;
    let rate = 0.1;
    let mut losses = Vec::with_capacity(steps + 1);
    for step in 0..=steps {
        let r = reverse.grad_with(&mut ws, &w, 0)?;
        losses.push(r.outputs[0]);
        if step % (steps / 10).max(1) == 0 || step == steps {
            writeln!(out, "{step:>6}  {:>12.6e}", r.outputs[0])?;
        }
        if step < steps {
            for (wi, gi) in w.iter_mut().zip(&r.adjoints) {
                *wi -= rate * gi;
            }
        }
    }
    Ok(losses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loss_falls() {
        let mut out = String::new();
        let l = run(4, 60, &mut out).unwrap();
        let (first, last) = (l[0], l[l.len() - 1]);
        assert!(last < 0.5 * first, "{out}");
        // Small steps on a smooth loss: every step goes down.
        assert!(l.windows(2).all(|p| p[1] <= p[0]), "{out}");
    }

    #[test]
    fn the_gradient_matches_finite_differences() {
        let (g, f, w) = model(3).unwrap();
        let r = adgraph::exec::gradient(&g, &f, &w, 0, Strategy::StoreAll).unwrap();
        let p = adgraph::Program::compile(&g, &f).unwrap();
        for k in [0, w.len() / 2, w.len() - 1] {
            let (mut up, mut down) = (w.clone(), w.clone());
            up[k] += 1e-6;
            down[k] -= 1e-6;
            let fd = (p.eval(&up).unwrap()[0] - p.eval(&down).unwrap()[0]) / 2e-6;
            assert!(
                (fd - r.adjoints[k]).abs() < 1e-7,
                "{k}: {fd} vs {}",
                r.adjoints[k]
            );
        }
    }
}
