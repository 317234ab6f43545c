//! Units in scenario text: durations written as strings with a unit ("250ms", "5m").

use crate::engine::SimTime;

/// Parses a duration such as `"250ms"`, `"1.5s"`, `"5m"`, `"1h"`, `"2d"`, `"300us"` or
/// `"10ns"` into nanoseconds. Microseconds are `us`, `µs` (micro sign, U+00B5) or `μs` (Greek
/// mu, U+03BC): keyboards give either. Negative, non-finite and unit-less values are errors.
pub fn parse_duration(text: &str) -> Result<SimTime, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let unit = unit.trim();
    let number = number.replace('_', "");
    if number.is_empty() {
        return Err(format!(
            "expected a duration such as \"250ms\" or \"5m\", found {text:?}"
        ));
    }
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{number:?} is not a number in duration {text:?}"))?;
    let scale = match unit {
        "ns" => 1.0,
        "us" | "\u{b5}s" | "\u{3bc}s" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" | "min" => 60e9,
        "h" => 3600e9,
        "d" => 86_400e9,
        "" => {
            return Err(format!(
                "duration {text:?} has no unit: write e.g. \"{number}s\" or \"{number}ms\""
            ));
        }
        other => {
            return Err(format!(
                "unknown unit {other:?} in duration {text:?} (use ns, us, ms, s, m, h or d)"
            ));
        }
    };
    let ns = value * scale;
    if !ns.is_finite() || ns >= u64::MAX as f64 / 4.0 {
        return Err(format!("duration {text:?} is too long"));
    }
    Ok(ns.round() as SimTime)
}

/// Formats nanoseconds as a short human duration ("1.5s", "250ms", "10m").
pub fn format_duration(ns: SimTime) -> String {
    let (value, unit) = if ns >= 3_600_000_000_000 && ns.is_multiple_of(3_600_000_000_000) {
        (ns as f64 / 3600e9, "h")
    } else if ns >= 60_000_000_000 && ns.is_multiple_of(60_000_000_000) {
        (ns as f64 / 60e9, "m")
    } else if ns >= 1_000_000_000 {
        (ns as f64 / 1e9, "s")
    } else if ns >= 1_000_000 {
        (ns as f64 / 1e6, "ms")
    } else if ns >= 1_000 {
        (ns as f64 / 1e3, "us")
    } else {
        (ns as f64, "ns")
    };
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse_duration("10ns"), Ok(10));
        assert_eq!(parse_duration("300us"), Ok(300_000));
        assert_eq!(parse_duration("250ms"), Ok(250_000_000));
        assert_eq!(parse_duration("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse_duration("5m"), Ok(300_000_000_000));
        assert_eq!(parse_duration("1h"), Ok(3_600_000_000_000));
        assert_eq!(parse_duration("2d"), Ok(172_800_000_000_000));
        assert_eq!(parse_duration(" 90 s "), Ok(90_000_000_000));
        assert_eq!(parse_duration("1_000ms"), Ok(1_000_000_000));
    }

    #[test]
    fn microseconds_accept_the_micro_sign_and_the_greek_mu() {
        assert_eq!(parse_duration("1\u{b5}s"), Ok(1_000));
        assert_eq!(parse_duration("1\u{3bc}s"), Ok(1_000));
    }

    #[test]
    fn rejects_bad_durations_with_a_reason() {
        assert!(parse_duration("10").unwrap_err().contains("no unit"));
        assert!(
            parse_duration("10 parsecs")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(
            parse_duration("-5s")
                .unwrap_err()
                .contains("expected a duration")
        );
        assert!(parse_duration("").is_err());
        assert!(parse_duration("1.2.3s").is_err());
        assert!(parse_duration("1e300d").is_err());
    }

    #[test]
    fn formats_round_trip() {
        for text in ["250ms", "1.5s", "5m", "1h", "300us", "10ns"] {
            assert_eq!(format_duration(parse_duration(text).unwrap()), text);
        }
    }
}
