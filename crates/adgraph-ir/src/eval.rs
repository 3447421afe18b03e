//! The reference evaluator: one loop over ids, the oracle for passes and interpreters.

use crate::{EvalError, Function, Graph, GraphError, NodeId, Op};

/// Evaluates the outputs of `f` at `point` (one value per input, in input order).
///
/// Visits the nodes the outputs reach in ascending id order, computing each with
/// [`Op::eval`]. It is deliberately simple: later interpreters and passes are checked
/// bit for bit against it.
///
/// ```
/// use adgraph_ir::{evaluate, parse};
/// let (g, f) = parse("input x, y\noutput z = x*x + x*y + 2")?;
/// assert_eq!(evaluate(&g, &f, &[3.0, 4.0])?, vec![23.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate(g: &Graph, f: &Function, point: &[f64]) -> Result<Vec<f64>, EvalError> {
    let values = evaluate_nodes(g, f, point)?;
    Ok(f.output_ids().map(|id| values[id.index()]).collect())
}

/// The value of every node of `g` at `point`, indexed by node id up to the largest id
/// `f` reaches: the nodes the outputs of `f` reach are computed as [`evaluate`]
/// computes them (it is this loop), every other node is NaN. For looking inside a function: where a comparison's
/// operands tie, where an intermediate overflows.
///
/// ```
/// use adgraph_ir::{evaluate_nodes, parse};
/// let (g, f) = parse("input x\nlet s = sin(x)\noutput y = s * s")?;
/// let values = evaluate_nodes(&g, &f, &[0.5])?;
/// let s = 0.5f64.sin();
/// assert_eq!(values.iter().filter(|&&v| v == s).count(), 1);
/// assert_eq!(values.last(), Some(&(s * s)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate_nodes(g: &Graph, f: &Function, point: &[f64]) -> Result<Vec<f64>, EvalError> {
    if point.len() != f.inputs().len() {
        return Err(EvalError::WrongInputCount {
            expected: f.inputs().len(),
            found: point.len(),
        });
    }
    for id in f.output_ids().chain(f.inputs().iter().copied()) {
        if !g.contains(id) {
            return Err(GraphError::UnknownNode { id }.into());
        }
    }
    let mask = f.reachable(g);
    let mut values = vec![f64::NAN; mask.len()];
    for (&id, &x) in f.inputs().iter().zip(point) {
        values[id.index()] = x;
    }
    let mut args = [0.0; 3];
    for (i, _) in mask.iter().enumerate().filter(|(_, &m)| m) {
        let node = g.node(NodeId::new(i as u32));
        values[i] = match node.op() {
            Op::Input => values[i],
            Op::Const => node.constant_value().unwrap_or(f64::NAN),
            op => {
                for (v, a) in args.iter_mut().zip(node.args()) {
                    *v = values[a.index()];
                }
                op.eval(&args[..op.arity()], node.exponent())
            }
        };
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_point_length_is_an_error() {
        let mut g = Graph::new();
        let x = g.input("x").unwrap();
        let f = Function::new(&g, vec![x], vec![("x".into(), x)]).unwrap();
        assert_eq!(
            evaluate(&g, &f, &[]),
            Err(EvalError::WrongInputCount {
                expected: 1,
                found: 0
            })
        );
        assert_eq!(evaluate(&g, &f, &[2.5]).unwrap(), vec![2.5]);
    }
}
