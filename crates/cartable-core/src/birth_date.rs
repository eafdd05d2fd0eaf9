//! A child's date of birth, entered as separate day, month and year fields.
//!
//! The association form asks for the date of birth (`docs/contract.md §6`); the wire carries it
//! as `YYYY-MM-DD`. A calendar date only: there is no time of day and no time zone anywhere in
//! this type. "Today" is always passed in by the caller, because this crate reads no clock:
//! the app computes it in Québec's time zone (`America/Toronto`), the portal with its own clock.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month};

/// Youngest plausible age for a child being associated, in full years (preschool starts at 4;
/// 2 leaves room for daycare records).
pub const MIN_AGE_YEARS: i32 = 2;

/// Oldest plausible age for a student, in full years (adult and vocational education).
pub const MAX_AGE_YEARS: i32 = 25;

/// A date of birth: a valid calendar date (29 February only in leap years).
///
/// Built from form fields with [`BirthDate::new`] (which also applies the age rule) or from the
/// wire with [`BirthDate::parse_iso`] (which does not). Serializes as `YYYY-MM-DD`;
/// deserializing uses [`BirthDate::parse_iso`]. This is child data: do not log it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BirthDate(Date);

/// Why a date of birth was refused.
#[derive(
    Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize, strum::EnumIter,
)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum BirthDateError {
    /// The month is not 1 to 12.
    #[error("month {month} does not exist")]
    BirthDateBadMonth {
        /// The month given.
        month: u8,
    },
    /// The day does not exist in that month of that year (31 April, 29 February 2015, day 0…).
    #[error("{day}/{month}/{year} does not exist")]
    BirthDateNoSuchDay {
        /// The day given.
        day: u8,
        /// The month given (1 to 12).
        month: u8,
        /// The year given.
        year: i32,
    },
    /// After today.
    #[error("the date of birth is in the future")]
    BirthDateInFuture,
    /// Younger than [`MIN_AGE_YEARS`] today.
    #[error("the child is younger than {min_years} years")]
    BirthDateTooYoung {
        /// [`MIN_AGE_YEARS`].
        min_years: i32,
    },
    /// Older than [`MAX_AGE_YEARS`] today.
    #[error("the student is older than {max_years} years")]
    BirthDateTooOld {
        /// [`MAX_AGE_YEARS`].
        max_years: i32,
    },
    /// Not an ISO `YYYY-MM-DD` date (4-digit year, 2-digit month and day).
    #[error("not a YYYY-MM-DD date")]
    BirthDateBadFormat,
}

/// The calendar date for `day`, `month`, `year`, or why there is none.
fn calendar_date(day: u8, month: u8, year: i32) -> Result<Date, BirthDateError> {
    let month_value =
        Month::try_from(month).map_err(|_| BirthDateError::BirthDateBadMonth { month })?;
    Date::from_calendar_date(year, month_value, day)
        .map_err(|_| BirthDateError::BirthDateNoSuchDay { day, month, year })
}

impl BirthDate {
    /// Builds a date of birth from the form's three fields and checks it is plausible on
    /// `today` (computed by the app in `America/Toronto`).
    ///
    /// # Errors
    ///
    /// In this order: [`BirthDateError::BirthDateBadMonth`]; [`BirthDateError::BirthDateInFuture`]
    /// for a year after today's; [`BirthDateError::BirthDateTooOld`] for a year more than
    /// `MAX_AGE_YEARS + 1` before today's (whatever the day); [`BirthDateError::BirthDateNoSuchDay`]
    /// (29 February outside leap years, 31 April, day 0…); then the age rule of
    /// [`validate_age`](Self::validate_age).
    pub fn new(day: u8, month: u8, year: i32, today: Date) -> Result<BirthDate, BirthDateError> {
        if !(1..=12).contains(&month) {
            return Err(BirthDateError::BirthDateBadMonth { month });
        }
        if year > today.year() {
            return Err(BirthDateError::BirthDateInFuture);
        }
        if year < today.year() - MAX_AGE_YEARS - 1 {
            // Out of the plausible range whatever the day, and maybe out of `time`'s range.
            return Err(BirthDateError::BirthDateTooOld { max_years: MAX_AGE_YEARS });
        }
        let birth_date = BirthDate(calendar_date(day, month, year)?);
        birth_date.validate_age(today)?;
        Ok(birth_date)
    }

    /// Parses the wire form `YYYY-MM-DD` (`docs/contract.md §6`), checking only that the date
    /// exists.
    ///
    /// The age rule is deliberately not applied here: whether a child is 2 to 25 depends on
    /// "today", and the portal validates that with its own clock by calling
    /// [`validate_age`](Self::validate_age); decoding must not depend on the reader's clock.
    ///
    /// # Errors
    ///
    /// [`BirthDateError::BirthDateBadFormat`] when the text is not 4 digits, `-`, 2 digits, `-`,
    /// 2 digits; [`BirthDateError::BirthDateBadMonth`] or [`BirthDateError::BirthDateNoSuchDay`]
    /// when the date does not exist.
    pub fn parse_iso(text: &str) -> Result<BirthDate, BirthDateError> {
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes.iter().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape_ok {
            return Err(BirthDateError::BirthDateBadFormat);
        }
        let number = |range: std::ops::Range<usize>| {
            text[range].parse::<u16>().map_err(|_| BirthDateError::BirthDateBadFormat)
        };
        let year = i32::from(number(0..4)?);
        let month = u8::try_from(number(5..7)?).map_err(|_| BirthDateError::BirthDateBadFormat)?;
        let day = u8::try_from(number(8..10)?).map_err(|_| BirthDateError::BirthDateBadFormat)?;
        calendar_date(day, month, year).map(BirthDate)
    }

    /// Checks the age rule on `today`: not after today, at least [`MIN_AGE_YEARS`] and at most
    /// [`MAX_AGE_YEARS`] full years old.
    ///
    /// # Errors
    ///
    /// [`BirthDateError::BirthDateInFuture`], [`BirthDateError::BirthDateTooYoung`],
    /// [`BirthDateError::BirthDateTooOld`].
    pub fn validate_age(&self, today: Date) -> Result<(), BirthDateError> {
        if self.0 > today {
            return Err(BirthDateError::BirthDateInFuture);
        }
        let age = self.age_on(today);
        if age < MIN_AGE_YEARS {
            Err(BirthDateError::BirthDateTooYoung { min_years: MIN_AGE_YEARS })
        } else if age > MAX_AGE_YEARS {
            Err(BirthDateError::BirthDateTooOld { max_years: MAX_AGE_YEARS })
        } else {
            Ok(())
        }
    }

    /// Age in full years on `today` (someone born on 29 February turns a year older on
    /// 1 March in common years). Negative when `today` is before the birth date.
    pub fn age_on(&self, today: Date) -> i32 {
        let birthday_passed =
            (u8::from(today.month()), today.day()) >= (u8::from(self.0.month()), self.0.day());
        today.year() - self.0.year() - if birthday_passed { 0 } else { 1 }
    }

    /// Day of the month, 1 to 31.
    pub fn day(&self) -> u8 {
        self.0.day()
    }

    /// Month, 1 to 12.
    pub fn month(&self) -> u8 {
        u8::from(self.0.month())
    }

    /// Year.
    pub fn year(&self) -> i32 {
        self.0.year()
    }

    /// The date as a [`time::Date`].
    pub fn date(&self) -> Date {
        self.0
    }

    /// The wire form, `YYYY-MM-DD`.
    pub fn to_iso(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year(), self.month(), self.day())
    }
}

impl Serialize for BirthDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for BirthDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        BirthDate::parse_iso(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use time::macros::date;

    use super::*;

    const TODAY: Date = date!(2026 - 11 - 29);

    #[test]
    fn leap_days_only_in_leap_years() {
        let d = BirthDate::new(29, 2, 2016, TODAY).unwrap();
        assert_eq!((d.day(), d.month(), d.year()), (29, 2, 2016));
        assert_eq!(
            BirthDate::new(29, 2, 2015, TODAY),
            Err(BirthDateError::BirthDateNoSuchDay { day: 29, month: 2, year: 2015 })
        );
        assert_eq!(
            BirthDate::new(31, 4, 2015, TODAY),
            Err(BirthDateError::BirthDateNoSuchDay { day: 31, month: 4, year: 2015 })
        );
        assert_eq!(
            BirthDate::new(0, 4, 2015, TODAY),
            Err(BirthDateError::BirthDateNoSuchDay { day: 0, month: 4, year: 2015 })
        );
        assert_eq!(
            BirthDate::new(1, 13, 2015, TODAY),
            Err(BirthDateError::BirthDateBadMonth { month: 13 })
        );
    }

    #[test]
    fn not_after_today() {
        assert_eq!(BirthDate::new(30, 11, 2026, TODAY), Err(BirthDateError::BirthDateInFuture));
        assert_eq!(BirthDate::new(1, 1, 2027, TODAY), Err(BirthDateError::BirthDateInFuture));
    }

    #[test]
    fn plausible_school_age() {
        assert!(BirthDate::new(29, 11, 2024, TODAY).is_ok(), "exactly 2 today");
        assert_eq!(
            BirthDate::new(30, 11, 2024, TODAY),
            Err(BirthDateError::BirthDateTooYoung { min_years: 2 })
        );
        assert!(BirthDate::new(30, 11, 2000, TODAY).is_ok(), "25, turning 26 tomorrow");
        assert_eq!(
            BirthDate::new(29, 11, 2000, TODAY),
            Err(BirthDateError::BirthDateTooOld { max_years: 25 })
        );
        assert_eq!(
            BirthDate::new(1, 1, -100_000, TODAY),
            Err(BirthDateError::BirthDateTooOld { max_years: 25 })
        );
    }

    #[test]
    fn leap_day_birthdays_age_on_first_march() {
        let d = BirthDate::parse_iso("2016-02-29").unwrap();
        assert_eq!(d.age_on(date!(2023 - 02 - 28)), 6);
        assert_eq!(d.age_on(date!(2023 - 03 - 01)), 7);
    }

    #[test]
    fn iso_round_trip_without_age_rule() {
        let d = BirthDate::parse_iso("1950-01-02").unwrap();
        assert_eq!(d.to_iso(), "1950-01-02");
        assert_eq!(d.validate_age(TODAY), Err(BirthDateError::BirthDateTooOld { max_years: 25 }));
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"1950-01-02\"");
        assert_eq!(serde_json::from_str::<BirthDate>("\"2016-02-29\"").unwrap().day(), 29);
        for bad in ["2016-2-29", "2016/02/29", "16-02-29", "2016-02-29T00:00", "", "２０１６-02-29"]
        {
            assert_eq!(BirthDate::parse_iso(bad), Err(BirthDateError::BirthDateBadFormat), "{bad}");
        }
        assert_eq!(
            BirthDate::parse_iso("2015-02-29"),
            Err(BirthDateError::BirthDateNoSuchDay { day: 29, month: 2, year: 2015 })
        );
        assert!(serde_json::from_str::<BirthDate>("\"2015-02-29\"").is_err());
    }
}
