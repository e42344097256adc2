//! Columns and their defaults. Everything about a column alters in place
//! except a change of its generation expression, which drops and adds the
//! (derived, so recomputable) column; its storage, compression and
//! statistics target are set after it is added, created or retyped (a type
//! change resets the first two). Defaults are objects of their own so
//! that they can be dropped and set again around a change of what they use.
//! A column's own privileges (`GRANT SELECT (c)`) alter in place with it,
//! and so do a foreign table's column's options (see `table.rs`).

use super::acl;
use super::sequence;
use super::table::{
    Column, Table, column_def, column_options_changed, identity_def, identity_privileges,
    settings_changed,
};
use super::{
    Catalog, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, Objects, Shape, Shown, Tag,
};
use crate::names::QualName;
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, Ident, ServerSql, Stmt, TableAction};

/// A column of `table` from `old` to `new`; `foreign` for a foreign
/// table's, whose values are not stored here, so a new type converts none
/// (PostgreSQL refuses `USING` on one).
pub fn compare(table: &QualName, old: &Column, new: &Column, foreign: bool) -> Delta {
    let alter = |action| Stmt::AlterTable {
        table: table.clone(),
        action,
    };
    let name = || Ident(new.name.to_string());
    let mut stmts = Vec::new();

    match (old.generated(), new.generated()) {
        (Some(a), Some(b)) if a != b => return Delta::Replace,
        (None, Some(_)) => return Delta::Replace,
        _ => {}
    }
    if old.identity().is_some() && new.identity().is_none() {
        stmts.push(alter(TableAction::DropIdentity(name())));
    }
    if old.generated().is_some() && new.generated().is_none() {
        stmts.push(alter(TableAction::DropExpression(name())));
    }
    let type_change =
        (old.data_type != new.data_type || old.collation() != new.collation()).then(|| {
            alter(TableAction::AlterColumnType {
                column: name(),
                data_type: ServerSql(new.data_type.to_string()),
                collation: new.collation().cloned(),
                using_cast: !foreign && needs_using(&old.data_type, &new.data_type),
                via_text: !foreign && between_user_types(&old.data_type, &new.data_type),
            })
        });
    let identity = match (old.identity(), new.identity()) {
        // The column may already hold values: its new sequence numbers on
        // after them, as a sequence that takes over a column does.
        (None, Some(identity)) => vec![
            alter(TableAction::AddIdentity(name(), identity_def(identity))),
            Stmt::SyncSequenceToColumn {
                sequence: identity.sequence.clone(),
                table: table.clone(),
                column: name(),
            },
        ],
        (Some(a), Some(b)) if a.always != b.always || a.options != b.options => {
            let set = |options| {
                alter(TableAction::SetIdentity {
                    column: name(),
                    always: b.always,
                    options,
                })
            };
            sequence::rebound(&a.sequence, &a.options, &b.options, set)
        }
        _ => Vec::new(),
    };
    // A type change also changes the type of an identity's sequence, which
    // PostgreSQL refuses while the sequence's bounds do not fit the new
    // type: bounds that fit the old type are set first (a narrower type),
    // others after the type changes (a wider one). A new identity comes
    // last, after the column is set NOT NULL, as PostgreSQL requires.
    let (min, max) = sequence::type_range(&old.data_type);
    let identity_first = old.identity().is_some()
        && new
            .identity()
            .is_some_and(|i| i.options.min_value >= min && i.options.max_value <= max);
    let identity_last = if identity_first {
        stmts.extend(identity);
        Vec::new()
    } else {
        identity
    };
    let retyped = type_change.is_some();
    stmts.extend(type_change);
    stmts.extend(settings_changed(table, Some(old), new, retyped));
    if old.not_null != new.not_null {
        stmts.push(alter(if new.not_null {
            TableAction::SetNotNull(name())
        } else {
            TableAction::DropNotNull(name())
        }));
    }
    stmts.extend(identity_last);
    stmts.extend(column_options_changed(table, Some(old), new));
    if stmts.is_empty() {
        Delta::Same
    } else {
        Delta::Alter(stmts)
    }
}

/// How a value of type `old` becomes one of type `new`, as `ALTER COLUMN …
/// TYPE` converts it here: whether it needs `USING column::type` and
/// whether it goes through `text` (`--expand-contract`'s sync trigger
/// converts the same way).
pub fn conversion(old: &str, new: &str) -> (bool, bool) {
    (needs_using(old, new), between_user_types(old, new))
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

/// Whether both types are a schema's own (the server names them qualified,
/// as it names no built-in type): there is no cast from one enum type to
/// another, nor between most such types, but each reads its values back
/// from text, so the column goes through `text`.
fn between_user_types(old: &str, new: &str) -> bool {
    old != new && old.contains('.') && new.contains('.')
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

/// Moves a column to a recreated type of the same name (an enum, a domain,
/// a composite or range type) through `text`, or to a recreated collation
/// of the same name with its type as it is (which rewrites nothing), and
/// then sets its storage and compression, which the type change resets.
pub fn move_to_recreated(table: &QualName, column: &Column, through_text: bool) -> Vec<Stmt> {
    let mut stmts = vec![Stmt::AlterTable {
        table: table.clone(),
        action: TableAction::AlterColumnType {
            column: Ident(column.name.to_string()),
            data_type: ServerSql(column.data_type.to_string()),
            collation: column.collation().cloned(),
            using_cast: false,
            via_text: through_text,
        },
    }];
    stmts.extend(settings_changed(table, Some(column), column, true));
    stmts
}

pub fn compare_default(table: &QualName, old: &Column, new: &Column) -> Delta {
    if old.default == new.default {
        Delta::Same
    } else {
        Delta::Alter(set_default(table, new))
    }
}

/// `ADD COLUMN`, then its storage, compression and statistics target, and
/// a foreign table's column's options.
pub fn add(table: &QualName, column: &Column) -> Vec<Stmt> {
    let mut stmts = vec![Stmt::AlterTable {
        table: table.clone(),
        action: TableAction::AddColumn(column_def(column)),
    }];
    stmts.extend(settings_changed(table, None, column, false));
    stmts.extend(column_options_changed(table, None, column));
    stmts
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
                ServerSql(default.to_string()),
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

/// A column's default, as a kind of its own (see `ObjectId::Default`);
/// the model is the column's. An inherited column's default is its
/// parent's, copied by PostgreSQL when the child is created and passed down
/// when the parent's changes, so it has no statements of its own; a table
/// that joins or leaves a parent sets what differs (see `table::compare`).
pub struct ColumnDefault;

/// A table's columns in identity order (by name), each with its table.
fn sorted_columns(table: &Table) -> Vec<(&Table, &Column)> {
    let mut columns: Vec<(&Table, &Column)> = table.columns.iter().map(|c| (table, c)).collect();
    columns.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    columns
}

/// A column of a table, as a kind; the model is the table's [`Column`].
pub struct TableColumn;

impl<'a> ObjectKind<'a> for TableColumn {
    type Ref = (&'a Table, &'a Column);
    const NOUN: &'static str = "column";
    const SHAPE: Shape = Shape::Member;
    const FOLLOWS: Follows = Follows::Column;
    const MODELS: &'static [&'static str] = &[];

    /// Columns are kept in physical order; identity order is by name.
    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        for table in &catalog.tables {
            out.extend(sorted_columns(table).into_iter().map(Obj::Column));
        }
    }

    fn key((table, column): (&'a Table, &'a Column)) -> [&'a str; 3] {
        [&table.name.schema, &table.name.name, &column.name]
    }

    fn container((table, _): (&'a Table, &'a Column)) -> Holder<'a> {
        Holder::table(&table.name)
    }

    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
        container.is_table_of(parts)
    }

    fn table((table, _): (&'a Table, &'a Column)) -> Option<&'a QualName> {
        Some(&table.name)
    }

    /// An identity column's sequence.
    fn claimed_names((_, column): (&'a Table, &'a Column)) -> Vec<QualName> {
        column
            .identity()
            .map(|i| i.sequence.clone())
            .into_iter()
            .collect()
    }

    /// An inherited column changes with its parent's, which PostgreSQL
    /// passes down to it.
    /// An inherited column alters nothing but its own privileges.
    fn compare((table, old): (&'a Table, &'a Column), (_, new): (&'a Table, &'a Column)) -> Delta {
        let privileges = acl::changes(
            old.privileges(),
            new.privileges(),
            &table.grant_target(),
            Some(&new.name),
            &table.owner_role(),
        );
        if new.inherited {
            return Delta::Same.and(privileges);
        }
        let sequence = identity_privileges(old.identity(), new.identity(), &table.owner_role());
        compare(&table.name, old, new, table.foreign.is_some())
            .and(privileges)
            .and(sequence)
    }

    /// An inherited column comes with its parent's column, or with the
    /// `PARTITION OF` or `INHERIT` that makes its table a child. A new
    /// table's `CREATE TABLE` takes the column and its privileges along.
    fn create((table, column): (&'a Table, &'a Column)) -> Vec<Stmt> {
        let privileges = acl::changes(
            &acl::DEFAULT,
            column.privileges(),
            &table.grant_target(),
            Some(&column.name),
            &table.owner_role(),
        );
        let mut stmts = if column.inherited {
            Vec::new()
        } else {
            add(&table.name, column)
        };
        stmts.extend(privileges);
        stmts.extend(identity_privileges(
            None,
            column.identity(),
            &table.owner_role(),
        ));
        stmts
    }

    /// A new identity column makes its sequence, which default privileges
    /// on sequences reach.
    fn created_acls((_, column): (&'a Table, &'a Column)) -> Vec<super::CreatedAcl<'a>> {
        super::table::identity_created(column).into_iter().collect()
    }

    /// An inherited column goes with its parent's column.
    fn drop((table, column): (&'a Table, &'a Column)) -> Vec<Stmt> {
        if column.inherited {
            return Vec::new();
        }
        drop(&table.name, column)
    }

    fn dropped_with(
        (table, _): (&'a Table, &'a Column),
        _: &Objects<'a>,
        _: Ix,
    ) -> Option<ObjectId> {
        Some(ObjectId::Table {
            name: table.name.clone(),
        })
    }

    /// A new table's columns are created inside its `CREATE TABLE`.
    fn created_with((table, _): (&'a Table, &'a Column)) -> Option<ObjectId> {
        Some(ObjectId::Table {
            name: table.name.clone(),
        })
    }

    fn comment((_, column): (&'a Table, &'a Column)) -> Option<&'a Option<String>> {
        Some(&column.extra().comment)
    }

    fn comment_target((table, column): (&'a Table, &'a Column)) -> Option<CommentTarget> {
        Some(CommentTarget::Column(
            table.name.clone(),
            Ident(column.name.to_string()),
        ))
    }

    fn shown(_: (&'a Table, &'a Column)) -> Option<Shown> {
        None
    }

    fn alter_names(
        (_, old): (&'a Table, &'a Column),
        (_, new): (&'a Table, &'a Column),
    ) -> (Vec<QualName>, Vec<QualName>) {
        let sequences = |column: &Column| -> Vec<QualName> {
            column
                .identity()
                .iter()
                .map(|i| i.sequence.clone())
                .collect()
        };
        let (freed, taken) = (sequences(old), sequences(new));
        if freed == taken {
            return (Vec::new(), Vec::new());
        }
        (freed, taken)
    }

    fn alter_spreads(
        _: (&'a Table, &'a Column),
        _: (&'a Table, &'a Column),
        statements: &[Stmt],
    ) -> bool {
        statements.iter().any(is_type_change)
    }

    /// The column's type, generation expression and identity type; its
    /// default is an object of its own.
    fn deparsed((_, column): (&'a Table, &'a Column)) -> Vec<(&'a str, TextShape)> {
        let mut texts = vec![(column.data_type.as_str(), TextShape::Fragment)];
        texts.extend(column.generated().map(|g| (g, TextShape::Fragment)));
        texts.extend(
            column
                .identity()
                .map(|i| (i.options.data_type.as_str(), TextShape::Fragment)),
        );
        texts
    }
}

impl<'a> ObjectKind<'a> for ColumnDefault {
    type Ref = (&'a Table, &'a Column);
    const NOUN: &'static str = "default";
    const SHAPE: Shape = Shape::Member;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &[];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        for table in &catalog.tables {
            out.extend(
                sorted_columns(table)
                    .into_iter()
                    .filter(|(_, column)| column.default.is_some())
                    .map(Obj::Default),
            );
        }
    }

    fn key((table, column): (&'a Table, &'a Column)) -> [&'a str; 3] {
        [&table.name.schema, &table.name.name, &column.name]
    }

    fn container((table, column): (&'a Table, &'a Column)) -> Holder<'a> {
        Holder::Object(Key(
            Tag::Column,
            [&table.name.schema, &table.name.name, &column.name],
        ))
    }

    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
        container == Key(Tag::Column, parts)
    }

    fn table((table, _): (&'a Table, &'a Column)) -> Option<&'a QualName> {
        Some(&table.name)
    }

    fn claimed_names(_: (&'a Table, &'a Column)) -> Vec<QualName> {
        Vec::new()
    }

    fn compare((table, old): (&'a Table, &'a Column), (_, new): (&'a Table, &'a Column)) -> Delta {
        if new.inherited {
            return Delta::Same;
        }
        compare_default(&table.name, old, new)
    }

    fn create((table, column): (&'a Table, &'a Column)) -> Vec<Stmt> {
        if column.inherited {
            return Vec::new();
        }
        set_default(&table.name, column)
    }

    fn drop((table, column): (&'a Table, &'a Column)) -> Vec<Stmt> {
        if column.inherited {
            return Vec::new();
        }
        drop_default(&table.name, column)
    }

    fn dropped_with(
        (table, column): (&'a Table, &'a Column),
        _: &Objects<'a>,
        _: Ix,
    ) -> Option<ObjectId> {
        Some(column_id(&table.name, &column.name))
    }

    /// A new column's default is part of its definition.
    fn created_with((table, column): (&'a Table, &'a Column)) -> Option<ObjectId> {
        Some(column_id(&table.name, &column.name))
    }

    fn comment(_: (&'a Table, &'a Column)) -> Option<&'a Option<String>> {
        None
    }

    fn comment_target(_: (&'a Table, &'a Column)) -> Option<CommentTarget> {
        None
    }

    fn shown(_: (&'a Table, &'a Column)) -> Option<Shown> {
        None
    }

    fn deparsed((_, column): (&'a Table, &'a Column)) -> Vec<(&'a str, TextShape)> {
        column
            .default
            .iter()
            .map(|d| (&**d, TextShape::Fragment))
            .collect()
    }
}

/// The identity of a column.
pub fn column_id(table: &QualName, column: &str) -> ObjectId {
    ObjectId::Column {
        table: table.clone(),
        column: column.into(),
    }
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
