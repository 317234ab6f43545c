//! The viewer without a window: `MinimalPlugins`, `app.update()`, fixed 1/30 s frames.

use bevy::prelude::*;
use choreo_sim::bundled;
use choreo_sim::engine::NS_PER_S;
use choreo_sim::observe::SimEvent;
use choreo_sim::scenario::FaultKind;
use choreo_viz::headless_app;
use choreo_viz::layout::{NODE_RADIUS, layout_scenario};
use choreo_viz::live::{Clock, Command, Viewer};
use choreo_viz::particles::{Activity, Lane, Particle, Pulse, TOTAL};

const DT: f64 = 1.0 / 30.0;

fn app(scenario: &str, speed: f64) -> App {
    let mut app = headless_app(scenario, DT);
    app.world_mut().resource_mut::<Clock>().speed = speed;
    app.update();
    app
}

fn particles(app: &mut App) -> Vec<Particle> {
    let world = app.world_mut();
    world.query::<&Particle>().iter(world).cloned().collect()
}

fn positions(app: &mut App) -> Vec<Vec3> {
    let world = app.world_mut();
    world
        .query_filtered::<&Transform, With<Particle>>()
        .iter(world)
        .map(|t| t.translation)
        .collect()
}

fn send(app: &mut App, command: Command) {
    app.world_mut().write_message(command);
}

/// Sets every workload source's load multiplier, as the panel's sliders would.
fn load_all(app: &mut App, multiplier: f64) {
    let sources = app.world().resource::<Viewer>().loads.len();
    for source in 0..sources {
        send(app, Command::SetLoad { source, multiplier });
    }
}

fn now(app: &App) -> u64 {
    app.world().resource::<Viewer>().now()
}

#[test]
fn particles_are_spawned_from_sim_events_and_despawned_on_arrival() {
    let mut app = app("photo-sharing", 5.0);
    // Events that always become a particle, and those that may (throttles with a known
    // caller, dead letters, redrives).
    let (mut must, mut may) = (0u64, 0u64);
    let shown_before = {
        let act = app.world().resource::<Activity>();
        act.spawned + act.aggregated
    };
    for _ in 0..90 {
        app.update();
        for a in &app.world().resource::<Viewer>().archs {
            for (_, e) in &a.events {
                match e {
                    SimEvent::Request { .. } | SimEvent::Reply { .. } => must += 1,
                    SimEvent::Throttled { .. }
                    | SimEvent::Rejected { .. }
                    | SimEvent::DeadLettered { .. }
                    | SimEvent::Redriven { .. } => may += 1,
                    _ => {}
                }
            }
        }
    }
    let act = app.world().resource::<Activity>();
    let (spawned, aggregated, arrived) = (act.spawned, act.aggregated, act.arrived);
    assert!(
        must > 100,
        "photo-sharing produced only {must} requests and replies"
    );
    let shown = spawned + aggregated - shown_before;
    assert!(
        shown >= must && shown <= must + may,
        "{spawned} spawned + {aggregated} aggregated − {shown_before} before for {must} (+{may}) events"
    );
    let live = particles(&mut app);
    assert_eq!(
        live.len() as u64,
        spawned - arrived,
        "in flight = spawned − arrived"
    );
    assert!(!live.is_empty() && live.len() <= TOTAL as usize);
    // Every particle runs on a lane of its architecture's layout.
    let viewer = app.world().resource::<Viewer>();
    for p in &live {
        let layout = &viewer.layout.archs[p.arch];
        match p.lane {
            Lane::Entry => {}
            Lane::Edge(i) => assert!(i < layout.edges.len()),
            Lane::Loose => {}
        }
    }
    let kinds: Vec<Pulse> = live.iter().map(|p| p.pulse).collect();
    assert!(kinds.contains(&Pulse::Request), "{kinds:?}");

    // Stop the arrivals; once the work drains, every particle arrives and is despawned.
    load_all(&mut app, 0.0);
    for _ in 0..600 {
        app.update();
    }
    let viewer = app.world().resource::<Viewer>();
    assert!(viewer.archs.iter().all(|a| a.counts().in_flight == 0));
    assert!(particles(&mut app).is_empty());
    let act = app.world().resource::<Activity>();
    assert_eq!(act.arrived, act.spawned);
    assert_eq!(act.in_flight, 0);
}

#[test]
fn pause_stops_simulated_time_and_the_particles() {
    let mut app = app("photo-sharing", 2.0);
    for _ in 0..20 {
        app.update();
    }
    app.world_mut().resource_mut::<Clock>().paused = true;
    app.update();
    let (t, visual) = (now(&app), app.world().resource::<Clock>().visual);
    let before = positions(&mut app);
    for _ in 0..30 {
        app.update();
    }
    assert_eq!(now(&app), t);
    assert_eq!(app.world().resource::<Clock>().visual, visual);
    let after = positions(&mut app);
    assert_eq!(before, after, "particles froze");
    app.world_mut().resource_mut::<Clock>().paused = false;
    app.update();
    assert!(now(&app) > t);
}

#[test]
fn single_step_advances_to_the_next_event_and_pauses() {
    let mut app = app("photo-sharing", 1.0);
    app.world_mut().resource_mut::<Clock>().paused = true;
    let t = now(&app);
    let next = app
        .world_mut()
        .resource_mut::<Viewer>()
        .archs
        .iter_mut()
        .filter_map(|a| a.view.next_event)
        .min()
        .expect("events pending");
    app.world_mut().resource_mut::<Clock>().step_once = true;
    app.update();
    assert!(next > t);
    assert_eq!(now(&app), next);
    assert!(app.world().resource::<Clock>().paused);
    app.update();
    assert_eq!(now(&app), next, "paused again after the step");
}

#[test]
fn the_speed_factor_scales_simulated_time() {
    for speed in [1.0, 50.0, 400.0] {
        let mut app = app("photo-sharing", speed);
        let t0 = now(&app);
        for _ in 0..30 {
            app.update();
        }
        let simulated = (now(&app) - t0) as f64 / NS_PER_S as f64;
        // 30 frames of 1/30 s: one real second.
        assert!(
            (simulated - speed).abs() < speed * 1e-6,
            "speed {speed}: {simulated} s simulated in one real second"
        );
        assert!(!app.world().resource::<Clock>().lagging);
    }
}

#[test]
fn a_load_multiplier_changes_the_arrival_rate() {
    let arrivals = |multiplier: f64| {
        let mut app = app("photo-sharing", 300.0);
        load_all(&mut app, multiplier);
        for _ in 0..60 {
            app.update();
        }
        let viewer = app.world().resource::<Viewer>();
        assert!(viewer.now() >= 590 * NS_PER_S);
        viewer.archs[0].counts().arrived as f64
    };
    let (one, three) = (arrivals(1.0), arrivals(3.0));
    let ratio = three / one;
    assert!(one > 1_000.0, "{one} arrivals in 10 min");
    // Poisson counts of thousands: the ratio is 3 within a few per cent.
    assert!(
        (ratio - 3.0).abs() < 0.15,
        "ratio {ratio} ({three} / {one})"
    );
}

#[test]
fn a_fault_started_from_the_panel_reaches_the_simulation() {
    let mut app = app("photo-sharing", 5.0);
    for _ in 0..10 {
        app.update();
    }
    let (arch, comp) = {
        let viewer = app.world().resource::<Viewer>();
        let a = &viewer.archs[0];
        (0, a.architecture().entry)
    };
    let failed_before = app.world().resource::<Viewer>().archs[arch].counts().failed;
    send(
        &mut app,
        Command::StartFault {
            arch,
            comp,
            kind: FaultKind::Outage,
        },
    );
    app.update();
    let faults = app.world().resource::<Viewer>().archs[arch]
        .active_faults()
        .to_vec();
    assert_eq!(faults.len(), 1);
    assert_eq!((faults[0].1, faults[0].2), (comp, FaultKind::Outage));
    // Other architectures are untouched.
    assert!(
        app.world().resource::<Viewer>().archs[1]
            .active_faults()
            .is_empty()
    );
    for _ in 0..60 {
        app.update();
    }
    let failed = app.world().resource::<Viewer>().archs[arch].counts().failed;
    assert!(
        failed > failed_before + 10,
        "{failed_before} → {failed} failed"
    );
    let id = faults[0].0;
    send(&mut app, Command::EndFault { arch, fault: id });
    app.update();
    assert!(
        app.world().resource::<Viewer>().archs[arch]
            .active_faults()
            .is_empty()
    );
}

#[test]
fn opening_another_scenario_replaces_the_simulations_and_errors_are_kept_for_the_window() {
    let mut app = app("photo-sharing", 5.0);
    for _ in 0..10 {
        app.update();
    }
    send(&mut app, Command::Open("cold-starts".into()));
    app.update();
    {
        let viewer = app.world().resource::<Viewer>();
        assert_eq!(viewer.name, "cold-starts");
        assert!(viewer.now() < NS_PER_S, "starts from time zero");
        assert!(viewer.error.is_none());
    }
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.ron");
    std::fs::write(
        &bad,
        "Scenario(name: \"x\", horizon: \"1m\",\n  workload: [Source(kind: \"a\", arrivals: Poisson(per_second: -1.0))],\n  architectures: [])",
    )
    .unwrap();
    send(&mut app, Command::Open(bad.display().to_string()));
    app.update();
    let viewer = app.world().resource::<Viewer>();
    assert_eq!(viewer.name, "cold-starts", "the old scenario keeps running");
    let (source, lines) = viewer.error.clone().expect("errors kept for the window");
    assert_eq!(source, bad.display().to_string());
    assert!(
        lines.iter().any(|l| l.contains("bad.ron:2:")),
        "errors name file and line: {lines:?}"
    );
    send(&mut app, Command::DismissError);
    app.update();
    assert!(app.world().resource::<Viewer>().error.is_none());
}

#[test]
fn restart_with_a_new_seed_starts_from_zero_with_other_arrivals() {
    let mut app = app("photo-sharing", 20.0);
    for _ in 0..30 {
        app.update();
    }
    let first = app.world().resource::<Viewer>().archs[0].counts().arrived;
    let seed = app.world().resource::<Viewer>().scenario.seed + 1;
    send(&mut app, Command::Restart { seed });
    app.update();
    assert!(now(&app) < NS_PER_S);
    assert_eq!(app.world().resource::<Viewer>().scenario.seed, seed);
    for _ in 0..29 {
        app.update();
    }
    let second = app.world().resource::<Viewer>().archs[0].counts().arrived;
    assert_ne!(first, second, "another seed, other arrivals");
}

#[test]
fn the_layout_puts_no_two_nodes_on_top_of_each_other() {
    for b in bundled::ALL {
        let loaded = bundled::load(b.name).unwrap().unwrap();
        let layout = layout_scenario(&loaded.scenario);
        let nodes: Vec<[f32; 2]> = layout.archs.iter().flat_map(|a| a.nodes.clone()).collect();
        for (i, p) in nodes.iter().enumerate() {
            for q in &nodes[i + 1..] {
                let d = ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt();
                // Glyph, name above and state text below need about three radii apart.
                assert!(
                    d >= 3.0 * NODE_RADIUS,
                    "{}: nodes {p:?} and {q:?} overlap",
                    b.name
                );
            }
        }
        // Each architecture's nodes lie inside its band, and the bands do not overlap.
        for a in &layout.archs {
            for n in &a.nodes {
                assert!(
                    n[0] > a.bounds.0[0] && n[0] < a.bounds.1[0],
                    "{}: {n:?}",
                    b.name
                );
                assert!(
                    n[1] > a.bounds.0[1] && n[1] < a.bounds.1[1],
                    "{}: {n:?}",
                    b.name
                );
            }
        }
        for w in layout.archs.windows(2) {
            assert!(
                w[1].bounds.1[1] < w[0].bounds.0[1],
                "{}: bands overlap",
                b.name
            );
        }
        // Every lane, bowed or not, stays inside its own band: none crosses another
        // architecture's.
        for a in &layout.archs {
            let paths = a.edges.iter().map(|e| e.path).chain([a.entry_path]);
            for path in paths {
                for i in 0..=20 {
                    let p = path.at(i as f32 / 20.0);
                    assert!(
                        p[1] >= a.bounds.0[1] && p[1] <= a.bounds.1[1],
                        "{}: a lane of {} leaves its band at {p:?}",
                        b.name,
                        a.name
                    );
                }
            }
        }
        // The flow goes left to right: the entry is in the first column.
        for a in &layout.archs {
            let entry_x = a.nodes[a.entry][0];
            assert!(
                a.nodes.iter().all(|n| n[0] >= entry_x),
                "{}: entry not leftmost",
                b.name
            );
        }
    }
}

#[test]
fn a_long_back_edge_bows_but_stays_in_its_band() {
    // Seven functions in a row, the last sending back to the first: a lane six columns
    // long going left, which bows downward, with another architecture below.
    let chain: Vec<String> = (0..7)
        .map(|i| {
            let next = (i + 1) % 7;
            format!(r#"Function(name: "f{i}", work: [Compute("1ms"), Emit("f{next}")])"#)
        })
        .collect();
    let text = format!(
        r#"Scenario(name: "ring", horizon: "1m",
  workload: [Source(kind: "hit", arrivals: Poisson(per_second: 1.0))],
  architectures: [
    Architecture(name: "ring", entry: "f0", components: [{}]),
    Architecture(name: "below", entry: "g", components: [
      Function(name: "g", work: [Compute("1ms")])])])"#,
        chain.join(", ")
    );
    let loaded = choreo_sim::scenario::load("ring.ron", &text).unwrap();
    let layout = layout_scenario(&loaded.scenario);
    let ring = &layout.archs[0];
    let back = ring
        .edges
        .iter()
        .find(|e| e.from == 6 && e.to == 0)
        .expect("the back edge");
    let lowest = (0..=40)
        .map(|i| back.path.at(i as f32 / 40.0)[1])
        .fold(f32::INFINITY, f32::min);
    assert!(
        lowest < ring.nodes[0][1] - NODE_RADIUS,
        "it bows below the row: {lowest}"
    );
    assert!(
        lowest >= ring.bounds.0[1] && lowest > layout.archs[1].bounds.1[1],
        "{lowest} leaves the band {:?}",
        ring.bounds
    );
}

#[test]
fn an_architecture_stopped_by_runaway_work_says_why_while_the_others_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loop.ron");
    std::fs::write(
        &path,
        r#"Scenario(name: "loop", horizon: "1h",
  workload: [Source(kind: "hit", arrivals: Poisson(per_second: 30.0))],
  architectures: [
    Architecture(name: "looping", entry: "f", components: [
      Function(name: "f", work: [Compute("1ms"), Emit("f"), Emit("f")])]),
    Architecture(name: "plain", entry: "g", components: [
      Function(name: "g", work: [Compute("1ms")])])])"#,
    )
    .unwrap();
    let mut app = app(&path.display().to_string(), 20.0);
    for _ in 0..60 {
        app.update();
    }
    let viewer = app.world().resource::<Viewer>();
    let stopped = viewer.stopped();
    assert_eq!(stopped.len(), 1, "{stopped:?}");
    assert!(
        stopped[0].starts_with("\"looping\" stopped at") && stopped[0].contains("\"f\""),
        "{stopped:?}"
    );
    let (looping, plain) = (&viewer.archs[0], &viewer.archs[1]);
    assert!(looping.view.stopped.is_some() && plain.view.stopped.is_none());
    // 60 frames at 20× are 40 simulated seconds: the plain architecture got there, and the
    // viewer's clock follows it rather than the stopped one.
    assert!(plain.now() > 39 * NS_PER_S, "{}", plain.now());
    assert!(looping.now() < plain.now());
    assert_eq!(viewer.now(), plain.now());
}

#[test]
fn a_slowdown_and_an_error_burst_from_the_panel_change_the_simulation_as_they_say() {
    // 100 requests a second, 10 ms each on a function that never cold-starts.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("steady.ron");
    std::fs::write(
        &path,
        r#"Scenario(name: "steady", horizon: "10m",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 100.0))],
          architectures: [
            Architecture(name: "fns", entry: "f", components: [
              Function(name: "f", cold_start: "0ms", work: [Compute("10ms")])]),
            Architecture(name: "other", entry: "f", components: [
              Function(name: "f", cold_start: "0ms", work: [Compute("10ms")])])])"#,
    )
    .unwrap();
    // One simulated second a frame.
    let mut app = app(path.to_str().unwrap(), 30.0);
    let frames = |app: &mut App, n| {
        for _ in 0..n {
            app.update();
        }
    };
    frames(&mut app, 5);
    let response = |app: &App, arch: usize| {
        let viewer = app.world().resource::<Viewer>();
        let worker = viewer
            .inline_worker()
            .expect("the simulations run in the frame");
        let r = &worker.sessions().nth(arch).unwrap().metrics().response;
        (r.quantile_ms(0.0), r.quantile_ms(1.0))
    };
    assert_eq!(response(&app, 0), (10.0, 10.0));
    // The panel's slowdown: work five times as long plus 200 ms, 10 × 5 + 200 = 250 ms.
    send(
        &mut app,
        Command::StartFault {
            arch: 0,
            comp: 0,
            kind: choreo_viz::ui::FaultChoice::Slow.kind(),
        },
    );
    frames(&mut app, 5);
    assert_eq!(response(&app, 0), (10.0, 250.0));
    assert_eq!(response(&app, 1), (10.0, 10.0), "the other architecture");
    let id = app.world().resource::<Viewer>().archs[0].active_faults()[0].0;
    send(&mut app, Command::EndFault { arch: 0, fault: id });
    frames(&mut app, 2);
    // The panel's error burst: half of the calls fail. 6,000 arrivals in 60 s: the
    // fraction's SE is √(0.25 / 6000) = 0.0065, the tolerance 0.025 (5%) is 3.9 SE.
    let counts = |app: &App| app.world().resource::<Viewer>().archs[0].counts();
    let before = counts(&app);
    send(
        &mut app,
        Command::StartFault {
            arch: 0,
            comp: 0,
            kind: choreo_viz::ui::FaultChoice::Errors.kind(),
        },
    );
    frames(&mut app, 60);
    let after = counts(&app);
    let arrived = (after.arrived - before.arrived) as f64;
    let failed = (after.failed - before.failed) as f64;
    assert!((5900.0..=6100.0).contains(&arrived), "{arrived} arrivals");
    let fraction = failed / arrived;
    assert!((fraction - 0.5).abs() < 0.025, "failed fraction {fraction}");
    assert_eq!(app.world().resource::<Viewer>().archs[1].counts().failed, 0);
}

/// Everything an architecture's state shows, as text (NaN compares equal as text): the
/// counts, component states, the bill, the rolling figures and the chart, faults, loads,
/// and the session's own response histogram and event count.
fn state(app: &App) -> Vec<String> {
    let viewer = app.world().resource::<Viewer>();
    let worker = viewer.inline_worker().expect("in the frame");
    viewer
        .archs
        .iter()
        .zip(worker.sessions())
        .map(|(a, s)| {
            let v = &a.view;
            let r = &s.metrics().response;
            format!(
                "now {} steps {} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {} | response n {} p50 {} p99 {} max {}",
                v.now,
                s.sim().steps(),
                v.counts,
                v.snapshot,
                v.costs,
                v.summary,
                v.history,
                v.faults,
                v.loads,
                v.usage,
                v.instances,
                r.count(),
                r.quantile_ms(0.5),
                r.quantile_ms(0.99),
                r.quantile_ms(1.0),
            )
        })
        .collect()
}

/// Photo-sharing at 50×, with live commands at fixed frames: the load tripled at frame 10,
/// an outage of the first architecture's entry at frame 20, ended at frame 50.
fn scripted(frames: usize) -> App {
    let mut app = app("photo-sharing", 50.0);
    for frame in 1..=frames {
        match frame {
            10 => {
                load_all(&mut app, 3.0);
            }
            20 => {
                let comp = app.world().resource::<Viewer>().archs[0]
                    .architecture()
                    .entry;
                send(
                    &mut app,
                    Command::StartFault {
                        arch: 0,
                        comp,
                        kind: FaultKind::Outage,
                    },
                );
            }
            50 => {
                let id = app.world().resource::<Viewer>().archs[0].active_faults()[0].0;
                send(&mut app, Command::EndFault { arch: 0, fault: id });
            }
            _ => {}
        }
        app.update();
    }
    app
}

#[test]
fn seeking_back_gives_the_state_of_a_fresh_run_to_that_time_and_the_same_future() {
    // The run goes to frame 90 (150 s), then back to frame 40 (66.7 s: inside the outage).
    let mut run = scripted(90);
    let at_90 = state(&run);
    let t_40 = scripted(40);
    let (to, fresh) = (now(&t_40), state(&t_40));
    assert!(to > 60 * NS_PER_S && to < 70 * NS_PER_S, "{to}");
    assert_ne!(at_90, fresh);
    {
        let viewer = run.world().resource::<Viewer>();
        let log = viewer.log();
        // A load change per source and architecture, and the fault's start and end.
        let changes = viewer.loads.len() * viewer.archs.len();
        assert_eq!(log.len(), changes + 2, "{log:?}");
        let marks = &viewer.archs[0].view.marks;
        assert_eq!(marks.iter().filter(|m| m.began).count(), 1, "{marks:?}");
    }
    send(&mut run, Command::Seek(to));
    run.update();
    assert_eq!(now(&run), to);
    assert_eq!(
        state(&run),
        fresh,
        "seek back to 66.7 s = a fresh run to 66.7 s"
    );
    assert_eq!(
        run.world().resource::<Viewer>().archs[0]
            .active_faults()
            .len(),
        1,
        "the outage is on again"
    );
    // Played on, the replayed commands give the same 150 s as before.
    for _ in 0..50 {
        run.update();
    }
    assert_eq!(state(&run), at_90, "the same future");
    // And a seek ahead runs on to it.
    let ahead = now(&run) + 30 * NS_PER_S;
    send(&mut run, Command::Seek(ahead));
    run.update();
    assert_eq!(now(&run), ahead);
}

#[test]
fn a_command_after_a_seek_back_replaces_the_future_that_followed() {
    let mut run = scripted(60);
    let to = 20 * NS_PER_S;
    send(&mut run, Command::Seek(to));
    run.update();
    // The load was tripled at 15 s (frame 10) and the outage began at 31.7 s (frame 20): a
    // command given at 20 s keeps the first in the log and drops the outage, which
    // belonged to the future the seek left.
    send(
        &mut run,
        Command::SetLoad {
            source: 0,
            multiplier: 0.5,
        },
    );
    run.update();
    let viewer = run.world().resource::<Viewer>();
    let log = viewer.log();
    assert!(log.iter().all(|(_, l)| l.at <= to), "{log:?}");
    assert_eq!(
        log.iter()
            .filter(|(_, l)| matches!(l.action, choreo_viz::worker::Action::StartFault { .. }))
            .count(),
        0,
        "the outage belonged to the other future: {log:?}"
    );
    assert_eq!(viewer.loads[0], 0.5);
}

#[test]
fn a_spike_multiplies_the_load_for_a_simulated_minute_then_goes_back() {
    // Photo-sharing at 30×: a simulated second a frame.
    let mut app = app("photo-sharing", 30.0);
    for _ in 0..60 {
        app.update();
    }
    let arrived = |app: &App| app.world().resource::<Viewer>().archs[1].counts().arrived;
    let before = arrived(&app);
    let start = now(&app);
    let sources = app.world().resource::<Viewer>().loads.len();
    for source in 0..sources {
        send(
            &mut app,
            Command::Spike {
                source,
                factor: 10.0,
                lasts: 60 * NS_PER_S,
            },
        );
    }
    app.update();
    assert!(
        app.world()
            .resource::<Viewer>()
            .loads
            .iter()
            .all(|&l| l == 10.0),
        "{:?}",
        app.world().resource::<Viewer>().loads
    );
    // 60 frames more: the spike's minute.
    for _ in 0..59 {
        app.update();
    }
    let during = arrived(&app) - before;
    assert!(now(&app) - start <= 60 * NS_PER_S);
    for _ in 0..2 {
        app.update();
    }
    let viewer = app.world().resource::<Viewer>();
    assert!(viewer.loads.iter().all(|&l| l == 1.0), "{:?}", viewer.loads);
    let after_spike = arrived(&app);
    for _ in 0..60 {
        app.update();
    }
    let after = arrived(&app) - after_spike;
    // Poisson counts: ten times the minute after, within 15 % (thousands of arrivals).
    let ratio = during as f64 / after as f64;
    assert!(
        (ratio - 10.0).abs() < 1.5,
        "{during} in the spike, {after} in the minute after: ratio {ratio}"
    );
}

#[test]
fn the_simulations_on_their_own_thread_reach_the_state_the_frame_would_have() {
    let to = 120 * NS_PER_S;
    let mut inline = Viewer::open("photo-sharing").unwrap();
    inline.run_to(to, NS_PER_S);
    let mut threaded = Viewer::open("photo-sharing").unwrap();
    threaded.spawn_thread().unwrap();
    assert!(threaded.threaded());
    threaded.send(choreo_viz::worker::Control::Target(to));
    let started = std::time::Instant::now();
    while threaded.now() < to {
        assert!(
            started.elapsed().as_secs() < 60,
            "the thread got to {} s",
            threaded.now() / NS_PER_S
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
        threaded.poll();
    }
    for (a, b) in inline.archs.iter().zip(&threaded.archs) {
        assert_eq!(a.view.counts, b.view.counts);
        assert_eq!(a.view.snapshot, b.view.snapshot);
        assert_eq!(format!("{:?}", a.view.costs), format!("{:?}", b.view.costs));
        assert_eq!(
            format!("{:?}", a.view.history),
            format!("{:?}", b.view.history)
        );
    }
}

#[test]
fn the_frame_takes_what_the_thread_has_sent_without_waiting_for_a_long_seek() {
    // A day of photo-sharing to simulate (millions of transactions): seconds of work on the
    // thread, during which the frame goes on taking ticks and showing the old state.
    let mut viewer = Viewer::open("photo-sharing").unwrap();
    viewer.spawn_thread().unwrap();
    let to = 86_400 * NS_PER_S;
    viewer.seek(to);
    viewer.poll();
    assert_eq!(viewer.seeking, Some(to), "still on its way");
    assert!(viewer.now() < to);
    let started = std::time::Instant::now();
    while viewer.seeking.is_some() {
        assert!(started.elapsed().as_secs() < 300, "the seek never ended");
        std::thread::sleep(std::time::Duration::from_millis(20));
        viewer.poll();
    }
    assert_eq!(viewer.now(), to);
}
