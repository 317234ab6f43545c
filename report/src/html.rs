//! index.html: one self-contained page (no file beside it is needed): the charts as
//! `data:` URIs, the break-even points, the summary table, and notes.

use std::fmt::Write as _;

use base64::Engine as _;

use crate::breakeven::money;
use crate::chart::short;
use crate::{FolderKind, Page};

/// Text escaped for HTML (element content and quoted attributes).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
body { font-family: sans-serif; margin: 2em auto; max-width: 1300px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; }
figure { margin: 1.5em 0; } figcaption { color: #444; margin: 0.3em 0 0.6em; }
img { max-width: 100%; height: auto; border: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f0f0f0; position: sticky; top: 0; }
.wide { overflow-x: auto; max-height: 80vh; }
nav a { margin-right: 1em; }
";

/// The page, as HTML text.
pub(crate) fn page(p: &Page) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"generator\" content=\"choreo report\">\n<title>{}</title>\n\
         <style>\n{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&p.title),
        escape(&p.title)
    );
    for line in &p.about {
        let _ = writeln!(h, "<p>{}</p>", escape(line));
    }
    if !p.charts.is_empty() {
        h.push_str("<nav>");
        for c in &p.charts {
            let _ = write!(
                h,
                "<a href=\"#{}\">{}</a>",
                escape(&anchor(&c.file)),
                escape(&c.title)
            );
        }
        h.push_str("<a href=\"#summary\">summary table</a></nav>\n");
    }
    if p.kind == FolderKind::Sweep {
        h.push_str("<h2 id=\"break-even\">Break-even</h2>\n");
        if p.break_evens.is_empty() {
            h.push_str(
                "<p>No two architectures' cost lines cross within the sweep (or its first \
                 parameter is not numeric).</p>\n",
            );
        } else {
            h.push_str(
                "<p>Where two architectures cost the same: the cost per month (cost_usd × 30 \
                 days / horizon_s) interpolated linearly between the sweep points that \
                 bracket the change of sign.</p>\n<table id=\"break-evens\">\n<thead><tr>\
                 <th>architectures</th><th>parameter</th><th>at</th><th>between</th>\
                 <th>other parameters</th><th>cost per month each [USD]</th>\
                 <th>cheaper below</th></tr></thead>\n<tbody>\n",
            );
            for b in &p.break_evens {
                let fixed: Vec<String> =
                    b.fixed.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                let _ = writeln!(
                    h,
                    "<tr><td>{} and {}</td><td>{}</td><td>{}</td><td>{} – {}</td><td>{}</td>\
                     <td>{}</td><td>{}</td></tr>",
                    escape(&b.architectures.0),
                    escape(&b.architectures.1),
                    escape(&b.parameter),
                    short(b.at),
                    short(b.between.0),
                    short(b.between.1),
                    escape(&fixed.join(", ")),
                    money(b.cost_per_month_usd),
                    escape(&b.cheaper_below),
                );
            }
            h.push_str("</tbody>\n</table>\n");
        }
    }
    let engine = base64::engine::general_purpose::STANDARD;
    for c in &p.charts {
        let _ = write!(
            h,
            "<figure id=\"{}\">\n<h2>{}</h2>\n<figcaption>{}</figcaption>\n\
             <img alt=\"{}\" src=\"data:image/svg+xml;base64,{}\">\n</figure>\n",
            escape(&anchor(&c.file)),
            escape(&c.title),
            escape(&c.caption),
            escape(&c.title),
            engine.encode(c.svg.as_bytes())
        );
    }
    let t = &p.table;
    let _ = write!(
        h,
        "<h2 id=\"summary\">{}</h2>\n<p>{}</p>\n<div class=\"wide\">\n<table id=\"summary-table\">\n<thead><tr>",
        escape(&t.heading),
        escape(&t.caption)
    );
    for name in &t.header {
        let _ = write!(h, "<th>{}</th>", escape(name));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        h.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let tag = if i == 0 && p.kind == FolderKind::Run {
                "th"
            } else {
                "td"
            };
            let _ = write!(h, "<{tag}>{}</{tag}>", escape(cell));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n</div>\n");
    if !p.notes.is_empty() {
        h.push_str("<h2>Notes</h2>\n<ul>\n");
        for n in &p.notes {
            let _ = writeln!(h, "<li>{}</li>", escape(n));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// A chart's anchor in the page: its file name without `.svg`.
fn anchor(file: &str) -> String {
    file.trim_end_matches(".svg").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
