//! SQL as data: the statements pgrift writes, rendered through `Display`.
//!
//! No SQL text is built anywhere else. Names go through [`quote_ident`] (by
//! way of [`crate::catalog::QualName`]'s `Display`), literals through
//! [`quote_literal`]. Definitions that PostgreSQL deparsed itself (types,
//! expressions, `pg_get_*def` output) are embedded as [`ServerSql`], which
//! PostgreSQL has already quoted.

pub mod lex;
mod quote;
mod stmt;

pub use quote::{keywords, quote_ident, quote_literal};
pub use stmt::*;
