//! The two kinds of figure every chart is: lines (with optional confidence bands, dots and
//! marked points) in one panel or as small multiples sharing their scales, and stacked
//! bars. Rendered to SVG text by plotters.
//!
//! Text is SVG `<text>` (the browser renders it; plotters estimates its size without any
//! font file, so nothing needs fontconfig). The legend is drawn below the plot, never over
//! the data, and its swatches are rectangles, so the only `<polyline>`s in a figure are its
//! data lines and the only `<polygon>`s its bands (the tests count them).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Series colours, in order (Tableau 10): distinct, and legible on white.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0xba, 0xb0, 0xac),
];

/// The colour of series `i`.
pub(crate) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A chart that could not be drawn (a plotters error, in words).
#[derive(Debug)]
pub(crate) struct ChartError(pub String);

fn draw_err<E: std::error::Error + Send + Sync>(
    e: plotters::drawing::DrawingAreaErrorKind<E>,
) -> ChartError {
    ChartError(e.to_string())
}

/// How the x axis maps values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum XScale {
    /// Linear.
    Linear,
    /// Base-10 logarithmic (values ≤ 0 are left out).
    Log,
    /// Categories: x is the index into these names.
    Categories(Vec<String>),
}

/// One data line.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    /// Legend name.
    pub name: String,
    /// Colour.
    pub color: RGBColor,
    /// (x, y) in data units, in x order.
    pub points: Vec<(f64, f64)>,
    /// (x, low, high): a band drawn under the line (a confidence interval).
    pub band: Vec<(f64, f64, f64)>,
    /// Whether each point is also drawn as a dot.
    pub dots: bool,
}

/// A marked point (a break-even), with its label.
#[derive(Debug, Clone)]
pub(crate) struct Marker {
    /// Where, in data units.
    pub x: f64,
    /// Where, in data units.
    pub y: f64,
    /// Text beside it.
    pub label: String,
}

/// One panel of a figure.
#[derive(Debug, Clone, Default)]
pub(crate) struct Panel {
    /// Its caption (small multiples only; empty for a lone panel).
    pub title: String,
    /// The lines.
    pub lines: Vec<Line>,
    /// Marked points.
    pub markers: Vec<Marker>,
}

/// A figure of lines: one panel, or small multiples sharing both scales.
#[derive(Debug, Clone)]
pub(crate) struct Figure {
    /// Title, above everything.
    pub title: String,
    /// The x axis's description.
    pub x_desc: String,
    /// How x maps.
    pub scale: XScale,
    /// The y axis's description.
    pub y_desc: String,
    /// The y range, if fixed (else from the data, from zero when `y_from_zero` and no
    /// value is negative).
    pub y_bounds: Option<(f64, f64)>,
    /// Whether the y axis starts at zero (for counts, costs).
    pub y_from_zero: bool,
    /// The panels.
    pub panels: Vec<Panel>,
    /// Legend entries (name, colour), shared by the panels.
    pub legend: Vec<(String, RGBColor)>,
    /// A line of small print under the legend.
    pub note: Option<String>,
}

const FONT: &str = "sans-serif";
const TITLE_H: u32 = 44;
const LEGEND_ROW_H: u32 = 24;

/// Renders a line figure as SVG text.
pub(crate) fn line_figure(fig: &Figure) -> Result<String, ChartError> {
    let n = fig.panels.len().max(1);
    let (cols, pw, ph) = if n == 1 {
        (1, 960, 520)
    } else {
        (n.min(3), 440, 330)
    };
    let rows = n.div_ceil(cols);
    let width = (cols * pw) as u32;
    let legend = legend_layout(&fig.legend, width);
    let legend_h = legend.len() as u32 * LEGEND_ROW_H + 12;
    let note_h = if fig.note.is_some() { 22 } else { 0 };
    let height = TITLE_H + (rows * ph) as u32 + legend_h + note_h;
    let (x_lo, x_hi) = x_range(fig);
    let (y_lo, y_hi) = y_range(fig);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        title(&root, &fig.title, width)?;
        let empty = Panel::default();
        for i in 0..n {
            let panel = fig.panels.get(i).unwrap_or(&empty);
            let (r, c) = (i / cols, i % cols);
            let area = root.clone().shrink(
                ((c * pw) as u32, TITLE_H + (r * ph) as u32),
                (pw as u32, ph as u32),
            );
            draw_panel(&root, &area, fig, panel, (x_lo, x_hi), (y_lo, y_hi))?;
        }
        let top = TITLE_H + (rows * ph) as u32 + 6;
        draw_legend(&root, &legend, top)?;
        if let Some(note) = &fig.note {
            draw_note(&root, note, top + legend_h)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// One panel: axes, bands, lines, dots, markers.
fn draw_panel(
    root: &DrawingArea<SVGBackend, Shift>,
    area: &DrawingArea<SVGBackend, Shift>,
    fig: &Figure,
    panel: &Panel,
    (x_lo, x_hi): (f64, f64),
    (y_lo, y_hi): (f64, f64),
) -> Result<(), ChartError> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(12)
        .margin_right(24)
        .x_label_area_size(48)
        .y_label_area_size(78);
    if !panel.title.is_empty() {
        builder.caption(&panel.title, (FONT, 19).into_font());
    }
    let mut chart = builder
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        .map_err(draw_err)?;
    let y_decimals = decimals(y_lo, y_hi);
    let y_fmt = |v: &f64| number(*v, y_decimals);
    let x_decimals = decimals(x_lo, x_hi);
    let x_fmt = |v: &f64| number(*v, x_decimals);
    let custom_x = fig.scale != XScale::Linear;
    {
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(fig.x_desc.as_str())
            .y_desc(fig.y_desc.as_str())
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 17))
            .light_line_style(WHITE.mix(0.0))
            .y_labels(8)
            .y_label_formatter(&y_fmt);
        if custom_x {
            mesh.disable_x_mesh().x_labels(0);
        } else {
            mesh.x_labels(8).x_label_formatter(&x_fmt);
        }
        mesh.draw().map_err(draw_err)?;
    }
    if custom_x {
        let ticks = match &fig.scale {
            XScale::Log => log_ticks(x_lo, x_hi),
            // Every k-th name where all would not fit side by side (at most one per
            // 110 px of the plot).
            XScale::Categories(names) => {
                let room = (area.dim_in_pixel().0 as usize / 110).max(2);
                let step = names.len().div_ceil(room).max(1);
                names
                    .iter()
                    .enumerate()
                    .step_by(step)
                    .map(|(i, n)| (i as f64, shorten(n, 14)))
                    .collect()
            }
            XScale::Linear => Vec::new(),
        };
        for (x, label) in ticks {
            let (px, bottom) = chart.backend_coord(&(x, y_lo));
            let (_, top) = chart.backend_coord(&(x, y_hi));
            let grid = RGBColor(0, 0, 0).mix(0.12).filled();
            root.draw(&Rectangle::new([(px, top), (px + 1, bottom)], grid))
                .map_err(draw_err)?;
            root.draw(&Rectangle::new(
                [(px, bottom), (px + 1, bottom + 5)],
                BLACK.filled(),
            ))
            .map_err(draw_err)?;
            root.draw(&Text::new(
                label,
                (px, bottom + 8),
                (FONT, 16)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(draw_err)?;
        }
    }
    // Every coordinate is kept within the axes: plotters' pixel arithmetic overflows on
    // a value far outside them (data near f64's limits, drawn on a fallback range).
    let tx = |x: f64| transform(&fig.scale, x).map(|x| x.clamp(x_lo, x_hi));
    let ty = |y: f64| y.clamp(y_lo, y_hi);
    for line in &panel.lines {
        let band: Vec<(f64, f64, f64)> = line
            .band
            .iter()
            .filter_map(|&(x, lo, hi)| Some((tx(x)?, ty(lo), ty(hi))))
            .collect();
        if band.len() >= 2 {
            let mut outline: Vec<(f64, f64)> = band.iter().map(|&(x, _, hi)| (x, hi)).collect();
            outline.extend(band.iter().rev().map(|&(x, lo, _)| (x, lo)));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    outline,
                    line.color.mix(0.2).filled(),
                )))
                .map_err(draw_err)?;
        }
    }
    for line in &panel.lines {
        let points: Vec<(f64, f64)> = line
            .points
            .iter()
            .filter_map(|&(x, y)| Some((tx(x)?, ty(y))))
            .collect();
        if points.len() >= 2 {
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    line.color.stroke_width(2),
                ))
                .map_err(draw_err)?;
        }
        if line.dots || points.len() == 1 {
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|&p| Circle::new(p, 3, line.color.filled())),
                )
                .map_err(draw_err)?;
        }
    }
    for m in &panel.markers {
        let Some(x) = tx(m.x) else { continue };
        let (px, py) = chart.backend_coord(&(x, ty(m.y)));
        let (_, bottom) = chart.backend_coord(&(x, y_lo));
        root.draw(&Rectangle::new(
            [(px, py), (px + 1, bottom)],
            RGBColor(0, 0, 0).mix(0.5).filled(),
        ))
        .map_err(draw_err)?;
        root.draw(&Circle::new((px, py), 6, BLACK.stroke_width(2)))
            .map_err(draw_err)?;
        // The label goes to the side with more room; below the point where every line
        // runs above it on that side (costs rising past a crossing), else above.
        let (x_mid, _) = chart.backend_coord(&((x_lo + x_hi) / 2.0, y_lo));
        let right = px <= x_mid;
        let (dx, h) = if right {
            (10, HPos::Left)
        } else {
            (-10, HPos::Right)
        };
        let probe = x + if right { 0.15 } else { -0.15 } * (x_hi - x_lo);
        let below = panel.lines.iter().all(|l| {
            let points: Vec<(f64, f64)> = l
                .points
                .iter()
                .filter_map(|&(x, y)| Some((tx(x)?, ty(y))))
                .collect();
            at(&points, probe).is_none_or(|y| y >= m.y)
        });
        let (top, v, ty) = if below {
            (py + 12, VPos::Top, py + 14)
        } else {
            (py - 34, VPos::Bottom, py - 14)
        };
        // On a white ground, so that a line passing under it does not cross the text.
        let w = (m.label.chars().count() as f64 * 7.2).ceil() as i32;
        let (x0, x1) = if right {
            (px + dx - 4, px + dx + w + 4)
        } else {
            (px + dx - w - 4, px + dx + 4)
        };
        root.draw(&Rectangle::new(
            [(x0, top), (x1, top + 22)],
            WHITE.mix(0.9).filled(),
        ))
        .map_err(draw_err)?;
        root.draw(&Text::new(
            m.label.clone(),
            (px + dx, ty),
            (FONT, 16).into_font().color(&BLACK).pos(Pos::new(h, v)),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}

/// Stacked bars: one bar per category, one segment per item.
#[derive(Debug, Clone)]
pub(crate) struct Bars {
    /// Title.
    pub title: String,
    /// The bars' names, left to right.
    pub categories: Vec<String>,
    /// Segments bottom up: name, colour, value per category.
    pub segments: Vec<(String, RGBColor, Vec<f64>)>,
    /// The y axis's description.
    pub y_desc: String,
    /// How a bar's total is written above it.
    pub total: fn(f64) -> String,
    /// A line of small print under the legend.
    pub note: Option<String>,
}

/// Renders stacked bars as SVG text.
pub(crate) fn bar_figure(bars: &Bars) -> Result<String, ChartError> {
    let width = 960u32;
    let ph = 520u32;
    let legend_items: Vec<(String, RGBColor)> = bars
        .segments
        .iter()
        .map(|(n, c, _)| (n.clone(), *c))
        .collect();
    let legend = legend_layout(&legend_items, width);
    let legend_h = legend.len() as u32 * LEGEND_ROW_H + 12;
    let note_h = if bars.note.is_some() { 22 } else { 0 };
    let height = TITLE_H + ph + legend_h + note_h;
    let n = bars.categories.len();
    let totals: Vec<f64> = (0..n)
        .map(|i| {
            bars.segments
                .iter()
                .map(|(_, _, v)| v.get(i).copied().unwrap_or(0.0).max(0.0))
                .sum()
        })
        .collect();
    let top = totals.iter().copied().fold(0.0, f64::max);
    let y_hi = if top > 0.0 && (top * 1.12).is_finite() {
        top * 1.12
    } else {
        1.0
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        title(&root, &bars.title, width)?;
        let area = root.clone().shrink((0, TITLE_H), (width, ph));
        let x_hi = n.max(1) as f64 - 0.5;
        let mut chart = ChartBuilder::on(&area)
            .margin(12)
            .margin_right(24)
            .x_label_area_size(48)
            .y_label_area_size(90)
            .build_cartesian_2d(-0.5..x_hi, 0.0..y_hi)
            .map_err(draw_err)?;
        let y_decimals = decimals(0.0, y_hi);
        let y_fmt = |v: &f64| number(*v, y_decimals);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_desc(bars.y_desc.as_str())
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 17))
            .light_line_style(WHITE.mix(0.0))
            .y_labels(8)
            .y_label_formatter(&y_fmt)
            .draw()
            .map_err(draw_err)?;
        for (i, name) in bars.categories.iter().enumerate() {
            let x = i as f64;
            let (px, bottom) = chart.backend_coord(&(x, 0.0));
            root.draw(&Text::new(
                shorten(name, 24),
                (px, bottom + 8),
                (FONT, 17)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(draw_err)?;
            let mut y0: f64 = 0.0;
            for (_, c, values) in &bars.segments {
                let v = values.get(i).copied().unwrap_or(0.0);
                if v <= 0.0 {
                    continue;
                }
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x - 0.3, y0.min(y_hi)), (x + 0.3, (y0 + v).min(y_hi))],
                        c.filled(),
                    )))
                    .map_err(draw_err)?;
                y0 += v;
            }
            let (_, ptop) = chart.backend_coord(&(x, totals[i].min(y_hi)));
            root.draw(&Text::new(
                (bars.total)(totals[i]),
                (px, ptop - 6),
                (FONT, 17)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Bottom)),
            ))
            .map_err(draw_err)?;
        }
        let top = TITLE_H + ph + 6;
        draw_legend(&root, &legend, top)?;
        if let Some(note) = &bars.note {
            draw_note(&root, note, top + legend_h)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// A figure's note, in grey at the left, its top at `y`.
fn draw_note(root: &DrawingArea<SVGBackend, Shift>, note: &str, y: u32) -> Result<(), ChartError> {
    root.draw(&Text::new(
        note.to_string(),
        (12, y as i32),
        (FONT, 16)
            .into_font()
            .color(&RGBColor(0x55, 0x55, 0x55))
            .pos(Pos::new(HPos::Left, VPos::Top)),
    ))
    .map_err(draw_err)
}

fn title(root: &DrawingArea<SVGBackend, Shift>, text: &str, width: u32) -> Result<(), ChartError> {
    root.draw(&Text::new(
        text.to_string(),
        ((width / 2) as i32, 12),
        (FONT, 24)
            .into_font()
            .style(FontStyle::Bold)
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(draw_err)?;
    Ok(())
}

/// Estimated width of `text` at the legend's font [px] (an average glyph of sans-serif at
/// 16 / 1.24 px, the size plotters writes, is about 7 px wide; with room to spare).
fn text_width(text: &str) -> u32 {
    (text.chars().count() as f64 * 8.5).ceil() as u32
}

/// Legend entries laid out in rows that fit `width`: per row, (entry, x).
fn legend_layout(items: &[(String, RGBColor)], width: u32) -> Vec<Vec<(String, RGBColor, u32)>> {
    let mut rows: Vec<Vec<(String, RGBColor, u32)>> = Vec::new();
    let mut x = 0;
    for (name, c) in items {
        let name = shorten(name, 60);
        let w = 20 + text_width(&name) + 24;
        if rows.is_empty() || (x + w > width.saturating_sub(24) && x > 0) {
            rows.push(Vec::new());
            x = 0;
        }
        if let Some(row) = rows.last_mut() {
            row.push((name, *c, x + 24));
        }
        x += w;
    }
    rows
}

fn draw_legend(
    root: &DrawingArea<SVGBackend, Shift>,
    rows: &[Vec<(String, RGBColor, u32)>],
    top: u32,
) -> Result<(), ChartError> {
    for (r, row) in rows.iter().enumerate() {
        let y = (top + r as u32 * LEGEND_ROW_H) as i32;
        for (name, c, x) in row {
            let x = *x as i32;
            root.draw(&Rectangle::new([(x, y + 3), (x + 14, y + 17)], c.filled()))
                .map_err(draw_err)?;
            root.draw(&Text::new(
                name.clone(),
                (x + 20, y + 10),
                (FONT, 16)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(draw_err)?;
        }
    }
    Ok(())
}

/// The y of a line (points in x order) at `x`, linearly interpolated; `None` outside it.
fn at(points: &[(f64, f64)], x: f64) -> Option<f64> {
    points.windows(2).find_map(|w| {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        (x0 <= x && x <= x1 && x1 > x0).then(|| y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    })
}

/// `x` on the plot's axis: itself, its base-10 logarithm, or nothing (≤ 0 on a log axis).
fn transform(scale: &XScale, x: f64) -> Option<f64> {
    match scale {
        XScale::Log if x > 0.0 => Some(x.log10()),
        XScale::Log => None,
        _ => Some(x),
    }
}

/// The x range on the plot's axis, with a little room at the ends.
fn x_range(fig: &Figure) -> (f64, f64) {
    finite_or_unit(x_range_of(fig))
}

/// A range that can be drawn: finite and not empty, else 0 to 1 (values near the limits
/// of f64, whose padding overflows).
fn finite_or_unit((lo, hi): (f64, f64)) -> (f64, f64) {
    if lo.is_finite() && hi.is_finite() && hi > lo {
        (lo, hi)
    } else {
        (0.0, 1.0)
    }
}

fn x_range_of(fig: &Figure) -> (f64, f64) {
    if let XScale::Categories(names) = &fig.scale {
        return (-0.5, names.len().max(1) as f64 - 0.5);
    }
    let xs = fig.panels.iter().flat_map(|p| {
        p.lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.0))
            .chain(p.markers.iter().map(|m| m.x))
    });
    let (lo, hi) = bounds(xs.filter_map(|x| transform(&fig.scale, x)));
    match (lo, hi) {
        (Some(lo), Some(hi)) if hi > lo => {
            let pad = (hi - lo) * 0.02;
            (lo - pad, hi + pad)
        }
        (Some(v), Some(_)) => (v - 1.0, v + 1.0),
        _ => (0.0, 1.0),
    }
}

/// The y range: fixed, or the data's (bands and markers included) with room above.
fn y_range(fig: &Figure) -> (f64, f64) {
    finite_or_unit(y_range_of(fig))
}

fn y_range_of(fig: &Figure) -> (f64, f64) {
    if let Some(b) = fig.y_bounds {
        return b;
    }
    let ys = fig.panels.iter().flat_map(|p| {
        p.lines
            .iter()
            .flat_map(|l| {
                l.points
                    .iter()
                    .map(|p| p.1)
                    .chain(l.band.iter().flat_map(|b| [b.1, b.2]))
            })
            .chain(p.markers.iter().map(|m| m.y))
    });
    let (lo, hi) = bounds(ys);
    let (Some(mut lo), Some(mut hi)) = (lo, hi) else {
        return (0.0, 1.0);
    };
    if fig.y_from_zero && lo >= 0.0 {
        lo = 0.0;
    }
    if hi <= lo {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return (
            lo - if fig.y_from_zero && lo >= 0.0 { 0.0 } else { d },
            hi + d,
        );
    }
    hi += (hi - lo) * 0.08;
    (lo, hi)
}

fn bounds(values: impl Iterator<Item = f64>) -> (Option<f64>, Option<f64>) {
    values
        .filter(|v| v.is_finite())
        .fold((None, None), |(lo, hi), v| {
            (
                Some(lo.map_or(v, |l: f64| l.min(v))),
                Some(hi.map_or(v, |h: f64| h.max(v))),
            )
        })
}

/// Tick positions and labels of a log axis between `lo` and `hi` (base-10 logarithms):
/// the decades, and 2× and 5× between them when fewer than four decades show.
fn log_ticks(lo: f64, hi: f64) -> Vec<(f64, String)> {
    let (k0, k1) = (lo.floor() as i32, hi.ceil() as i32);
    let multiples: &[f64] = if k1 - k0 >= 5 {
        &[1.0]
    } else {
        &[1.0, 2.0, 5.0]
    };
    let mut ticks = Vec::new();
    for k in k0..=k1 {
        for m in multiples {
            let v = m * 10f64.powi(k);
            let lv = v.log10();
            if lv >= lo - 1e-9 && lv <= hi + 1e-9 {
                ticks.push((lv, short(v)));
            }
        }
    }
    ticks
}

/// Decimals that tell apart ticks about a tenth of the range apart.
fn decimals(lo: f64, hi: f64) -> usize {
    let span = (hi - lo).abs();
    if span <= 0.0 || !span.is_finite() {
        return 2;
    }
    let step = span / 8.0;
    (-step.log10().floor()).clamp(0.0, 12.0) as usize
}

/// A tick label: `decimals` decimals, or an exponent for very large values.
fn number(v: f64, decimals: usize) -> String {
    if v.abs() >= 1e7 {
        return format!("{v:.2e}");
    }
    let text = format!("{:.*}", decimals, v + 0.0);
    if text.starts_with('-') && text.trim_start_matches(['-', '0', '.']).is_empty() {
        return text[1..].to_string();
    }
    text
}

/// A value in its shortest form (6 significant digits at most): 0.2, 5, 1000, 1e+06.
pub(crate) fn short(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e6 || v.abs() < 1e-4) {
        let text = format!("{v:.3e}");
        return match text.split_once('e') {
            Some((m, e)) => {
                let m = m.trim_end_matches('0').trim_end_matches('.');
                format!("{m}e{e}")
            }
            None => text,
        };
    }
    let magnitude = if v == 0.0 {
        0
    } else {
        v.abs().log10().floor() as i32
    };
    let decimals = (5 - magnitude).clamp(0, 10) as usize;
    let text = format!("{:.*}", decimals, v + 0.0);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// `v` to `digits` significant digits, in shortest form: 14.29, 0.3568, 1200.
pub(crate) fn significant(v: f64, digits: i32) -> String {
    if v == 0.0 || !v.is_finite() {
        return short(v);
    }
    let magnitude = v.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits - 1 - magnitude);
    short((v * scale).round() / scale)
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_drop_float_noise_and_trailing_zeros() {
        assert_eq!(short(0.1 + 0.2), "0.3");
        assert_eq!(short(5.0), "5");
        assert_eq!(short(1000.0), "1000");
        assert_eq!(short(6.190476), "6.19048");
        assert_eq!(short(2_500_000.0), "2.5e6");
        assert_eq!(short(0.00002), "2e-5");
        assert_eq!(short(0.0), "0");
    }

    #[test]
    fn significant_digits_round_without_float_noise() {
        assert_eq!(significant(14.28619, 4), "14.29");
        assert_eq!(significant(0.356842, 4), "0.3568");
        assert_eq!(significant(1234.5, 2), "1200");
        assert_eq!(significant(6.0, 4), "6");
    }

    #[test]
    fn log_ticks_are_decades_and_their_2_and_5_multiples_within_the_range() {
        let ticks: Vec<String> = log_ticks(0.0, 2.0).into_iter().map(|t| t.1).collect();
        assert_eq!(ticks, ["1", "2", "5", "10", "20", "50", "100"]);
        let wide: Vec<String> = log_ticks(-1.0, 5.0).into_iter().map(|t| t.1).collect();
        assert_eq!(wide, ["0.1", "1", "10", "100", "1000", "10000", "100000"]);
    }

    #[test]
    fn a_legend_wraps_into_rows_that_fit_the_width() {
        let items: Vec<(String, RGBColor)> = (0..12)
            .map(|i| (format!("architecture-{i} · component"), color(i)))
            .collect();
        let rows = legend_layout(&items, 960);
        assert!(rows.len() > 1);
        assert_eq!(rows.iter().map(Vec::len).sum::<usize>(), 12);
        for row in &rows {
            let (name, _, x) = row.last().unwrap();
            assert!(x + 20 + text_width(name) <= 960, "{name} at {x}");
        }
    }
}
