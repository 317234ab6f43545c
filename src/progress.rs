//! A sweep's progress on the terminal: an indicatif bar (points done, rate, time left) when
//! stderr is a terminal, else one quiet line per point.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use choreo_sim::batch::sweep::Progress;
use choreo_sim::engine::NS_PER_S;
use choreo_sim::run::Control;
use choreo_sim::scenario::Scenario;

/// A progress callback for a sweep of `total` points.
pub fn reporter(total: usize) -> impl FnMut(&Progress) {
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(total as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} points  {per_sec}  ETA {eta}  {msg}")
        {
            bar.set_style(style);
        }
        bar
    });
    move |p: &Progress| {
        let Some(point) = p.point else {
            if p.resumed > 0 {
                eprintln!("{} of {} points already done: resuming", p.resumed, p.total);
            }
            if let Some(bar) = &bar {
                bar.set_position(p.done as u64);
            }
            return;
        };
        match &bar {
            Some(bar) => {
                bar.set_position(p.done as u64);
                bar.set_message(p.values.join(" "));
                if p.done == p.total {
                    bar.finish_and_clear();
                }
            }
            None => eprintln!(
                "point {point} done ({}/{}, {:.1} s): {}",
                p.done,
                p.total,
                p.elapsed.as_secs_f64(),
                p.values.join(" ")
            ),
        }
    }
}

/// A progress bar for a run (simulated time, % of the horizon, time left) on a terminal,
/// drawn by a thread from the time each architecture has reached, shown only once the run
/// has taken a second; it stops and clears when dropped. Nothing when stderr is no terminal.
pub fn run_bar(scenario: &Scenario, selected: &[usize], control: &Control) -> Option<RunBar> {
    let reached = control.reached.clone()?;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let horizon = scenario.horizon;
    let selected = selected.to_vec();
    let done = Arc::new(AtomicBool::new(false));
    let stop = Arc::clone(&done);
    let thread = std::thread::spawn(move || {
        let start = Instant::now();
        let mut bar: Option<ProgressBar> = None;
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
            if start.elapsed() < Duration::from_secs(1) {
                continue;
            }
            let bar = bar.get_or_insert_with(|| {
                let bar = ProgressBar::new(horizon / NS_PER_S.max(1));
                if let Ok(style) = ProgressStyle::with_template(
                    "{bar:40} simulated {pos}/{len} s ({percent}%)  ETA {eta}",
                ) {
                    bar.set_style(style);
                }
                bar
            });
            let slowest = selected
                .iter()
                .filter_map(|&i| reached.get(i).map(|r| r.load(Ordering::Relaxed)))
                .min()
                .unwrap_or(0);
            bar.set_position(slowest / NS_PER_S);
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
    });
    Some(RunBar {
        done,
        thread: Some(thread),
    })
}

/// The running progress bar of [`run_bar`].
pub struct RunBar {
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for RunBar {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
