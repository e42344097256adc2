//! pgrift: PostgreSQL schema diff and migration-script generator.
//!
//! See `ARCHITECTURE.md` for the pipeline and the invariants between layers.

#[macro_use]
mod read;

#[macro_use]
pub mod catalog;
mod compare;
pub mod deploy;
pub mod diff;
pub mod emit;
pub mod introspect;
pub mod names;
pub mod pattern;
pub mod plan;
mod quote;
pub mod report;
pub mod risk;
pub mod source;
pub mod sql;

pub use compare::{CompareError, Comparison, Options, Script, Timings, Warnings, compare};

#[cfg(test)]
mod fuzz_tests;
