//! SQL as data: the statements pgrift writes, rendered through `Display`.
//!
//! No SQL text is built anywhere else. Names go through [`quote_ident`] (by
//! way of [`crate::catalog::QualName`]'s `Display`), literals through
//! [`quote_literal`]. Definitions that PostgreSQL deparsed itself (types,
//! expressions, `pg_get_*def` output) are embedded as [`ServerSql`], which
//! PostgreSQL has already quoted. The read-only queries of the risk probes
//! ([`ProbeQuery`]) are built the same way, and [`read`] takes apart the
//! definitions the server deparsed where a rule needs their columns.

mod comment;
pub mod lex;
mod probe;
mod quote;
pub mod read;
mod shadow;
mod stmt;
pub mod verify;

pub use comment::{comment, visible};
pub use probe::{CastText, Condition, InputCheck, ProbeControl, ProbeQuery};
pub use quote::{keywords, quote_ident, quote_literal};
pub use shadow::{CreateExtension, ShadowStmt};
pub use stmt::*;
