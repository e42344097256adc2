//! Definitions of plain B-tree indexes built from `pg_index`, as
//! `pg_get_indexdef` prints them.
//!
//! `pg_get_indexdef` looks up the default operator class of every key
//! column's type with a scan of `pg_opclass` that nothing caches: on a
//! catalog of 10,000 tables that is most of the indexes query, on both
//! sides. For the common index (B-tree, on columns of a modelled table, no
//! expression or storage parameters) the text is simple enough to build
//! here, from the index's arrays, the columns already read, and a few small
//! tables read once: the server's keywords, the B-tree operator classes, the
//! binary-coercible implicit casts and the key columns' types. A partial
//! index's predicate is still deparsed by the server, but alone, with
//! `pg_get_expr`, which skips the operator class lookups.
//!
//! Whatever is not certain to come out the same (a domain, a pseudo-type, a
//! collation other than the column's, an operator class input type this
//! module does not know) is left to the server, which deparses those indexes
//! in a second query. A test compares every index of a fixture of index
//! shapes with `pg_get_indexdef` on each supported version.

use std::collections::{HashMap, HashSet};

use crate::sql::quote_ident_with;

/// What `pg_index` says of a plain B-tree index.
pub(crate) struct IndexParts {
    pub table_name: String,
    pub unique: bool,
    pub nulls_not_distinct: bool,
    /// How many of `columns` are key columns; the rest are `INCLUDE`d.
    pub key_count: usize,
    /// Column numbers (`indkey`).
    pub columns: Vec<i16>,
    /// Per key column: operator class, collation and `indoption` flags.
    pub opclasses: Vec<u32>,
    pub collations: Vec<u32>,
    pub options: Vec<i16>,
    /// A partial index's predicate as `pg_get_expr` prints it, which is
    /// what `pg_get_indexdef` prints after `WHERE`: both deparse it with the
    /// same flags, naming the table's columns.
    pub predicate: Option<String>,
}

/// A column of the indexed table, as the columns query read it.
pub(crate) struct IndexedColumn<'a> {
    pub name: &'a str,
    pub type_oid: u32,
    pub collation_oid: u32,
}

/// A B-tree operator class.
pub(crate) struct OpClass {
    /// Whether it is in `pg_catalog`, where no B-tree class takes options
    /// (`(siglen = …)`), which would be printed after it.
    pub in_pg_catalog: bool,
    pub name: String,
    pub is_default: bool,
    pub input_type: u32,
    /// `typcategory` and `typispreferred` of the input type.
    pub input_category: char,
    pub input_preferred: bool,
}

/// What the default operator class lookup needs of a column's type.
pub(crate) struct TypeInfo {
    /// `typtype`: `b` base, `e` enum, `r` range, `m` multirange, `c`
    /// composite, `d` domain, `p` pseudo-type.
    pub kind: char,
    pub category: char,
    pub is_array: bool,
}

/// The small tables read once per introspection.
#[derive(Default)]
pub(crate) struct Support {
    /// Keywords the server quotes (every category but unreserved).
    pub keywords: HashSet<String>,
    pub opclasses: HashMap<u32, OpClass>,
    /// `(source, target)` of binary-coercible implicit casts.
    pub casts: HashSet<(u32, u32)>,
    pub types: HashMap<u32, TypeInfo>,
    /// The default operator class of each type in `types`, as
    /// [`Support::resolve_defaults`] decided it once per type.
    defaults: HashMap<u32, Option<Option<u32>>>,
}

/// `indoption` bits.
const INDOPTION_DESC: i16 = 0x0001;
const INDOPTION_NULLS_FIRST: i16 = 0x0002;

/// Pseudo-types an operator class may take as input, by their fixed OIDs.
const ANY: u32 = 2276;
const ANYELEMENT: u32 = 2283;
const ANYCOMPATIBLE: u32 = 5077;
const ANYARRAY: u32 = 2277;
const ANYCOMPATIBLEARRAY: u32 = 5078;
const ANYNONARRAY: u32 = 2776;
const ANYCOMPATIBLENONARRAY: u32 = 5079;
const ANYENUM: u32 = 3500;
const ANYRANGE: u32 = 3831;
const ANYCOMPATIBLERANGE: u32 = 5080;
const ANYMULTIRANGE: u32 = 4537;
const ANYCOMPATIBLEMULTIRANGE: u32 = 4538;
const RECORD: u32 = 2249;
const RECORD_ARRAY: u32 = 2287;

impl Support {
    /// The identifier as the server's `quote_identifier` prints it, with the
    /// server's own keywords (they differ between versions).
    pub(crate) fn quote(&self, name: &str) -> String {
        quote_ident_with(name, |word| self.keywords.contains(word))
    }

    /// Decides the default operator class of every type in `types`, once,
    /// for [`Support::definition`] to look up per index column.
    pub(crate) fn resolve_defaults(&mut self) {
        self.defaults = self
            .types
            .keys()
            .map(|&oid| (oid, self.default_opclass(oid)))
            .collect();
    }

    /// The default B-tree operator class for a column of type `type_oid`,
    /// decided the way PostgreSQL's `GetDefaultOpClass` does: the default
    /// class for exactly that type, else the one binary-coercible class
    /// whose input type is preferred in the type's category, else the one
    /// binary-coercible class. `None` when the answer is not certain here
    /// (an unknown type, a domain, a class for an input this module does
    /// not know); `Some(None)` when there is no default.
    fn default_opclass(&self, type_oid: u32) -> Option<Option<u32>> {
        let ty = self.types.get(&type_oid)?;
        if matches!(ty.kind, 'd' | 'p') {
            return None;
        }
        let mut exact = Vec::new();
        let mut preferred = Vec::new();
        let mut compatible = Vec::new();
        for (&oid, class) in &self.opclasses {
            if !class.is_default {
                continue;
            }
            if class.input_type == type_oid {
                exact.push(oid);
            } else if self.binary_coercible(type_oid, ty, class.input_type)? {
                // `IsPreferredType`: preferred in the type's category (or
                // in any, for a type without one).
                let same_category = class.input_category == ty.category || ty.category == '\0';
                if same_category && class.input_preferred {
                    preferred.push(oid);
                } else {
                    compatible.push(oid);
                }
            }
        }
        match (&exact[..], &preferred[..], &compatible[..]) {
            ([oid], _, _) | ([], [oid], _) | ([], [], [oid]) => Some(Some(*oid)),
            // Two defaults for one type: the server refuses to deparse.
            ([_, _, ..], _, _) => None,
            _ => Some(None),
        }
    }

    /// PostgreSQL's `IsBinaryCoercible` for a type that is not a domain;
    /// `None` for a target it cannot decide here.
    fn binary_coercible(&self, source: u32, ty: &TypeInfo, target: u32) -> Option<bool> {
        Some(match target {
            ANY | ANYELEMENT | ANYCOMPATIBLE => true,
            ANYARRAY | ANYCOMPATIBLEARRAY => ty.is_array,
            ANYNONARRAY | ANYCOMPATIBLENONARRAY => !ty.is_array,
            ANYENUM => ty.kind == 'e',
            ANYRANGE | ANYCOMPATIBLERANGE => ty.kind == 'r',
            ANYMULTIRANGE | ANYCOMPATIBLEMULTIRANGE => ty.kind == 'm',
            RECORD => ty.kind == 'c',
            RECORD_ARRAY => return None,
            _ => self.casts.contains(&(source, target)),
        })
    }

    /// The definition `pg_get_indexdef` prints for the index, or `None` when
    /// it is not certain to come out the same here. `column` finds a column
    /// of the indexed table by number.
    pub(crate) fn definition<'c>(
        &self,
        schema: &str,
        name: &str,
        parts: &IndexParts,
        column: impl Fn(i16) -> Option<IndexedColumn<'c>>,
    ) -> Option<String> {
        let key_count = parts.key_count;
        if parts.opclasses.len() < key_count
            || parts.collations.len() < key_count
            || parts.options.len() < key_count
            || parts.columns.len() < key_count
        {
            return None;
        }
        let mut out = format!(
            "CREATE {}INDEX {} ON {}.{} USING btree (",
            if parts.unique { "UNIQUE " } else { "" },
            self.quote(name),
            self.quote(schema),
            self.quote(&parts.table_name),
        );
        for (position, &number) in parts.columns.iter().enumerate() {
            let column = column(number)?;
            if position == key_count {
                out.push_str(") INCLUDE (");
            } else if position > 0 {
                out.push_str(", ");
            }
            out.push_str(&self.quote(column.name));
            if position >= key_count {
                continue;
            }
            let collation = parts.collations[position];
            if collation != 0 && collation != column.collation_oid {
                return None;
            }
            let opclass = parts.opclasses[position];
            let class = self.opclasses.get(&opclass).filter(|c| c.in_pg_catalog)?;
            let default = (*self.defaults.get(&column.type_oid)?)?;
            if default != Some(opclass) {
                out.push(' ');
                out.push_str(&self.quote(&class.name));
            }
            let option = parts.options[position];
            if option & INDOPTION_DESC != 0 {
                out.push_str(" DESC");
                if option & INDOPTION_NULLS_FIRST == 0 {
                    out.push_str(" NULLS LAST");
                }
            } else if option & INDOPTION_NULLS_FIRST != 0 {
                out.push_str(" NULLS FIRST");
            }
        }
        out.push(')');
        if parts.nulls_not_distinct {
            out.push_str(" NULLS NOT DISTINCT");
        }
        if let Some(predicate) = &parts.predicate {
            out.push_str(" WHERE ");
            out.push_str(predicate);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INT4: u32 = 23;
    const TEXT: u32 = 25;
    const VARCHAR: u32 = 1043;
    const BPCHAR: u32 = 1042;
    const INT4_OPS: u32 = 1978;
    const TEXT_OPS: u32 = 3126;
    const BPCHAR_OPS: u32 = 426;
    const TEXT_PATTERN_OPS: u32 = 4217;
    const MOOD: u32 = 50_000;
    const ENUM_OPS: u32 = 3474;

    fn opclass(name: &str, is_default: bool, input_type: u32, category: char) -> OpClass {
        OpClass {
            in_pg_catalog: true,
            name: name.to_owned(),
            is_default,
            input_type,
            input_category: category,
            input_preferred: input_type == TEXT,
        }
    }

    fn support() -> Support {
        let base = |category| TypeInfo {
            kind: 'b',
            category,
            is_array: false,
        };
        let mut support = Support {
            keywords: ["user", "order"].into_iter().map(str::to_owned).collect(),
            opclasses: HashMap::from([
                (INT4_OPS, opclass("int4_ops", true, INT4, 'N')),
                (TEXT_OPS, opclass("text_ops", true, TEXT, 'S')),
                (BPCHAR_OPS, opclass("bpchar_ops", true, BPCHAR, 'S')),
                (
                    TEXT_PATTERN_OPS,
                    opclass("text_pattern_ops", false, TEXT, 'S'),
                ),
                (ENUM_OPS, opclass("enum_ops", true, ANYENUM, 'P')),
            ]),
            casts: HashSet::from([(VARCHAR, TEXT), (VARCHAR, BPCHAR), (BPCHAR, TEXT)]),
            types: HashMap::from([
                (INT4, base('N')),
                (TEXT, base('S')),
                (VARCHAR, base('S')),
                (BPCHAR, base('S')),
                (
                    MOOD,
                    TypeInfo {
                        kind: 'e',
                        category: 'E',
                        is_array: false,
                    },
                ),
            ]),
            ..Support::default()
        };
        support.resolve_defaults();
        support
    }

    fn parts(columns: Vec<i16>, opclasses: Vec<u32>, options: Vec<i16>) -> IndexParts {
        let key_count = opclasses.len();
        IndexParts {
            table_name: "Orders".to_owned(),
            unique: false,
            nulls_not_distinct: false,
            key_count,
            collations: vec![0; key_count],
            columns,
            opclasses,
            options,
            predicate: None,
        }
    }

    fn columns(number: i16) -> Option<IndexedColumn<'static>> {
        let (name, type_oid) = match number {
            1 => ("id", INT4),
            2 => ("user", VARCHAR),
            3 => ("note", TEXT),
            4 => ("mood", MOOD),
            _ => return None,
        };
        Some(IndexedColumn {
            name,
            type_oid,
            collation_oid: 0,
        })
    }

    #[test]
    fn default_classes_are_left_out_and_others_named() {
        let support = support();
        let index = parts(
            vec![1, 2, 3, 4],
            vec![INT4_OPS, TEXT_OPS, TEXT_PATTERN_OPS, ENUM_OPS],
            vec![0, INDOPTION_DESC, INDOPTION_DESC | INDOPTION_NULLS_FIRST, 2],
        );
        assert_eq!(
            support.definition("app", "orders_i", &index, columns),
            Some(
                "CREATE INDEX orders_i ON app.\"Orders\" USING btree (id, \"user\" DESC NULLS LAST, \
                 note text_pattern_ops DESC, mood NULLS FIRST)"
                    .to_owned()
            )
        );
    }

    #[test]
    fn included_columns_carry_no_decoration() {
        let support = support();
        let mut index = parts(vec![1, 3], vec![INT4_OPS], vec![0]);
        index.unique = true;
        index.nulls_not_distinct = true;
        assert_eq!(
            support.definition("app", "Key", &index, columns),
            Some(
                "CREATE UNIQUE INDEX \"Key\" ON app.\"Orders\" USING btree (id) INCLUDE (note) \
                 NULLS NOT DISTINCT"
                    .to_owned()
            )
        );
    }

    #[test]
    fn a_predicate_follows_the_key() {
        let support = support();
        let mut index = parts(vec![1], vec![INT4_OPS], vec![0]);
        index.nulls_not_distinct = true;
        index.predicate = Some("(note IS NOT NULL)".to_owned());
        assert_eq!(
            support.definition("app", "i", &index, columns),
            Some(
                "CREATE INDEX i ON app.\"Orders\" USING btree (id) NULLS NOT DISTINCT \
                 WHERE (note IS NOT NULL)"
                    .to_owned()
            )
        );
    }

    #[test]
    fn varchar_takes_the_preferred_text_class() {
        let support = support();
        assert_eq!(support.default_opclass(VARCHAR), Some(Some(TEXT_OPS)));
        assert_eq!(support.default_opclass(BPCHAR), Some(Some(BPCHAR_OPS)));
    }

    #[test]
    fn what_is_not_certain_is_left_to_the_server() {
        let support = support();
        let unknown_type = parts(vec![9], vec![INT4_OPS], vec![0]);
        assert_eq!(support.definition("app", "i", &unknown_type, columns), None);
        let mut other_collation = parts(vec![3], vec![TEXT_OPS], vec![0]);
        other_collation.collations = vec![950];
        assert_eq!(
            support.definition("app", "i", &other_collation, columns),
            None
        );
        let unknown_class = parts(vec![1], vec![99_999], vec![0]);
        assert_eq!(
            support.definition("app", "i", &unknown_class, columns),
            None
        );
    }
}
