//! SQL as data: the statements pgrift writes, rendered through `Display`.
//!
//! No SQL text is built anywhere else. Names go through [`quote_ident`] (by
//! way of [`crate::names::QualName`]'s `Display`), literals through
//! [`quote_literal`]. Definitions that PostgreSQL deparsed itself (types,
//! expressions, `pg_get_*def` output) are embedded as [`ServerSql`], which
//! PostgreSQL has already quoted. The read-only queries of the risk probes
//! ([`ProbeQuery`]) are built the same way, and [`read`] takes apart the
//! definitions the server deparsed where a rule needs their columns.
//!
//! The quoting functions live in `crate::quote`, below `catalog`, so that
//! `QualName` can display itself without `catalog` importing this module;
//! they are re-exported here, where every caller finds them.

mod comment;
mod history;
pub mod lex;
mod probe;
pub mod read;
mod role;
pub mod secret;
mod shadow;
mod stmt;
mod sync;
mod verification;
pub mod verify;

pub use crate::quote::{keywords, quote_ident, quote_ident_with, quote_literal, quote_pattern};
pub use comment::{comment, visible};
pub use history::{HISTORY_TABLE, HistoryStmt};
pub use probe::{CastText, Condition, InputCheck, ProbeControl, ProbeQuery};
pub use role::{RoleOption, RoleSetting};
pub use shadow::{CreateExtension, ShadowStmt};
pub use stmt::*;
pub use sync::{
    BACKFILL_NOTICE, Backfill, Conversion, SyncFunction, SyncTrigger, backfill_progress,
};
pub use verification::Verification;
