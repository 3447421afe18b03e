//! `vjp` and `grad`: reverse mode, the derivative of a weighted sum of outputs with
//! respect to every input in one sweep.
//!
//! One [`reverse_sweep`] from the outputs, seeded with the cotangent, ids descending;
//! adjoints accumulate as sums of the rule's contributions. Only nodes that depend on
//! an input get an adjoint (activity), and structural zeros are never built.

use crate::sweep::{materialize, reverse_sweep};
use crate::DiffError;
use adgraph_ir::{Function, Graph, NodeId};

/// Vector-Jacobian product: for each input of `f`, in order, the node of the
/// derivative of `sum_k cotangent[k] * output_k` (one cotangent entry per output of
/// `f`; `None` is a structural zero). An input nothing depends on gets the constant
/// `0`.
///
/// ```
/// use adgraph_diff::vjp;
/// use adgraph_ir::{evaluate, parse, Function};
/// let (mut g, f) = parse("input x, y\noutput z = x*x + x*y + 2")?;
/// let one = g.constant(1.0)?;
/// let d = vjp(&mut g, &f, &[Some(one)])?;
/// let grad = Function::new(&g, f.inputs().to_vec(), vec![("dx".into(), d[0]), ("dy".into(), d[1])])?;
/// assert_eq!(evaluate(&g, &grad, &[3.0, 4.0])?, vec![10.0, 3.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn vjp(
    g: &mut Graph,
    f: &Function,
    cotangent: &[Option<NodeId>],
) -> Result<Vec<NodeId>, DiffError> {
    let outputs: Vec<NodeId> = f.output_ids().collect();
    let adjoints = vjp_sparse(g, f.inputs(), &outputs, cotangent)?;
    adjoints
        .into_iter()
        .map(|a| Ok(materialize(g, a)?))
        .collect()
}

/// The adjoints of `inputs` for the cotangent over `outputs`, `None` where
/// structurally zero.
pub(crate) fn vjp_sparse(
    g: &mut Graph,
    inputs: &[NodeId],
    outputs: &[NodeId],
    cotangent: &[Option<NodeId>],
) -> Result<Vec<Option<NodeId>>, DiffError> {
    if cotangent.len() != outputs.len() {
        return Err(DiffError::WrongLength {
            what: "cotangent",
            expected: outputs.len(),
            found: cotangent.len(),
        });
    }
    let seeds: Vec<(NodeId, NodeId)> = outputs
        .iter()
        .zip(cotangent)
        .filter_map(|(&o, c)| c.map(|c| (o, c)))
        .collect();
    reverse_sweep(g, &seeds, inputs)
}

/// The position of the output named `output`, or of the only output when `None`.
pub(crate) fn output_position(f: &Function, output: Option<&str>) -> Result<usize, DiffError> {
    let names = || f.outputs().iter().map(|o| o.name.clone()).collect();
    match output {
        Some(name) => f
            .outputs()
            .iter()
            .position(|o| o.name == name)
            .ok_or_else(|| DiffError::UnknownOutput {
                name: name.to_string(),
                outputs: names(),
            }),
        None if f.outputs().len() == 1 => Ok(0),
        None => Err(DiffError::NotScalar { outputs: names() }),
    }
}

/// The gradient of one output (`output` by name, or the only output when `None`):
/// one node per input, in input order, `None` where structurally zero.
pub(crate) fn gradient_sparse(
    g: &mut Graph,
    f: &Function,
    output: Option<&str>,
) -> Result<Vec<Option<NodeId>>, DiffError> {
    let k = output_position(f, output)?;
    let one = g.constant(1.0)?;
    let o = f.outputs()[k].id;
    reverse_sweep(g, &[(o, one)], f.inputs())
}

/// The function `f` and its gradient: the outputs of `f` first, then `d<out>_d<in>`
/// for each input in input order, where `out` is `output` (or the only output when
/// `None`). It lives in `g` beside `f` and shares its nodes.
///
/// ```
/// use adgraph_diff::grad;
/// use adgraph_ir::{evaluate, parse};
/// let (mut g, f) = parse("input x, y\noutput z = x*x + x*y + 2")?;
/// let df = grad(&mut g, &f, None)?;
/// let names: Vec<&str> = df.outputs().iter().map(|o| o.name.as_str()).collect();
/// assert_eq!(names, ["z", "dz_dx", "dz_dy"]);
/// assert_eq!(evaluate(&g, &df, &[3.0, 4.0])?, vec![23.0, 10.0, 3.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn grad(g: &mut Graph, f: &Function, output: Option<&str>) -> Result<Function, DiffError> {
    let k = output_position(f, output)?;
    let name = f.outputs()[k].name.clone();
    let adjoints = gradient_sparse(g, f, Some(&name))?;
    let mut outputs: Vec<(String, NodeId)> =
        f.outputs().iter().map(|o| (o.name.clone(), o.id)).collect();
    for (&x, a) in f.inputs().iter().zip(adjoints) {
        let input = g.input_name(x).unwrap_or_default().to_string();
        outputs.push((format!("d{name}_d{input}"), materialize(g, a)?));
    }
    crate::derivative::new_function(g, f, outputs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use adgraph_ir::{evaluate, parse};

    #[test]
    fn gradient_of_several_outputs_needs_a_name() {
        let (mut g, f) = parse("input x\noutput a = x*x\noutput b = sin(x)").unwrap();
        assert!(matches!(
            grad(&mut g, &f, None),
            Err(DiffError::NotScalar { .. })
        ));
        assert!(matches!(
            grad(&mut g, &f, Some("c")),
            Err(DiffError::UnknownOutput { .. })
        ));
        let df = grad(&mut g, &f, Some("b")).unwrap();
        assert_eq!(df.outputs()[2].name, "db_dx");
        let v = evaluate(&g, &df, &[0.5]).unwrap();
        assert_eq!(v[2], 0.5f64.cos());
    }

    #[test]
    fn cotangent_weights_outputs() {
        let (mut g, f) = parse("input x, y\noutput a = x*y\noutput b = x + y").unwrap();
        let (two, three) = (g.constant(2.0).unwrap(), g.constant(3.0).unwrap());
        let d = vjp(&mut g, &f, &[Some(two), Some(three)]).unwrap();
        let h = Function::new(
            &g,
            f.inputs().to_vec(),
            vec![("dx".into(), d[0]), ("dy".into(), d[1])],
        )
        .unwrap();
        // 2 (y, x) + 3 (1, 1) at (5, 7).
        assert_eq!(evaluate(&g, &h, &[5.0, 7.0]).unwrap(), vec![17.0, 13.0]);
        assert!(matches!(
            vjp(&mut g, &f, &[None]),
            Err(DiffError::WrongLength {
                what: "cotangent",
                ..
            })
        ));
    }

    #[test]
    fn unused_input_has_zero_gradient() {
        let (mut g, f) = parse("input x, y\noutput z = exp(x)").unwrap();
        let df = grad(&mut g, &f, None).unwrap();
        assert_eq!(g.constant_value(df.outputs()[2].id), Some(0.0));
    }
}
