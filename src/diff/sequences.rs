//! Sequences: options alter in place; `OWNED BY` is set once the owning
//! column exists, as a change of its own.

use super::Delta;
use crate::catalog::Sequence;
use crate::sql::Stmt;

pub fn compare(old: &Sequence, new: &Sequence) -> Delta {
    if old.options == new.options {
        // An ownership change alone is carried by the finishing change.
        return if old.owned_by == new.owned_by {
            Delta::Same
        } else {
            Delta::Alter(Vec::new())
        };
    }
    let mut stmts = Vec::new();
    // PostgreSQL refuses a MINVALUE above the current value; the sequence
    // moves up to the new minimum first (never down, which could repeat
    // values already handed out).
    if new.options.min_value > old.options.min_value {
        stmts.push(Stmt::SequenceAtLeast {
            name: new.name.clone(),
            value: new.options.min_value,
        });
    }
    stmts.push(Stmt::AlterSequence {
        name: new.name.clone(),
        options: new.options.clone(),
    });
    Delta::Alter(stmts)
}

pub fn create(sequence: &Sequence) -> Vec<Stmt> {
    vec![Stmt::CreateSequence {
        name: sequence.name.clone(),
        options: sequence.options.clone(),
    }]
}

pub fn drop(sequence: &Sequence) -> Vec<Stmt> {
    vec![Stmt::DropSequence(sequence.name.clone())]
}

/// `OWNED BY` for a new sequence that has an owner.
pub fn owned_by(sequence: &Sequence) -> Option<Stmt> {
    sequence.owned_by.as_ref().map(|_| owned_by_stmt(sequence))
}

/// `OWNED BY` (or `OWNED BY NONE`) for a sequence whose owner changes.
pub fn owned_by_change(sequence: &Sequence) -> Option<Stmt> {
    Some(owned_by_stmt(sequence))
}

fn owned_by_stmt(sequence: &Sequence) -> Stmt {
    Stmt::AlterSequenceOwnedBy {
        name: sequence.name.clone(),
        owner: sequence.owned_by.clone(),
    }
}
