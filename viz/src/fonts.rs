//! The viewer's UI font, compiled into the binary from the repository's `assets/fonts/`
//! (Inter Regular, SIL Open Font License 1.1: `assets/fonts/OFL.txt`), so that `choreo`
//! runs from any folder and a packaged binary needs no files beside it. It replaces
//! Bevy's default font for the scene's labels and comes first in egui's proportional
//! family; egui's own fonts stay behind it for the symbols Inter lacks (▶, ⏸, ✖).

use std::sync::Arc;

use bevy::asset::AssetId;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

/// Inter Regular (OpenType).
pub const UI_FONT: &[u8] = include_bytes!("../../assets/fonts/Inter-Regular.otf");

/// Installs the font in Bevy and egui.
pub struct FontsPlugin;

impl Plugin for FontsPlugin {
    fn build(&self, app: &mut App) {
        // The default handle is what every `TextFont` without a font of its own uses.
        let font = Font::from_bytes(UI_FONT.to_vec());
        if let Some(mut fonts) = app.world_mut().get_resource_mut::<Assets<Font>>()
            && fonts.insert(AssetId::default(), font).is_err()
        {
            warn!("the UI font could not replace Bevy's default font");
        }
        app.add_systems(EguiPrimaryContextPass, egui_fonts);
    }
}

/// egui's font definitions with Inter first among the proportional fonts.
pub fn egui_definitions() -> egui::FontDefinitions {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "inter".to_owned(),
        Arc::new(egui::FontData::from_static(UI_FONT)),
    );
    fonts
        .families
        .entry(egui::FontFamily::Proportional)
        .or_default()
        .insert(0, "inter".to_owned());
    fonts
}

fn egui_fonts(mut contexts: EguiContexts, mut done: Local<bool>) -> Result {
    if !*done {
        contexts.ctx_mut()?.set_fonts(egui_definitions());
        *done = true;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use bevy_egui::egui;

    #[test]
    fn the_embedded_font_is_an_open_type_font_that_egui_lays_out() {
        // An OpenType file with CFF outlines starts with "OTTO".
        assert_eq!(&super::UI_FONT[..4], b"OTTO");
        let ctx = egui::Context::default();
        ctx.set_fonts(super::egui_definitions());
        let mut width = 0.0;
        let mut out = ctx.run_ui(egui::RawInput::default(), |ui| {
            let galley = ui.painter().layout_no_wrap(
                "choreo: 1,234 transactions".into(),
                egui::FontId::proportional(14.0),
                egui::Color32::WHITE,
            );
            width = galley.size().x;
        });
        // No renderer here to take the font texture (egui asserts, in debug builds, that
        // nothing is dropped unapplied).
        out.textures_delta.clear();
        assert!(width > 100.0 && width < 300.0, "laid out {width} px wide");
    }
}
