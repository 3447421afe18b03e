//! Writes the small workload instances as `.adg` files under `examples/`.
//!
//! `cargo run -p adgraph-workloads --example write_examples` from the repository root.

use adgraph_ir::dump;
use adgraph_workloads as w;

fn main() -> std::io::Result<()> {
    let cases = [
        (
            "rosenbrock.adg",
            w::rosenbrock(4),
            "extended (chained) Rosenbrock, n = 4",
        ),
        (
            "vanderpol.adg",
            w::van_der_pol(3),
            "Van der Pol, RK4 with h = 0.01, 3 steps",
        ),
        (
            "mlp.adg",
            w::mlp(),
            "tanh MLP 16-32-32-1, weights as constants",
        ),
        (
            "lennard_jones.adg",
            w::lennard_jones(4),
            "Lennard-Jones energy, 4 particles",
        ),
    ];
    for (file, wl, what) in cases {
        let at: Vec<String> = wl
            .function
            .input_names(&wl.graph)
            .iter()
            .zip(&wl.point)
            .map(|(n, x)| format!("{n}={}", adgraph_ir::format_number(*x)))
            .collect();
        let text = format!(
            "# {what} (written by write_examples)\n# a point: {}\n{}",
            at.join(","),
            dump(&wl.graph, &wl.function)
        );
        std::fs::write(format!("examples/{file}"), text)?;
    }
    std::fs::write(
        "examples/seed.adg",
        "# the seed's example: z = x*x + x*y + 2\ninput x, y\nlet u = x * x\noutput z = u + x * y + 2\n",
    )?;
    Ok(())
}
