//! Break-even: where two architectures' cost lines cross along a numeric sweep parameter.
//!
//! Costs are compared per month (`cost_usd` × 30 days / `horizon_s`, so that points of
//! different horizons compare). Between two sweep points whose cost differences have
//! opposite signs, the crossing is interpolated linearly; a point where the two cost
//! exactly the same, with the sign changing across it, is the crossing itself. Points
//! where the two tie without a change of sign are no crossing.

use crate::chart::short;

/// Seconds in the month the report prices by (30 days).
pub const MONTH_S: f64 = 30.0 * 86_400.0;

/// Where two architectures cost the same.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakEven {
    /// The two architectures, in the sweep's order.
    pub architectures: (String, String),
    /// The cheaper of the two below the crossing (at smaller parameter values).
    pub cheaper_below: String,
    /// The varied parameter (its path).
    pub parameter: String,
    /// The parameter's value at the crossing.
    pub at: f64,
    /// The two sweep points it lies between (equal when it is a point itself).
    pub between: (f64, f64),
    /// What each costs per month there [USD].
    pub cost_per_month_usd: f64,
    /// What each costs over the horizon there [USD] (interpolated `cost_usd`).
    pub cost_usd: f64,
    /// The other varied parameters' values (path, value) of the panel it is in.
    pub fixed: Vec<(String, String)>,
}

impl BreakEven {
    /// One line for the terminal and the report.
    pub fn describe(&self) -> String {
        let (a, b) = &self.architectures;
        let above = if self.cheaper_below == *a { b } else { a };
        let between = if self.between.0 == self.between.1 {
            "a sweep point".to_string()
        } else {
            format!(
                "between {} and {}",
                short(self.between.0),
                short(self.between.1)
            )
        };
        let fixed = if self.fixed.is_empty() {
            String::new()
        } else {
            let f: Vec<String> = self
                .fixed
                .iter()
                .map(|(p, v)| format!("{p} = {v}"))
                .collect();
            format!(" (with {})", f.join(", "))
        };
        format!(
            "{a} and {b} cost the same at {} = {} ({between}){fixed}: {} USD per month each; \
             {} is cheaper below, {above} above",
            self.parameter,
            short(self.at),
            money(self.cost_per_month_usd),
            self.cheaper_below,
        )
    }
}

/// An amount of money to the cent, or to 4 significant digits below a dollar.
pub(crate) fn money(usd: f64) -> String {
    if usd.abs() >= 1.0 {
        format!("{usd:.2}")
    } else {
        short(usd)
    }
}

/// One sweep point of a pair: parameter value, the two costs per month, and the first's
/// cost over the horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PairPoint {
    pub x: f64,
    pub a_month: f64,
    pub b_month: f64,
    pub a_cost: f64,
}

/// A crossing found: where, between which points, the cost per month and over the
/// horizon there, and whether the first architecture is the cheaper below.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Crossing {
    pub at: f64,
    pub between: (f64, f64),
    pub month: f64,
    pub cost: f64,
    pub a_cheaper_below: bool,
}

/// The crossings of two cost lines given at `points` (sorted by x).
pub(crate) fn crossings(points: &[PairPoint]) -> Vec<Crossing> {
    let d = |p: &PairPoint| p.a_month - p.b_month;
    let mut out = Vec::new();
    // The last point whose difference is not zero.
    let mut last: Option<usize> = None;
    for (k, p) in points.iter().enumerate() {
        if d(p) == 0.0 {
            continue;
        }
        if let Some(j) = last {
            let (dj, dk) = (d(&points[j]), d(p));
            if dj.signum() != dk.signum() {
                let c = if k > j + 1 {
                    // Ties in between: the first of them is where they meet.
                    let z = &points[j + 1];
                    Crossing {
                        at: z.x,
                        between: (z.x, z.x),
                        month: z.a_month,
                        cost: z.a_cost,
                        a_cheaper_below: dj < 0.0,
                    }
                } else {
                    let q = &points[j];
                    let t = dj / (dj - dk);
                    Crossing {
                        at: q.x + t * (p.x - q.x),
                        between: (q.x, p.x),
                        month: q.a_month + t * (p.a_month - q.a_month),
                        cost: q.a_cost + t * (p.a_cost - q.a_cost),
                        a_cheaper_below: dj < 0.0,
                    }
                };
                out.push(c);
            }
        }
        last = Some(k);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: f64, a: f64, b: f64) -> PairPoint {
        PairPoint {
            x,
            a_month: a,
            b_month: b,
            a_cost: a / 10.0,
        }
    }

    #[test]
    fn a_flat_and_a_linear_cost_cross_where_the_line_reaches_the_flat_one() {
        // a: 70 a month whatever x; b: 10 x. They meet at x = 7, between 4 and 8.
        let points: Vec<PairPoint> = [1.0, 2.0, 4.0, 8.0, 16.0]
            .iter()
            .map(|&x| p(x, 70.0, 10.0 * x))
            .collect();
        let c = crossings(&points);
        assert_eq!(c.len(), 1);
        assert!((c[0].at - 7.0).abs() < 1e-12, "{c:?}");
        assert_eq!(c[0].between, (4.0, 8.0));
        assert!((c[0].month - 70.0).abs() < 1e-12);
        assert!((c[0].cost - 7.0).abs() < 1e-12);
        // b is cheaper below.
        assert!(!c[0].a_cheaper_below);
    }

    #[test]
    fn lines_that_cross_twice_give_two_crossings_and_touching_is_none() {
        // b − a: −1, +1, −1: two crossings, midway.
        let c = crossings(&[p(0.0, 2.0, 1.0), p(1.0, 1.0, 2.0), p(2.0, 2.0, 1.0)]);
        let at: Vec<f64> = c.iter().map(|c| c.at).collect();
        assert_eq!(at, [0.5, 1.5]);
        // Equal at a point, the same side before and after: no crossing.
        assert!(crossings(&[p(0.0, 2.0, 1.0), p(1.0, 1.0, 1.0), p(2.0, 2.0, 1.0)]).is_empty());
        // Equal everywhere: none.
        assert!(crossings(&[p(0.0, 1.0, 1.0), p(1.0, 1.0, 1.0)]).is_empty());
    }

    #[test]
    fn a_tie_at_a_sweep_point_with_the_sign_changing_across_it_is_the_crossing() {
        let c = crossings(&[
            p(1.0, 1.0, 3.0),
            p(2.0, 2.0, 2.0),
            p(3.0, 2.5, 2.0),
            p(4.0, 3.0, 2.0),
        ]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].at, 2.0);
        assert_eq!(c[0].between, (2.0, 2.0));
        assert!(c[0].a_cheaper_below);
    }

    #[test]
    fn the_description_names_both_the_point_and_the_cheaper_side() {
        let b = BreakEven {
            architectures: ("monolith".into(), "serverless".into()),
            cheaper_below: "serverless".into(),
            parameter: "load".into(),
            at: 6.190476,
            between: (4.0, 8.0),
            cost_per_month_usd: 69.12,
            cost_usd: 0.096,
            fixed: vec![("memory".into(), "512".into())],
        };
        assert_eq!(
            b.describe(),
            "monolith and serverless cost the same at load = 6.19048 (between 4 and 8) \
             (with memory = 512): 69.12 USD per month each; serverless is cheaper below, \
             monolith above"
        );
    }
}
