//! The scene camera: drawn only in the part of the window the panels leave free, fitted to
//! the scene, zoomed with the wheel, panned by dragging with the right or middle button;
//! a left click on a node selects it for the inspector.

use bevy::camera::visibility::RenderLayers;
use bevy::camera::{CameraOutputMode, ScalingMode, Viewport};
use bevy::core_pipeline::tonemapping::{DebandDither, Tonemapping};
use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll};
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::{EguiContexts, EguiGlobalSettings, PrimaryEguiContext};

use crate::live::Viewer;

/// The camera that draws the scene (the egui camera is another one).
#[derive(Component)]
pub struct SceneCamera;

/// The free part of the window in logical pixels, left by the panels: (x, y, width, height)
/// from the top left.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct FreeArea(pub Rect);

/// User zoom (1 = the whole scene fits) and pan [world units].
#[derive(Resource, Debug, Clone, Copy)]
pub struct View {
    /// Zoom factor.
    pub zoom: f32,
    /// Offset of the view centre from the scene centre.
    pub pan: Vec2,
}

impl Default for View {
    fn default() -> Self {
        Self {
            zoom: 1.0,
            pan: Vec2::ZERO,
        }
    }
}

/// The component picked for the inspector: (architecture, component).
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq)]
pub struct Selected(pub Option<(usize, usize)>);

/// The scene's background, also seen behind the panels, which draw none of their own.
pub const BACKGROUND: Color = Color::srgb(0.07, 0.08, 0.1);

/// Camera, viewport, zoom, pan and picking.
pub struct CameraPlugin;

impl Plugin for CameraPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<View>()
            .init_resource::<Selected>()
            .insert_resource(FreeArea(Rect::new(0.0, 0.0, 1280.0, 800.0)))
            .add_systems(Startup, spawn_camera)
            .add_systems(Update, (zoom_and_pan, pick))
            .add_systems(PostUpdate, fit.before(bevy::camera::CameraUpdateSystems));
    }
}

fn spawn_camera(mut commands: Commands, mut egui: ResMut<EguiGlobalSettings>) {
    // No multisampling: lines are thin already, and under a software renderer 4× MSAA
    // costs more than the rest of the frame.
    commands.spawn((
        SceneCamera,
        Camera2d,
        Msaa::Off,
        Tonemapping::None,
        DebandDither::Disabled,
        Camera {
            clear_color: ClearColorConfig::Custom(BACKGROUND),
            // The egui camera below shares this camera's intermediate texture and writes it
            // to the window; writing it here too would be one more full-window pass.
            output_mode: CameraOutputMode::Skip,
            ..default()
        },
    ));
    // egui gets a camera of its own over the whole window, drawn after the scene: were it
    // on the scene camera, its screen would be the scene's viewport, which the panels set.
    egui.auto_create_primary_context = false;
    commands.spawn((
        PrimaryEguiContext,
        Camera2d,
        Msaa::Off,
        Tonemapping::None,
        DebandDither::Disabled,
        RenderLayers::none(),
        // Same target and settings as the scene camera: the two share one intermediate
        // texture, egui draws over the scene without clearing, and the window is written
        // once (under a software renderer every full-window pass counts).
        Camera {
            order: 1,
            clear_color: ClearColorConfig::None,
            ..default()
        },
    ));
}

/// Sets the viewport to the free area and the projection so the scene fits it.
fn fit(
    viewer: Res<Viewer>,
    area: Res<FreeArea>,
    view: Res<View>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut camera: Single<(&mut Camera, &mut Projection, &mut Transform), With<SceneCamera>>,
) {
    let scale = window.scale_factor();
    let r = area.0;
    let (w, h) = (window.physical_width(), window.physical_height());
    let x = ((r.min.x * scale) as u32).min(w.saturating_sub(1));
    let y = ((r.min.y * scale) as u32).min(h.saturating_sub(1));
    let size = UVec2::new(
        ((r.width() * scale) as u32).clamp(1, w - x),
        ((r.height() * scale) as u32).clamp(1, h - y),
    );
    let (cam, projection, transform) = &mut *camera;
    let position = UVec2::new(x, y);
    let same = cam
        .viewport
        .as_ref()
        .is_some_and(|v| v.physical_position == position && v.physical_size == size);
    if !same {
        cam.viewport = Some(Viewport {
            physical_position: position,
            physical_size: size,
            ..default()
        });
    }
    let (lo, hi) = viewer.layout.bounds;
    let margin = 30.0;
    let world = Vec2::new(hi[0] - lo[0] + 2.0 * margin, hi[1] - lo[1] + 2.0 * margin);
    let centre = Vec2::new(lo[0] + hi[0], lo[1] + hi[1]) / 2.0;
    if let Projection::Orthographic(ortho) = &mut **projection {
        // Fit the scene, but never magnify a small one beyond one world unit per pixel
        // (the user zooms for that).
        let (min_width, min_height) = (
            world.x.max(r.width()) / view.zoom,
            world.y.max(r.height()) / view.zoom,
        );
        let same = matches!(ortho.scaling_mode,
            ScalingMode::AutoMin { min_width: w, min_height: h } if w == min_width && h == min_height);
        if !same {
            ortho.scaling_mode = ScalingMode::AutoMin {
                min_width,
                min_height,
            };
        }
    }
    let at = (centre + view.pan).extend(0.0);
    if transform.translation != at {
        transform.translation = at;
    }
}

/// World units per logical pixel of the free area, where the scene is drawn.
fn world_per_pixel(o: &OrthographicProjection, area: &FreeArea) -> f32 {
    o.area.width() / area.0.width().max(1.0)
}

/// Whether the pointer is on the panels (or a window such as the error list) rather than
/// on the scene: outside the free area, or over an egui layer above the background (the
/// panels' root sits on the background layer across the whole window).
fn pointer_over_panels(contexts: &mut EguiContexts, area: &FreeArea, cursor: Vec2) -> bool {
    if !area.0.contains(cursor) {
        return true;
    }
    let Ok(ctx) = contexts.ctx_mut() else {
        return false;
    };
    ctx.layer_id_at(bevy_egui::egui::pos2(cursor.x, cursor.y))
        .is_some_and(|l| l.order != bevy_egui::egui::Order::Background)
}

/// The mouse this frame.
#[derive(bevy::ecs::system::SystemParam)]
struct Mouse<'w> {
    scroll: Res<'w, AccumulatedMouseScroll>,
    motion: Res<'w, AccumulatedMouseMotion>,
    buttons: Res<'w, ButtonInput<MouseButton>>,
}

fn zoom_and_pan(
    mut contexts: EguiContexts,
    mouse: Mouse,
    keys: Res<ButtonInput<KeyCode>>,
    mut view: ResMut<View>,
    area: Res<FreeArea>,
    window: Single<&Window, With<PrimaryWindow>>,
    projection: Single<&Projection, With<SceneCamera>>,
) {
    let Mouse {
        scroll,
        motion,
        buttons,
    } = mouse;
    if keys.just_pressed(KeyCode::Home) {
        *view = View::default();
    }
    let Some(cursor) = window.cursor_position() else {
        return;
    };
    if pointer_over_panels(&mut contexts, &area, cursor) {
        return;
    }
    if scroll.delta.y != 0.0 {
        view.zoom = (view.zoom * (1.0 + 0.1 * scroll.delta.y.signum())).clamp(0.3, 8.0);
    }
    if (buttons.pressed(MouseButton::Right) || buttons.pressed(MouseButton::Middle))
        && let Projection::Orthographic(o) = *projection
    {
        view.pan += Vec2::new(-motion.delta.x, motion.delta.y) * world_per_pixel(o, &area);
    }
}

fn pick(
    mut contexts: EguiContexts,
    buttons: Res<ButtonInput<MouseButton>>,
    window: Single<&Window, With<PrimaryWindow>>,
    camera: Single<(&Projection, &Transform), With<SceneCamera>>,
    viewer: Res<Viewer>,
    area: Res<FreeArea>,
    mut selected: ResMut<Selected>,
) {
    if !buttons.just_pressed(MouseButton::Left) {
        return;
    }
    let Some(cursor) = window.cursor_position() else {
        return;
    };
    if pointer_over_panels(&mut contexts, &area, cursor) {
        return;
    }
    let (projection, transform) = *camera;
    let Projection::Orthographic(o) = projection else {
        return;
    };
    // The camera's centre is drawn at the centre of the free area; y grows downwards on
    // screen and upwards in the world.
    let offset = cursor - area.0.center();
    let world = transform.translation.truncate()
        + Vec2::new(offset.x, -offset.y) * world_per_pixel(o, &area);
    selected.0 = viewer
        .layout
        .archs
        .iter()
        .enumerate()
        .find_map(|(a, l)| l.node_at([world.x, world.y]).map(|c| (a, c)));
}
