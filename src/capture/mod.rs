//! Reading an environment's state from AWS, for the commands that record or
//! compare it (`record`, `snapshot`, `rollback`, `verify --aws`): one step that calls each
//! service's client file in `aws/` and assembles what the journal records.
//! No journal access and no printing here.

mod discover;
mod functions;
mod inventory;
mod objects;

pub use discover::{Discovered, FoundFunction, discover};
pub use functions::{read_function_version, read_function_versions};
pub use inventory::{Missing, Scope, read_inventory};
pub use objects::{
    InvalidationRequest, Objects, Progress, Reading, Silent, capture_objects, invalidation,
    list_objects, rediff,
};
