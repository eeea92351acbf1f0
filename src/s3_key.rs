//! The spelling of S3 object keys in URLs and copy sources: shared by the
//! AWS calls (`aws::s3`) and the templates' `url_path` filter.

/// Percent-encodes a key for an S3 copy source or a URL path, keeping `/`
/// and the unreserved characters.
pub fn percent_encode(key: &str) -> String {
    let mut out = String::new();
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
