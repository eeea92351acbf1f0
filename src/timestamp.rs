//! Timestamps as the ledger stores them: an RFC 3339 instant in UTC, or a
//! bare calendar day for history imported from documents that only knew the
//! date. Parsing of user-given times (`--at`, `--build-time`) lives here too.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time as recorded in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timestamp {
    /// A precise instant, always kept in UTC.
    At(DateTime<Utc>),
    /// Only the day is known (imported history). Ordered as the start of that day.
    Day(NaiveDate),
}

/// A user-given time could not be understood.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "`{input}` is not a valid time: expected RFC 3339 (2026-01-05T23:52:43Z), \
     `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` or `now`"
)]
pub struct TimeParseError {
    /// The text that failed to parse.
    pub input: String,
}

impl Timestamp {
    /// The current instant, truncated to whole milliseconds so that it prints stably.
    pub fn now() -> Self {
        let now = Utc::now();
        let millis = now.timestamp_millis();
        Timestamp::At(DateTime::from_timestamp_millis(millis).unwrap_or(now))
    }

    /// The instant used to order this timestamp against others: a bare day
    /// counts as its first instant (00:00:00Z).
    pub fn instant(&self) -> DateTime<Utc> {
        match self {
            Timestamp::At(t) => *t,
            Timestamp::Day(d) => d.and_time(NaiveTime::MIN).and_utc(),
        }
    }

    /// Whether this instant falls no later than `bound`; a bare-day bound
    /// counts as its whole day (`--until 2026-01-31` includes that day).
    pub fn not_after(&self, bound: &Timestamp) -> bool {
        match bound {
            Timestamp::At(b) => self.instant() <= *b,
            Timestamp::Day(d) => match d.succ_opt() {
                Some(next) => self.instant() < next.and_time(NaiveTime::MIN).and_utc(),
                None => true,
            },
        }
    }

    /// Parses a user-given time as [`Timestamp::parse_user`] does, or an age
    /// counted back from now: a number followed by `m` (minutes), `h`, `d`
    /// or `w` (`90d`).
    pub fn parse_user_or_age(text: &str) -> Result<Self, TimeParseError> {
        let Some(age) = parse_age(text.trim()) else {
            return Self::parse_user(text);
        };
        match Timestamp::now().instant().checked_sub_signed(age) {
            Some(then) => Ok(Timestamp::At(then)),
            None => Err(TimeParseError {
                input: text.to_string(),
            }),
        }
    }

    /// The calendar day (UTC), as `YYYY-MM-DD`.
    pub fn date_string(&self) -> String {
        match self {
            Timestamp::At(t) => t.date_naive().to_string(),
            Timestamp::Day(d) => d.to_string(),
        }
    }

    /// Parses the stored form: RFC 3339 (normalised to UTC) or `YYYY-MM-DD`.
    pub fn parse_stored(text: &str) -> Result<Self, TimeParseError> {
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Ok(Timestamp::At(t.with_timezone(&Utc)));
        }
        if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(Timestamp::Day(d));
        }
        Err(TimeParseError {
            input: text.to_string(),
        })
    }

    /// Parses a user-given instant: RFC 3339, `YYYY-MM-DD HH:MM[:SS]` (UTC
    /// unless an offset follows), or `now`. A bare date is accepted as that day.
    pub fn parse_user(text: &str) -> Result<Self, TimeParseError> {
        let trimmed = text.trim();
        if trimmed.eq_ignore_ascii_case("now") {
            return Ok(Timestamp::now());
        }
        if !has_documented_shape(trimmed) {
            // chrono would take `2026-1-1`; only the documented forms are accepted.
            return Err(TimeParseError {
                input: text.to_string(),
            });
        }
        if let Ok(t) = Self::parse_stored(trimmed) {
            return Ok(t);
        }
        let err = || TimeParseError {
            input: text.to_string(),
        };
        for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"] {
            if let Ok(t) = NaiveDateTime::parse_from_str(trimmed, format) {
                return Ok(Timestamp::At(t.and_utc()));
            }
        }
        for format in [
            "%Y-%m-%d %H:%M:%S%.f%:z",
            "%Y-%m-%d %H:%M%:z",
            "%Y-%m-%d %H:%M:%S%.f %:z",
            "%Y-%m-%d %H:%M %:z",
        ] {
            if let Ok(t) = DateTime::parse_from_str(trimmed, format) {
                return Ok(Timestamp::At(t.with_timezone(&Utc)));
            }
        }
        Err(err())
    }
}

/// An age such as `90d`: digits, then `m`, `h`, `d` or `w`.
fn parse_age(text: &str) -> Option<chrono::Duration> {
    let unit = text.chars().last()?;
    let minutes_per = match unit {
        'm' => 1,
        'h' => 60,
        'd' => 60 * 24,
        'w' => 60 * 24 * 7,
        _ => return None,
    };
    let number = &text[..text.len() - unit.len_utf8()];
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let minutes = number.parse::<i64>().ok()?.checked_mul(minutes_per)?;
    chrono::Duration::try_minutes(minutes)
}

/// Whether `text` has one of the documented shapes: `YYYY-MM-DD`, then
/// optionally `T` or a space, `HH:MM`, `:SS`, a fraction, and `Z` or an
/// offset `+HH:MM` (with or without a space before it).
fn has_documented_shape(text: &str) -> bool {
    static SHAPE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]| ?[+-]\d{2}:\d{2})?)?$",
        )
        .expect("a valid pattern")
    });
    SHAPE.is_match(text)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timestamp::At(t) => f.write_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            Timestamp::Day(d) => write!(f, "{d}"),
        }
    }
}

impl FromStr for Timestamp {
    type Err = TimeParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse_user(s)
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.instant().cmp(&other.instant())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse_stored(&text).map_err(serde::de::Error::custom)
    }
}

/// An instant kept as it was written, for values shown back as given (a
/// build time imported as `2026-02-20T17:40:00.000Z` keeps its fraction).
/// Ordered and compared by the text; [`WrittenTime::instant`] gives the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenTime {
    instant: Timestamp,
    text: String,
}

impl WrittenTime {
    /// A stored form (RFC 3339 or `YYYY-MM-DD`), kept byte for byte.
    pub fn parse_stored(text: &str) -> Result<Self, TimeParseError> {
        Ok(WrittenTime {
            instant: Timestamp::parse_stored(text)?,
            text: text.to_string(),
        })
    }

    /// The instant.
    pub fn instant(&self) -> Timestamp {
        self.instant
    }
}

impl From<Timestamp> for WrittenTime {
    fn from(instant: Timestamp) -> Self {
        WrittenTime {
            instant,
            text: instant.to_string(),
        }
    }
}

impl fmt::Display for WrittenTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A user-given time (any form `--at` takes), written in the stored form.
impl FromStr for WrittenTime {
    type Err = TimeParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse_user(s).map(WrittenTime::from)
    }
}

impl Serialize for WrittenTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for WrittenTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        WrittenTime::parse_stored(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_forms_round_trip() {
        for text in [
            "2026-01-05T23:52:43.414Z",
            "2026-01-05T23:52:43Z",
            "2026-01-05",
        ] {
            assert_eq!(Timestamp::parse_stored(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn offsets_are_normalised_to_utc() {
        let t = Timestamp::parse_user("2026-01-06T01:00:00+02:00").unwrap();
        assert_eq!(t.to_string(), "2026-01-05T23:00:00Z");
        let t = Timestamp::parse_user("2026-01-05 23:00").unwrap();
        assert_eq!(t.to_string(), "2026-01-05T23:00:00Z");
        let t = Timestamp::parse_user("2026-01-05 23:00:10+01:00").unwrap();
        assert_eq!(t.to_string(), "2026-01-05T22:00:10Z");
    }

    #[test]
    fn a_written_time_keeps_its_fraction() {
        let t = WrittenTime::parse_stored("2026-02-20T17:40:00.000Z").unwrap();
        assert_eq!(t.to_string(), "2026-02-20T17:40:00.000Z");
        assert_eq!(
            t.instant(),
            Timestamp::parse_stored("2026-02-20T17:40:00Z").unwrap()
        );
        let typed: WrittenTime = "2026-02-20 17:40".parse().unwrap();
        assert_eq!(typed.to_string(), "2026-02-20T17:40:00Z");
    }

    #[test]
    fn an_age_counts_back_from_now() {
        let before = Timestamp::now().instant();
        let t = Timestamp::parse_user_or_age("90d").unwrap().instant();
        let days = (before - t).num_days();
        assert!((89..=90).contains(&days), "90d gave {days} days back");
        let t = Timestamp::parse_user_or_age("2026-01-05").unwrap();
        assert_eq!(t.to_string(), "2026-01-05");
        for text in ["d", "-3d", "3x", "1.5d", "99999999999999999w", "99999999d"] {
            assert!(Timestamp::parse_user_or_age(text).is_err(), "{text}");
        }
    }

    #[test]
    fn a_bare_day_bound_covers_the_whole_day() {
        let day = Timestamp::parse_user("2026-01-31").unwrap();
        let late = Timestamp::parse_user("2026-01-31T23:59:59Z").unwrap();
        let next = Timestamp::parse_user("2026-02-01T00:00:00Z").unwrap();
        assert!(late.not_after(&day));
        assert!(!next.not_after(&day));
        let instant = Timestamp::parse_user("2026-01-31T12:00:00Z").unwrap();
        assert!(!late.not_after(&instant));
        assert!(instant.not_after(&instant));
    }

    #[test]
    fn garbage_is_rejected() {
        for text in [
            "yesterday",
            "2026-13-01",
            "05/01/2026",
            "",
            "2026-1-1",
            "2026-01-05 9:00",
            "2026-01-05T23:00:00+0200",
        ] {
            assert!(Timestamp::parse_user(text).is_err(), "{text}");
        }
        for text in [
            "2026-01-05",
            "2026-01-05 23:00",
            "2026-01-05 23:00:10.5",
            "2026-01-05T23:00:10Z",
            "2026-01-05 23:00 +01:00",
            "NOW",
        ] {
            assert!(Timestamp::parse_user(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn a_day_orders_as_its_start() {
        let day = Timestamp::parse_stored("2026-01-05").unwrap();
        let noon = Timestamp::parse_stored("2026-01-05T12:00:00Z").unwrap();
        assert!(day < noon);
    }
}
