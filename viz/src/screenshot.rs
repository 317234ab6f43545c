//! `--screenshot FILE --after DUR`: run the simulations to DUR of simulated time, draw,
//! save a PNG of the whole window and exit; `--measure SECONDS`: run, then print the frame
//! rate and exit.

use std::path::PathBuf;
use std::time::Instant;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use choreo_sim::engine::{NS_PER_S, SimTime};

use crate::live::{Clock, LiveSet, Viewer};
use crate::particles::Activity;

/// Frame length used while preparing a screenshot [s]: 30 frames a second.
const SHOT_DT: f64 = 1.0 / 30.0;
/// Frames drawn before the picture is taken (particles set off, panels laid out).
const SHOT_FRAMES: u32 = 40;

/// Takes one screenshot and exits.
pub struct ScreenshotPlugin {
    /// PNG file to write.
    pub path: PathBuf,
    /// Simulated time to reach first [ns].
    pub after: SimTime,
}

#[derive(Resource)]
struct Shot {
    path: PathBuf,
    after: SimTime,
    frames: u32,
    /// A capture is on its way.
    taken: bool,
    /// Captures that came back blank (the renderer still compiling its pipelines).
    blank: u32,
    /// Simulated time of the frame captured [ns] (the time the panel shows).
    at: SimTime,
}

/// Blank captures tolerated before giving up (about a minute at software-rendering speed).
const MAX_BLANK: u32 = 600;

impl Plugin for ScreenshotPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(Shot {
            path: self.path.clone(),
            after: self.after,
            frames: 0,
            taken: false,
            blank: 0,
            at: 0,
        })
        .add_systems(Startup, prerun)
        .add_systems(Update, take.after(LiveSet::Animate));
    }
}

/// Runs the simulations quickly up to the last stretch before the picture (a seek, as the
/// timeline does), which is then played at 30 frames a second so that particles are in
/// flight when it is taken.
fn prerun(shot: Res<Shot>, mut clock: ResMut<Clock>, mut viewer: ResMut<Viewer>) {
    clock.fixed_dt = Some(SHOT_DT);
    let lead = (clock.speed * SHOT_DT * f64::from(SHOT_FRAMES) * NS_PER_S as f64) as SimTime;
    let until = shot.after.saturating_sub(lead);
    viewer.seek(until);
    clock.target = until;
}

fn take(
    mut commands: Commands,
    mut shot: ResMut<Shot>,
    mut clock: ResMut<Clock>,
    viewer: Res<Viewer>,
) {
    shot.frames += 1;
    if shot.taken || viewer.now() < shot.after || shot.frames < SHOT_FRAMES {
        return;
    }
    // Freeze the picture and take it; the app exits once a non-blank one is written.
    clock.paused = true;
    shot.taken = true;
    shot.at = viewer.now();
    commands.spawn(Screenshot::primary_window()).observe(saved);
}

/// Whether a captured frame shows anything: the first frames of a software renderer come
/// back as one flat colour while its pipelines compile.
fn is_blank(image: &Image) -> bool {
    let Some(data) = image.data.as_ref() else {
        return true;
    };
    let mut seen = std::collections::HashSet::new();
    for px in data.chunks_exact(4).step_by(97) {
        seen.insert([px[0], px[1], px[2]]);
        if seen.len() > 20 {
            return false;
        }
    }
    true
}

fn saved(
    captured: On<ScreenshotCaptured>,
    mut shot: ResMut<Shot>,
    mut exit: MessageWriter<AppExit>,
) {
    if is_blank(&captured.image) {
        shot.blank += 1;
        if shot.blank < MAX_BLANK {
            shot.taken = false; // try again next frame
        } else {
            error!("every capture came back blank; giving up");
            exit.write(AppExit::error());
        }
        return;
    }
    let result = captured
        .image
        .clone()
        .try_into_dynamic()
        .map_err(|e| e.to_string())
        .and_then(|img| {
            // Write beside the target and rename, so a partial file never appears.
            let tmp = shot.path.with_extension("png.tmp");
            img.to_rgb8()
                .save_with_format(
                    &tmp,
                    bevy::image::ImageFormat::Png
                        .as_image_crate_format()
                        .ok_or("no PNG support")?,
                )
                .map_err(|e| e.to_string())?;
            std::fs::rename(&tmp, &shot.path).map_err(|e| e.to_string())
        });
    match result {
        Ok(()) => {
            // The time the panel shows, for scripts that check what was captured.
            println!(
                "saved {} at simulated time {:.3} s",
                shot.path.display(),
                shot.at as f64 / NS_PER_S as f64
            );
            exit.write(AppExit::Success);
        }
        Err(e) => {
            error!("cannot save {}: {e}", shot.path.display());
            exit.write(AppExit::error());
        }
    }
}

/// Prints the frame rate after a number of real seconds, then exits.
pub struct MeasurePlugin {
    /// Real seconds to run (the first two are a warm-up and not counted).
    pub seconds: f64,
}

#[derive(Resource)]
struct Measure {
    seconds: f64,
    start: Instant,
    counted_from: Option<(Instant, u64, SimTime)>,
    frames: u64,
    frame_ms: Vec<f64>,
    last: Instant,
}

impl Plugin for MeasurePlugin {
    fn build(&self, app: &mut App) {
        let now = Instant::now();
        app.insert_resource(Measure {
            seconds: self.seconds,
            start: now,
            counted_from: None,
            frames: 0,
            frame_ms: Vec::new(),
            last: now,
        })
        .add_systems(Last, measure);
    }
}

fn measure(
    mut m: ResMut<Measure>,
    viewer: Res<Viewer>,
    clock: Res<Clock>,
    activity: Res<Activity>,
    mut exit: MessageWriter<AppExit>,
) {
    let now = Instant::now();
    m.frames += 1;
    let elapsed = now.duration_since(m.start).as_secs_f64();
    if elapsed < 2.0 {
        m.last = now;
        return;
    }
    let frames = m.frames;
    let since = *m.counted_from.get_or_insert((now, frames, viewer.now()));
    let dt = now.duration_since(m.last).as_secs_f64() * 1000.0;
    m.frame_ms.push(dt);
    m.last = now;
    if elapsed < m.seconds {
        return;
    }
    let wall = now.duration_since(since.0).as_secs_f64();
    let counted = (frames - since.1) as f64;
    let mut ms = m.frame_ms.clone();
    ms.sort_by(f64::total_cmp);
    let p95 = ms[((ms.len() as f64 * 0.95) as usize).min(ms.len() - 1)];
    let simulated = (viewer.now() - since.2) as f64 / NS_PER_S as f64;
    println!(
        "measure: {:.1} frames/s over {:.1} s (mean frame {:.1} ms, p95 {:.1} ms); speed set {}×, reached {:.0}×; {} particles in flight, {} spawned, {} aggregated",
        counted / wall,
        wall,
        wall * 1000.0 / counted,
        p95,
        clock.speed,
        simulated / wall,
        activity.in_flight,
        activity.spawned,
        activity.aggregated
    );
    exit.write(AppExit::Success);
}
