//! RFC 3339 timestamps ⇄ Unix time. The core never reads a clock: callers pass `now`.

/// Why a timestamp was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid RFC 3339 date-time {0:?}")]
pub struct TimeError(pub String);

impl TimeError {
    /// Stable reason code.
    pub fn reason_code(&self) -> &'static str {
        "INVALID_TIMESTAMP"
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parse an RFC 3339 `date-time` (`2026-02-11T00:00:00.000Z`, offsets allowed) into Unix
/// milliseconds. Fractions beyond milliseconds are truncated; leap second 60 is refused.
pub fn parse_rfc3339_millis(s: &str) -> Result<i64, TimeError> {
    let err = || TimeError(s.chars().take(64).collect());
    let b = s.as_bytes();
    if b.len() < 20 || b.len() > 40 || !s.is_ascii() {
        return Err(err());
    }
    let num = |r: std::ops::Range<usize>| -> Result<u32, TimeError> {
        let part = &s[r];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().map_err(|_| err())
        } else {
            Err(err())
        }
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(err());
    }
    let (y, mo, d, h, mi, sec) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if !(1..=12).contains(&mo)
        || d == 0
        || d > days_in_month(i64::from(y), mo)
        || h > 23
        || mi > 59
        || sec > 59
    {
        return Err(err());
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return Err(err());
        }
        let frac = &s[start..i];
        let ms: String = frac.chars().chain("000".chars()).take(3).collect();
        millis = ms.parse::<i64>().map_err(|_| err())?;
    }
    let offset_min: i64 = match &s[i..] {
        "Z" | "z" => 0,
        off if off.len() == 6
            && (off.starts_with('+') || off.starts_with('-'))
            && off.as_bytes()[3] == b':' =>
        {
            let oh = i64::from(num(i + 1..i + 3)?);
            let om = i64::from(num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return Err(err());
            }
            let m = oh * 60 + om;
            if off.starts_with('-') {
                -m
            } else {
                m
            }
        }
        _ => return Err(err()),
    };
    let days = days_from_civil(i64::from(y), mo, d);
    let secs =
        days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(sec) - offset_min * 60;
    Ok(secs * 1000 + millis)
}

/// Parse an RFC 3339 `date-time` into Unix seconds (fraction truncated toward the past).
pub fn parse_rfc3339(s: &str) -> Result<i64, TimeError> {
    Ok(parse_rfc3339_millis(s)?.div_euclid(1000))
}

/// Format Unix milliseconds as JavaScript's `Date.prototype.toISOString` does
/// (`YYYY-MM-DDTHH:MM:SS.sssZ`), the form the reference emits.
pub fn format_rfc3339_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    )
}

/// Hour of day (0-23, UTC) and day of week (0 = Sunday … 6 = Saturday, as JavaScript's
/// `getUTCDay`) for a Unix time.
pub fn utc_hour_and_weekday(secs: i64) -> (u32, u32) {
    let days = secs.div_euclid(86_400);
    let hour = (secs.rem_euclid(86_400) / 3600) as u32;
    // 1970-01-01 was a Thursday (4).
    let weekday = (days + 4).rem_euclid(7) as u32;
    (hour, weekday)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_known_values() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z").unwrap(), 0);
        assert_eq!(
            parse_rfc3339_millis("2026-02-11T00:00:00.000Z").unwrap(),
            1_770_768_000_000
        );
        assert_eq!(
            format_rfc3339_millis(1_770_768_000_123),
            "2026-02-11T00:00:00.123Z"
        );
        assert_eq!(
            parse_rfc3339("2026-02-11T02:00:00+02:00").unwrap(),
            1_770_768_000
        );
        assert_eq!(
            parse_rfc3339("2024-02-29T12:00:00.5Z").unwrap(),
            1_709_208_000
        );
        for ms in [-1i64, 0, 86_399_999, 951_782_400_000, 4_102_444_800_000] {
            assert_eq!(
                parse_rfc3339_millis(&format_rfc3339_millis(ms)).unwrap(),
                ms
            );
        }
        assert_eq!(utc_hour_and_weekday(0), (0, 4));
        assert_eq!(utc_hour_and_weekday(1_770_768_000 + 13 * 3600), (13, 3)); // a Wednesday
    }

    #[test]
    fn refusals() {
        for bad in [
            "2026-02-30T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:60Z",
            "2026-01-01 00:00:00Z",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00+0100",
            "+2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00Zjunk",
            "２026-01-01T00:00:00Z",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad}");
        }
    }
}
