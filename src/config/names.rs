//! The names `ledger.toml` gives and what they may hold: environment names
//! (one line, not empty, not one another's case variant) and S3 bucket
//! names (a name, not an `s3://` URL or a path).

/// Why an environment name cannot be used, if it cannot.
pub fn environment_name_problem(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        return Some("an environment needs a name: `[environments.\"\"]` has none".into());
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Some(format!(
            "environment name `{}` holds the control character {}: a name is one line of text",
            name.escape_default(),
            c.escape_default()
        ));
    }
    None
}

/// Why `bucket` is not an S3 bucket name, if it is not. Allowed: 3 to 63
/// lowercase letters, digits, dots and hyphens, starting and ending with a
/// letter or digit (AWS's rules; `_` and capitals, which only old buckets
/// in us-east-1 have, are accepted too, and up to 255 characters).
pub fn bucket_problem(bucket: &str) -> Option<String> {
    if let Some(rest) = bucket
        .strip_prefix("s3://")
        .or_else(|| bucket.strip_prefix("S3://"))
    {
        let (name, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = prefix.trim_end_matches('/');
        let advice = if prefix.is_empty() {
            format!("write `bucket = \"{name}\"`")
        } else {
            format!("write `bucket = \"{name}\"` and `prefix = \"{prefix}/\"`")
        };
        return Some(format!(
            "bucket = \"{bucket}\" is an s3:// URL, not a bucket name: {advice}"
        ));
    }
    if let Some((name, prefix)) = bucket.split_once('/') {
        return Some(format!(
            "bucket = \"{bucket}\" holds a `/`: a bucket name has none; write `bucket = \"{name}\"` \
             and `prefix = \"{}/\"`",
            prefix.trim_end_matches('/')
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    if let Some(c) = bucket.chars().find(|c| !allowed(*c)) {
        return Some(format!(
            "bucket = \"{}\" holds `{}`: a bucket name has only letters, digits, `.`, `-` (and `_` \
             in old buckets)",
            bucket.escape_default(),
            c.escape_default()
        ));
    }
    let edges_ok = bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !(3..=255).contains(&bucket.len()) || !edges_ok {
        return Some(format!(
            "bucket = \"{bucket}\" is not a bucket name: 3 to 63 characters, starting and ending with \
             a letter or a digit"
        ));
    }
    None
}

/// The first pair of names among `names` that differ only in case.
pub fn case_twins<'a>(names: impl IntoIterator<Item = &'a String>) -> Option<(&'a str, &'a str)> {
    let mut seen: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    for name in names {
        if let Some(first) = seen.insert(name.to_lowercase(), name) {
            return Some((first, name));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_are_checked_with_advice() {
        for good in ["sm-prod", "a.b-c", "Legacy_Bucket", "abc"] {
            assert_eq!(bucket_problem(good), None, "{good}");
        }
        assert!(
            bucket_problem("s3://sm-prod/site/")
                .unwrap()
                .contains("write `bucket = \"sm-prod\"` and `prefix = \"site/\"`")
        );
        assert!(
            bucket_problem("s3://sm-prod")
                .unwrap()
                .contains("an s3:// URL")
        );
        assert!(
            bucket_problem("sm-prod/site")
                .unwrap()
                .contains("holds a `/`")
        );
        assert!(bucket_problem("sm prod").unwrap().contains("holds ` `"));
        assert!(bucket_problem("ab").unwrap().contains("3 to 63"));
        assert!(
            bucket_problem("-ab")
                .unwrap()
                .contains("starting and ending")
        );
    }

    #[test]
    fn environment_names_are_one_line_and_not_twins() {
        assert!(environment_name_problem("").is_some());
        assert!(
            environment_name_problem("prod\nuction")
                .unwrap()
                .contains("\\n")
        );
        assert_eq!(environment_name_problem("production"), None);
        let names = ["production".to_string(), "Production".to_string()];
        assert_eq!(case_twins(&names), Some(("production", "Production")));
        assert_eq!(case_twins(&names[..1]), None);
    }
}
