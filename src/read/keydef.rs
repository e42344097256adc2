//! Definitions of plain primary keys, unique constraints and foreign keys
//! built from `pg_constraint`, as `pg_get_constraintdef` prints them.
//!
//! On a catalog of 10,000 tables `pg_get_constraintdef` of the keys is a
//! quarter of the constraints query, on both sides, for text as regular as
//! `PRIMARY KEY (id)` and `FOREIGN KEY (team_id) REFERENCES app.teams(id)`.
//! The constraints query marks the plain ones (validated, enforced, no
//! `INCLUDE`, `NULLS NOT DISTINCT`, `WITHOUT OVERLAPS`/`PERIOD` or
//! `ON DELETE SET NULL (…)` column list) and hands over their arrays; the
//! rest, and any whose columns or referenced table were not read, are
//! printed by the server in a second query. A test compares every
//! constraint of a fixture of constraint shapes with `pg_get_constraintdef`
//! on each supported version.

use super::indexdef::Support;
use crate::names::QualName;

/// What `pg_constraint` says of a plain key.
pub(crate) struct KeyParts {
    /// Column numbers of the constrained table (`conkey`).
    pub columns: Vec<i16>,
    /// For a foreign key: the referenced table and its columns (`confkey`).
    pub referenced_table: u32,
    pub referenced_columns: Vec<i16>,
    /// `confmatchtype`, `confupdtype`, `confdeltype`.
    pub match_type: char,
    pub on_update: char,
    pub on_delete: char,
    pub deferrable: bool,
    pub deferred: bool,
}

/// Looks up what a definition names: a column's name by table and number,
/// and a table's name.
pub(crate) trait Names {
    fn column(&self, table: u32, number: i16) -> Option<&str>;
    fn table(&self, table: u32) -> Option<&QualName>;
}

impl Support {
    /// The definition `pg_get_constraintdef` prints for a key of kind `kind`
    /// (`p`, `u`, `f`) on table `table`, or `None` when it is not certain to
    /// come out the same here.
    pub(crate) fn key_definition(
        &self,
        kind: char,
        table: u32,
        parts: &KeyParts,
        names: &impl Names,
    ) -> Option<String> {
        let columns = |table: u32, numbers: &[i16]| -> Option<String> {
            let names: Option<Vec<String>> = numbers
                .iter()
                .map(|&number| names.column(table, number).map(|name| self.quote(name)))
                .collect();
            Some(names?.join(", "))
        };
        let mut out = match kind {
            'p' => format!("PRIMARY KEY ({})", columns(table, &parts.columns)?),
            'u' => format!("UNIQUE ({})", columns(table, &parts.columns)?),
            'f' => {
                let referenced = names.table(parts.referenced_table)?;
                let mut out = format!(
                    "FOREIGN KEY ({}) REFERENCES {}.{}({})",
                    columns(table, &parts.columns)?,
                    self.quote(&referenced.schema),
                    self.quote(&referenced.name),
                    columns(parts.referenced_table, &parts.referenced_columns)?,
                );
                out.push_str(match parts.match_type {
                    'f' => " MATCH FULL",
                    'p' => " MATCH PARTIAL",
                    's' => "",
                    _ => return None,
                });
                for (clause, action) in [
                    (" ON UPDATE ", parts.on_update),
                    (" ON DELETE ", parts.on_delete),
                ] {
                    let action = match action {
                        'a' => continue,
                        'r' => "RESTRICT",
                        'c' => "CASCADE",
                        'n' => "SET NULL",
                        'd' => "SET DEFAULT",
                        _ => return None,
                    };
                    out.push_str(clause);
                    out.push_str(action);
                }
                out
            }
            _ => return None,
        };
        if parts.deferrable {
            out.push_str(" DEFERRABLE");
        }
        if parts.deferred {
            out.push_str(" INITIALLY DEFERRED");
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture {
        orders: QualName,
        users: QualName,
    }

    impl Names for Fixture {
        fn column(&self, table: u32, number: i16) -> Option<&str> {
            match (table, number) {
                (1, 1) => Some("id"),
                (1, 2) => Some("user"),
                (1, 3) => Some("Team Id"),
                (2, 1) => Some("id"),
                (2, 2) => Some("team"),
                _ => None,
            }
        }

        fn table(&self, table: u32) -> Option<&QualName> {
            match table {
                1 => Some(&self.orders),
                2 => Some(&self.users),
                _ => None,
            }
        }
    }

    fn fixture() -> Fixture {
        Fixture {
            orders: QualName::new("app", "Orders"),
            users: QualName::new("app", "users"),
        }
    }

    fn support() -> Support {
        let mut support = Support::default();
        support.keywords = ["user"].into_iter().map(str::to_owned).collect();
        support
    }

    fn parts(columns: Vec<i16>) -> KeyParts {
        KeyParts {
            columns,
            referenced_table: 0,
            referenced_columns: Vec::new(),
            match_type: ' ',
            on_update: ' ',
            on_delete: ' ',
            deferrable: false,
            deferred: false,
        }
    }

    #[test]
    fn keys_name_their_columns() {
        let (support, names) = (support(), fixture());
        assert_eq!(
            support.key_definition('p', 1, &parts(vec![1, 2]), &names),
            Some("PRIMARY KEY (id, \"user\")".to_owned())
        );
        let mut deferred = parts(vec![3]);
        deferred.deferrable = true;
        deferred.deferred = true;
        assert_eq!(
            support.key_definition('u', 1, &deferred, &names),
            Some("UNIQUE (\"Team Id\") DEFERRABLE INITIALLY DEFERRED".to_owned())
        );
    }

    #[test]
    fn foreign_keys_name_the_referenced_table_and_actions() {
        let (support, names) = (support(), fixture());
        let mut key = parts(vec![1, 2]);
        key.referenced_table = 2;
        key.referenced_columns = vec![1, 2];
        key.match_type = 'f';
        key.on_update = 'a';
        key.on_delete = 'c';
        assert_eq!(
            support.key_definition('f', 1, &key, &names),
            Some(
                "FOREIGN KEY (id, \"user\") REFERENCES app.users(id, team) MATCH FULL \
                 ON DELETE CASCADE"
                    .to_owned()
            )
        );
    }

    #[test]
    fn what_is_not_certain_is_left_to_the_server() {
        let (support, names) = (support(), fixture());
        let mut unknown_table = parts(vec![1]);
        unknown_table.referenced_table = 9;
        unknown_table.referenced_columns = vec![1];
        unknown_table.match_type = 's';
        assert_eq!(support.key_definition('f', 1, &unknown_table, &names), None);
        assert_eq!(
            support.key_definition('p', 1, &parts(vec![7]), &names),
            None
        );
        assert_eq!(
            support.key_definition('c', 1, &parts(vec![1]), &names),
            None
        );
    }
}
