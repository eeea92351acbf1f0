//! The reads: what `log`, `show`, `live`, `history`, `diff` and `status`
//! answer, from the journal's index (partial reads) or the whole journal.
//! Each returns its answer; the command layer prints it as text or JSON.

pub mod diff;
pub mod history;
pub mod live;
pub mod log;
pub mod show;
pub mod status;
