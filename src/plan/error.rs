use thiserror::Error;

/// Why changes could not be ordered.
#[derive(Debug, Error)]
pub enum PlanError {
    /// The changes depend on each other in a circle. This is a bug in
    /// pgrift's diff, not in the user's schema.
    #[error("changes depend on each other in a circle: {}", changes.join(", "))]
    Cycle { changes: Vec<String> },
}
