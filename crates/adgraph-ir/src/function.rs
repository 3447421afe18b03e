//! `Function`: named inputs and outputs over a `Graph`; many functions share a graph.

use crate::{Graph, GraphError, NodeId, Op};

/// A named output of a [`Function`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Output {
    /// The output's name, unique within its function.
    pub name: String,
    /// The node whose value the output is.
    pub id: NodeId,
}

/// A function over a [`Graph`]: an ordered list of input nodes and an ordered list of
/// named outputs. Several functions can live in one graph and share nodes (a gradient
/// shares every subexpression with its primal).
///
/// Invariants (checked by [`Function::new`]): every input is an input node of the
/// graph, listed once; input and output names are valid `.adg` names (so a dump
/// parses), each output name used once; every input node an output reaches is listed.
///
/// ```
/// use adgraph_ir::{Function, Graph, evaluate};
/// let mut g = Graph::new();
/// let x = g.input("x")?;
/// let y = g.input("y")?;
/// let p = g.mul(x, y)?;
/// let f = Function::new(&g, vec![x, y], vec![("p".into(), p)])?;
/// assert_eq!(f.input_names(&g), vec!["x", "y"]);
/// assert_eq!(evaluate(&g, &f, &[3.0, 4.0])?, vec![12.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Function {
    /// Input nodes in input order.
    inputs: Vec<NodeId>,
    /// Outputs in declaration order.
    outputs: Vec<Output>,
}

/// Whether `name` is a valid `.adg` name: `[A-Za-z_][A-Za-z0-9_]*`, not reserved.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !is_reserved(name)
}

/// Whether `name` is reserved: a function name, `inf`, `nan`, or a keyword.
pub fn is_reserved(name: &str) -> bool {
    matches!(name, "inf" | "nan" | "input" | "let" | "output") || Op::function(name).is_some()
}

impl Function {
    /// A function with `inputs` (input nodes, in order) and named `outputs`; checks
    /// the invariants above.
    pub fn new(
        g: &Graph,
        inputs: Vec<NodeId>,
        outputs: Vec<(String, NodeId)>,
    ) -> Result<Function, GraphError> {
        let mut seen = vec![false; g.len()];
        for &id in &inputs {
            let node = g.get(id).ok_or(GraphError::UnknownNode { id })?;
            if node.op() != Op::Input {
                return Err(GraphError::NotAnInput { id });
            }
            let name = g.input_name(id).unwrap_or_default();
            if !is_valid_name(name) {
                return Err(GraphError::InvalidName {
                    name: name.to_string(),
                });
            }
            if std::mem::replace(&mut seen[id.index()], true) {
                return Err(GraphError::DuplicateInput {
                    name: g.input_name(id).unwrap_or_default().to_string(),
                });
            }
        }
        let mut names = std::collections::HashSet::new();
        for (name, id) in &outputs {
            if !g.contains(*id) {
                return Err(GraphError::UnknownNode { id: *id });
            }
            if !is_valid_name(name) {
                return Err(GraphError::InvalidName { name: name.clone() });
            }
            if !names.insert(name.as_str()) {
                return Err(GraphError::DuplicateOutput { name: name.clone() });
            }
        }
        let f = Function {
            inputs,
            outputs: outputs
                .into_iter()
                .map(|(name, id)| Output { name, id })
                .collect(),
        };
        let reached = f.reachable(g);
        for (i, node) in g.iter().take(reached.len()) {
            if reached[i.index()] && node.op() == Op::Input && !seen[i.index()] {
                return Err(GraphError::UndeclaredInput {
                    name: g.input_name(i).unwrap_or_default().to_string(),
                });
            }
        }
        Ok(f)
    }

    /// Input nodes in input order.
    pub fn inputs(&self) -> &[NodeId] {
        &self.inputs
    }

    /// Outputs in declaration order.
    pub fn outputs(&self) -> &[Output] {
        &self.outputs
    }

    /// The output node ids in order.
    pub fn output_ids(&self) -> impl ExactSizeIterator<Item = NodeId> + '_ {
        self.outputs.iter().map(|o| o.id)
    }

    /// The output named `name`.
    pub fn output(&self, name: &str) -> Option<&Output> {
        self.outputs.iter().find(|o| o.name == name)
    }

    /// Input names in input order.
    pub fn input_names<'g>(&self, g: &'g Graph) -> Vec<&'g str> {
        self.inputs
            .iter()
            .map(|&id| g.input_name(id).unwrap_or(""))
            .collect()
    }

    /// The position of the input named `name`.
    pub fn input_position(&self, g: &Graph, name: &str) -> Option<usize> {
        self.inputs
            .iter()
            .position(|&id| g.input_name(id) == Some(name))
    }

    /// Marks the nodes the outputs reach, plus the inputs: `mask[i]` for node `i`.
    /// The mask is as long as the largest marked id plus one. One backward loop over
    /// ids, no recursion.
    pub fn reachable(&self, g: &Graph) -> Vec<bool> {
        let top = self
            .output_ids()
            .chain(self.inputs.iter().copied())
            .map(|id| id.index() + 1)
            .max()
            .unwrap_or(0)
            .min(g.len());
        let mut mask = vec![false; top];
        for id in self.output_ids().chain(self.inputs.iter().copied()) {
            if id.index() < top {
                mask[id.index()] = true;
            }
        }
        for i in (0..top).rev() {
            if mask[i] {
                for a in g.node(NodeId::new(i as u32)).args() {
                    mask[a.index()] = true;
                }
            }
        }
        mask
    }

    /// The ids of the nodes the outputs reach, plus the inputs, in ascending
    /// (topological) order.
    pub fn nodes(&self, g: &Graph) -> Vec<NodeId> {
        self.reachable(g)
            .iter()
            .enumerate()
            .filter(|(_, &m)| m)
            .map(|(i, _)| NodeId::new(i as u32))
            .collect()
    }

    /// The operation nodes the outputs reach in depth-first post-order, every node once:
    /// a node's operands before the node, the operand that needs more slots first (the
    /// Sethi-Ullman labelling, counted as if the graph were a tree; ties go to the later
    /// node, typically the longer chain). Loops with an explicit stack, not recursion, so
    /// chains of any depth are fine. Where id order computes many values long before
    /// their users (a sum of terms built term by term, then added up), this order
    /// computes each term just before it is added. `mask` is [`reachable`](Self::reachable).
    ///
    /// ```
    /// use adgraph_ir::parse;
    /// let (g, f) = parse("input x, y\nlet a = x * y\nlet b = x + y\noutput z = sin(a) + b")?;
    /// let order = f.depth_first_ops(&g, &f.reachable(&g));
    /// assert_eq!(order.len(), 4);
    /// assert_eq!(order.last(), Some(&f.outputs()[0].id));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn depth_first_ops(&self, g: &Graph, mask: &[bool]) -> Vec<NodeId> {
        let is_op = |id: NodeId| !matches!(g.node(id).op(), Op::Input | Op::Const);
        // need[i]: slots to evaluate node i as a tree (leaves need none: they have fixed
        // slots).
        let mut need = vec![0u32; mask.len()];
        for (i, _) in mask.iter().enumerate().filter(|(_, &m)| m) {
            let id = NodeId::new(i as u32);
            if !is_op(id) {
                continue;
            }
            let mut ns: Vec<u32> = g.node(id).args().iter().map(|a| need[a.index()]).collect();
            ns.sort_unstable_by(|a, b| b.cmp(a));
            need[i] = ns
                .iter()
                .enumerate()
                .map(|(k, &n)| n.saturating_add(k as u32))
                .max()
                .unwrap_or(0)
                .max(1);
        }
        let mut done = vec![false; mask.len()];
        let mut order = Vec::new();
        let mut stack: Vec<(NodeId, usize)> = Vec::new();
        // Operand k of a node in visiting order: by need, then by id, both descending.
        let nth = |id: NodeId, k: usize| -> NodeId {
            let mut args: [NodeId; 3] = [NodeId::new(0); 3];
            let a = g.node(id).args();
            args[..a.len()].copy_from_slice(a);
            let args = &mut args[..a.len()];
            args.sort_unstable_by(|x, y| (need[y.index()], *y).cmp(&(need[x.index()], *x)));
            args[k]
        };
        for out in self.output_ids() {
            if done[out.index()] || !is_op(out) {
                continue;
            }
            stack.push((out, 0));
            while let Some(top) = stack.last_mut() {
                let (id, k) = *top;
                if k < g.node(id).args().len() {
                    top.1 += 1;
                    let a = nth(id, k);
                    if !done[a.index()] && is_op(a) {
                        stack.push((a, 0));
                    }
                } else {
                    stack.pop();
                    if !done[id.index()] {
                        done[id.index()] = true;
                        order.push(id);
                    }
                }
            }
        }
        order
    }

    /// Number of operation nodes the outputs reach (inputs and constants excluded).
    pub fn op_count(&self, g: &Graph) -> usize {
        self.nodes(g)
            .iter()
            .filter(|&&id| !matches!(g.node(id).op(), Op::Input | Op::Const))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_valid_name("x_1"));
        assert!(is_valid_name("_"));
        assert!(!is_valid_name("1x"));
        assert!(!is_valid_name("exp"));
        assert!(!is_valid_name("nan"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("a-b"));
    }

    #[test]
    fn invariants_are_checked() {
        let mut g = Graph::new();
        let x = g.input("x").unwrap();
        let y = g.input("y").unwrap();
        let s = g.add(x, y).unwrap();
        assert!(matches!(
            Function::new(&g, vec![x], vec![("s".into(), s)]),
            Err(GraphError::UndeclaredInput { .. })
        ));
        assert!(matches!(
            Function::new(&g, vec![x, x], vec![]),
            Err(GraphError::DuplicateInput { .. })
        ));
        assert!(matches!(
            Function::new(&g, vec![s], vec![]),
            Err(GraphError::NotAnInput { .. })
        ));
        assert!(matches!(
            Function::new(&g, vec![x, y], vec![("a".into(), s), ("a".into(), x)]),
            Err(GraphError::DuplicateOutput { .. })
        ));
        assert!(matches!(
            Function::new(&g, vec![x, y], vec![("exp".into(), s)]),
            Err(GraphError::InvalidName { .. })
        ));
        let mut h = Graph::new();
        let bad = h.input("exp").unwrap();
        assert_eq!(
            Function::new(&h, vec![bad], vec![("o".into(), bad)]),
            Err(GraphError::InvalidName { name: "exp".into() }),
            "an input that would not parse back is refused"
        );
        let f = Function::new(&g, vec![y, x], vec![("s".into(), s)]).unwrap();
        assert_eq!(f.input_position(&g, "x"), Some(1));
        assert_eq!(f.nodes(&g), vec![x, y, s]);
        assert_eq!(f.op_count(&g), 1);
    }
}
