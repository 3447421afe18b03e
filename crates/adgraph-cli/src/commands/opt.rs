//! `adgraph opt FILE [--passes a,b] [--fast] [--stats]`: the function after the
//! optimizing pipeline, as `.adg`.
//!
//! Runs `adgraph::opt::Pipeline` (the default passes `fold,simplify,cse,dce`, or those
//! named by `--passes`, repeated to a fixed point) in Strict mode, or Fast with
//! `--fast`, and prints the result with the `.adg` printer, so it is valid input again.
//! `--stats` writes the per-pass report (nodes and ops in and out, time) to standard
//! error, keeping standard output a clean `.adg` file.

use crate::error::CliError;
use crate::sink::Sink;
use crate::source::SourceArgs;
use adgraph::ir::FloatMode;
use adgraph::opt::{Pass, Pipeline};
use clap::Args;
use std::io::Write;

/// Arguments of `adgraph opt`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    adgraph opt examples/rosenbrock.adg --stats\n  \
    adgraph opt -e 'x*y + y*x + 0*x' --fast\n  \
    adgraph opt examples/mlp.adg --passes fold,cse,dce")]
pub struct OptArgs {
    #[command(flatten)]
    source: SourceArgs,

    /// The passes of one round, in order (repeated to a fixed point): any of fold,
    /// simplify, cse, dce
    #[arg(long, value_name = "a,b", value_parser = parse_passes, default_value = "fold,simplify,cse,dce")]
    passes: PassList,

    /// Fast float mode: identities of real arithmetic (x*0 -> 0, re-association),
    /// which change results for NaN, infinities and in rounding
    #[arg(long)]
    fast: bool,

    /// Write the per-pass report (nodes and ops in and out, time) to standard error
    #[arg(long)]
    stats: bool,
}

/// A parsed `--passes` list.
#[derive(Debug, Clone)]
pub struct PassList(pub Vec<Pass>);

fn parse_passes(text: &str) -> Result<PassList, String> {
    Pass::parse_list(text)
        .map(PassList)
        .map_err(|e| e.to_string())
}

/// Runs `adgraph opt`.
pub fn run(args: &OptArgs) -> Result<(), CliError> {
    let loaded = args.source.load()?;
    let mode = if args.fast {
        FloatMode::Fast
    } else {
        FloatMode::Strict
    };
    let pipeline = Pipeline::new(mode).with_passes(args.passes.0.clone());
    let (optimized, report) = pipeline
        .run(&loaded.graph, std::slice::from_ref(&loaded.function))
        .map_err(CliError::internal)?;
    let function = optimized
        .functions
        .first()
        .ok_or_else(|| CliError::internal("the pipeline returned no function"))?;
    if args.stats {
        let _ = write!(std::io::stderr().lock(), "{report}");
    }
    let mut sink = Sink::stdout();
    sink.write(&adgraph::ir::dump(&optimized.graph, function))?;
    sink.finish()
}
