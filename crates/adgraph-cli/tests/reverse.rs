//! `adgraph grad`, `plan` and `bench`: gradients against finite differences and
//! symbolic derivatives, every plan giving the same gradient bit for bit with the
//! stats it promises, `--points` agreeing with one-point runs at any thread count,
//! the plan and frontier prints, and the bench's JSON shape.

mod common;

use adgraph::ir::{format_number, parse};
use common::{adgraph, scratch};

const PLANS: &[&str] = &[
    "store-all",
    "recompute-all",
    "periodic:2",
    "periodic:5",
    "revolve:1",
    "revolve:3",
    "budget:2KiB",
];

/// The inputs of `file` and its documented point (`# a point: ...`), or 0.5 for all.
fn inputs_and_at(file: &str) -> (Vec<String>, String) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(path).unwrap();
    let (g, f) = parse(&text).unwrap();
    let names: Vec<String> = f.input_names(&g).iter().map(|s| s.to_string()).collect();
    let at = text
        .lines()
        .find_map(|l| l.strip_prefix("# a point: "))
        .map(str::to_string)
        .unwrap_or_else(|| {
            let parts: Vec<String> = names.iter().map(|n| format!("{n}=0.5")).collect();
            parts.join(",")
        });
    (names, at)
}

/// The `"key": {...}` object of a one-line JSON document as (name, raw value) pairs.
fn json_object(text: &str, key: &str) -> Vec<(String, String)> {
    let start = text.find(&format!("\"{key}\": {{")).unwrap() + key.len() + 5;
    let end = start + text[start..].find('}').unwrap();
    text[start..end]
        .split(", ")
        .map(|pair| {
            let (k, v) = pair.split_once(": ").unwrap();
            (k.trim_matches('"').to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn the_seed_gradient_through_the_cli_is_10_and_3() {
    let run = adgraph(&["grad", "tests/data/seed.adg", "--at", "x=3,y=4", "--json"]);
    let text = run.assert_ok();
    assert!(text.starts_with("{\"outputs\": {\"z\": 23}, \"gradient\": {\"x\": 10, \"y\": 3}, \"stats\": {\"peak_bytes\": "), "{text}");
    let stats: Vec<String> = json_object(text, "stats")
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        stats,
        [
            "peak_bytes",
            "forward_ops",
            "recomputed_ops",
            "backward_ops"
        ]
    );
}

#[test]
fn every_plan_gives_the_same_gradient_and_the_stats_it_promises() {
    for file in [
        "tests/data/seed.adg",
        "../../examples/rosenbrock.adg",
        "../../examples/vanderpol.adg",
        "../../examples/lennard_jones.adg",
    ] {
        let (_, at) = inputs_and_at(file);
        let store_all = adgraph(&["grad", file, "--at", &at, "--json"]);
        let reference = store_all.assert_ok().to_string();
        let reference_gradient = json_object(&reference, "gradient");
        let reference_stats = json_object(&reference, "stats");
        assert_eq!(
            reference_stats[2].1, "0",
            "{file}: store-all recomputes nothing"
        );
        for plan in PLANS {
            let run = adgraph(&["grad", file, "--at", &at, "--plan", plan, "--json"]);
            let text = run.assert_ok();
            assert_eq!(
                json_object(text, "gradient"),
                reference_gradient,
                "{file} {plan}"
            );
            assert_eq!(
                json_object(text, "outputs"),
                json_object(&reference, "outputs")
            );
            let stats = json_object(text, "stats");
            // Forward and backward sweeps do the same work under every plan.
            assert_eq!(stats[1], reference_stats[1], "{file} {plan}");
            assert_eq!(stats[3], reference_stats[3], "{file} {plan}");
            let peak: u64 = stats[0].1.parse().unwrap();
            if *plan == "budget:2KiB" {
                assert!(peak <= 2048, "{file}: {peak} bytes over the budget");
            }
            // The plan printed by `adgraph plan` predicts what the sweep measured.
            let printed = adgraph(&["plan", file, "--plan", plan]);
            let printed = printed.assert_ok();
            assert!(
                printed.contains(&format!("predicted peak: {peak} B")),
                "{file} {plan}: measured {peak}, plan:\n{printed}"
            );
            assert!(
                printed.contains(&format!("recomputed {}", stats[2].1)),
                "{file} {plan}:\n{printed}"
            );
        }
    }
}

#[test]
fn gradients_match_symbolic_derivatives_and_central_differences() {
    for file in [
        "../../examples/rosenbrock.adg",
        "../../examples/vanderpol.adg",
        "../../examples/lennard_jones.adg",
    ] {
        let (names, at) = inputs_and_at(file);
        let run = adgraph(&["grad", file, "--at", &at]);
        let text = run.assert_ok();
        let gradient: Vec<f64> = text
            .lines()
            .skip_while(|l| !l.starts_with("gradient of "))
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .map(|l| l.split_once(" = ").unwrap().1.parse().unwrap())
            .collect();
        assert_eq!(gradient.len(), names.len());
        // Symbolic: `adgraph diff` then `adgraph eval`.
        let d = adgraph(&["diff", file]);
        let symbolic =
            common::adgraph_with_stdin(&["eval", "-", "--at", &at], d.assert_ok().as_bytes());
        let symbolic: Vec<f64> = symbolic
            .assert_ok()
            .lines()
            .skip(1)
            .map(|l| l.split_once(" = ").unwrap().1.parse().unwrap())
            .collect();
        // Central differences through `adgraph eval`.
        let point: Vec<f64> = at
            .split(',')
            .map(|kv| kv.split_once('=').unwrap().1.parse().unwrap())
            .collect();
        let value_at = |p: &[f64]| -> f64 {
            let parts: Vec<String> = names
                .iter()
                .zip(p)
                .map(|(n, x)| format!("{n}={}", format_number(*x)))
                .collect();
            let run = adgraph(&["eval", file, "--at", &parts.join(",")]);
            run.assert_ok()
                .lines()
                .next()
                .unwrap()
                .split_once(" = ")
                .unwrap()
                .1
                .parse()
                .unwrap()
        };
        for i in 0..names.len() {
            let scale = point[i].abs().max(1.0);
            let h = 1e-6 * scale;
            let mut plus = point.clone();
            plus[i] += h;
            let mut minus = point.clone();
            minus[i] -= h;
            let fd = (value_at(&plus) - value_at(&minus)) / (2.0 * h);
            let g = gradient[i];
            assert!(
                (g - symbolic[i]).abs() <= 1e-12 * (1.0 + g.abs()),
                "{file} {}: {g} vs {}",
                names[i],
                symbolic[i]
            );
            assert!(
                (g - fd).abs() <= 1e-5 * (1.0 + g.abs()),
                "{file} {}: {g} vs fd {fd}",
                names[i]
            );
        }
    }
}

#[test]
fn grad_points_agree_with_one_point_runs_at_any_thread_count() {
    let run = adgraph(&[
        "grad",
        "tests/data/seed.adg",
        "--points",
        "tests/data/points.csv",
    ]);
    let csv = run.assert_ok();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("z,grad_x,grad_y"));
    for (line, at) in lines.zip(["x=3,y=4", "x=1,y=2", "x=-inf,y=nan", "x=0.5,y=-0"]) {
        let one = adgraph(&["grad", "tests/data/seed.adg", "--at", at, "--json"]);
        let one = one.assert_ok();
        let values: Vec<String> = json_object(one, "outputs")
            .into_iter()
            .chain(json_object(one, "gradient"))
            .map(|(_, v)| v.trim_matches('"').to_string())
            .collect();
        assert_eq!(line, values.join(","), "{at}");
    }
    let dir = scratch("grad-threads");
    let input = dir.join("in.csv");
    let mut text = String::from("c,b,a\n");
    for i in 0..9_000 {
        let x = i as f64 * 1e-3;
        text.push_str(&format!("{},{},{}\n", 1.0 + x, x.sin(), -x));
    }
    std::fs::write(&input, text).unwrap();
    let input = input.to_str().unwrap();
    let args = [
        "grad",
        "tests/data/two_outputs.adg",
        "--output",
        "wave",
        "--plan",
        "revolve:2",
        "--points",
        input,
    ];
    let one = adgraph(&args).assert_ok().to_string();
    assert!(one.starts_with("wave,grad_a,grad_b,grad_c\n"));
    assert_eq!(one.lines().count(), 9_001);
    for threads in ["2", "3"] {
        let mut with_threads = args.to_vec();
        with_threads.extend(["--threads", threads]);
        assert_eq!(adgraph(&with_threads).assert_ok(), one, "{threads} threads");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pareto_prints_a_row_per_strategy_and_writes_the_chart() {
    let dir = scratch("pareto");
    let svg = dir.join("chart.svg");
    let run = adgraph(&[
        "plan",
        "../../examples/vanderpol.adg",
        "--pareto",
        "--svg",
        svg.to_str().unwrap(),
    ]);
    let table = run.assert_ok();
    let header = table.lines().next().unwrap();
    assert!(
        header.starts_with("strategy") && header.contains("time (us)"),
        "{table}"
    );
    for strategy in ["store-all", "recompute-all", "revolve:1", "periodic:2"] {
        assert!(
            table.lines().any(|l| l.starts_with(strategy)),
            "{strategy} missing:\n{table}"
        );
    }
    assert!(
        table.lines().any(|l| l.ends_with('*')),
        "no frontier row:\n{table}"
    );
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<svg") && chart.trim_end().ends_with("</svg>"));
    std::fs::remove_dir_all(&dir).unwrap();
    let run = adgraph(&["plan", "tests/data/seed.adg", "--svg", "x.svg"]);
    assert!(run.assert_user_error().contains("--pareto"));
    let run = adgraph(&[
        "plan",
        "tests/data/seed.adg",
        "--pareto",
        "--plan",
        "revolve:2",
    ]);
    assert!(run.assert_user_error().contains("cannot be used with"));
}

#[test]
fn bench_reports_the_spec_shape() {
    let run = adgraph(&[
        "bench",
        "tests/data/seed.adg",
        "--at",
        "x=3,y=4",
        "--points",
        "50",
        "--threads",
        "2",
        "--plan",
        "revolve:2",
        "--json",
    ]);
    let text = run.assert_ok().trim_end();
    assert!(text.starts_with('{') && text.ends_with('}'), "{text}");
    let body = &text[1..text.len() - 1];
    let pairs: Vec<(&str, &str)> = body
        .split(", ")
        .map(|p| {
            let (k, v) = p.split_once(": ").unwrap();
            (k.trim_matches('"'), v)
        })
        .collect();
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
    // The native figures where native code runs (x86-64 Unix), else left out.
    let native = cfg!(all(target_arch = "x86_64", unix));
    let mut want = vec![
        "points",
        "eval_ns_single",
        "grad_ns_single",
        "eval_ns_per_point",
        "grad_ns_per_point",
    ];
    if native {
        want.extend(["eval_ns_native", "grad_ns_native"]);
    }
    want.extend(["threads", "plan"]);
    assert_eq!(keys, want);
    let figures = want.len() - 3;
    assert_eq!(pairs[0].1, "50");
    for (key, value) in &pairs[1..=figures] {
        let ns: f64 = value.parse().unwrap();
        assert!(ns > 0.0 && ns.is_finite(), "{key} = {value}");
    }
    assert_eq!(pairs[figures + 1].1, "2");
    assert_eq!(pairs[figures + 2].1, "\"revolve:2\"");
    let run = adgraph(&[
        "bench",
        "tests/data/seed.adg",
        "--at",
        "x=3,y=4",
        "--points",
        "10",
    ]);
    let lines: Vec<&str> = run.assert_ok().lines().collect();
    assert_eq!(
        lines[0],
        "tests/data/seed.adg: 10 points, 1 thread, plan store-all"
    );
    assert_eq!(lines.len(), if native { 7 } else { 5 });
    assert!(lines[1..].iter().all(|l| l.ends_with(" ns")));
    if native {
        assert!(
            lines[5].trim_start().starts_with("eval, native"),
            "{}",
            lines[5]
        );
        assert!(
            lines[6].trim_start().starts_with("grad, native"),
            "{}",
            lines[6]
        );
    }
    let run = adgraph(&[
        "bench",
        "tests/data/seed.adg",
        "--at",
        "x=3,y=4",
        "--points",
        "0",
    ]);
    assert!(run.assert_user_error().contains("from 1 to"));
}

#[test]
fn plan_json_carries_the_printed_prediction() {
    let file = "../../examples/vanderpol.adg";
    for plan in PLANS {
        let text = adgraph(&["plan", file, "--plan", plan]);
        let text = text.assert_ok();
        let run = adgraph(&["plan", file, "--plan", plan, "--json"]);
        let json = run.assert_ok();
        assert!(
            json.starts_with(&format!("{{\"plan\": \"{plan}\", \"chosen\": \"")),
            "{json}"
        );
        let predicted = json_object(json, "predicted");
        let names: Vec<&str> = predicted.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "peak_bytes",
                "forward_ops",
                "recomputed_ops",
                "backward_ops",
                "recompute_cost"
            ]
        );
        assert!(
            text.contains(&format!("predicted peak: {} B", predicted[0].1)),
            "{plan}"
        );
        assert!(
            text.contains(&format!("recomputed {} (cost", predicted[2].1)),
            "{plan}"
        );
    }
    // A small function for the two timed sweeps.
    let small = "tests/data/two_outputs.adg";
    let run = adgraph(&["plan", small, "--pareto", "--output", "wave", "--json"]);
    let json = run.assert_ok();
    assert!(
        json.starts_with("{\"frontier\": [{\"plan\": \"store-all\""),
        "{json}"
    );
    let rows = json.matches("\"on_frontier\": ").count();
    let table = adgraph(&["plan", small, "--pareto", "--output", "wave"]);
    assert_eq!(
        rows + 1,
        table.assert_ok().lines().count(),
        "one object per table row"
    );
    assert!(json.contains("\"on_frontier\": true"));
}
