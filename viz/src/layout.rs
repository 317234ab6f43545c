//! Where every node goes: each architecture laid out left to right along the flow (entry →
//! functions → queues and topics → stores), the architectures stacked top to bottom.
//!
//! Pure geometry with no Bevy types, so it is tested on its own: columns are longest-path
//! ranks from the entry over the architecture's connections (back edges of cycles ignored),
//! rows are ordered by the barycentre of their neighbours, and the scenario's `layout`
//! hints pin a component to a (column, row) cell.

use choreo_sim::scenario::{Architecture, CompId, Scenario, Spec};

/// Horizontal distance between columns [world units].
pub const COLUMN: f32 = 230.0;
/// Vertical distance between rows [world units].
pub const ROW: f32 = 180.0;
/// Radius of a node's glyph [world units]; nodes closer than twice this overlap.
pub const NODE_RADIUS: f32 = 34.0;
/// Space above each architecture for its title [world units].
pub const TITLE: f32 = 70.0;

/// A 2-D point in world units (y up).
pub type Point = [f32; 2];

/// The path one edge's particles follow: a quadratic Bézier curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Path {
    /// Start, on the edge of the source glyph.
    pub from: Point,
    /// Control point (the midpoint for a straight edge).
    pub ctrl: Point,
    /// End, on the edge of the target glyph.
    pub to: Point,
}

impl Path {
    /// A path from centre `a` to centre `b` that starts and ends at the glyphs' rims, bowed
    /// sideways by `bend` (a fraction of the length; 0 is straight).
    pub fn between(a: Point, b: Point, bend: f32, trim_from: f32, trim_to: f32) -> Self {
        let d = [b[0] - a[0], b[1] - a[1]];
        let len = (d[0] * d[0] + d[1] * d[1]).sqrt().max(1e-3);
        let u = [d[0] / len, d[1] / len];
        let from = [a[0] + u[0] * trim_from, a[1] + u[1] * trim_from];
        let to = [b[0] - u[0] * trim_to, b[1] - u[1] * trim_to];
        let mid = [(from[0] + to[0]) / 2.0, (from[1] + to[1]) / 2.0];
        let ctrl = [mid[0] - u[1] * bend * len, mid[1] + u[0] * bend * len];
        Self { from, ctrl, to }
    }

    /// The point at parameter `t` in [0, 1].
    pub fn at(&self, t: f32) -> Point {
        let s = 1.0 - t;
        let f = |i: usize| s * s * self.from[i] + 2.0 * s * t * self.ctrl[i] + t * t * self.to[i];
        [f(0), f(1)]
    }

    /// The same path walked backwards.
    pub fn reversed(&self) -> Self {
        Self {
            from: self.to,
            ctrl: self.ctrl,
            to: self.from,
        }
    }
}

/// One connection as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Source component.
    pub from: CompId,
    /// Target component.
    pub to: CompId,
    /// Whether the caller waits (a call) rather than sending an event or message.
    pub sync: bool,
    /// Drawn path.
    pub path: Path,
}

/// One architecture's drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchLayout {
    /// Architecture name.
    pub name: String,
    /// Centre of each node by [`CompId`].
    pub nodes: Vec<Point>,
    /// The entry component.
    pub entry: CompId,
    /// Where users sit (left of the entry): arrivals start and responses end here.
    pub users: Point,
    /// Path from the users to the entry.
    pub entry_path: Path,
    /// Connections.
    pub edges: Vec<Edge>,
    /// Title position (top left of the band).
    pub title: Point,
    /// Band occupied by this architecture: (min, max) corners.
    pub bounds: (Point, Point),
}

impl ArchLayout {
    /// The index in `edges` of the connection `from → to`, if the topology has one.
    pub fn edge(&self, from: CompId, to: CompId) -> Option<usize> {
        self.edges.iter().position(|e| e.from == from && e.to == to)
    }

    /// The component whose glyph contains `p`, if any.
    pub fn node_at(&self, p: Point) -> Option<CompId> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (i, (n[0] - p[0]).powi(2) + (n[1] - p[1]).powi(2)))
            .filter(|&(_, d2)| d2 <= (NODE_RADIUS * 1.3).powi(2))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
    }
}

/// Every architecture of a scenario, stacked.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneLayout {
    /// One per architecture, top to bottom in scenario order.
    pub archs: Vec<ArchLayout>,
    /// Bounds of the whole scene: (min, max) corners.
    pub bounds: (Point, Point),
}

/// Lays out every architecture of `scenario`, the first at the top.
pub fn layout_scenario(scenario: &Scenario) -> SceneLayout {
    let mut archs = Vec::with_capacity(scenario.architectures.len());
    let mut top = 0.0f32;
    for arch in &scenario.architectures {
        let cells = cells(arch);
        let rows = cells.iter().map(|c| c.1).fold(0.0f32, f32::max) + 1.0;
        let columns = cells.iter().map(|c| c.0).fold(0.0f32, f32::max) + 1.0;
        let y0 = top - TITLE - ROW / 2.0;
        let nodes: Vec<Point> = cells
            .iter()
            .map(|&(c, r)| [c * COLUMN, y0 - r * ROW])
            .collect();
        let entry = nodes[arch.entry];
        let users = [-COLUMN * 0.75, entry[1]];
        let entry_path = Path::between(users, entry, 0.0, 14.0, NODE_RADIUS + 4.0);
        let mut edges = edges(arch, &nodes, &cells);
        let bottom = top - TITLE - rows * ROW;
        // A quadratic Bézier lies within the triangle of its three points: with the control
        // point inside the band, a bowed lane (a long back edge, say) cannot cross into
        // the next architecture's.
        for e in &mut edges {
            e.path.ctrl[1] = e.path.ctrl[1].clamp(bottom, top);
        }
        archs.push(ArchLayout {
            name: arch.name.clone(),
            entry: arch.entry,
            users,
            entry_path,
            edges,
            title: [-COLUMN, top - 10.0],
            bounds: (
                [-COLUMN * 1.1, bottom],
                [(columns - 0.5) * COLUMN + COLUMN * 0.2, top],
            ),
            nodes,
        });
        top = bottom - ROW * 0.25;
    }
    let min = [
        archs.iter().map(|a| a.bounds.0[0]).fold(0.0, f32::min),
        archs.iter().map(|a| a.bounds.0[1]).fold(0.0, f32::min),
    ];
    let max = [
        archs.iter().map(|a| a.bounds.1[0]).fold(0.0, f32::max),
        archs.iter().map(|a| a.bounds.1[1]).fold(0.0, f32::max),
    ];
    SceneLayout {
        archs,
        bounds: (min, max),
    }
}

/// Drawn connections: straight when they go forward one column, bowed otherwise so that
/// they do not run through other nodes, and bowed apart when two nodes talk both ways.
fn edges(arch: &Architecture, nodes: &[Point], cells: &[(f32, f32)]) -> Vec<Edge> {
    let all = arch.edges();
    all.iter()
        .map(|&(from, to, sync)| {
            let (ca, cb) = (cells[from], cells[to]);
            let both_ways = all.iter().any(|e| e.0 == to && e.1 == from);
            let span = (cb.0 - ca.0).abs();
            let bend = if both_ways {
                0.12
            } else if span > 1.5 || cb.0 <= ca.0 {
                0.18
            } else {
                0.0
            };
            Edge {
                from,
                to,
                sync,
                path: Path::between(
                    nodes[from],
                    nodes[to],
                    bend,
                    NODE_RADIUS + 4.0,
                    NODE_RADIUS + 4.0,
                ),
            }
        })
        .collect()
}

/// Whether a component is a terminal store (drawn in the last columns when nothing pins it).
fn is_store(spec: &Spec) -> bool {
    matches!(spec, Spec::Database(_) | Spec::External(_))
}

/// The (column, row) cell of every component.
fn cells(arch: &Architecture) -> Vec<(f32, f32)> {
    let n = arch.components.len();
    let edges = arch.edges();
    let mut succ = vec![Vec::new(); n];
    let mut pred = vec![Vec::new(); n];
    for &(a, b, _) in &edges {
        succ[a].push(b);
        pred[b].push(a);
    }
    // Forward edges: those a depth-first walk from the entry does not find closing a cycle.
    let mut forward = vec![Vec::new(); n];
    let mut state = vec![0u8; n]; // 0 new, 1 on the stack, 2 done
    let mut roots = vec![arch.entry];
    roots.extend((0..n).filter(|&i| pred[i].is_empty() && i != arch.entry));
    roots.extend(0..n);
    for root in roots {
        if state[root] != 0 {
            continue;
        }
        // Iterative DFS keeping each node's next-successor cursor.
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&w) = succ[v].get(*next) {
                *next += 1;
                match state[w] {
                    0 => {
                        forward[v].push(w);
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    2 => forward[v].push(w),
                    _ => {} // back edge: part of a cycle
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    // Longest-path ranks over the forward edges (a DAG), in topological order.
    let mut indegree = vec![0usize; n];
    for f in &forward {
        for &w in f {
            indegree[w] += 1;
        }
    }
    let mut order: Vec<CompId> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut i = 0;
    while i < order.len() {
        let v = order[i];
        for &w in &forward[v] {
            indegree[w] -= 1;
            if indegree[w] == 0 {
                order.push(w);
            }
        }
        i += 1;
    }
    let mut rank = vec![0usize; n];
    for &v in &order {
        for &w in &forward[v] {
            rank[w] = rank[w].max(rank[v] + 1);
        }
    }
    // Stores with nothing after them go one column after their last caller at least;
    // a node nothing leads to (unreachable) sits after the column of its targets' callers.
    for v in 0..n {
        if is_store(&arch.components[v].spec) && succ[v].is_empty() {
            let after = pred[v].iter().map(|&p| rank[p] + 1).max().unwrap_or(0);
            rank[v] = rank[v].max(after);
        }
    }
    let columns = rank.iter().copied().max().unwrap_or(0) + 1;
    // Rows: barycentre ordering, a few sweeps left to right.
    let mut layers: Vec<Vec<CompId>> = vec![Vec::new(); columns];
    for v in 0..n {
        if arch.positions[v].is_none() {
            layers[rank[v]].push(v);
        }
    }
    let mut row = vec![0.0f32; n];
    for layer in &layers {
        for (r, &v) in layer.iter().enumerate() {
            row[v] = r as f32;
        }
    }
    for (r, p) in row.iter_mut().zip(&arch.positions) {
        if let Some((_, pinned)) = p {
            *r = *pinned;
        }
    }
    for _ in 0..4 {
        for layer in layers.iter_mut().skip(1) {
            let key = |v: CompId| -> f32 {
                let ps = &pred[v];
                if ps.is_empty() {
                    row[v]
                } else {
                    ps.iter().map(|&p| row[p]).sum::<f32>() / ps.len() as f32
                }
            };
            let mut keyed: Vec<(f32, CompId)> = layer.iter().map(|&v| (key(v), v)).collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            *layer = keyed.into_iter().map(|(_, v)| v).collect();
            for (r, &v) in layer.iter().enumerate() {
                row[v] = r as f32;
            }
        }
    }
    // Pinned cells first, then every automatic node in the first free row of its column.
    let mut cells = vec![(0.0f32, 0.0f32); n];
    let mut taken: Vec<(f32, f32)> = Vec::new();
    for (cell, p) in cells.iter_mut().zip(&arch.positions) {
        if let Some(p) = *p {
            *cell = p;
            taken.push(p);
        }
    }
    for (c, layer) in layers.iter().enumerate() {
        let mut next = 0.0f32;
        for &v in layer {
            let column = c as f32;
            let mut r = next;
            while taken
                .iter()
                .any(|&(tc, tr)| (tc - column).abs() < 0.5 && (tr - r).abs() < 0.5)
            {
                r += 1.0;
            }
            cells[v] = (column, r);
            taken.push((column, r));
            next = r + 1.0;
        }
    }
    // Centre short columns against the tallest one.
    let height = cells.iter().map(|c| c.1).fold(0.0f32, f32::max);
    for layer in &layers {
        if layer.is_empty() {
            continue;
        }
        let used = layer.iter().map(|&v| cells[v].1).fold(0.0f32, f32::max);
        let shift = ((height - used) / 2.0).floor();
        let column = cells[layer[0]].0;
        let pinned_in_column =
            (0..n).any(|v| arch.positions[v].is_some() && (cells[v].0 - column).abs() < 0.5);
        if shift > 0.0 && !pinned_in_column {
            for &v in layer {
                cells[v].1 += shift;
            }
        }
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quadratic_path_starts_and_ends_at_the_rims() {
        let p = Path::between([0.0, 0.0], [100.0, 0.0], 0.0, 10.0, 20.0);
        assert_eq!(p.at(0.0), [10.0, 0.0]);
        assert_eq!(p.at(1.0), [80.0, 0.0]);
        assert_eq!(p.at(0.5), [45.0, 0.0]);
        let bent = Path::between([0.0, 0.0], [100.0, 0.0], 0.2, 0.0, 0.0);
        assert!((bent.at(0.5)[1] - 10.0).abs() < 1e-4, "{:?}", bent.at(0.5));
        assert_eq!(bent.reversed().at(0.0), bent.at(1.0));
    }
}
