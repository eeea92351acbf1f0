//! Reading an environment's state from AWS, for the commands that record or
//! compare it (`snapshot`, `record`, `verify --aws`): one step that calls each
//! service's client file in `aws/` and assembles what the journal records.
//! No journal access and no printing here.

mod discover;
mod functions;
mod inventory;

pub use discover::{Discovered, FoundFunction, discover};
pub use functions::read_function_versions;
pub use inventory::{Scope, read_inventory};
