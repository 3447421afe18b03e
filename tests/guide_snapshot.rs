//! The guide's snapshot example (docs/guide.md, "Snapshot-testing your own IR
//! dumps"): pins the gradient graph of the seed as `.adg` text with insta, so any
//! change in how the derivative is built shows up as a reviewed diff.

use adgraph::diff::{differentiate, DiffOptions};
use adgraph::{dump, evaluate, parse};

#[test]
fn seed_gradient_graph() -> Result<(), Box<dyn std::error::Error>> {
    let (g, f) = parse("input x, y\noutput z = x*x + x*y + 2")?;
    let (h, d) = differentiate(&g, &f, &DiffOptions::default())?;
    // The graph computes what it should before its text is pinned.
    assert_eq!(evaluate(&h, &d, &[3.0, 4.0])?, vec![23.0, 10.0, 3.0]);

    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/guide"));
    settings.bind(|| insta::assert_snapshot!(dump(&h, &d)));
    Ok(())
}
