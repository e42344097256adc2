//! SQL fragments shared by the per-kind queries, as macros that expand to
//! string literals so that every query stays one `&'static str` that can be
//! read in full in the source.
//!
//! The session runs with an empty `search_path`, so every catalog name is
//! written `pg_catalog.` qualified. Each macro takes the alias of the row it
//! filters as a string literal.

/// True when the object whose OID is `$oid`, stored in catalog `$catalog`,
/// does not belong to an extension. Members of an extension are created by
/// `CREATE EXTENSION`, so the extension stands for all of them.
///
/// A membership row (`deptype = 'e'`) always refers to `pg_extension`. Saying
/// so in every filter below changes no result, but lets the planner read the
/// few membership rows through `pg_depend`'s index on the referenced object
/// and hash them, instead of scanning all of `pg_depend` or probing it once
/// per row: a sixth of the server's work on a catalog of 10,000 tables.
macro_rules! not_extension_member {
    ($catalog:literal, $oid:literal) => {
        concat!(
            "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend ext_d ",
            "WHERE ext_d.classid = 'pg_catalog.",
            $catalog,
            "'::pg_catalog.regclass AND ext_d.objid = ",
            $oid,
            " AND ext_d.objsubid = 0 AND ext_d.deptype = 'e' ",
            "AND ext_d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass)"
        )
    };
}

/// True when the `pg_namespace` row `$n` is a user schema: not `pg_catalog`,
/// `information_schema`, a TOAST or temporary schema (`pg_toast%`,
/// `pg_temp_%`, `pg_toast_temp_%`), and not created by an extension.
macro_rules! user_schema {
    ($n:literal) => {
        concat!(
            "(",
            $n,
            ".nspname NOT IN ('pg_catalog', 'information_schema') AND ",
            $n,
            ".nspname !~ '^pg_(toast|temp_)' AND ",
            "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend ext_n ",
            "WHERE ext_n.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND ext_n.objid = ",
            $n,
            ".oid AND ext_n.objsubid = 0 AND ext_n.deptype = 'e' ",
            "AND ext_n.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass))"
        )
    };
}

/// True when the `pg_class` row `$c` is a table pgrift models: an ordinary
/// or partitioned table (a partition and an inheritance child too), or a
/// foreign table that is neither a partition nor a child, that does not
/// belong to an extension. A foreign partition or child is reported as a
/// warning instead, and so is everything that hangs off it (columns,
/// constraints, triggers).
macro_rules! modelled_table {
    ($c:literal) => {
        concat!(
            "((",
            $c,
            ".relkind IN ('r', 'p') OR (",
            $c,
            ".relkind = 'f' AND NOT ",
            $c,
            ".relispartition AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits fi ",
            "WHERE fi.inhrelid = ",
            $c,
            ".oid))) AND ",
            "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend ext_c ",
            "WHERE ext_c.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ext_c.objid = ",
            $c,
            ".oid AND ext_c.objsubid = 0 AND ext_c.deptype = 'e' ",
            "AND ext_c.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass))"
        )
    };
}

/// True when the `pg_class` row `$c` is a view or materialized view that does
/// not belong to an extension.
macro_rules! modelled_view {
    ($c:literal) => {
        concat!(
            "(",
            $c,
            ".relkind IN ('v', 'm') AND ",
            "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend ext_v ",
            "WHERE ext_v.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ext_v.objid = ",
            $c,
            ".oid AND ext_v.objsubid = 0 AND ext_v.deptype = 'e' ",
            "AND ext_v.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass))"
        )
    };
}

#[cfg(test)]
pub(crate) mod tests {
    /// Asserts that every catalog named after `FROM` or `JOIN`, and every
    /// `regclass` literal, is qualified with `pg_catalog`, and that no cast
    /// names an unqualified type.
    pub(crate) fn assert_qualified(sql: &str) {
        let context = |at: usize| &sql[at.saturating_sub(40)..(at + 40).min(sql.len())];
        for marker in ["FROM pg_", "JOIN pg_"] {
            for (at, _) in sql.match_indices(marker) {
                let rest = &sql[at + marker.len() - 3..];
                assert!(
                    rest.starts_with("pg_catalog."),
                    "unqualified: {}",
                    context(at)
                );
            }
        }
        for (at, _) in sql.match_indices("'::") {
            let literal_start = sql[..at].rfind('\'').map_or(0, |quote| quote + 1);
            let cast = &sql[at + 3..];
            assert!(
                cast.starts_with("pg_catalog."),
                "unqualified cast: {}",
                context(at)
            );
            if cast.starts_with("pg_catalog.regclass") {
                assert!(
                    sql[literal_start..at].starts_with("pg_catalog."),
                    "unqualified regclass: {}",
                    context(at)
                );
            }
        }
        for (at, _) in sql.match_indices("::") {
            let cast = &sql[at + 2..];
            assert!(
                cast.starts_with("pg_catalog."),
                "unqualified cast: {}",
                context(at)
            );
        }
    }

    #[test]
    #[should_panic(expected = "unqualified")]
    fn an_unqualified_catalog_is_caught() {
        assert_qualified("SELECT c.oid FROM pg_class c");
    }

    #[test]
    #[should_panic(expected = "unqualified cast")]
    fn an_unqualified_cast_is_caught() {
        assert_qualified("SELECT 'pg_catalog.pg_class'::regclass");
    }

    #[test]
    fn fragments_qualify_every_catalog() {
        for fragment in [
            not_extension_member!("pg_proc", "p.oid"),
            user_schema!("n"),
            modelled_table!("c"),
            modelled_view!("c"),
        ] {
            assert_qualified(fragment);
        }
    }
}
