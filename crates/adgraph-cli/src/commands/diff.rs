//! `adgraph diff FILE [--mode forward|reverse] [--order N] [--wrt x,y]`: the
//! derivative function as `.adg`.
//!
//! Calls `adgraph::diff::differentiate`, which builds the derivatives symbolically
//! into the function's own arena (sharing every subexpression), then rebuilds what
//! they reach into a fresh graph. The printed function is valid input again, so
//! `adgraph eval` runs it: the original outputs first, then one output per derivative
//! named `d<out>_d<in>` (order N: `d<out>_d<in1>_..._d<inN>`), inputs in input order.
//! Errors the user can fix (an unknown or repeated `--wrt` name, a derivative name
//! that clashes with an output) are status 2.

use crate::error::CliError;
use crate::sink::Sink;
use crate::source::SourceArgs;
use adgraph::diff::{differentiate, DiffError, DiffOptions, Mode};
use clap::Args;

/// The largest `--order`: each order multiplies the outputs by the input count.
pub const MAX_ORDER: usize = 16;
/// The most derivative outputs `diff` builds (outputs x inputs^order).
pub const MAX_DERIVATIVES: usize = 1_000_000;

/// Arguments of `adgraph diff`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    adgraph diff examples/seed.adg\n  \
    adgraph diff examples/seed.adg --mode forward --order 2 --wrt x\n  \
    adgraph diff examples/seed.adg | adgraph eval - --at x=3,y=4")]
pub struct DiffArgs {
    #[command(flatten)]
    source: SourceArgs,

    /// How each Jacobian is built: forward (a sweep per input), reverse (a sweep per
    /// output), or auto (whichever needs fewer sweeps)
    #[arg(long, value_name = "MODE", default_value = "auto", value_parser = parse_mode)]
    mode: Mode,

    /// The order of the derivatives (2: second derivatives `d<out>_d<a>_d<b>`)
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_order)]
    order: usize,

    /// The inputs to differentiate against, e.g. --wrt x,y (default: all, in input
    /// order)
    #[arg(long, value_name = "x,y", value_delimiter = ',')]
    wrt: Option<Vec<String>>,
}

fn parse_mode(text: &str) -> Result<Mode, String> {
    text.trim().parse()
}

fn parse_order(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_ORDER).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from 1 to {MAX_ORDER}")),
    }
}

/// Runs `adgraph diff`.
pub fn run(args: &DiffArgs) -> Result<(), CliError> {
    let loaded = args.source.load()?;
    let options = DiffOptions {
        mode: args.mode,
        order: args.order,
        wrt: args
            .wrt
            .as_ref()
            .map(|names| names.iter().map(|n| n.trim().to_string()).collect()),
    };
    let wrt_count = options
        .wrt
        .as_ref()
        .map_or(loaded.function.inputs().len(), Vec::len);
    let count = (wrt_count as u128)
        .checked_pow(options.order as u32)
        .and_then(|k| k.checked_mul(loaded.function.outputs().len() as u128));
    if !matches!(count, Some(k) if k <= MAX_DERIVATIVES as u128) {
        return Err(CliError::usage(format!(
            "--order {}: {} output(s) times {wrt_count}^{} derivative(s) each is more than \
             {MAX_DERIVATIVES}; lower --order or name fewer inputs with --wrt",
            options.order,
            loaded.function.outputs().len(),
            options.order
        )));
    }
    let (graph, function) =
        differentiate(&loaded.graph, &loaded.function, &options).map_err(diff_error)?;
    let mut sink = Sink::stdout();
    sink.write(&adgraph::ir::dump(&graph, &function))?;
    sink.finish()
}

/// A derivative error as a CLI error: requests that do not fit the function are the
/// user's (status 2), the rest internal (status 1).
pub fn diff_error(e: DiffError) -> CliError {
    match e {
        DiffError::UnknownInput { .. } | DiffError::DuplicateInput { .. } => {
            CliError::usage(format!("--wrt: {e}"))
        }
        DiffError::UnknownOutput { .. } => CliError::usage(format!("--output: {e}")),
        DiffError::NotScalar { .. } => CliError::usage(format!("{e} with --output NAME")),
        DiffError::NameClash { .. } | DiffError::ZeroOrder => CliError::usage(e.to_string()),
        DiffError::Graph(_) | DiffError::Eval(_) | DiffError::WrongLength { .. } => {
            CliError::internal(e)
        }
    }
}
