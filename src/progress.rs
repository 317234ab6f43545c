//! A sweep's progress on the terminal: an indicatif bar (points done, rate, time left) when
//! stderr is a terminal, else one quiet line per point.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use choreo_sim::batch::sweep::Progress;

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
