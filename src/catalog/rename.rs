//! Renames the user declares (`--rename public.orders=purchases`), never
//! guessed. A declared rename is applied to FROM's catalog before the diff:
//! the object, everything that names it by identity (its columns,
//! constraints, indexes, triggers, policies, owned sequences, the recorded
//! dependencies) and the server's deparsed text that names it qualified
//! take the new name, so that the diff matches the renamed object with
//! TO's and writes no drop and create for it. The `ALTER … RENAME`
//! statements that make the database match that renamed catalog come
//! first in the script.
//!
//! Deparsed text is rewritten token by token (`sql::lex`), only where a
//! token is certain to name the renamed object: a qualified name, and in a
//! table's own index, constraint, partition key, generated column, trigger
//! and policy text an unqualified column name. Whatever is not rewritten
//! compares as changed and is replaced, as PostgreSQL prints it after the
//! rename: a view over a renamed table or column is dropped and created
//! again, which loses nothing, since a view holds no rows.
//!
//! Suggestions (`RenameMap::suggest`) only note what looks like a rename:
//! a table dropped and one added with the same columns; a column, a
//! constraint or an index dropped and one added of the same type or
//! definition. They never change a script.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{Catalog, ObjectId, Warning};
use crate::names::{Name, OpMember, QualName};
use crate::pattern::split_names;
use crate::quote::quote_ident;
use crate::sql::lex::{self, Token, TokenKind};
use crate::sql::{Ident, Keyword, ObjectName, RenameStmt, ServerSql, Stmt};

/// One declared rename: an object by its name in FROM, and its new name,
/// in the same schema (or table). Written and read as
/// `schema=new`, `schema.name=new` or `schema.table.name=new`, names
/// quoted as `pg_dump` reads them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rename {
    /// One to three names: a schema; a table, view, index, sequence, type
    /// or function in its schema; a column or constraint of a table.
    pub path: Vec<String>,
    /// The new name, without its schema or table.
    pub to: String,
}

impl Rename {
    /// Reads `old=new`; the error names the text and says what is wrong.
    pub fn parse(text: &str) -> Result<Rename, String> {
        let (path, rest) = split_names(text, '=')?;
        let Some(rest) = rest else {
            return Err(format!(
                "{text:?}: a rename is old=new, such as public.orders=purchases"
            ));
        };
        if path.len() > 3 {
            return Err(format!(
                "{text:?}: name a schema, schema.name or schema.table.name before the ="
            ));
        }
        let (to, more) =
            split_names(rest, '=').map_err(|e| format!("{text:?}: after the =, {e}"))?;
        let [to] = <[String; 1]>::try_from(to).map_err(|_| {
            format!(
                "{text:?}: the new name is one name, without its schema or table \
                 (public.orders=purchases)"
            )
        })?;
        if more.is_some() {
            return Err(format!(
                "{text:?}: a rename has one =; quote a name that holds one (\"a=b\")"
            ));
        }
        Ok(Rename { path, to })
    }
}

impl fmt::Display for Rename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.path.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(&quote_ident(part))?;
        }
        write!(f, "={}", quote_ident(&self.to))
    }
}

impl TryFrom<String> for Rename {
    type Error = String;

    fn try_from(text: String) -> Result<Rename, String> {
        Rename::parse(&text)
    }
}

impl From<Rename> for String {
    fn from(rename: Rename) -> String {
        rename.to_string()
    }
}

/// The renames that undo `renames`, each naming its object by the name it
/// has after all of them: the reverse script's.
pub fn inverse(renames: &[Rename]) -> Vec<Rename> {
    let renamed = |path: &[String]| -> Option<&String> {
        renames
            .iter()
            .find(|r| r.path.as_slice() == path)
            .map(|r| &r.to)
    };
    renames
        .iter()
        .map(|rename| {
            let mut path = Vec::with_capacity(rename.path.len());
            for depth in 0..rename.path.len() - 1 {
                let container = &rename.path[..=depth];
                path.push(renamed(container).unwrap_or(&rename.path[depth]).clone());
            }
            path.push(rename.to.clone());
            Rename {
                path,
                to: rename.path[rename.path.len() - 1].clone(),
            }
        })
        .collect()
}

/// Why a declared rename cannot be made. Every message starts with the
/// rename as the user declared it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RenameError {
    /// The object to rename is not in the source side.
    #[error("rename {rename}: {side} has no {what}")]
    Missing {
        rename: String,
        side: &'static str,
        what: String,
    },
    /// The new name is already taken in the source side.
    #[error("rename {rename}: {side} already has {what}")]
    Taken {
        rename: String,
        side: &'static str,
        what: String,
    },
    /// The renamed object is not in the target side under its new name.
    #[error("rename {rename}: {side} has no {what} to rename it to")]
    NotInTarget {
        rename: String,
        side: &'static str,
        what: String,
    },
    /// The name is that of more than one object that could be renamed.
    #[error("rename {rename}: {what} names both {first} and {second}")]
    Ambiguous {
        rename: String,
        what: String,
        first: String,
        second: &'static str,
    },
    /// An object of a kind pgrift does not rename.
    #[error("rename {rename}: {what} is {noun}, which pgrift does not rename")]
    Unsupported {
        rename: String,
        what: String,
        noun: &'static str,
    },
    /// The same object is declared twice.
    #[error("rename {rename}: {what} is renamed twice")]
    Twice { rename: String, what: String },
}

impl RenameError {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        match self {
            RenameError::Missing { side, .. } => format!(
                "name the object as {side} has it: a schema (app=billing), a table, view, \
                 index, sequence, type or function in its schema (public.orders=purchases), or a \
                 column or constraint of a table (public.users.fullname=name); an index that belongs \
                 to a primary key, unique or exclusion constraint is renamed with the constraint"
            ),
            RenameError::Taken { .. } => "a rename cannot take a name the object's schema or \
                 table already holds; rename or drop that object in a migration of its own first"
                .to_owned(),
            RenameError::NotInTarget { side, .. } => format!(
                "the new name is the one the object has in {side}; leave the rename out if \
                 the object is meant to be dropped"
            ),
            RenameError::Ambiguous { .. } => {
                "rename one of the two in a migration of its own first".to_owned()
            }
            RenameError::Unsupported { .. } => {
                "leave the rename out: pgrift then drops the object and creates the new one"
                    .to_owned()
            }
            RenameError::Twice { .. } => "declare each object's rename once".to_owned(),
        }
    }
}

/// What a name in a schema stands for, among the objects pgrift renames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Table,
    View,
    MaterializedView,
    Index,
    Sequence,
    Enum,
    Composite,
    Domain,
    Range,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Table => "table",
            Kind::View => "view",
            Kind::MaterializedView => "materialized view",
            Kind::Index => "index",
            Kind::Sequence => "sequence",
            Kind::Enum => "enum type",
            Kind::Composite => "composite type",
            Kind::Domain => "domain",
            Kind::Range => "range type",
        }
    }

    /// The identity of the object of this kind called `name`.
    fn id(self, name: QualName) -> ObjectId {
        match self {
            Kind::Table => ObjectId::Table { name },
            Kind::View | Kind::MaterializedView => ObjectId::View { name },
            Kind::Index => ObjectId::Index { name },
            Kind::Sequence => ObjectId::Sequence { name },
            Kind::Enum => ObjectId::Type { name },
            Kind::Composite => ObjectId::Composite { name },
            Kind::Domain => ObjectId::Domain { name },
            Kind::Range => ObjectId::Range { name },
        }
    }

    /// The keyword `ALTER … RENAME TO` takes.
    fn keyword(self) -> &'static str {
        match self {
            Kind::Table => "TABLE",
            Kind::View => "VIEW",
            Kind::MaterializedView => "MATERIALIZED VIEW",
            Kind::Index => "INDEX",
            Kind::Sequence => "SEQUENCE",
            Kind::Enum | Kind::Composite | Kind::Range => "TYPE",
            Kind::Domain => "DOMAIN",
        }
    }

    /// The kind of the object called `name` in `catalog`, among those
    /// that share the namespace of relations and types.
    fn of(catalog: &Catalog, name: &QualName) -> Option<Kind> {
        if catalog.table(name).is_some() {
            Some(Kind::Table)
        } else if let Some(view) = catalog.view(name) {
            Some(if view.materialized {
                Kind::MaterializedView
            } else {
                Kind::View
            })
        } else if catalog.index(name).is_some() {
            Some(Kind::Index)
        } else if catalog.sequence(name).is_some() {
            Some(Kind::Sequence)
        } else if catalog.enums.iter().any(|e| &e.name == name) {
            Some(Kind::Enum)
        } else if catalog.composites.iter().any(|c| &c.name == name) {
            Some(Kind::Composite)
        } else if catalog.domains.iter().any(|d| &d.name == name) {
            Some(Kind::Domain)
        } else if catalog.ranges.iter().any(|r| &r.name == name) {
            Some(Kind::Range)
        } else {
            None
        }
    }
}

/// Declared renames checked against both sides: what `apply` does to the
/// source side's catalog, and the statements that do it to the database.
#[derive(Debug, Clone, Default)]
pub struct RenameMap {
    schemas: BTreeMap<Name, Name>,
    relations: BTreeMap<QualName, Name>,
    routines: BTreeMap<QualName, Name>,
    columns: BTreeMap<(QualName, Name), Name>,
    constraints: BTreeMap<(QualName, Name), Name>,
    /// Each statement with the identity its object has in the source.
    statements: Vec<(ObjectId, Stmt)>,
}

/// The two sides a rename map is resolved against, by the names a user
/// reads in messages (`FROM`, `TO`).
pub struct Sides<'a> {
    pub source: &'a Catalog,
    pub source_name: &'static str,
    pub target: &'a Catalog,
    pub target_name: &'static str,
}

impl RenameMap {
    /// True when nothing is renamed.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// Checks each rename against both sides: the object is in the source,
    /// its new name is free there, and the target has the object under the
    /// new name. Fails on the first rename that does not hold.
    pub fn resolve(renames: &[Rename], sides: &Sides<'_>) -> Result<RenameMap, RenameError> {
        let mut map = RenameMap::default();
        let mut seen = BTreeSet::new();
        // Schemas first: the other renames' checks against the target read
        // the schema's new name.
        let mut ordered: Vec<&Rename> = renames.iter().collect();
        ordered.sort_by_key(|r| r.path.len());
        let (mut objects, mut parts) = (Vec::new(), Vec::new());
        for rename in ordered {
            let shown = rename.to_string();
            if !seen.insert(rename.path.clone()) {
                return Err(RenameError::Twice {
                    rename: shown,
                    what: path_name(&rename.path),
                });
            }
            match rename.path.as_slice() {
                [schema] => map.resolve_schema(&shown, schema, &rename.to, sides)?,
                [schema, name] => {
                    objects.extend(map.resolve_object(&shown, schema, name, &rename.to, sides)?)
                }
                [schema, table, name] => {
                    parts.push(map.resolve_part(&shown, schema, table, name, &rename.to, sides)?)
                }
                _ => unreachable!("a parsed rename has one to three names"),
            }
        }
        // Routines before types, so that a routine's arguments name its
        // types as they are when its rename runs.
        objects.sort_by_key(|(_, stmt)| {
            (
                !matches!(stmt, Stmt::Rename(RenameStmt::Routine { .. })),
                stmt.to_string(),
            )
        });
        parts.sort_by_key(|(_, stmt)| stmt.to_string());
        map.statements.extend(objects);
        map.statements.extend(parts);
        Ok(map)
    }

    fn resolve_schema(
        &mut self,
        shown: &str,
        schema: &str,
        to: &str,
        sides: &Sides<'_>,
    ) -> Result<(), RenameError> {
        let has = |catalog: &Catalog, name: &str| catalog.schemas.iter().any(|s| s.name == name);
        if !has(sides.source, schema) {
            return Err(RenameError::Missing {
                rename: shown.to_owned(),
                side: sides.source_name,
                what: format!("schema {}", quote_ident(schema)),
            });
        }
        if has(sides.source, to) {
            return Err(RenameError::Taken {
                rename: shown.to_owned(),
                side: sides.source_name,
                what: format!("a schema {}", quote_ident(to)),
            });
        }
        if !has(sides.target, to) {
            return Err(RenameError::NotInTarget {
                rename: shown.to_owned(),
                side: sides.target_name,
                what: format!("schema {}", quote_ident(to)),
            });
        }
        self.schemas.insert(schema.into(), to.into());
        self.statements.push((
            ObjectId::Schema {
                name: schema.into(),
            },
            Stmt::Rename(RenameStmt::Schema {
                name: Ident(schema.to_owned()),
                new_name: Ident(to.to_owned()),
            }),
        ));
        Ok(())
    }

    fn resolve_object(
        &mut self,
        shown: &str,
        schema: &str,
        name: &str,
        to: &str,
        sides: &Sides<'_>,
    ) -> Result<Vec<(ObjectId, Stmt)>, RenameError> {
        let old = QualName::new(schema, name);
        let new = QualName::new(schema, to);
        let target = QualName::new(self.schema(schema), to);
        let kind = Kind::of(sides.source, &old);
        let routines = sides.source.functions_named(&old);
        let err_missing = || RenameError::Missing {
            rename: shown.to_owned(),
            side: sides.source_name,
            what: format!("table, view, index, sequence, type or function {old}"),
        };
        match (kind, routines.is_empty()) {
            (None, true) => Err(err_missing()),
            (Some(kind), false) => Err(RenameError::Ambiguous {
                rename: shown.to_owned(),
                what: old.to_string(),
                first: a(kind.noun()),
                second: "a function",
            }),
            (Some(Kind::Range), true) => Err(RenameError::Unsupported {
                rename: shown.to_owned(),
                what: old.to_string(),
                noun: "a range type",
            }),
            (Some(kind), true) => {
                if let Some(taken) = Kind::of(sides.source, &new) {
                    return Err(RenameError::Taken {
                        rename: shown.to_owned(),
                        side: sides.source_name,
                        what: format!("{} {new}", a(taken.noun())),
                    });
                }
                if Kind::of(sides.target, &target) != Some(kind) {
                    return Err(RenameError::NotInTarget {
                        rename: shown.to_owned(),
                        side: sides.target_name,
                        what: format!("{} {target}", kind.noun()),
                    });
                }
                self.relations.insert(old.clone(), to.into());
                Ok(vec![(
                    kind.id(old),
                    Stmt::Rename(RenameStmt::Object {
                        object: ObjectName {
                            keyword: Keyword(kind.keyword()),
                            name: QualName::new(self.schema(schema), name),
                        },
                        new_name: Ident(to.to_owned()),
                    }),
                )])
            }
            (None, false) => {
                if !sides.source.functions_named(&new).is_empty() {
                    return Err(RenameError::Taken {
                        rename: shown.to_owned(),
                        side: sides.source_name,
                        what: format!("a function {new}"),
                    });
                }
                if sides.target.functions_named(&target).is_empty() {
                    return Err(RenameError::NotInTarget {
                        rename: shown.to_owned(),
                        side: sides.target_name,
                        what: format!("function {target}"),
                    });
                }
                self.routines.insert(old.clone(), to.into());
                // One statement per overload, so that none is left behind
                // under the old name.
                Ok(routines
                    .iter()
                    .map(|f| {
                        (
                            ObjectId::Function {
                                name: old.clone(),
                                args: f.identity_args.as_str().into(),
                            },
                            Stmt::Rename(RenameStmt::Routine {
                                kind: f.kind,
                                name: QualName::new(self.schema(schema), name),
                                args: ServerSql(self.in_schemas(&f.identity_args)),
                                new_name: Ident(to.to_owned()),
                            }),
                        )
                    })
                    .collect())
            }
        }
    }

    fn resolve_part(
        &mut self,
        shown: &str,
        schema: &str,
        table: &str,
        name: &str,
        to: &str,
        sides: &Sides<'_>,
    ) -> Result<(ObjectId, Stmt), RenameError> {
        let old_table = QualName::new(schema, table);
        let Some(source) = sides.source.table(&old_table) else {
            return Err(RenameError::Missing {
                rename: shown.to_owned(),
                side: sides.source_name,
                what: format!("table {old_table}"),
            });
        };
        // Parts are renamed after their table, under its new name, which
        // is also the table's name in the target.
        let target_name = self.relation(&old_table);
        let target = sides.target.table(&target_name);
        let column = source.columns.iter().any(|c| c.name == name);
        let constraint = source.constraints.iter().any(|c| c.name == name);
        let what = format!("{}.{}", old_table, quote_ident(name));
        let new_name = Ident(to.to_owned());
        match (column, constraint) {
            (false, false) => Err(RenameError::Missing {
                rename: shown.to_owned(),
                side: sides.source_name,
                what: format!("column or constraint {what}"),
            }),
            (true, true) => Err(RenameError::Ambiguous {
                rename: shown.to_owned(),
                what,
                first: "a column".to_owned(),
                second: "a constraint",
            }),
            (true, false) => {
                if source.columns.iter().any(|c| c.name == to) {
                    return Err(RenameError::Taken {
                        rename: shown.to_owned(),
                        side: sides.source_name,
                        what: format!("a column {}.{}", old_table, quote_ident(to)),
                    });
                }
                if !target.is_some_and(|t| t.columns.iter().any(|c| c.name == to)) {
                    return Err(RenameError::NotInTarget {
                        rename: shown.to_owned(),
                        side: sides.target_name,
                        what: format!("column {}.{}", target_name, quote_ident(to)),
                    });
                }
                self.columns
                    .insert((old_table.clone(), name.into()), to.into());
                Ok((
                    ObjectId::Column {
                        table: old_table,
                        column: name.into(),
                    },
                    Stmt::Rename(RenameStmt::Column {
                        table: target_name.clone(),
                        column: Ident(name.to_owned()),
                        new_name,
                    }),
                ))
            }
            (false, true) => {
                if source.constraints.iter().any(|c| c.name == to) {
                    return Err(RenameError::Taken {
                        rename: shown.to_owned(),
                        side: sides.source_name,
                        what: format!("a constraint {} on {}", quote_ident(to), old_table),
                    });
                }
                if !target.is_some_and(|t| t.constraints.iter().any(|c| c.name == to)) {
                    return Err(RenameError::NotInTarget {
                        rename: shown.to_owned(),
                        side: sides.target_name,
                        what: format!("constraint {} on {}", quote_ident(to), target_name),
                    });
                }
                self.constraints
                    .insert((old_table.clone(), name.into()), to.into());
                Ok((
                    ObjectId::Constraint {
                        table: old_table,
                        name: name.into(),
                    },
                    Stmt::Rename(RenameStmt::Constraint {
                        table: target_name.clone(),
                        name: Ident(name.to_owned()),
                        new_name,
                    }),
                ))
            }
        }
    }

    /// The `ALTER … RENAME` statements, in the order they run: schemas,
    /// then the objects in them (routines first), then the columns and
    /// constraints of tables, each naming what it renames by its name at
    /// that point; each with the identity its object has after all of
    /// them (in the renamed catalog and in the target) and the one it had
    /// before.
    pub fn steps(&self) -> Vec<(ObjectId, ObjectId, Stmt)> {
        self.statements
            .iter()
            .map(|(id, stmt)| (self.id(id), id.clone(), stmt.clone()))
            .collect()
    }

    /// The name the table, view, index, sequence or type called `name` in
    /// the source has after the renames.
    pub fn renamed(&self, name: &QualName) -> QualName {
        self.relation(name)
    }

    fn schema<'a>(&'a self, schema: &'a str) -> &'a str {
        self.schemas.get(schema).map_or(schema, Name::as_str)
    }

    /// The new name of the relation or type called `name` in the source.
    fn relation(&self, name: &QualName) -> QualName {
        QualName::new(
            self.schema(&name.schema),
            self.relations
                .get(name)
                .map_or(name.name.as_str(), Name::as_str),
        )
    }

    fn routine(&self, name: &QualName) -> QualName {
        QualName::new(
            self.schema(&name.schema),
            self.routines
                .get(name)
                .map_or(name.name.as_str(), Name::as_str),
        )
    }

    /// The new name of what only a schema rename touches: a collation, an
    /// operator class, a statistics object.
    fn in_schema(&self, name: &QualName) -> QualName {
        QualName::new(self.schema(&name.schema), name.name.clone())
    }

    fn column(&self, table: &QualName, column: &str) -> Name {
        // Every column of the catalog asks; most maps rename none.
        if self.columns.is_empty() {
            return column.into();
        }
        self.columns
            .get(&(table.clone(), column.into()))
            .cloned()
            .unwrap_or_else(|| column.into())
    }

    fn constraint(&self, table: &QualName, name: &str) -> Name {
        if self.constraints.is_empty() {
            return name.into();
        }
        self.constraints
            .get(&(table.clone(), name.into()))
            .cloned()
            .unwrap_or_else(|| name.into())
    }

    /// The identity an object of the source has after the renames.
    fn id(&self, id: &ObjectId) -> ObjectId {
        match id {
            ObjectId::Schema { name } => ObjectId::Schema {
                name: self.schema(name).into(),
            },
            ObjectId::Extension { name } => ObjectId::Extension { name: name.clone() },
            ObjectId::Type { name } => ObjectId::Type {
                name: self.relation(name),
            },
            ObjectId::Sequence { name } => ObjectId::Sequence {
                name: self.relation(name),
            },
            ObjectId::Table { name } => ObjectId::Table {
                name: self.relation(name),
            },
            ObjectId::Column { table, column } => ObjectId::Column {
                table: self.relation(table),
                column: self.column(table, column),
            },
            ObjectId::Default { table, column } => ObjectId::Default {
                table: self.relation(table),
                column: self.column(table, column),
            },
            ObjectId::Constraint { table, name } => ObjectId::Constraint {
                table: self.relation(table),
                name: self.constraint(table, name),
            },
            ObjectId::Index { name } => ObjectId::Index {
                name: self.relation(name),
            },
            ObjectId::View { name } => ObjectId::View {
                name: self.relation(name),
            },
            ObjectId::Function { name, args } => ObjectId::Function {
                name: self.routine(name),
                args: self.text(args).into(),
            },
            ObjectId::Trigger { table, name } => ObjectId::Trigger {
                table: self.relation(table),
                name: name.clone(),
            },
            ObjectId::Statistics { name } => ObjectId::Statistics {
                name: self.in_schema(name),
            },
            ObjectId::Rule { table, name } => ObjectId::Rule {
                table: self.relation(table),
                name: name.clone(),
            },
            ObjectId::Domain { name } => ObjectId::Domain {
                name: self.relation(name),
            },
            ObjectId::DomainCheck { domain, name } => ObjectId::DomainCheck {
                domain: self.relation(domain),
                name: name.clone(),
            },
            ObjectId::Composite { name } => ObjectId::Composite {
                name: self.relation(name),
            },
            ObjectId::Range { name } => ObjectId::Range {
                name: self.relation(name),
            },
            ObjectId::Policy { table, name } => ObjectId::Policy {
                table: self.relation(table),
                name: name.clone(),
            },
            ObjectId::Collation { name } => ObjectId::Collation {
                name: self.in_schema(name),
            },
            ObjectId::TsDictionary { name } => ObjectId::TsDictionary {
                name: self.in_schema(name),
            },
            ObjectId::TsConfig { name } => ObjectId::TsConfig {
                name: self.in_schema(name),
            },
            ObjectId::TsParser { name } => ObjectId::TsParser {
                name: self.in_schema(name),
            },
            ObjectId::TsTemplate { name } => ObjectId::TsTemplate {
                name: self.in_schema(name),
            },
            ObjectId::Aggregate { name, args } => ObjectId::Aggregate {
                name: self.routine(name),
                args: self.text(args).into(),
            },
            ObjectId::Publication { name } => ObjectId::Publication { name: name.clone() },
            ObjectId::Subscription { name } => ObjectId::Subscription { name: name.clone() },
            ObjectId::Role { name } => ObjectId::Role { name: name.clone() },
            ObjectId::Cast { source, target } => ObjectId::Cast {
                source: self.text(source).into(),
                target: self.text(target).into(),
            },
            ObjectId::EventTrigger { name } => ObjectId::EventTrigger { name: name.clone() },
            ObjectId::DefaultAcl {
                schema,
                role,
                objects,
            } => ObjectId::DefaultAcl {
                schema: match schema.as_str() {
                    "" => schema.clone(),
                    named => self.schema(named).into(),
                },
                role: role.clone(),
                objects: objects.clone(),
            },
            ObjectId::Operator { name, args } => ObjectId::Operator {
                name: self.in_schema(name),
                args: self.text(args).into(),
            },
            ObjectId::OperatorFamily { name, method } => ObjectId::OperatorFamily {
                name: self.in_schema(name),
                method: method.clone(),
            },
            ObjectId::OperatorClass { name, method } => ObjectId::OperatorClass {
                name: self.in_schema(name),
                method: method.clone(),
            },
            ObjectId::ForeignDataWrapper { name } => {
                ObjectId::ForeignDataWrapper { name: name.clone() }
            }
            ObjectId::ForeignServer { name } => ObjectId::ForeignServer { name: name.clone() },
            ObjectId::UserMapping { server, role } => ObjectId::UserMapping {
                server: server.clone(),
                role: role.clone(),
            },
        }
    }

    /// The members of an operator family or class, with the names in
    /// their text renamed, sorted again.
    fn members(&self, members: &mut [OpMember]) {
        for member in members.iter_mut() {
            let (left, right, text, order_by) = match member {
                OpMember::Operator {
                    left,
                    right,
                    operator,
                    order_by,
                    ..
                } => (left, right, operator, order_by.as_mut()),
                OpMember::Function {
                    left,
                    right,
                    function,
                    ..
                } => (left, right, function, None),
            };
            for text in [left, right, text] {
                *text = self.text(text);
            }
            if let Some(family) = order_by {
                *family = self.in_schema(family);
            }
        }
        members.sort();
    }

    /// Deparsed text with every qualified name of a renamed object
    /// renamed.
    fn text(&self, text: &str) -> String {
        self.rewrite(text, None, None)
    }

    /// Deparsed text with only its schemas renamed: a routine's argument
    /// types as they read when the routine's own rename runs, after the
    /// schemas' and before (or after) the types'.
    fn in_schemas(&self, text: &str) -> String {
        RenameMap {
            schemas: self.schemas.clone(),
            ..RenameMap::default()
        }
        .text(text)
    }

    /// Deparsed text about the table `table` (an index, a constraint, a
    /// trigger): also its renamed columns where they stand unqualified,
    /// and those of the table a foreign key references.
    fn text_on(&self, text: &str, table: &QualName) -> String {
        self.rewrite(text, Some(table), None)
    }

    /// Rewrites `text`. With `table`, unqualified names of its renamed
    /// columns are renamed too; with `index`, the name of the index a
    /// `CREATE INDEX` creates.
    fn rewrite(&self, text: &str, table: Option<&QualName>, index: Option<&QualName>) -> String {
        let tokens = lex::tokenize(text);
        let mut edits: Vec<(usize, usize, String)> = Vec::new();
        // The table whose columns the unqualified names are: the text's own,
        // or, inside the parentheses after `REFERENCES t`, t's.
        let mut referenced: Option<(QualName, usize)> = None;
        let mut depth = 0usize;
        let mut index_named = false;
        let is_word = |t: Option<&Token<'_>>, w: &str| {
            t.is_some_and(|t| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case(w))
        };
        let mut i = 0;
        while i < tokens.len() {
            let token = &tokens[i];
            let before = i.checked_sub(1).map(|b| &tokens[b]);
            let after = tokens.get(i + 1);
            if token.is("(") {
                depth += 1;
            } else if token.is(")") {
                depth = depth.saturating_sub(1);
                if referenced.as_ref().is_some_and(|(_, d)| *d > depth) {
                    referenced = None;
                }
            }
            let qualified = token.is_name()
                && after.is_some_and(|t| t.is("."))
                && tokens.get(i + 2).is_some_and(Token::is_name)
                && !before.is_some_and(|t| t.is("."));
            if qualified {
                let (schema, name) = (name_of(token), name_of(&tokens[i + 2]));
                let old = QualName::new(schema.as_str(), name.as_str());
                let called = tokens.get(i + 3).is_some_and(|t| t.is("("));
                let references = is_word(before, "REFERENCES");
                let new = if called && !references {
                    self.routine(&old)
                } else {
                    self.relation(&old)
                };
                if new.schema != old.schema {
                    edits.push((token.start, token.end(), quote_ident(&new.schema)));
                }
                if new.name != old.name {
                    let part = &tokens[i + 2];
                    edits.push((part.start, part.end(), quote_ident(&new.name)));
                }
                if references {
                    referenced = Some((old, depth + 1));
                }
                i += 3;
                continue;
            }
            if let Some(index) = index
                && !index_named
                && token.is_name()
                && is_word(after, "ON")
                && (is_word(before, "INDEX") || is_word(before, "EXISTS"))
            {
                index_named = true;
                let new = self.relation(index);
                if new.name != index.name {
                    edits.push((token.start, token.end(), quote_ident(&new.name)));
                }
            } else if let Some(own) = table
                && token.is_name()
                && !before.is_some_and(|t| t.is(".") || t.is("::"))
                && !after.is_some_and(|t| t.is("(") || t.is("."))
            {
                let of = referenced.as_ref().map_or(own, |(t, _)| t);
                let name = name_of(token);
                let new = self.column(of, &name);
                if new != name.as_str() {
                    edits.push((token.start, token.end(), quote_ident(&new)));
                }
            }
            i += 1;
        }
        if edits.is_empty() {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end, with) in edits {
            out.push_str(&text[at..start]);
            out.push_str(&with);
            at = end;
        }
        out.push_str(&text[at..]);
        out
    }

    /// Renames, in `catalog` (the source side), every object the map
    /// renames, with everything that names it.
    pub fn apply(&self, catalog: &mut Catalog) {
        if self.is_empty() {
            return;
        }
        for schema in &mut catalog.schemas {
            schema.name = self.schema(&schema.name).to_owned();
        }
        for extension in &mut catalog.extensions {
            extension.schema = self.schema(&extension.schema).to_owned();
        }
        for ty in &mut catalog.enums {
            ty.name = self.relation(&ty.name);
        }
        for sequence in &mut catalog.sequences {
            sequence.name = self.relation(&sequence.name);
            if let Some(owner) = &mut sequence.owned_by {
                owner.column = self.column(&owner.table, &owner.column).to_string();
                owner.table = self.relation(&owner.table);
            }
        }
        for table in &mut catalog.tables {
            let own = table.name.clone();
            for parent in &mut table.inherits {
                *parent = self.relation(parent);
            }
            if let Some(partition) = &mut table.partition_of {
                partition.parent = self.relation(&partition.parent);
                partition.bound = self.text(&partition.bound);
            }
            if let Some(key) = &mut table.partition_by {
                *key = self.text_on(key, &own);
            }
            if let Some(of_type) = &mut table.of_type {
                *of_type = self.relation(of_type);
            }
            for column in &mut table.columns {
                column.name = self.column(&own, &column.name);
                column.data_type = self.text(&column.data_type).into();
                if let Some(default) = &mut column.default {
                    *default = self.text(default).into();
                }
                if let Some(extra) = column.extra_mut() {
                    if let Some(generated) = &mut extra.generated {
                        *generated = self.text_on(generated, &own);
                    }
                    if let Some(collation) = &mut extra.collation {
                        *collation = self.in_schema(collation);
                    }
                    if let Some(identity) = &mut extra.identity {
                        identity.sequence = self.relation(&identity.sequence);
                    }
                }
            }
            for constraint in &mut table.constraints {
                constraint.name = self.constraint(&own, &constraint.name);
                constraint.definition = self.text_on(&constraint.definition, &own);
            }
            table.name = self.relation(&own);
        }
        for index in &mut catalog.indexes {
            index.definition =
                self.rewrite(&index.definition, Some(&index.table), Some(&index.name));
            index.name = self.relation(&index.name);
            index.table = self.relation(&index.table);
        }
        for view in &mut catalog.views {
            view.name = self.relation(&view.name);
            view.definition = self.text(&view.definition);
        }
        for function in &mut catalog.functions {
            function.name = self.routine(&function.name);
            function.identity_args = self.text(&function.identity_args);
            function.arguments = self.text(&function.arguments);
            if let Some(result) = &mut function.result {
                *result = self.text(result);
            }
            function.definition = self.text(&function.definition);
        }
        for trigger in &mut catalog.triggers {
            trigger.definition = self.text_on(&trigger.definition, &trigger.table);
            trigger.table = self.relation(&trigger.table);
        }
        for collation in &mut catalog.collations {
            collation.name = self.in_schema(&collation.name);
        }
        for parser in &mut catalog.ts_parsers {
            parser.name = self.in_schema(&parser.name);
        }
        for template in &mut catalog.ts_templates {
            template.name = self.in_schema(&template.name);
        }
        for dictionary in &mut catalog.ts_dictionaries {
            dictionary.name = self.in_schema(&dictionary.name);
            dictionary.template = self.in_schema(&dictionary.template);
        }
        for cast in &mut catalog.casts {
            cast.source = self.text(&cast.source).into();
            cast.target = self.text(&cast.target).into();
            if let Some(function) = &mut cast.function {
                *function = self.text(function);
            }
        }
        for publication in &mut catalog.publications {
            for table in &mut publication.tables {
                if let Some(filter) = &mut table.row_filter {
                    *filter = self.text_on(filter, &table.table);
                }
                if let Some(columns) = &mut table.columns {
                    for column in columns.iter_mut() {
                        *column = self.column(&table.table, column);
                    }
                }
                table.table = self.relation(&table.table);
            }
            for schema in &mut publication.schemas {
                *schema = self.schema(schema).into();
            }
            publication.tables.sort_by(|a, b| a.table.cmp(&b.table));
            publication.schemas.sort();
        }
        for trigger in &mut catalog.event_triggers {
            trigger.function = self.routine(&trigger.function);
        }
        for defaults in &mut catalog.default_acls {
            if let Some(schema) = &mut defaults.schema {
                *schema = self.schema(schema).into();
            }
        }
        for family in &mut catalog.operator_families {
            family.name = self.in_schema(&family.name);
            self.members(&mut family.members);
        }
        for class in &mut catalog.operator_classes {
            class.name = self.in_schema(&class.name);
            class.family = self.in_schema(&class.family);
            class.for_type = self.text(&class.for_type);
            if let Some(storage) = &mut class.storage {
                *storage = self.text(storage);
            }
            self.members(&mut class.members);
        }
        for operator in &mut catalog.operators {
            operator.name = self.in_schema(&operator.name);
            for text in [
                &mut operator.args,
                &mut operator.right,
                &mut operator.result,
                &mut operator.function,
            ] {
                *text = self.text(text);
            }
            for text in [
                &mut operator.left,
                &mut operator.restrict,
                &mut operator.join,
            ]
            .into_iter()
            .flatten()
            {
                *text = self.text(text);
            }
            for other in [&mut operator.commutator, &mut operator.negator]
                .into_iter()
                .flatten()
            {
                *other = self.in_schema(other);
            }
        }
        for config in &mut catalog.ts_configs {
            config.name = self.in_schema(&config.name);
            config.parser = self.in_schema(&config.parser);
            for mapping in &mut config.mappings {
                for dictionary in &mut mapping.dictionaries {
                    *dictionary = self.in_schema(dictionary);
                }
            }
        }
        for statistics in &mut catalog.statistics {
            statistics.definition = self.text_on(&statistics.definition, &statistics.table);
            statistics.name = self.in_schema(&statistics.name);
            statistics.table = self.relation(&statistics.table);
        }
        for rule in &mut catalog.rules {
            rule.definition = self.text(&rule.definition);
            rule.table = self.relation(&rule.table);
        }
        for policy in &mut catalog.policies {
            for expression in [&mut policy.using, &mut policy.with_check]
                .into_iter()
                .flatten()
            {
                *expression = self.text_on(expression, &policy.table);
            }
            policy.table = self.relation(&policy.table);
        }
        for domain in &mut catalog.domains {
            domain.name = self.relation(&domain.name);
            domain.base_type = self.text(&domain.base_type);
            if let Some(default) = &mut domain.default {
                *default = self.text(default);
            }
            if let Some(collation) = &mut domain.collation {
                *collation = self.in_schema(collation);
            }
        }
        for check in &mut catalog.domain_checks {
            check.domain = self.relation(&check.domain);
            check.definition = self.text(&check.definition);
        }
        for composite in &mut catalog.composites {
            composite.name = self.relation(&composite.name);
            for attribute in &mut composite.attributes {
                attribute.data_type = self.text(&attribute.data_type);
                if let Some(collation) = &mut attribute.collation {
                    *collation = self.in_schema(collation);
                }
            }
        }
        for range in &mut catalog.ranges {
            range.name = self.relation(&range.name);
            range.multirange = self.relation(&range.multirange);
            range.subtype = self.text(&range.subtype);
            for name in [&mut range.subtype_opclass, &mut range.collation]
                .into_iter()
                .flatten()
            {
                *name = self.in_schema(name);
            }
            for function in [&mut range.canonical, &mut range.subtype_diff]
                .into_iter()
                .flatten()
            {
                *function = self.routine(function);
            }
        }
        for dependency in &mut catalog.dependencies {
            dependency.dependent = self.id(&dependency.dependent);
            dependency.referenced = self.id(&dependency.referenced);
        }
        catalog.normalize();
    }
}

/// The name a name token stands for: a quoted one without its quotes.
fn name_of(token: &Token<'_>) -> String {
    match token.kind {
        TokenKind::Quoted => token.text[1..token.text.len() - 1].replace("\"\"", "\""),
        _ => token.text.to_owned(),
    }
}

/// A noun with its indefinite article.
fn a(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

fn path_name(path: &[String]) -> String {
    path.iter()
        .map(|p| quote_ident(p))
        .collect::<Vec<_>>()
        .join(".")
}

/// The dropped items of one shape, each with its place among them all,
/// and the added items of that shape.
type Candidates<'a, T> = (Vec<(usize, &'a T)>, Vec<&'a T>);

/// Each dropped item paired with the added one of the same shape, where
/// exactly one dropped and one added item have that shape: a guess that
/// is only ever a suggestion. Grouped by shape, so that a diff that drops
/// and adds many tables costs no more than sorting them.
fn pairs<'a, T, K: Ord>(
    gone: &[&'a T],
    added: &[&'a T],
    shape: impl Fn(&T) -> K,
) -> Vec<(&'a T, &'a T)> {
    let mut by_shape: BTreeMap<K, Candidates<'a, T>> = BTreeMap::new();
    for (i, old) in gone.iter().enumerate() {
        by_shape.entry(shape(old)).or_default().0.push((i, old));
    }
    for new in added {
        if let Some((_, news)) = by_shape.get_mut(&shape(new)) {
            news.push(new);
        }
    }
    let mut out: Vec<(usize, &'a T, &'a T)> = by_shape
        .into_values()
        .filter_map(|(olds, news)| match (olds.as_slice(), news.as_slice()) {
            ([(i, old)], [new]) => Some((*i, *old, *new)),
            _ => None,
        })
        .collect();
    // In the order the dropped items come, not the order of their shapes.
    out.sort_by_key(|(i, _, _)| *i);
    out.into_iter().map(|(_, old, new)| (old, new)).collect()
}

/// The items of `of` whose name (`None` for one left out) `other` lacks.
fn only_in<'a, T>(of: &'a [T], other: &[T], name: impl Fn(&T) -> Option<&Name>) -> Vec<&'a T> {
    // Most tables keep their columns and constraints, in the same order:
    // that is told without a set of names for each.
    if of.len() == other.len() && of.iter().zip(other).all(|(a, b)| name(a) == name(b)) {
        return Vec::new();
    }
    let others: BTreeSet<&Name> = other.iter().filter_map(&name).collect();
    of.iter()
        .filter(|item| name(item).is_some_and(|n| !others.contains(n)))
        .collect()
}

/// What follows `ON` in a `CREATE INDEX`: the definition without the
/// index's own name.
fn index_body(definition: &str) -> &str {
    definition
        .split_once(" ON ")
        .map_or(definition, |(_, body)| body)
}

impl RenameMap {
    /// The name in the source of what is called `name` after the renames.
    fn original(&self, name: &QualName) -> QualName {
        let schema = self
            .schemas
            .iter()
            .find(|(_, new)| **new == name.schema)
            .map_or(&name.schema, |(old, _)| old);
        self.relations
            .iter()
            .find(|(old, new)| old.schema == *schema && **new == name.name)
            .map_or_else(
                || QualName::new(schema.clone(), name.name.clone()),
                |(old, _)| old.clone(),
            )
    }

    /// A note that suggests declaring the rename of `path` (names in the
    /// source) to `to`.
    fn note(&self, object: String, what: String, path: Vec<String>, to: &str) -> Warning {
        let declare = Rename {
            path,
            to: to.to_owned(),
        };
        Warning {
            kind: "rename".to_owned(),
            object,
            message: format!("{what}: if it is a rename, declare --rename {declare}"),
        }
    }

    /// Notes on what looks like a rename nobody declared, between the
    /// source with the declared renames applied (`renamed`) and the
    /// target: a table dropped and one added in the same schema with the
    /// same columns, and in a table of both sides a column dropped and one
    /// added of the same type, a constraint dropped and one added of the
    /// same definition, an index dropped and one added of the same
    /// definition. Each names the object as the source has it, as
    /// `--rename` takes it. pgrift never applies them.
    pub fn suggest(&self, renamed: &Catalog, to: &Catalog) -> Vec<Warning> {
        let path = |name: &QualName, part: Option<&str>| -> Vec<String> {
            let old = self.original(name);
            let mut path = vec![old.schema.to_string(), old.name.to_string()];
            path.extend(part.map(str::to_owned));
            path
        };
        let mut notes = Vec::new();
        let gone: Vec<&super::Table> = renamed
            .tables
            .iter()
            .filter(|t| to.table(&t.name).is_none())
            .collect();
        let added: Vec<&super::Table> = to
            .tables
            .iter()
            .filter(|t| renamed.table(&t.name).is_none())
            .collect();
        let shape = |table: &super::Table| {
            let columns: Vec<(Name, Name)> = table
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.data_type.clone()))
                .collect();
            (table.name.schema.clone(), columns)
        };
        for (old, new) in pairs(&gone, &added, shape) {
            notes.push(self.note(
                self.original(&old.name).to_string(),
                format!(
                    "table {} dropped and table {} added have the same columns",
                    self.original(&old.name),
                    new.name
                ),
                path(&old.name, None),
                &new.name.name,
            ));
        }
        for table in &to.tables {
            let Some(before) = renamed.table(&table.name) else {
                continue;
            };
            // Inherited columns and constraints follow their parent's.
            fn column(c: &super::Column) -> Option<&Name> {
                (!c.inherited).then_some(&c.name)
            }
            fn constraint(c: &super::Constraint) -> Option<&Name> {
                (!c.inherited).then_some(&c.name)
            }
            let gone_columns = only_in(&before.columns, &table.columns, column);
            let gone_constraints = only_in(&before.constraints, &table.constraints, constraint);
            if gone_columns.is_empty() && gone_constraints.is_empty() {
                continue;
            }
            let shown = self.original(&table.name);
            let added = only_in(&table.columns, &before.columns, column);
            for (old, new) in pairs(&gone_columns, &added, |c| c.data_type.clone()) {
                notes.push(self.note(
                    format!("{shown}.{}", quote_ident(&old.name)),
                    format!(
                        "column {shown}.{} dropped and column {} added are both {}",
                        quote_ident(&old.name),
                        quote_ident(&new.name),
                        old.data_type
                    ),
                    path(&table.name, Some(&old.name)),
                    &new.name,
                ));
            }
            let added = only_in(&table.constraints, &before.constraints, constraint);
            for (old, new) in pairs(&gone_constraints, &added, |c| c.definition.clone()) {
                notes.push(self.note(
                    format!("{} on {shown}", quote_ident(&old.name)),
                    format!(
                        "constraint {} on {shown} dropped and constraint {} added have the same \
                         definition",
                        quote_ident(&old.name),
                        quote_ident(&new.name)
                    ),
                    path(&table.name, Some(&old.name)),
                    &new.name,
                ));
            }
        }
        let gone: Vec<&super::Index> = renamed
            .indexes
            .iter()
            .filter(|i| to.index(&i.name).is_none())
            .collect();
        let added: Vec<&super::Index> = to
            .indexes
            .iter()
            .filter(|i| renamed.index(&i.name).is_none())
            .collect();
        let shape = |index: &super::Index| {
            (
                index.table.clone(),
                index_body(&index.definition).to_owned(),
            )
        };
        for (old, new) in pairs(&gone, &added, shape) {
            let shown = self.original(&old.name);
            notes.push(self.note(
                shown.to_string(),
                format!(
                    "index {shown} dropped and index {} added have the same definition",
                    new.name
                ),
                path(&old.name, None),
                &new.name.name,
            ));
        }
        notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Column, Constraint, ConstraintKind, Dependency, Index, Schema, Table};

    fn renames(list: &[&str]) -> Vec<Rename> {
        list.iter()
            .map(|r| Rename::parse(r).expect("a rename"))
            .collect()
    }

    fn qual(name: &str) -> QualName {
        QualName::new("public", name)
    }

    fn constraint(name: &str, kind: ConstraintKind, definition: &str) -> Constraint {
        Constraint {
            name: name.into(),
            kind,
            definition: definition.to_owned(),
            validated: true,
            inherited: false,
            comment: None,
            replica_identity: false,
            options: Vec::new(),
        }
    }

    /// `users (id, fullname)` with a check and an index on `fullname`, and
    /// `orders (user_id)` with a foreign key to `users (id)`; `new` names
    /// `users` and `fullname` in TO.
    fn shop(users: &str, fullname: &str) -> Catalog {
        let mut people = Table::new(
            qual(users),
            vec![Column::new("id", "integer"), Column::new(fullname, "text")],
        );
        people.constraints = vec![
            constraint(
                &format!("{users}_pkey"),
                ConstraintKind::PrimaryKey,
                "PRIMARY KEY (id)",
            ),
            constraint(
                "named",
                ConstraintKind::Check,
                &format!("CHECK ((length({}) > 0))", quote_ident(fullname)),
            ),
        ];
        let mut orders = Table::new(qual("orders"), vec![Column::new("user_id", "integer")]);
        orders.constraints = vec![constraint(
            "orders_user_fk",
            ConstraintKind::ForeignKey,
            &format!("FOREIGN KEY (user_id) REFERENCES {}(id)", qual(users)),
        )];
        let mut catalog = Catalog {
            schemas: vec![Schema {
                name: "public".into(),
                comment: None,
                acl: Default::default(),
                owner: Default::default(),
            }],
            tables: vec![people, orders],
            indexes: vec![Index {
                name: qual("by_name"),
                table: qual(users),
                definition: format!(
                    "CREATE INDEX by_name ON {} USING btree ({})",
                    qual(users),
                    quote_ident(fullname)
                ),
                comment: None,
                options: Vec::new(),
                replica_identity: false,
            }],
            dependencies: vec![Dependency {
                dependent: ObjectId::Index {
                    name: qual("by_name"),
                },
                referenced: ObjectId::Column {
                    table: qual(users),
                    column: fullname.into(),
                },
            }],
            ..Catalog::default()
        };
        catalog.normalize();
        catalog
    }

    fn sides<'a>(from: &'a Catalog, to: &'a Catalog) -> Sides<'a> {
        Sides {
            source: from,
            source_name: "FROM",
            target: to,
            target_name: "TO",
        }
    }

    #[test]
    fn renames_read_and_print_with_names_quoted_as_pg_dump_reads_them() {
        let rename = Rename::parse("Public.\"Users\".Email=\"E-mail\"").expect("a rename");
        assert_eq!(rename.path, ["public", "Users", "email"]);
        assert_eq!(rename.to, "E-mail");
        assert_eq!(rename.to_string(), "public.\"Users\".email=\"E-mail\"");
        let hostile = Rename {
            path: vec!["s\n*/".into(), "a=b.c\"".into()],
            to: "--é".into(),
        };
        assert_eq!(Rename::parse(&hostile.to_string()), Ok(hostile));
        for wrong in ["a", "a=b=c", "a.b.c.d=e", "a=b.c", "a=", "=b", "a.\"b=c"] {
            assert!(Rename::parse(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn the_inverse_names_each_object_as_it_is_after_the_renames() {
        let inverse = inverse(&renames(&[
            "app=billing",
            "app.orders=purchases",
            "app.orders.total=amount",
            "app.users.fullname=name",
        ]));
        let shown: Vec<String> = inverse.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "billing=app",
                "billing.purchases=orders",
                "billing.purchases.amount=total",
                "billing.users.name=fullname",
            ]
        );
    }

    #[test]
    fn a_renamed_table_and_column_are_renamed_wherever_they_are_named() {
        let (from, to) = (shop("users", "fullname"), shop("people", "name"));
        let map = RenameMap::resolve(
            &renames(&["public.users=people", "public.users.fullname=name"]),
            &sides(&from, &to),
        )
        .expect("the renames fit");
        let statements: Vec<String> = map.steps().iter().map(|(_, _, s)| s.to_string()).collect();
        assert_eq!(
            statements,
            [
                "ALTER TABLE public.users RENAME TO people",
                "ALTER TABLE public.people RENAME COLUMN fullname TO name",
            ]
        );
        let mut renamed = from.clone();
        map.apply(&mut renamed);
        // The primary key keeps its name, which TO spells after the table.
        let mut expected = to.clone();
        expected.tables[1].constraints[1].name = "users_pkey".into();
        expected.normalize();
        assert_eq!(renamed, expected);
    }

    #[test]
    fn a_rename_that_does_not_fit_both_sides_is_refused_with_the_reason() {
        let (from, to) = (shop("users", "fullname"), shop("people", "name"));
        let refused = |list: &[&str]| {
            RenameMap::resolve(&renames(list), &sides(&from, &to))
                .expect_err("refused")
                .to_string()
        };
        assert_eq!(
            refused(&["public.nobody=people"]),
            "rename public.nobody=people: FROM has no table, view, index, sequence, type or function public.nobody"
        );
        assert_eq!(
            refused(&["public.users=orders"]),
            "rename public.users=orders: FROM already has a table public.orders"
        );
        assert_eq!(
            refused(&["public.users=clients"]),
            "rename public.users=clients: TO has no table public.clients to rename it to"
        );
        assert_eq!(
            refused(&["public.users.id=fullname"]),
            "rename public.users.id=fullname: FROM already has a column public.users.fullname"
        );
        assert_eq!(
            refused(&["public.users=people", "public.users=people"]),
            "rename public.users=people: public.users is renamed twice"
        );
        assert_eq!(
            refused(&["nowhere=public"]),
            "rename nowhere=public: FROM has no schema nowhere"
        );
    }

    #[test]
    fn a_table_or_column_that_looks_renamed_is_only_suggested() {
        let none = RenameMap::default();
        let (from, to) = (shop("users", "fullname"), shop("people", "fullname"));
        let notes: Vec<String> = none
            .suggest(&from, &to)
            .into_iter()
            .map(|n| n.message)
            .collect();
        assert_eq!(
            notes,
            [
                "table public.users dropped and table public.people added have the same columns: \
              if it is a rename, declare --rename public.users=people"
            ]
        );
        let to = shop("users", "name");
        let notes: Vec<String> = none
            .suggest(&from, &to)
            .into_iter()
            .map(|n| n.message)
            .collect();
        assert_eq!(
            notes,
            [
                "column public.users.fullname dropped and column name added are both text: if it is a \
              rename, declare --rename public.users.fullname=name"
            ]
        );
        // Only a constraint's name differs; the columns are the same, in
        // the same order.
        let mut to = shop("users", "fullname");
        let users = to
            .tables
            .iter_mut()
            .find(|t| t.name.name == "users")
            .expect("the users table");
        users.constraints.retain(|c| c.name != "named");
        users.constraints.push(constraint(
            "named_too",
            ConstraintKind::Check,
            "CHECK ((length(fullname) > 0))",
        ));
        let notes: Vec<String> = none
            .suggest(&from, &to)
            .into_iter()
            .map(|n| n.message)
            .collect();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with(
                "constraint named on public.users dropped and constraint named_too added have \
                 the same definition"
            ),
            "{notes:?}"
        );
        assert!(none.suggest(&from, &from).is_empty());
    }
}
