//! The risk classifier: what each statement of a plan will do to a live
//! database. Rules are pure; probes measure them on data.

mod model;

pub use model::*;
