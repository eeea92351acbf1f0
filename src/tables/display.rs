//! AWS values written the way the hand-kept document writes them: runtime
//! `python3.13` as `Python 3.13`, memory `512 MB`, timeout `300s`, a
//! threshold `> 5 per 5 min`, retention `30 days`. Used by the tables and by
//! the change lines of snapshots, so both say the same thing.

use crate::journal::{AlarmState, SecretState};

/// A Lambda runtime identifier in words: `python3.13` -> `Python 3.13`,
/// `nodejs20.x` -> `Node.js 20.x`, `java8.al2` -> `Java 8 (Amazon Linux 2)`,
/// `provided.al2023` -> `OS-only (Amazon Linux 2023)`. An identifier of a
/// family not known here is shown as AWS wrote it.
pub fn runtime_name(runtime: &str) -> String {
    let (base, linux) = match runtime.rsplit_once(".al") {
        Some((base, release)) if release.chars().all(|c| c.is_ascii_digit()) => {
            (base, Some(format!("Amazon Linux {release}")))
        }
        _ => (runtime, None),
    };
    let split = base
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(base.len());
    let (family, version) = base.split_at(split);
    let family = match family {
        "python" => "Python",
        "nodejs" => "Node.js",
        "java" => "Java",
        "dotnet" => ".NET",
        "dotnetcore" => ".NET Core",
        "ruby" => "Ruby",
        "go" => "Go",
        // The OS-only runtimes are named by their Amazon Linux alone.
        "provided" if version.is_empty() => {
            let linux = linux.unwrap_or_else(|| "Amazon Linux".into());
            return format!("OS-only ({linux})");
        }
        _ => return runtime.to_string(),
    };
    let name = if version.is_empty() {
        family.to_string()
    } else {
        format!("{family} {version}")
    };
    match linux {
        Some(linux) => format!("{name} ({linux})"),
        None => name,
    }
}

/// A code SHA-256 shortened for people: its first 12 characters (`-` when unknown).
pub fn short_code(code: Option<&str>) -> String {
    match code {
        Some(code) => code.chars().take(12).collect(),
        None => "-".into(),
    }
}

/// `512 MB`.
pub fn memory(mb: u64) -> String {
    format!("{mb} MB")
}

/// `300s`.
pub fn timeout(seconds: u64) -> String {
    format!("{seconds}s")
}

/// `Yes` / `No`, as the PITR column writes it.
pub fn yes_no(value: bool) -> &'static str {
    if value { "Yes" } else { "No" }
}

/// Whether a DynamoDB TTL status counts as enabled (`ENABLED`, `ENABLING`).
pub fn ttl_enabled(status: &str) -> bool {
    matches!(status, "ENABLED" | "ENABLING")
}

/// `Enabled` / `Disabled`, as the TTL column writes it.
pub fn enabled(value: bool) -> &'static str {
    if value { "Enabled" } else { "Disabled" }
}

/// A log group's retention: `30 days`, `1 day`, or `Never expire`.
pub fn retention(days: Option<u64>) -> String {
    match days {
        Some(1) => "1 day".into(),
        Some(days) => format!("{days} days"),
        None => "Never expire".into(),
    }
}

/// A secret's rotation in words: `Automatic (every 30 days)`,
/// `Automatic (cron(0 4 ? * SUN *))`, or `Manual`.
pub fn rotation(secret: &SecretState) -> String {
    if !secret.rotation {
        return "Manual".into();
    }
    match (&secret.rotation_schedule, secret.rotation_days) {
        (Some(schedule), _) if !schedule.starts_with("rate(") => {
            format!("Automatic ({schedule})")
        }
        (_, Some(1)) => "Automatic (every day)".into(),
        (_, Some(days)) => format!("Automatic (every {days} days)"),
        (Some(schedule), None) => format!("Automatic ({schedule})"),
        (None, None) => "Automatic".into(),
    }
}

/// An alarm's metric as the document writes it: `AWS/Lambda/Errors`.
pub fn metric(alarm: &AlarmState) -> Option<String> {
    match (&alarm.namespace, &alarm.metric) {
        (Some(namespace), Some(metric)) => Some(format!("{namespace}/{metric}")),
        (None, Some(metric)) => Some(metric.clone()),
        _ => None,
    }
}

/// An alarm's threshold in words: `> 5 per 5 min` for a sum or a count over
/// a period, `> 200 ms`, `>= 1%` for other statistics.
pub fn threshold(alarm: &AlarmState) -> Option<String> {
    let value = alarm.threshold.as_deref()?;
    let comparison = match alarm.comparison.as_deref() {
        Some("GreaterThanThreshold") => ">",
        Some("GreaterThanOrEqualToThreshold") => ">=",
        Some("LessThanThreshold") => "<",
        Some("LessThanOrEqualToThreshold") => "<=",
        Some(other) => other,
        None => "?",
    };
    let unit = match alarm.unit.as_deref() {
        Some("Percent") => "%",
        Some("Seconds") => "s",
        Some("Milliseconds") => " ms",
        Some("Microseconds") => " µs",
        Some("Bytes") => " B",
        _ => "",
    };
    let per = match (alarm.statistic.as_deref(), alarm.period) {
        (Some("Sum" | "SampleCount"), Some(period)) => format!(" per {}", period_words(period)),
        _ => String::new(),
    };
    Some(format!("{comparison} {value}{unit}{per}"))
}

/// A period in the document's words: `5 min`, `1 hour`, `30s`.
fn period_words(seconds: u64) -> String {
    match seconds {
        s if s % 86_400 == 0 => plural(s / 86_400, "day"),
        s if s % 3_600 == 0 => plural(s / 3_600, "hour"),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s}s"),
    }
}

fn plural(count: u64, unit: &str) -> String {
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_family_gets_a_readable_name() {
        let cases = [
            ("python3.13", "Python 3.13"),
            ("python3.9", "Python 3.9"),
            ("nodejs20.x", "Node.js 20.x"),
            ("nodejs", "Node.js"),
            ("java21", "Java 21"),
            ("java8.al2", "Java 8 (Amazon Linux 2)"),
            ("dotnet8", ".NET 8"),
            ("dotnetcore3.1", ".NET Core 3.1"),
            ("ruby3.3", "Ruby 3.3"),
            ("go1.x", "Go 1.x"),
            ("provided", "OS-only (Amazon Linux)"),
            ("provided.al2", "OS-only (Amazon Linux 2)"),
            ("provided.al2023", "OS-only (Amazon Linux 2023)"),
            ("cobol9", "cobol9"),
        ];
        for (id, name) in cases {
            assert_eq!(runtime_name(id), name, "{id}");
        }
    }

    #[test]
    fn thresholds_read_like_the_document() {
        let alarm = |statistic: &str, value: &str, unit: Option<&str>| AlarmState {
            name: "a".into(),
            statistic: Some(statistic.into()),
            comparison: Some("GreaterThanThreshold".into()),
            threshold: Some(value.to_string()),
            period: Some(300),
            unit: unit.map(str::to_string),
            ..AlarmState::default()
        };
        assert_eq!(
            threshold(&alarm("Sum", "5", None)).as_deref(),
            Some("> 5 per 5 min")
        );
        assert_eq!(
            threshold(&alarm("Average", "200", Some("Milliseconds"))).as_deref(),
            Some("> 200 ms")
        );
        assert_eq!(
            threshold(&alarm("Average", "1.5", Some("Percent"))).as_deref(),
            Some("> 1.5%")
        );
        assert_eq!(period_words(3600), "1 hour");
        assert_eq!(period_words(86_400 * 2), "2 days");
        assert_eq!(retention(None), "Never expire");
        assert_eq!(retention(Some(30)), "30 days");
    }
}
