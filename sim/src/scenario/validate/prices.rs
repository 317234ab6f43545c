//! Prices: a `Prices(...)` block checked into overrides, laid over a price book (the
//! calibrated defaults for the scenario's, an architecture's platform preset for its own),
//! and the one check that every price (the book's and a component's own) passes.

use super::ctx::Ctx;
use crate::calibration as cal;
use crate::engine::SimTime;
use crate::scenario::raw::RawPrices;

/// The price book's prices by name, in one order shared by [`values`] and [`slots`].
const NAMES: [&str; 17] = [
    "function_gb_second",
    "function_gb_second_arm",
    "function_requests_per_million",
    "gateway_requests_per_million",
    "queue_requests_per_million",
    "topic_publishes_per_million",
    "storage_puts_per_thousand",
    "storage_gets_per_thousand",
    "database_writes_per_million",
    "database_reads_per_million",
    "provisioned_gb_second",
    "orchestrator_transitions_per_million",
    "provisioned_duration_gb_second",
    "function_vcpu_second",
    "provisioned_vcpu_second",
    "provisioned_gb_second_arm",
    "provisioned_duration_gb_second_arm",
];

/// The prices a `Prices(...)` gives, in the order of [`NAMES`].
fn values(raw: &RawPrices) -> [Option<f64>; 17] {
    [
        raw.function_gb_second,
        raw.function_gb_second_arm,
        raw.function_requests_per_million,
        raw.gateway_requests_per_million,
        raw.queue_requests_per_million,
        raw.topic_publishes_per_million,
        raw.storage_puts_per_thousand,
        raw.storage_gets_per_thousand,
        raw.database_writes_per_million,
        raw.database_reads_per_million,
        raw.provisioned_gb_second,
        raw.orchestrator_transitions_per_million,
        raw.provisioned_duration_gb_second,
        raw.function_vcpu_second,
        raw.provisioned_vcpu_second,
        raw.provisioned_gb_second_arm,
        raw.provisioned_duration_gb_second_arm,
    ]
}

/// The book's prices, in the order of [`NAMES`].
fn slots(book: &mut cal::PriceBook) -> [&mut f64; 17] {
    [
        &mut book.function_gb_second,
        &mut book.function_gb_second_arm,
        &mut book.function_requests_per_million,
        &mut book.gateway_requests_per_million,
        &mut book.queue_requests_per_million,
        &mut book.topic_publishes_per_million,
        &mut book.storage_puts_per_thousand,
        &mut book.storage_gets_per_thousand,
        &mut book.database_writes_per_million,
        &mut book.database_reads_per_million,
        &mut book.provisioned_gb_second,
        &mut book.orchestrator_transitions_per_million,
        &mut book.provisioned_duration_gb_second,
        &mut book.function_vcpu_second,
        &mut book.provisioned_vcpu_second,
        &mut book.provisioned_gb_second_arm,
        &mut book.provisioned_duration_gb_second_arm,
    ]
}

/// What one `Prices(...)` overrides, checked: a field that failed its check is left out.
#[derive(Debug, Clone, Default)]
pub(super) struct Overrides {
    prices: [Option<f64>; 17],
    bill_init: Option<bool>,
    bill_per_instance: Option<bool>,
    billing_granularity: Option<SimTime>,
    billing_minimum: Option<SimTime>,
    memory_step_mb: Option<u32>,
}

impl Overrides {
    /// Lays the overrides over `book`.
    pub(super) fn apply(&self, book: &mut cal::PriceBook) {
        for (slot, value) in slots(book).into_iter().zip(self.prices) {
            if let Some(v) = value {
                *slot = v;
            }
        }
        book.bill_init = self.bill_init.unwrap_or(book.bill_init);
        book.bill_per_instance = self.bill_per_instance.unwrap_or(book.bill_per_instance);
        book.billing_granularity = self.billing_granularity.unwrap_or(book.billing_granularity);
        book.billing_minimum = self.billing_minimum.unwrap_or(book.billing_minimum);
        book.memory_step_mb = self.memory_step_mb.unwrap_or(book.memory_step_mb);
    }
}

/// The overrides of `raw`, found at `path` (`prices`, `architectures[i].prices`); each
/// problem reported there.
pub(super) fn overrides(raw: &RawPrices, ctx: &mut Ctx, path: &str) -> Overrides {
    let mut o = Overrides {
        bill_init: raw.bill_init,
        bill_per_instance: raw.bill_per_instance,
        ..Overrides::default()
    };
    for ((name, value), slot) in NAMES.iter().zip(values(raw)).zip(&mut o.prices) {
        if let Some(v) = value
            && price(ctx, &format!("{path}.{name}"), v, true)
        {
            *slot = Some(v);
        }
    }
    o.billing_granularity = raw
        .billing_granularity
        .as_ref()
        .and_then(|t| ctx.positive_duration(&format!("{path}.billing_granularity"), t));
    o.billing_minimum = raw
        .billing_minimum
        .as_ref()
        .and_then(|t| ctx.duration(&format!("{path}.billing_minimum"), t));
    o.memory_step_mb = match raw.memory_step_mb {
        Some(0) => {
            ctx.error(&format!("{path}.memory_step_mb"), "must be at least 1");
            None
        }
        step => step,
    };
    o
}

/// The scenario's price book: the calibrated defaults (AWS), with the scenario's prices
/// where it gives them; and those overrides, which every architecture's book takes too.
pub(super) fn prices(raw: &RawPrices, ctx: &mut Ctx) -> (cal::PriceBook, Overrides) {
    let o = overrides(raw, ctx, "prices");
    let mut book = cal::PriceBook::default();
    o.apply(&mut book);
    (book, o)
}

/// Whether `usd` is a price: finite, and zero or more. If not, an error at `path`, which
/// names the value found when `show_found` is set (the price book's fields do, a
/// component's prices do not).
pub(super) fn price(ctx: &mut Ctx, path: &str, usd: f64, show_found: bool) -> bool {
    let ok = usd.is_finite() && usd >= 0.0;
    if !ok {
        let message = if show_found {
            format!("a price must be zero or more, found {usd}")
        } else {
            "a price must be zero or more".to_string()
        };
        ctx.error(path, message);
    }
    ok
}
