//! Small, pure formatting helpers shared by the services, the context
//! builder and the template filters: sizes, shell quoting, durations, code
//! hashes. (Table cells are [`super::cell`]'s.)

/// A byte count as people write it: `640 B`, `21.2 KB`, `48 KB`, `1.2 MB`
/// (powers of 1024, one decimal, a trailing `.0` dropped).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let text = format!("{value:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text} {}", UNITS[unit])
}

/// [`human_size`] read back, and sizes as people write them: `640 B`,
/// `21.2 KB`, `1.5 MiB`, `2 GB` -> bytes (powers of 1024).
pub fn parse_size(text: &str) -> Option<u64> {
    let (number, unit) = text.trim().split_once(' ')?;
    let value: f64 = number.parse().ok()?;
    let power = match unit.trim().to_ascii_uppercase().as_str() {
        "B" | "BYTES" => 0,
        "KB" | "KIB" => 1,
        "MB" | "MIB" => 2,
        "GB" | "GIB" => 3,
        "TB" | "TIB" => 4,
        "PB" | "PIB" => 5,
        _ => return None,
    };
    let bytes = value * 1024f64.powi(power);
    (bytes >= 0.0 && bytes.is_finite() && bytes < u64::MAX as f64).then(|| bytes.round() as u64)
}

/// A code SHA-256 shortened for people: its first 12 characters (`-` when unknown).
pub fn short_code(code: Option<&str>) -> String {
    match code {
        Some(code) => code.chars().take(12).collect(),
        None => "-".into(),
    }
}

/// Quotes a word for a POSIX shell only when it needs it.
pub fn shell_word(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if safe {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// A `max-age` in seconds, shortly: `24h`, `1y`, `30m`, `45s`.
pub fn short_duration(seconds: u64) -> String {
    const YEAR: u64 = 365 * 86400;
    if seconds >= YEAR && seconds.is_multiple_of(YEAR) {
        format!("{}y", seconds / YEAR)
    } else if seconds >= 3600 && seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else if seconds >= 60 && seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

/// A TTL in words, as documents write it: `24 hours`, `1 year`, `7 days`.
pub fn long_duration(seconds: u64) -> String {
    const YEAR: u64 = 365 * 86400;
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if seconds >= YEAR && seconds.is_multiple_of(YEAR) {
        plural(seconds / YEAR, "year")
    } else if seconds >= 2 * 86400 && seconds.is_multiple_of(86400) {
        plural(seconds / 86400, "day")
    } else if seconds >= 3600 && seconds.is_multiple_of(3600) {
        plural(seconds / 3600, "hour")
    } else if seconds >= 60 && seconds.is_multiple_of(60) {
        plural(seconds / 60, "minute")
    } else {
        plural(seconds, "second")
    }
}

/// The `max-age` of a Cache-Control value, if it has one.
pub fn max_age(cache_control: &str) -> Option<u64> {
    cache_control.split(',').find_map(|directive| {
        let (name, value) = directive.trim().split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("max-age")
            .then(|| value.trim().parse().ok())
            .flatten()
    })
}

/// The family a content type belongs to, for the Cache-Control table, and
/// the family's rank in the order documents list them.
pub fn content_family(content_type: &str) -> (usize, String) {
    let base = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let family = match base.as_str() {
        "application/javascript" | "text/javascript" | "application/x-javascript" => "JavaScript",
        "text/css" => "CSS",
        t if t.starts_with("font/") || t.contains("font") => "Fonts",
        "text/html" => "HTML",
        "application/json" | "application/manifest+json" => "JSON",
        t if t.starts_with("image/") => "Images",
        _ => return (usize::MAX, base),
    };
    let order = ["JavaScript", "CSS", "Fonts", "HTML", "JSON", "Images"];
    (
        order
            .iter()
            .position(|f| *f == family)
            .unwrap_or(usize::MAX),
        family.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_print_like_people_write_them() {
        assert_eq!(human_size(640), "640 B");
        assert_eq!(human_size(21709), "21.2 KB");
        assert_eq!(human_size(49152), "48 KB");
        assert_eq!(human_size(445645), "435.2 KB");
        assert_eq!(human_size(1258291), "1.2 MB");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1024), "1 KB");
    }

    #[test]
    fn sizes_parse_like_people_write_them() {
        assert_eq!(parse_size("640 B"), Some(640));
        assert_eq!(parse_size("21.2 KB"), Some(21709));
        assert_eq!(parse_size("1.25 MB"), Some(1310720));
        assert_eq!(parse_size("48 KB"), Some(49152));
        assert_eq!(parse_size("big"), None);
        assert_eq!(parse_size("12 parsecs"), None);
        assert_eq!(parse_size("-1 KB"), None);
        for bytes in [0, 1023, 1024, 21709, 1 << 40, 3 << 50] {
            let printed = human_size(bytes);
            let read = parse_size(&printed).unwrap();
            assert_eq!(human_size(read), printed, "{bytes} prints back the same");
        }
    }

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell_word("widget.js"), "widget.js");
        assert_eq!(shell_word("my file.js"), "'my file.js'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }

    #[test]
    fn durations_and_max_age() {
        assert_eq!(short_duration(86400), "24h");
        assert_eq!(short_duration(31536000), "1y");
        assert_eq!(short_duration(300), "5m");
        assert_eq!(max_age("public, max-age=600"), Some(600));
        assert_eq!(long_duration(86400), "24 hours");
        assert_eq!(long_duration(31536000), "1 year");
        assert_eq!(long_duration(604800), "7 days");
        assert_eq!(long_duration(1), "1 second");
        assert_eq!(max_age("no-cache"), None);
    }
}
