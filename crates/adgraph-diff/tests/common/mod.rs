//! Oracles shared by the integration tests: the numeric reading of the derivative
//! rule (the same sweeps carried out on numbers with [`Numbers`]), central finite
//! differences, and evaluation of arbitrary nodes.
#![allow(dead_code)]

use adgraph_ir::{derivative, evaluate, Function, Graph, NodeId, Numbers, Op};

/// The value of every node `f` reaches at `point` (NaN for the others).
pub fn node_values(g: &Graph, f: &Function, point: &[f64]) -> Vec<f64> {
    let mask = f.reachable(g);
    let mut v = vec![f64::NAN; mask.len()];
    for (&x, &p) in f.inputs().iter().zip(point) {
        v[x.index()] = p;
    }
    for i in (0..mask.len()).filter(|&i| mask[i]) {
        let node = g.node(NodeId::new(i as u32));
        v[i] = match node.op() {
            Op::Input => v[i],
            Op::Const => node.constant_value().unwrap(),
            op => {
                let args: Vec<f64> = node.args().iter().map(|a| v[a.index()]).collect();
                op.eval(&args, node.exponent())
            }
        };
    }
    v
}

fn add(sum: Option<f64>, d: f64) -> Option<f64> {
    Some(sum.map_or(d, |s| s + d))
}

/// Forward mode on numbers: the tangent of each output along `direction`.
pub fn numeric_jvp(g: &Graph, f: &Function, point: &[f64], direction: &[Option<f64>]) -> Vec<f64> {
    let v = node_values(g, f, point);
    let mask = f.reachable(g);
    let mut t: Vec<Option<f64>> = vec![None; mask.len()];
    for (&x, d) in f.inputs().iter().zip(direction) {
        t[x.index()] = *d;
    }
    for i in (0..mask.len()).filter(|&i| mask[i]) {
        let node = g.node(NodeId::new(i as u32));
        if matches!(node.op(), Op::Input | Op::Const) {
            continue;
        }
        let args: Vec<f64> = node.args().iter().map(|a| v[a.index()]).collect();
        let mut sum = None;
        for (k, a) in node.args().iter().enumerate() {
            if let Some(ta) = t[a.index()] {
                let d = derivative(&mut Numbers, node.op(), node.exponent(), &args, v[i], k, ta);
                if let Some(d) = d.unwrap() {
                    sum = add(sum, d);
                }
            }
        }
        t[i] = sum;
    }
    f.output_ids()
        .map(|o| t[o.index()].unwrap_or(0.0))
        .collect()
}

/// Reverse mode on numbers: the gradient of output `out` with respect to every input.
pub fn numeric_gradient(g: &Graph, f: &Function, point: &[f64], out: usize) -> Vec<f64> {
    let v = node_values(g, f, point);
    let mask = f.reachable(g);
    let mut a: Vec<Option<f64>> = vec![None; mask.len()];
    a[f.outputs()[out].id.index()] = Some(1.0);
    for i in (0..mask.len()).rev().filter(|&i| mask[i]) {
        let Some(s) = a[i] else { continue };
        let node = g.node(NodeId::new(i as u32));
        let args: Vec<f64> = node.args().iter().map(|x| v[x.index()]).collect();
        let mut local = [None; 3];
        for (k, x) in node.args().iter().enumerate() {
            let d = derivative(&mut Numbers, node.op(), node.exponent(), &args, v[i], k, s);
            if let Some(d) = d.unwrap() {
                let first = node.args().iter().position(|b| b == x).unwrap();
                local[first] = add(local[first], d);
            }
        }
        for (x, d) in node.args().iter().zip(local) {
            if let Some(d) = d {
                a[x.index()] = add(a[x.index()], d);
            }
        }
    }
    f.inputs()
        .iter()
        .map(|x| a[x.index()].unwrap_or(0.0))
        .collect()
}

/// The values of arbitrary nodes of `g` at `point` over `f`'s inputs.
pub fn eval_ids(g: &Graph, f: &Function, ids: &[NodeId], point: &[f64]) -> Vec<f64> {
    let outputs = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| (format!("o{i}"), id))
        .collect();
    let h = Function::new(g, f.inputs().to_vec(), outputs).unwrap();
    evaluate(g, &h, point).unwrap()
}

/// Central difference of output `out` in input `i`, step scaled to the input, with one
/// Richardson step (the h^2 terms of the differences at h and h/2 cancel).
pub fn central(g: &Graph, f: &Function, point: &[f64], out: usize, i: usize) -> f64 {
    central_with_error(g, f, point, out, i).0
}

/// [`central`] and a bound on its error: the gap between the differences at h and h/2,
/// which exceeds the extrapolated value's own error wherever the function is smooth
/// at the scale of the step. Where it is not (sin(y^-2) at y = 0.0357 turns once every
/// 1.4e-4 in y, and a step of 1e-6 was off by 3e-4 relative), the bound says so.
pub fn central_with_error(
    g: &Graph,
    f: &Function,
    point: &[f64],
    out: usize,
    i: usize,
) -> (f64, f64) {
    let h = 1e-6 * point[i].abs().max(1.0);
    let d = |h: f64| {
        let mut p = point.to_vec();
        p[i] = point[i] + h;
        let up = evaluate(g, f, &p).unwrap()[out];
        p[i] = point[i] - h;
        let down = evaluate(g, f, &p).unwrap()[out];
        (up - down) / (2.0 * h)
    };
    let (wide, narrow) = (d(h), d(h / 2.0));
    ((4.0 * narrow - wide) / 3.0, (narrow - wide).abs())
}

/// `a` and `b` equal to `rel` relative (equal numbers, both NaN, or close).
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan()) || (a - b).abs() <= rel * a.abs().max(b.abs())
}

/// A finite difference agrees with a derivative: relative to the larger of the two
/// values and `scale` (the size of the function's other derivatives).
pub fn fd_close(ad: f64, fd: f64, scale: f64) -> bool {
    (ad - fd).abs() <= 1e-6 * ad.abs().max(fd.abs()).max(scale)
}
