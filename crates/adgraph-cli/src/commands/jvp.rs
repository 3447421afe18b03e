//! `adgraph jvp FILE --at ... --dir ...`: the outputs and their tangents (directional
//! derivatives) along one direction, by the forward interpreter.
//!
//! Compiles the function (`adgraph::exec::Program`) and runs `Program::jvp`: one
//! forward sweep carrying the tangent of every value along `--dir` (inputs not named
//! there have tangent 0). Prints two sections, `outputs` and `tangents`, each
//! `name = value` per output; with `--json`, `{"outputs": {...}, "tangents": {...}}`.

use super::{eval::compile, section};
use crate::error::CliError;
use crate::json;
use crate::point::{parse_direction, parse_point};
use crate::sink::Sink;
use crate::source::SourceArgs;
use clap::Args;

/// Arguments of `adgraph jvp`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    adgraph jvp examples/seed.adg --at x=3,y=4 --dir x=1\n  \
    adgraph jvp -e 'sin(x) * y' --at x=0,y=2 --dir x=1,y=1 --json")]
pub struct JvpArgs {
    #[command(flatten)]
    source: SourceArgs,

    /// The point: every input once, e.g. --at x=3,y=4 (numbers as in .adg; nan, inf, -inf
    /// allowed); may be repeated
    #[arg(long, value_name = "NAME=VALUE,...")]
    at: Vec<String>,

    /// The tangent direction, e.g. --dir x=1 (inputs not named are 0); may be repeated
    #[arg(long, value_name = "NAME=VALUE,...", required = true)]
    dir: Vec<String>,

    /// Print {"outputs": {...}, "tangents": {...}} instead of sections of lines
    #[arg(long)]
    json: bool,
}

/// Runs `adgraph jvp`.
pub fn run(args: &JvpArgs) -> Result<(), CliError> {
    let loaded = args.source.load()?;
    let inputs = loaded.input_names();
    let point = parse_point("--at", &args.at, &inputs)?;
    let direction = parse_direction("--dir", &args.dir, &inputs)?;
    let program = compile(&loaded)?;
    let result = program
        .jvp(&point, &direction)
        .map_err(CliError::internal)?;
    let names = loaded.output_names();
    let tangents: Vec<f64> = (0..names.len()).map(|o| result.tangent(o, 0)).collect();
    let text = if args.json {
        json::object([
            ("outputs", json::numbers(&names, &result.outputs)),
            ("tangents", json::numbers(&names, &tangents)),
        ]) + "\n"
    } else {
        section("outputs", &names, &result.outputs) + &section("tangents", &names, &tangents)
    };
    let mut sink = Sink::stdout();
    sink.write(&text)?;
    sink.finish()
}
