//! The point arguments shared by subcommands that evaluate (`--at`, `--points`, `-o`,
//! `--threads`), and running a per-point computation over many points.
//!
//! [`PointArgs::resolve`] turns the flags into either one point or a table of points
//! read from a CSV. [`map_points`] runs a block computation over the table inside a
//! rayon pool of `--threads` threads: rows are cut into blocks, each block handed to
//! the library's batched (parallel) entry point, which splits it across the pool;
//! results stay in row order whatever the thread count, and a progress bar advances
//! between blocks.

use crate::csv::{read_points, PointTable};
use crate::error::CliError;
use crate::point::parse_point;
use crate::progress::Progress;
use crate::source::{read_file, Loaded, STDIN_LABEL};
use clap::Args;
use std::path::PathBuf;

/// Rows per block handed to one thread at a time.
const BLOCK_ROWS: usize = 4096;
/// The largest `--threads` accepted.
pub const MAX_THREADS: usize = 1024;

/// `--at NAME=VALUE,...` or `--points IN.csv [-o OUT.csv]`, and `--threads N`.
#[derive(Args, Debug, Clone)]
pub struct PointArgs {
    /// The point: every input once, e.g. --at x=3,y=4 (numbers as in .adg; nan, inf, -inf
    /// allowed); may be repeated
    #[arg(long, value_name = "NAME=VALUE,...", conflicts_with = "points")]
    pub at: Vec<String>,

    /// Many points: a CSV file whose header row names the inputs, one row per point
    /// (`-` reads standard input)
    #[arg(long, value_name = "IN.csv")]
    pub points: Option<PathBuf>,

    /// Write the --points results to this CSV file (with a header) instead of standard
    /// output
    #[arg(
        short = 'o',
        value_name = "OUT.csv",
        requires = "points",
        conflicts_with = "at"
    )]
    pub out: Option<PathBuf>,

    /// Threads to spread --points over
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_threads)]
    pub threads: usize,
}

/// What the point flags asked for.
#[derive(Debug)]
pub enum Points {
    /// One point, in input order.
    One(Vec<f64>),
    /// Many points, and where their results go (`None`: standard output).
    Many {
        /// The points, in input order.
        table: PointTable,
        /// The `-o` file.
        out: Option<PathBuf>,
    },
}

impl PointArgs {
    /// The point or points for `loaded`'s inputs.
    pub fn resolve(&self, loaded: &Loaded) -> Result<Points, CliError> {
        let names = loaded.input_names();
        let Some(path) = &self.points else {
            return Ok(Points::One(parse_point("--at", &self.at, &names)?));
        };
        let (label, bytes) = if path.as_os_str() == "-" {
            if loaded.label == STDIN_LABEL {
                return Err(CliError::usage(
                    "--points -: standard input already holds the function; give the points as a file",
                ));
            }
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
                .map_err(|e| CliError::file(path, "read", &e))?;
            (STDIN_LABEL.to_string(), bytes)
        } else {
            (path.display().to_string(), read_file(path)?)
        };
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            CliError::Csv(format!("`{label}`:{line}: the text is not valid UTF-8"))
        })?;
        Ok(Points::Many {
            table: read_points(&label, text, &names)?,
            out: self.out.clone(),
        })
    }
}

/// `--threads`: a whole number from 1 to [`MAX_THREADS`].
pub fn parse_threads(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number of threads from 1 to {MAX_THREADS}"
        )),
    }
}

/// Runs `block` over the points of `table`, `out_width` results per point, inside a
/// rayon pool of `threads` threads (so the library's parallel batch calls split each
/// block across them); `block(inputs, outputs)` gets whole rows (`inputs.len()` a
/// multiple of the table's width, `outputs` the matching rows of results). The
/// results come back row after row, in the table's order.
pub fn map_points<F>(
    table: &PointTable,
    out_width: usize,
    threads: usize,
    label: &'static str,
    block: F,
) -> Result<Vec<f64>, CliError>
where
    F: Fn(&[f64], &mut [f64]) -> Result<(), CliError> + Sync,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| CliError::internal(format!("cannot start {threads} threads: {e}")))?;
    pool.install(|| {
        let rows = table.len();
        let width = table.width();
        let mut results = vec![0.0; rows * out_width];
        let block_rows = BLOCK_ROWS * threads.max(1);
        let mut progress = Progress::new(label, rows);
        let mut done = 0;
        while done < rows {
            let end = (done + block_rows).min(rows);
            block(
                &table.values()[done * width..end * width],
                &mut results[done * out_width..end * out_width],
            )?;
            done = end;
            progress.set(done);
        }
        progress.finish();
        Ok(results)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_checked() {
        assert_eq!(parse_threads("4"), Ok(4));
        assert!(parse_threads("0").is_err());
        assert!(parse_threads("abc").is_err());
        assert!(parse_threads("100000").is_err());
    }

    #[test]
    fn results_keep_row_order_whatever_the_thread_count() {
        let rows = 3 * BLOCK_ROWS + 17;
        let values: Vec<f64> = (0..rows * 2).map(|i| i as f64).collect();
        let table = PointTable::new(2, values);
        // A block computation that splits its rows across the pool, as the library's
        // batched calls do.
        let sum_and_product = |i: &[f64], o: &mut [f64]| {
            use rayon::prelude::*;
            i.par_chunks(2).zip(o.par_chunks_mut(2)).for_each(|(p, r)| {
                r[0] = p[0] + p[1];
                r[1] = p[0] * p[1];
            });
            Ok(())
        };
        let one = map_points(&table, 2, 1, "t", sum_and_product).unwrap();
        for threads in [2, 3, 8] {
            assert_eq!(
                map_points(&table, 2, threads, "t", sum_and_product).unwrap(),
                one
            );
        }
        assert_eq!(one[2 * 5], 10.0 + 11.0);
        assert_eq!(one[2 * 5 + 1], 10.0 * 11.0);
    }

    #[test]
    fn the_pool_has_the_threads_asked_for() {
        let table = PointTable::new(1, vec![0.0; 10]);
        for threads in [1, 3] {
            let seen = map_points(&table, 1, threads, "t", |_, o| {
                o.fill(rayon::current_num_threads() as f64);
                Ok(())
            })
            .unwrap();
            assert_eq!(seen, vec![threads as f64; 10]);
        }
    }

    #[test]
    fn an_error_in_a_block_is_returned() {
        let table = PointTable::new(1, vec![1.0; 3 * BLOCK_ROWS]);
        let failing = |_: &[f64], _: &mut [f64]| Err(CliError::internal("nope"));
        let err = map_points(&table, 1, 2, "t", failing).unwrap_err();
        assert_eq!(err, CliError::internal("nope"));
    }
}
