//! Wire conventions shared by every JSON response: JavaScript's `Date.toJSON` timestamps.

use chrono::{DateTime, Datelike as _, Timelike as _, Utc};
use serde::Serializer;

/// Now, truncated to milliseconds: what JavaScript's `new Date()` can represent, so what we store
/// is exactly what we send.
pub fn now() -> DateTime<Utc> {
    truncate_ms(Utc::now())
}

/// A timestamp truncated to milliseconds.
pub fn truncate_ms(t: DateTime<Utc>) -> DateTime<Utc> {
    // Not `duration_trunc`: it fails outside 1677..2262 (nanosecond timestamps), which kept the
    // sub-millisecond digits of far due dates.
    t.with_nanosecond(t.nanosecond() / 1_000_000 * 1_000_000)
        .unwrap_or(t)
}

/// `2026-11-24T21:44:44.205Z`.
pub fn iso(t: &DateTime<Utc>) -> String {
    // Several per response: written by hand for years 0 to 9999 (chrono's formatter parses its
    // pattern every time), by chrono for the rest and for leap seconds.
    let (year, nanos) = (t.year(), t.nanosecond());
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    }
    let mut out = String::with_capacity(24);
    let mut digits = |n: u32, width: usize, after: char| {
        let s = [n / 1000 % 10, n / 100 % 10, n / 10 % 10, n % 10];
        s[4 - width..]
            .iter()
            .filter_map(|d| char::from_digit(*d, 10))
            .for_each(|c| out.push(c));
        out.push(after);
    };
    digits(year.unsigned_abs(), 4, '-');
    digits(t.month(), 2, '-');
    digits(t.day(), 2, 'T');
    digits(t.hour(), 2, ':');
    digits(t.minute(), 2, ':');
    digits(t.second(), 2, '.');
    digits(nanos / 1_000_000, 3, 'Z');
    out
}

/// Serializes a timestamp as `Date.toJSON` does.
pub fn ser_iso<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&iso(t))
}

/// Serializes an optional timestamp as `Date.toJSON` does, `null` when absent.
pub fn ser_iso_opt<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&iso(t)),
        None => s.serialize_none(),
    }
}

/// `t + d`, saturating at the far future instead of overflowing.
pub fn after(t: DateTime<Utc>, d: std::time::Duration) -> DateTime<Utc> {
    t + chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone as _};

    #[test]
    fn timestamps_have_milliseconds_and_z() {
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 21, 44, 44).unwrap();
        assert_eq!(iso(&t), "2026-11-24T21:44:44.000Z");
        let t = t + TimeDelta::microseconds(205_999);
        assert_eq!(iso(&truncate_ms(t)), "2026-11-24T21:44:44.205Z");
    }

    #[test]
    fn the_hand_written_format_is_chronos_for_every_field_width() {
        let chrono = |t: &DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        let instants = [
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(7, 2, 3, 4, 5, 6).unwrap() + TimeDelta::milliseconds(7),
            Utc.with_ymd_and_hms(999, 10, 9, 10, 11, 12).unwrap() + TimeDelta::milliseconds(89),
            Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 31, 23, 59, 59).unwrap() + TimeDelta::milliseconds(999),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap()
                + TimeDelta::nanoseconds(999_999_999),
            // Outside 0..=9999: chrono's own output, as before.
            Utc.with_ymd_and_hms(-1, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap(),
        ];
        for t in instants {
            assert_eq!(iso(&t), chrono(&t), "{t:?}");
        }
        assert_eq!(iso(&instants[1]), "0007-02-03T04:05:06.007Z");
    }

    #[test]
    fn far_dates_are_truncated_to_milliseconds_too() {
        // Found by tests/fuzz (task_input): `duration_trunc` gives up past 2262.
        for year in [1, 1600, 2300, 9999] {
            let t = Utc.with_ymd_and_hms(year, 12, 31, 23, 59, 59).unwrap();
            let t = t + TimeDelta::nanoseconds(999_999_999);
            assert_eq!(truncate_ms(t).nanosecond(), 999_000_000, "{year}");
        }
    }
}
