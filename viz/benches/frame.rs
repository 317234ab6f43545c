//! The viewer's per-frame cost without rendering: commands, advancing every simulation to
//! `now × speed`, figures, and the particle ECS (spawn, travel, despawn), with
//! `MinimalPlugins` and fixed 1/30 s frames. Prints one line per case:
//!
//! `cargo bench -p choreo-viz --bench frame`

use std::time::Instant;

use bevy::prelude::*;
use choreo_viz::headless_app;
use choreo_viz::live::{Clock, Command, Viewer};
use choreo_viz::particles::{Activity, Particle};

fn case(scenario: &str, speed: f64, load: f64) {
    let mut app = headless_app(scenario, 1.0 / 30.0);
    app.world_mut().resource_mut::<Clock>().speed = speed;
    let sources = app.world().resource::<Viewer>().loads.len();
    for source in 0..sources {
        app.world_mut().write_message(Command::SetLoad {
            source,
            multiplier: load,
        });
    }
    // Warm up for five real seconds of frames, so queues and instances reach their level.
    for _ in 0..150 {
        app.update();
    }
    let frames = 300;
    let mut ms = Vec::with_capacity(frames);
    let mut in_flight_txn = 0u64;
    let mut particles = 0usize;
    let t_sim0 = app.world().resource::<Viewer>().now();
    let started = Instant::now();
    for _ in 0..frames {
        let t = Instant::now();
        app.update();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let viewer = app.world().resource::<Viewer>();
        in_flight_txn += viewer
            .archs
            .iter()
            .map(|a| a.counts().in_flight)
            .sum::<u64>();
        let world = app.world_mut();
        particles += world.query::<&Particle>().iter(world).count();
    }
    let wall = started.elapsed().as_secs_f64();
    let simulated = (app.world().resource::<Viewer>().now() - t_sim0) as f64 / 1e9;
    ms.sort_by(f64::total_cmp);
    let mean = ms.iter().sum::<f64>() / ms.len() as f64;
    let p95 = ms[ms.len() * 95 / 100];
    let act = app.world().resource::<Activity>();
    let lagging = app.world().resource::<Clock>().lagging;
    println!(
        "{scenario:<14} speed {speed:>6}× load ×{load:<4} | frame update mean {mean:6.2} ms, p95 {p95:6.2} ms \
         (≤ {:.0} frames/s) | {:.0} transactions and {:.0} particles in flight on average | \
         {:.0}× simulated per frame-second{} | {} aggregated",
        1000.0 / p95,
        in_flight_txn as f64 / frames as f64,
        particles as f64 / frames as f64,
        simulated / (frames as f64 / 30.0),
        if lagging { " (lagging)" } else { "" },
        act.aggregated,
    );
    let _ = wall;
}

fn main() {
    case("photo-sharing", 1.0, 1.0);
    case("photo-sharing", 100.0, 1.0);
    case("photo-sharing", 1000.0, 1.0);
    case("photo-sharing", 10.0, 40.0);
    case("photo-sharing", 100.0, 40.0);
    case("cold-starts", 100.0, 1.0);
}
