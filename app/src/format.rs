//! French formatting of dates (Paris time) and sizes, done on the server so that the server
//! render and the hydrated page always agree.

const MONTHS: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.",
];

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Unix time of the last Sunday of `month` at 01:00 UTC (EU daylight-saving switch).
fn last_sunday_0100_utc(year: i64, month: u32) -> i64 {
    let days = days_from_civil(year, month, 31); // March and October both have 31 days
    let weekday = (days + 4).rem_euclid(7); // 0 = Sunday (1970-01-01 was a Thursday)
    (days - weekday) * 86_400 + 3_600
}

/// Offset of Europe/Paris from UTC at `unix` seconds: CEST (+2) in summer, CET (+1) otherwise.
pub fn paris_offset_seconds(unix: i64) -> i64 {
    let (year, _, _) = civil_from_days(unix.div_euclid(86_400));
    let summer = last_sunday_0100_utc(year, 3)..last_sunday_0100_utc(year, 10);
    if summer.contains(&unix) { 7_200 } else { 3_600 }
}

struct Local {
    year: i64,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
}

fn paris(unix: i64) -> Local {
    let local = unix + paris_offset_seconds(unix);
    let (year, month, day) = civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    Local { year, month, day, hour: secs / 3600, minute: secs % 3600 / 60 }
}

/// For a message list: "14:05" today, "21 nov." this year, "21/11/2025" before.
/// "28/11/2026 à 09:05" (Paris time): when a receipt came.
pub fn day_and_time(unix: i64) -> String {
    let d = paris(unix);
    format!("{:02}/{:02}/{} à {:02}:{:02}", d.day, d.month, d.year, d.hour, d.minute)
}

/// The year (Paris time) of a Unix time.
pub fn year(unix: i64) -> i32 {
    paris(unix).year as i32
}

pub fn list_date(unix: i64, now: i64) -> String {
    let (d, n) = (paris(unix), paris(now));
    if (d.year, d.month, d.day) == (n.year, n.month, n.day) {
        format!("{:02}:{:02}", d.hour, d.minute)
    } else if d.year == n.year {
        format!("{} {}", d.day, MONTHS[d.month as usize - 1])
    } else {
        format!("{:02}/{:02}/{}", d.day, d.month, d.year)
    }
}

/// For a message header: "samedi 21 nov. 2026 à 14:05".
pub fn full_date(unix: i64) -> String {
    const DAYS: [&str; 7] = ["jeudi", "vendredi", "samedi", "dimanche", "lundi", "mardi", "mercredi"];
    let d = paris(unix);
    let weekday = DAYS[days_from_civil(d.year, d.month, d.day).rem_euclid(7) as usize];
    format!("{weekday} {} {} {} à {:02}:{:02}", d.day, MONTHS[d.month as usize - 1], d.year, d.hour, d.minute)
}

/// For a trace: "22/11/2026 14:05:09" (Paris time, to the second).
pub fn timestamp(unix: i64) -> String {
    let d = paris(unix);
    format!("{:02}/{:02}/{} {:02}:{:02}:{:02}", d.day, d.month, d.year, d.hour, d.minute, unix.rem_euclid(60))
}

/// Unix time of 00:00 in Paris on "YYYY-MM-DD"; None when it is not such a date.
pub fn paris_day_start(date: &str) -> Option<i64> {
    let mut parts = date.trim().split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1900..=9999).contains(&y) {
        return None;
    }
    let midnight_utc = days_from_civil(y, m as u32, d as u32) * 86_400;
    Some(midnight_utc - paris_offset_seconds(midnight_utc))
}

/// A count with thin spaces between thousands, as French writes it: « 100 000 ».
pub fn count(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// "850 o", "12 Ko", "3,4 Mo" (French units, decimal comma).
pub fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} o"),
        b if b < 1024 * 1024 => format!("{} Ko", b.div_ceil(1024)),
        b => format!("{:.1} Mo", b as f64 / (1024.0 * 1024.0)).replace('.', ","),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-22 13:05:00 UTC (winter: Paris = UTC+1)
    const NOV_22_1305_UTC: i64 = 1_795_352_700;

    #[test]
    fn civil_round_trip() {
        for days in [-1000, 0, 19_000, 20_414, 60_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(20_414), (2025, 11, 22));
    }

    #[test]
    fn paris_daylight_saving_switches_on_last_sundays() {
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC
        let march_29_0059 = days_from_civil(2026, 3, 29) * 86_400 + 3_540;
        assert_eq!(paris_offset_seconds(march_29_0059), 3_600);
        assert_eq!(paris_offset_seconds(march_29_0059 + 60), 7_200);
        let october_25_0059 = days_from_civil(2026, 10, 25) * 86_400 + 3_540;
        assert_eq!(paris_offset_seconds(october_25_0059), 7_200);
        assert_eq!(paris_offset_seconds(october_25_0059 + 60), 3_600);
    }

    #[test]
    fn list_dates_shorten_with_recency() {
        let now = NOV_22_1305_UTC;
        assert_eq!(list_date(now - 3_600, now), "13:05");
        assert_eq!(list_date(now - 2 * 86_400, now), "20 nov.");
        assert_eq!(list_date(now - 400 * 86_400, now), "18/10/2025");
    }

    #[test]
    fn full_date_is_french_and_local() {
        assert_eq!(full_date(NOV_22_1305_UTC), "dimanche 22 nov. 2026 à 14:05");
        // summer: UTC+2
        let july = days_from_civil(2026, 7, 14) * 86_400 + 10 * 3_600;
        assert_eq!(full_date(july), "mardi 14 juil. 2026 à 12:00");
    }

    #[test]
    fn trace_times_and_day_starts_are_paris_time() {
        let start = paris_day_start("2026-11-22").unwrap();
        assert_eq!(timestamp(start), "22/11/2026 00:00:00");
        assert_eq!(timestamp(paris_day_start("2026-07-14").unwrap() + 3_661), "14/07/2026 01:01:01");
        assert_eq!(paris_day_start("22/11/2026"), None);
    }

    #[test]
    fn sizes_in_french_units() {
        assert_eq!(size(850), "850 o");
        assert_eq!(size(12_000), "12 Ko");
        assert_eq!(size(3_565_158), "3,4 Mo");
    }

    #[test]
    fn counts_with_thin_spaces_between_thousands() {
        assert_eq!((count(7), count(999), count(1_000), count(100_000), count(1_234_567)), ("7".into(), "999".into(), "1\u{202f}000".into(), "100\u{202f}000".into(), "1\u{202f}234\u{202f}567".into()));
    }
}
