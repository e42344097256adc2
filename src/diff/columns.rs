//! Columns and their defaults. Everything about a column alters in place
//! except a change of its generation expression, which drops and adds the
//! (derived, so recomputable) column. Defaults are objects of their own so
//! that they can be dropped and set again around a change of what they use.

use super::Delta;
use crate::catalog::{Column, Identity, QualName};
use crate::sql::{ColumnDef, Ident, IdentityDef, ServerSql, Stmt, TableAction};

pub fn compare(table: &QualName, old: &Column, new: &Column) -> Delta {
    let alter = |action| Stmt::AlterTable {
        table: table.clone(),
        action,
    };
    let name = || Ident(new.name.to_string());
    let mut stmts = Vec::new();

    match (&old.generated, &new.generated) {
        (Some(a), Some(b)) if a != b => return Delta::Replace,
        (None, Some(_)) => return Delta::Replace,
        _ => {}
    }
    if old.identity.is_some() && new.identity.is_none() {
        stmts.push(alter(TableAction::DropIdentity(name())));
    }
    if old.generated.is_some() && new.generated.is_none() {
        stmts.push(alter(TableAction::DropExpression(name())));
    }
    if old.data_type != new.data_type || old.collation != new.collation {
        stmts.push(alter(TableAction::AlterColumnType {
            column: name(),
            data_type: ServerSql(new.data_type.to_string()),
            collation: new.collation.as_deref().cloned(),
            using_cast: needs_using(&old.data_type, &new.data_type),
            via_text: false,
        }));
    }
    if old.not_null != new.not_null {
        stmts.push(alter(if new.not_null {
            TableAction::SetNotNull(name())
        } else {
            TableAction::DropNotNull(name())
        }));
    }
    match (&old.identity, &new.identity) {
        (None, Some(identity)) => {
            stmts.push(alter(TableAction::AddIdentity(
                name(),
                identity_def(identity),
            )));
        }
        (Some(a), Some(b)) if a.always != b.always || a.options != b.options => {
            stmts.push(alter(TableAction::SetIdentity {
                column: name(),
                always: b.always,
                options: b.options.clone(),
            }));
        }
        _ => {}
    }
    if stmts.is_empty() {
        Delta::Same
    } else {
        Delta::Alter(stmts)
    }
}

/// Whether `ALTER COLUMN … TYPE` needs `USING column::type`: not when an
/// assignment cast exists (a typmod change, a move to a string type, within
/// the numeric or the date/time family), where the assignment cast is also
/// the safer one (it fails on a value that does not fit instead of
/// truncating it).
fn needs_using(old: &str, new: &str) -> bool {
    const STRINGS: &[&str] = &["text", "character varying", "character"];
    const NUMBERS: &[&str] = &[
        "smallint",
        "integer",
        "bigint",
        "numeric",
        "real",
        "double precision",
    ];
    const TIMES: &[&str] = &[
        "date",
        "timestamp without time zone",
        "timestamp with time zone",
    ];
    let base = |t: &str| t.split('(').next().unwrap_or(t).trim().to_owned();
    let (old, new) = (base(old), base(new));
    let both_in =
        |family: &[&str]| family.contains(&old.as_str()) && family.contains(&new.as_str());
    !(old == new || STRINGS.contains(&new.as_str()) || both_in(NUMBERS) || both_in(TIMES))
}

/// True for the statement that changes a column's type.
pub fn is_type_change(stmt: &Stmt) -> bool {
    matches!(
        stmt,
        Stmt::AlterTable {
            action: TableAction::AlterColumnType { .. },
            ..
        }
    )
}

/// Moves a column to a recreated enum type of the same name.
pub fn retype_via_text(table: &QualName, column: &Column) -> Stmt {
    Stmt::AlterTable {
        table: table.clone(),
        action: TableAction::AlterColumnType {
            column: Ident(column.name.to_string()),
            data_type: ServerSql(column.data_type.to_string()),
            collation: None,
            using_cast: false,
            via_text: true,
        },
    }
}

pub fn compare_default(table: &QualName, old: &Column, new: &Column) -> Delta {
    if old.default == new.default {
        Delta::Same
    } else {
        Delta::Alter(set_default(table, new))
    }
}

fn identity_def(identity: &Identity) -> IdentityDef {
    IdentityDef {
        always: identity.always,
        sequence: identity.sequence.clone(),
        options: identity.options.clone(),
    }
}

/// A column as `CREATE TABLE` and `ADD COLUMN` write it, default included.
pub fn column_def(column: &Column) -> ColumnDef {
    ColumnDef {
        name: Ident(column.name.to_string()),
        data_type: ServerSql(column.data_type.to_string()),
        collation: column.collation.as_deref().cloned(),
        not_null: column.not_null,
        default: column.default.clone().map(ServerSql),
        identity: column.identity.as_deref().map(identity_def),
        generated: column.generated.clone().map(ServerSql),
    }
}

pub fn add(table: &QualName, column: &Column) -> Vec<Stmt> {
    vec![Stmt::AlterTable {
        table: table.clone(),
        action: TableAction::AddColumn(column_def(column)),
    }]
}

pub fn drop(table: &QualName, column: &Column) -> Vec<Stmt> {
    vec![Stmt::AlterTable {
        table: table.clone(),
        action: TableAction::DropColumn(Ident(column.name.to_string())),
    }]
}

pub fn set_default(table: &QualName, column: &Column) -> Vec<Stmt> {
    column
        .default
        .iter()
        .map(|default| Stmt::AlterTable {
            table: table.clone(),
            action: TableAction::SetDefault(
                Ident(column.name.to_string()),
                ServerSql(default.clone()),
            ),
        })
        .collect()
}

pub fn drop_default(table: &QualName, column: &Column) -> Vec<Stmt> {
    vec![Stmt::AlterTable {
        table: table.clone(),
        action: TableAction::DropDefault(Ident(column.name.to_string())),
    }]
}

#[cfg(test)]
mod tests {
    use super::needs_using;

    #[test]
    fn using_only_without_an_assignment_cast() {
        let cases = [
            ("character varying(64)", "character varying(20)", false),
            ("integer", "bigint", false),
            ("bigint", "integer", false),
            ("integer", "text", false),
            ("text", "integer", true),
            ("date", "timestamp with time zone", false),
            ("text", "uuid", true),
            ("numeric(10,2)", "numeric(12,4)", false),
        ];
        for (old, new, expected) in cases {
            assert_eq!(needs_using(old, new), expected, "{old} -> {new}");
        }
    }
}
