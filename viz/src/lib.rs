//! choreo's live viewer: every architecture of a scenario drawn as its topology, side by
//! side on one simulated clock, with events flowing along the edges as particles and egui
//! panels for the clock, the load, faults, figures, charts, the inspector and the lesson.
//!
//! The simulation core ([`live::LivePlugin`], [`particles::ParticlesPlugin`]) needs no
//! window and is what the tests and the benchmark drive with `MinimalPlugins`; the
//! rendering plugins ([`draw`], [`labels`], [`camera`], [`ui`]) and [`run`] add the window.

pub mod camera;
pub mod draw;
pub mod figures;
pub mod fonts;
pub mod labels;
pub mod layout;
pub mod live;
pub mod particles;
pub mod screenshot;
pub mod ui;
pub mod worker;

use std::path::PathBuf;
use std::time::Duration;

use bevy::app::ScheduleRunnerPlugin;
use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};
use bevy_egui::EguiPlugin;
use choreo_sim::engine::SimTime;

use crate::live::{Clock, LivePlugin};
use crate::particles::ParticlesPlugin;

/// How to open the viewer.
#[derive(Debug, Clone)]
pub struct ViewOptions {
    /// Scenario file or bundled name.
    pub scenario: String,
    /// Save a PNG of the window to this file once `after` of simulated time is reached,
    /// then exit.
    pub screenshot: Option<PathBuf>,
    /// Simulated time to reach before the screenshot [ns].
    pub after: SimTime,
    /// Initial speed [simulated s per real s].
    pub speed: f64,
    /// Window size [logical px].
    pub size: (u32, u32),
    /// Run this many real seconds, print the frame rate, and exit.
    pub measure: Option<f64>,
    /// Layers left out of the window, to measure what each costs a frame.
    pub without: Vec<Layer>,
}

/// What the window draws, layer by layer (`choreo view --without ...` leaves some out, to
/// measure their share of a frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// Glyphs, edges, bars, dots, flashes and fault marks (gizmos).
    Shapes,
    /// Names, kinds, live state and edge rates (scene text).
    Labels,
    /// Particles in flight (they are still simulated and counted).
    Particles,
    /// The egui panels.
    Panels,
}

impl Layer {
    /// Every layer, by name.
    pub const ALL: [(&'static str, Layer); 4] = [
        ("shapes", Layer::Shapes),
        ("labels", Layer::Labels),
        ("particles", Layer::Particles),
        ("panels", Layer::Panels),
    ];

    /// The layer of that name.
    pub fn named(name: &str) -> Option<Layer> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, l)| *l)
    }
}

/// The graphics adapter the viewer renders with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adapter {
    /// The adapter's name, e.g. "llvmpipe (LLVM 19.1.7, 256 bits)".
    pub name: String,
    /// The backend, e.g. "Vulkan".
    pub backend: String,
    /// A software renderer (Mesa's lavapipe, WARP): it works, slowly.
    pub software: bool,
}

/// Looks for the adapter Bevy's renderer would pick, the way it looks (the backends of
/// `WGPU_BACKEND`, else every one; `WGPU_POWER_PREF`, else high performance), without
/// opening a window. `Err` says, in one line, what is missing and how to get it: Bevy
/// itself panics with a backtrace when it finds no adapter.
pub fn adapter_available() -> Result<Adapter, String> {
    let backends = wgpu::Backends::from_env().unwrap_or(wgpu::Backends::all());
    let power_preference =
        wgpu::PowerPreference::from_env().unwrap_or(wgpu::PowerPreference::HighPerformance);
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let options = wgpu::RequestAdapterOptions {
        power_preference,
        force_fallback_adapter: false,
        compatible_surface: None,
    };
    match bevy::tasks::block_on(instance.request_adapter(&options)) {
        Ok(adapter) => {
            let info = adapter.get_info();
            Ok(Adapter {
                name: info.name,
                backend: info.backend.to_string(),
                software: info.device_type == wgpu::DeviceType::Cpu,
            })
        }
        Err(e) => {
            let env = std::env::var("WGPU_BACKEND")
                .map(|b| format!(" with WGPU_BACKEND={b}"))
                .unwrap_or_default();
            Err(format!(
                "no graphics adapter found{env} ({e}): the viewer needs a GPU with its Vulkan driver, or Mesa's software Vulkan (Debian and Ubuntu: `sudo apt install mesa-vulkan-drivers`)"
            ))
        }
    }
}

/// Why the viewer could not run.
#[derive(Debug)]
pub enum ViewError {
    /// No display to open a window on (the message says why).
    NoDisplay(String),
    /// No graphics adapter to render with (the message says what to install).
    NoAdapter(String),
    /// The window opened but the screenshot was not written.
    Screenshot(String),
}

impl std::fmt::Display for ViewError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ViewError::NoDisplay(why) => write!(
                f,
                "choreo view: no display ({why}); run headless with `choreo run SCENARIO` instead"
            ),
            ViewError::NoAdapter(why) => write!(
                f,
                "choreo view: {why}; or run headless with `choreo run SCENARIO`"
            ),
            ViewError::Screenshot(why) => write!(f, "choreo view: screenshot failed: {why}"),
        }
    }
}

impl std::error::Error for ViewError {}

/// The viewer without a window: the simulations, the clock, the particles. For tests and
/// benchmarks; `fixed_dt` makes every frame that long.
pub fn headless_app(scenario: &str, fixed_dt: f64) -> App {
    let mut app = App::new();
    app.add_plugins(
        MinimalPlugins.set(ScheduleRunnerPlugin::run_loop(Duration::from_secs_f64(
            fixed_dt,
        ))),
    )
    .add_plugins((
        LivePlugin {
            source: scenario.to_string(),
        },
        ParticlesPlugin,
    ));
    app.world_mut().resource_mut::<Clock>().fixed_dt = Some(fixed_dt);
    app
}

/// Checks that a window can be opened: an X11 display named by `$DISPLAY` that accepts
/// a connection.
pub fn display_available() -> Result<(), String> {
    let display = std::env::var("DISPLAY").unwrap_or_default();
    if display.trim().is_empty() {
        return Err("$DISPLAY is not set".into());
    }
    let Some((host, rest)) = display.rsplit_once(':') else {
        return Err(format!("$DISPLAY={display:?} is not host:number"));
    };
    let number: u16 = rest
        .split('.')
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("$DISPLAY={display:?} is not host:number"))?;
    if host.is_empty() || host == "unix" {
        let socket = format!("/tmp/.X11-unix/X{number}");
        #[cfg(unix)]
        {
            std::os::unix::net::UnixStream::connect(&socket)
                .map(|_| ())
                .map_err(|e| format!("cannot connect to X display {display} ({socket}: {e})"))
        }
        #[cfg(not(unix))]
        {
            let _ = socket;
            Ok(())
        }
    } else {
        use std::net::ToSocketAddrs;
        let addr = (host, 6000 + number)
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| format!("cannot resolve the X display host {host:?}"))?;
        std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))
            .map(|_| ())
            .map_err(|e| format!("cannot connect to X display {display}: {e}"))
    }
}

/// Opens the window and runs until it is closed (or the screenshot is saved).
pub fn run(options: ViewOptions) -> Result<(), ViewError> {
    // The display first: without one there is nothing to look for an adapter for, and
    // asking Mesa's Vulkan for one without a desktop session prints "XDG_RUNTIME_DIR is
    // invalid" twice in front of the one-line error.
    display_available().map_err(ViewError::NoDisplay)?;
    let adapter = adapter_available().map_err(ViewError::NoAdapter)?;
    let mut app = App::new();
    let title = format!("choreo — {}", options.scenario);
    let present_mode = if options.measure.is_some() || options.screenshot.is_some() {
        PresentMode::AutoNoVsync
    } else {
        PresentMode::AutoVsync
    };
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title,
                    resolution: WindowResolution::new(options.size.0, options.size.1),
                    present_mode,
                    ..default()
                }),
                ..default()
            })
            .set(bevy::log::LogPlugin {
                level: bevy::log::Level::WARN,
                filter: "wgpu=error,naga=warn,bevy_render=warn,bevy_winit=warn".into(),
                ..default()
            }),
    )
    .add_plugins(EguiPlugin::default())
    .add_plugins(fonts::FontsPlugin)
    .add_plugins((
        LivePlugin {
            source: options.scenario.clone(),
        },
        ParticlesPlugin,
        camera::CameraPlugin,
        ui::UiPlugin,
    ));
    let without = |layer| options.without.contains(&layer);
    if !without(Layer::Shapes) {
        app.add_plugins(draw::DrawPlugin);
    }
    if !without(Layer::Labels) {
        app.add_plugins(labels::LabelsPlugin);
    }
    if !without(Layer::Particles) {
        app.add_plugins(particles::ParticleLooks);
    }
    app.world_mut().resource_mut::<ui::UiState>().hidden = without(Layer::Panels);
    if adapter.software {
        app.world_mut().resource_mut::<ui::UiState>().notice = Some(format!(
            "software renderer ({}): frame rate may be low",
            adapter.name
        ));
    }
    app.world_mut().resource_mut::<Clock>().speed = options.speed;
    // The simulations on a thread of their own, so that a heavy step never holds a frame
    // up; a screenshot keeps them in the frame, where the picture is reproducible.
    if options.screenshot.is_none()
        && let Err(e) = app
            .world_mut()
            .resource_mut::<live::Viewer>()
            .spawn_thread()
    {
        warn!("the simulations run in the frame: no thread for them ({e})");
    }
    if let Some(path) = &options.screenshot {
        app.add_plugins(screenshot::ScreenshotPlugin {
            path: path.clone(),
            after: options.after,
        });
    }
    if let Some(seconds) = options.measure {
        app.add_plugins(screenshot::MeasurePlugin { seconds });
    }
    app.run();
    if let Some(path) = &options.screenshot {
        let ok = std::fs::metadata(path)
            .map(|m| m.len() > 0)
            .unwrap_or(false);
        if !ok {
            return Err(ViewError::Screenshot(format!(
                "{} was not written (the window closed first?)",
                path.display()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Layer;

    #[test]
    fn the_adapter_check_names_a_software_renderer_as_such() {
        // On this project's machines (no GPU) Mesa's lavapipe is found, a software adapter;
        // where a GPU is, the check finds that. Either way it returns, without a window.
        match super::adapter_available() {
            Ok(a) => {
                assert!(!a.name.is_empty() && !a.backend.is_empty(), "{a:?}");
                if a.name.contains("llvmpipe") || a.name.contains("SwiftShader") {
                    assert!(a.software, "{a:?}");
                }
            }
            Err(why) => assert!(why.contains("mesa-vulkan-drivers"), "{why}"),
        }
    }

    #[test]
    fn every_layer_is_found_by_its_name_and_nothing_else_is() {
        for (name, layer) in Layer::ALL {
            assert_eq!(Layer::named(name), Some(layer));
        }
        assert_eq!(Layer::named("Panels"), None);
        assert_eq!(Layer::named("walls"), None);
        assert_eq!(Layer::named(""), None);
    }
}
