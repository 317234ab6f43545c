//! Prices: the scenario's price book over the calibrated defaults, and the one check that
//! every price (the book's and a component's own) passes.

use super::ctx::Ctx;
use crate::calibration as cal;
use crate::scenario::raw::RawPrices;

/// The price book: the calibrated defaults, with the scenario's prices where it gives them.
pub(super) fn prices(raw: &RawPrices, ctx: &mut Ctx) -> cal::PriceBook {
    let mut book = cal::PriceBook::default();
    book.bill_init = raw.bill_init.unwrap_or(book.bill_init);
    let fields: [(&str, Option<f64>, &mut f64); 15] = [
        (
            "function_gb_second",
            raw.function_gb_second,
            &mut book.function_gb_second,
        ),
        (
            "function_gb_second_arm",
            raw.function_gb_second_arm,
            &mut book.function_gb_second_arm,
        ),
        (
            "function_requests_per_million",
            raw.function_requests_per_million,
            &mut book.function_requests_per_million,
        ),
        (
            "gateway_requests_per_million",
            raw.gateway_requests_per_million,
            &mut book.gateway_requests_per_million,
        ),
        (
            "queue_requests_per_million",
            raw.queue_requests_per_million,
            &mut book.queue_requests_per_million,
        ),
        (
            "topic_publishes_per_million",
            raw.topic_publishes_per_million,
            &mut book.topic_publishes_per_million,
        ),
        (
            "storage_puts_per_thousand",
            raw.storage_puts_per_thousand,
            &mut book.storage_puts_per_thousand,
        ),
        (
            "storage_gets_per_thousand",
            raw.storage_gets_per_thousand,
            &mut book.storage_gets_per_thousand,
        ),
        (
            "database_writes_per_million",
            raw.database_writes_per_million,
            &mut book.database_writes_per_million,
        ),
        (
            "database_reads_per_million",
            raw.database_reads_per_million,
            &mut book.database_reads_per_million,
        ),
        (
            "provisioned_gb_second",
            raw.provisioned_gb_second,
            &mut book.provisioned_gb_second,
        ),
        (
            "orchestrator_transitions_per_million",
            raw.orchestrator_transitions_per_million,
            &mut book.orchestrator_transitions_per_million,
        ),
        (
            "provisioned_duration_gb_second",
            raw.provisioned_duration_gb_second,
            &mut book.provisioned_duration_gb_second,
        ),
        (
            "provisioned_gb_second_arm",
            raw.provisioned_gb_second_arm,
            &mut book.provisioned_gb_second_arm,
        ),
        (
            "provisioned_duration_gb_second_arm",
            raw.provisioned_duration_gb_second_arm,
            &mut book.provisioned_duration_gb_second_arm,
        ),
    ];
    for (name, value, slot) in fields {
        if let Some(v) = value
            && price(ctx, &format!("prices.{name}"), v, true)
        {
            *slot = v;
        }
    }
    book
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
