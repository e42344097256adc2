//! The SQL fragment that reads an object's generic options.

/// The options array `$options` (`fdwoptions`, `srvoptions`, `umoptions`)
/// as JSON text: an array of `[key, value]` in the order the server keeps
/// them; NULL for no options.
///
/// The subquery runs only where there are options: most rows (every
/// column of a plain table) have none, and running it anyway for the
/// 22,000 columns of a 2,000-table catalog cost a fifth of the columns
/// query.
macro_rules! options_json {
    ($options:literal) => {
        concat!(
            "CASE WHEN ",
            $options,
            " IS NOT NULL THEN (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(o.option_name, o.option_value) \
             ORDER BY o.n)::pg_catalog.text \
             FROM pg_catalog.pg_options_to_table(",
            $options,
            ") WITH ORDINALITY o(option_name, option_value, n)) END"
        )
    };
}
