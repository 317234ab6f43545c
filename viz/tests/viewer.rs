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
    let sources = app.world().resource::<Viewer>().loads.len();
    for source in 0..sources {
        send(
            &mut app,
            Command::SetLoad {
                source,
                multiplier: 0.0,
            },
        );
    }
    for _ in 0..600 {
        app.update();
    }
    let viewer = app.world().resource::<Viewer>();
    assert!(viewer.archs.iter().all(|a| a.sim().counts().in_flight == 0));
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
        .filter_map(|a| a.session.sim_mut().next_event_time())
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
        let sources = app.world().resource::<Viewer>().loads.len();
        for source in 0..sources {
            send(&mut app, Command::SetLoad { source, multiplier });
        }
        for _ in 0..60 {
            app.update();
        }
        let viewer = app.world().resource::<Viewer>();
        assert!(viewer.now() >= 590 * NS_PER_S);
        viewer.archs[0].sim().counts().arrived as f64
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
        (0, a.sim().architecture().entry)
    };
    let failed_before = app.world().resource::<Viewer>().archs[arch]
        .sim()
        .counts()
        .failed;
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
        .sim()
        .active_faults();
    assert_eq!(faults.len(), 1);
    assert_eq!((faults[0].1, faults[0].2), (comp, FaultKind::Outage));
    // Other architectures are untouched.
    assert!(
        app.world().resource::<Viewer>().archs[1]
            .sim()
            .active_faults()
            .is_empty()
    );
    for _ in 0..60 {
        app.update();
    }
    let failed = app.world().resource::<Viewer>().archs[arch]
        .sim()
        .counts()
        .failed;
    assert!(
        failed > failed_before + 10,
        "{failed_before} → {failed} failed"
    );
    let id = faults[0].0;
    send(&mut app, Command::EndFault { arch, fault: id });
    app.update();
    assert!(
        app.world().resource::<Viewer>().archs[arch]
            .sim()
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
    let first = app.world().resource::<Viewer>().archs[0]
        .sim()
        .counts()
        .arrived;
    let seed = app.world().resource::<Viewer>().scenario.seed + 1;
    send(&mut app, Command::Restart { seed });
    app.update();
    assert!(now(&app) < NS_PER_S);
    assert_eq!(app.world().resource::<Viewer>().scenario.seed, seed);
    for _ in 0..29 {
        app.update();
    }
    let second = app.world().resource::<Viewer>().archs[0]
        .sim()
        .counts()
        .arrived;
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
    let (looping, plain) = (&viewer.archs[0].sim(), &viewer.archs[1].sim());
    assert!(looping.runaway().is_some() && plain.runaway().is_none());
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
        let r = &app.world().resource::<Viewer>().archs[arch]
            .metrics()
            .response;
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
    let id = app.world().resource::<Viewer>().archs[0]
        .sim()
        .active_faults()[0]
        .0;
    send(&mut app, Command::EndFault { arch: 0, fault: id });
    frames(&mut app, 2);
    // The panel's error burst: half of the calls fail. 6,000 arrivals in 60 s: the
    // fraction's SE is √(0.25 / 6000) = 0.0065, the tolerance 0.025 (5%) is 3.9 SE.
    let counts = |app: &App| app.world().resource::<Viewer>().archs[0].sim().counts();
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
    assert_eq!(
        app.world().resource::<Viewer>().archs[1]
            .sim()
            .counts()
            .failed,
        0
    );
}
