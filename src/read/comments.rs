//! Comments (`COMMENT ON`), read with the object they describe.

/// A `LEFT JOIN` of `pg_description` under alias `$alias` that finds the
/// comment on the object `$oid` of catalog `$catalog`, or on its sub-object
/// `$subid` (a column number) when given. A join rather than
/// `obj_description()` lets the planner read all comments of a kind in one
/// pass instead of one lookup per row.
macro_rules! comment_join {
    ($catalog:literal, $oid:literal, $alias:literal) => {
        comment_join!($catalog, $oid, "0", $alias)
    };
    ($catalog:literal, $oid:literal, $subid:literal, $alias:literal) => {
        concat!(
            " LEFT JOIN pg_catalog.pg_description ",
            $alias,
            " ON ",
            $alias,
            ".objoid = ",
            $oid,
            " AND ",
            $alias,
            ".classoid = 'pg_catalog.",
            $catalog,
            "'::pg_catalog.regclass AND ",
            $alias,
            ".objsubid = ",
            $subid,
            " "
        )
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn comment_join_defaults_to_the_whole_object() {
        assert_eq!(
            comment_join!("pg_namespace", "n.oid", "cm"),
            " LEFT JOIN pg_catalog.pg_description cm ON cm.objoid = n.oid AND \
             cm.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND cm.objsubid = 0 "
        );
    }

    #[test]
    fn comment_join_of_a_column() {
        assert!(
            comment_join!("pg_class", "a.attrelid", "a.attnum", "cm")
                .contains("cm.objsubid = a.attnum ")
        );
    }
}
