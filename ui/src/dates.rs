//! Dates and countdowns: the webview's clock, today in Québec, `m:ss`.

/// Seconds left until `target` (Unix seconds) at `now`, never negative.
pub fn seconds_left(now: i64, target: i64) -> u64 {
    u64::try_from(target.saturating_sub(now)).unwrap_or(0)
}

/// `m:ss` for a countdown (`0:59`, `10:00`).
pub fn format_countdown(seconds: u64) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

/// Parses `YYYY-MM-DD` (what `toLocaleDateString('en-CA', …)` gives) into a date.
pub fn parse_local_date(text: &str) -> Option<time::Date> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

/// Now, in Unix seconds (the webview's clock).
pub fn now_unix() -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        // Milliseconds since the epoch, far inside i64.
        #[allow(clippy::cast_possible_truncation)]
        let seconds = (js_sys::Date::now() / 1000.0).floor() as i64;
        seconds
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// Today's date in Québec (`America/Toronto`), which the birth-date rule needs.
pub fn today_in_quebec() -> time::Date {
    #[cfg(target_arch = "wasm32")]
    {
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"timeZone".into(), &"America/Toronto".into());
        let text: String = js_sys::Date::new_0().to_locale_date_string("en-CA", &options).into();
        if let Some(date) = parse_local_date(&text) {
            return date;
        }
    }
    time::OffsetDateTime::from_unix_timestamp(now_unix())
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use time::macros::date;

    use super::*;

    const TODAY: time::Date = date!(2025 - 09 - 15);

    #[test]
    fn countdown_never_goes_negative() {
        assert_eq!(seconds_left(100, 160), 60);
        assert_eq!(seconds_left(200, 160), 0);
        assert_eq!(format_countdown(600), "10:00");
        assert_eq!(format_countdown(59), "0:59");
        assert_eq!(format_countdown(61), "1:01");
    }

    #[test]
    fn local_dates_parse() {
        assert_eq!(parse_local_date("2025-09-15"), Some(TODAY));
        assert_eq!(parse_local_date("2025-02-30"), None);
        assert_eq!(parse_local_date("15/09/2025"), None);
    }
}
