//! The worker pool of sweeps and replications (crossbeam): a channel of work items, `jobs`
//! threads taking from it, a channel of results that the calling thread reads as they
//! complete, in whatever order.

use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam::channel;

/// Runs `work` on every item on `jobs` threads (at least 1); calls `done(index, result)` on
/// the calling thread as each completes. If `done` returns `false`, no further item is
/// started (those running finish, and their results are dropped).
pub fn run<T, R, W, D>(jobs: usize, items: Vec<T>, work: W, mut done: D)
where
    T: Send,
    R: Send,
    W: Fn(&T) -> R + Sync,
    D: FnMut(usize, R) -> bool,
{
    let jobs = jobs.clamp(1, items.len().max(1));
    let (todo_tx, todo_rx) = channel::unbounded::<(usize, T)>();
    for item in items.into_iter().enumerate() {
        // The receiver lives until the end of this function: sending cannot fail.
        let _ = todo_tx.send(item);
    }
    drop(todo_tx);
    let (result_tx, result_rx) = channel::unbounded::<(usize, R)>();
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            let (todo, results, work, stop) = (todo_rx.clone(), result_tx.clone(), &work, &stop);
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Ok((i, item)) = todo.recv() else { break };
                    if results.send((i, work(&item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(result_tx);
        for (i, r) in &result_rx {
            if !stop.load(Ordering::Relaxed) && !done(i, r) {
                stop.store(true, Ordering::Relaxed);
            }
        }
    });
}

/// The number of cores, the default of `--jobs`.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_runs_once_whatever_the_jobs() {
        for jobs in [1, 2, 7] {
            let mut seen = vec![0u32; 100];
            run(
                jobs,
                (0..100u64).collect(),
                |x| x * x,
                |i, r| {
                    assert_eq!(r, (i as u64) * (i as u64));
                    seen[i] += 1;
                    true
                },
            );
            assert!(seen.iter().all(|&n| n == 1), "jobs {jobs}: {seen:?}");
        }
    }

    #[test]
    fn done_returning_false_stops_new_work() {
        let mut n = 0;
        run(
            1,
            (0..1000).collect(),
            |x: &i32| *x,
            |_, _| {
                n += 1;
                n < 3
            },
        );
        assert_eq!(n, 3, "one job: nothing after the third result is delivered");
    }
}
