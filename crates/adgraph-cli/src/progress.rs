//! A progress bar on standard error for long runs (many points, a Pareto sweep).
//!
//! It draws only when standard error is a terminal and the run has already taken half
//! a second, so pipes, logs, CI and short runs see nothing; it redraws at most ten
//! times a second and erases itself when the run ends, so the terminal is left as it
//! was. Results never go to standard error, so the bar cannot mix with them.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How long a run goes before the bar appears.
const DELAY: Duration = Duration::from_millis(500);
/// The least time between two redraws.
const REDRAW: Duration = Duration::from_millis(100);
/// Width of the bar itself, in characters.
const WIDTH: usize = 30;

/// A progress bar over `total` steps.
#[derive(Debug)]
pub struct Progress {
    label: &'static str,
    total: usize,
    enabled: bool,
    started: Instant,
    last_draw: Option<Instant>,
}

impl Progress {
    /// A bar labelled `label` over `total` steps; silent unless standard error is a
    /// terminal.
    pub fn new(label: &'static str, total: usize) -> Progress {
        Progress {
            label,
            total,
            enabled: std::io::stderr().is_terminal(),
            started: Instant::now(),
            last_draw: None,
        }
    }

    /// Reports that `done` of the steps are done, redrawing if it is time to.
    pub fn set(&mut self, done: usize) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.started) < DELAY
            || self
                .last_draw
                .is_some_and(|t| now.duration_since(t) < REDRAW)
        {
            return;
        }
        self.last_draw = Some(now);
        let line = render(self.label, done, self.total);
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{line}");
        let _ = err.flush();
    }

    /// Erases the bar, if it was drawn.
    pub fn finish(self) {
        if self.last_draw.is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{}\r", " ".repeat(WIDTH + self.label.len() + 40));
            let _ = err.flush();
        }
    }
}

/// One line of the bar: `label [#####.....] done/total (pct%)`.
pub fn render(label: &str, done: usize, total: usize) -> String {
    let done = done.min(total);
    let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH);
    let percent = (done * 100).checked_div(total).unwrap_or(100);
    format!(
        "{label} [{}{}] {done}/{total} ({percent}%)",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_the_work() {
        assert_eq!(
            render("eval", 0, 10),
            format!("eval [{}] 0/10 (0%)", ".".repeat(30))
        );
        assert_eq!(
            render("eval", 5, 10),
            format!("eval [{}{}] 5/10 (50%)", "#".repeat(15), ".".repeat(15))
        );
        assert_eq!(
            render("eval", 12, 10),
            format!("eval [{}] 10/10 (100%)", "#".repeat(30))
        );
        assert_eq!(
            render("eval", 0, 0),
            format!("eval [{}] 0/0 (100%)", "#".repeat(30))
        );
    }

    #[test]
    fn a_bar_that_never_drew_erases_nothing() {
        let mut p = Progress::new("eval", 3);
        p.set(1);
        // Within the delay nothing is drawn, terminal or not.
        assert!(p.last_draw.is_none());
        p.finish();
    }
}
