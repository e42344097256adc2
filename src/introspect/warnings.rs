//! Warnings about what is present in the user schemas but not modelled, so a
//! user knows the diff does not cover it. One query, a `UNION ALL` of one
//! branch per kind of thing, each returning the same six text columns:
//!
//! - `kind`: what is not modelled (`domain`, `privileges`, `tablespace` …);
//! - `noun`: the kind of object it is on, when that is not `kind` itself
//!   (`table` for `row-level security`);
//! - `schema`, `name`: the object, or the table a sub-object is on;
//! - `sub`: the column, policy or rule name, or a function's arguments;
//! - `detail`: a value worth showing (`lz4`, `fillfactor=70`).
//!
//! Members of extensions are left out, like everywhere else.

use tokio_postgres::Client;

use crate::catalog::{self, QualName, Warning};
use crate::read::{IntrospectError, read_rows};
use crate::sql::quote_ident;

/// The select list of one branch, every column cast to `text` so that the
/// branches line up whatever catalog types they read (`name`, `"char"` …).
macro_rules! warning_row {
    ($kind:expr, $noun:expr, $schema:expr, $name:expr, $sub:expr, $detail:expr) => {
        concat!(
            "SELECT (",
            $kind,
            ")::pg_catalog.text AS kind, (",
            $noun,
            ")::pg_catalog.text AS noun, (",
            $schema,
            ")::pg_catalog.text AS schema, (",
            $name,
            ")::pg_catalog.text AS name, (",
            $sub,
            ")::pg_catalog.text AS sub, (",
            $detail,
            ")::pg_catalog.text AS detail "
        )
    };
}

/// The noun PostgreSQL uses for a relation of kind `c.relkind`.
macro_rules! relation_noun {
    () => {
        "CASE c.relkind WHEN 'p' THEN 'partitioned table' WHEN 'f' THEN 'foreign table' \
         WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' \
         WHEN 'i' THEN 'index' ELSE 'table' END"
    };
}

/// True for a type of `pg_type` row `t` that a user created on its own:
/// not an array type, and not the row type of a table or view. An array
/// type is recognised the way PostgreSQL does (`IsTrueArrayType`): an element
/// type and the array subscript handler (`typsubscript`, PostgreSQL 14). A
/// subquery on `typarray` would do too, but under `OR` the planner runs it
/// once per type, which is slow with thousands of tables.
macro_rules! standalone_type {
    () => {
        "(t.typtype IN ('e', 'd', 'r') \
          OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_catalog.pg_class tc \
              WHERE tc.oid = t.typrelid AND tc.relkind = 'c')) \
          OR (t.typtype = 'b' AND NOT (t.typelem <> 0 AND t.typsubscript = \
              'pg_catalog.array_subscript_handler'::pg_catalog.regproc)))"
    };
}

/// The branch of the operators, `$kind`, whose function (`oprcode`)
/// compares to 0 by `$compare`: a shell operator has none.
macro_rules! operators {
    ($kind:literal, $compare:literal) => {
        concat!(
            warning_row!(
                concat!("'", $kind, "'"),
                "NULL",
                "n.nspname",
                "o.oprname",
                "CASE WHEN o.oprleft = 0 THEN 'NONE' \
                 ELSE pg_catalog.format_type(o.oprleft, NULL) END || ', ' || \
                 pg_catalog.format_type(o.oprright, NULL)",
                "NULL"
            ),
            "FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace \
             WHERE o.oprcode ",
            $compare,
            " 0 AND ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_operator", "o.oid"),
        )
    };
}

/// One branch per kind of thing not modelled, each with the label a kind
/// of the catalog names when it models that thing (see
/// `ObjectKind::MODELS`): the branch is then left out of the query.
const BRANCHES: &[(&str, &str)] = &[
    // Domains.
    (
        "domain",
        concat!(
            warning_row!("'domain'", "NULL", "n.nspname", "t.typname", "NULL", "NULL"),
            "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             WHERE t.typtype = 'd' AND ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_type", "t.oid"),
        ),
    ),
    // Composite types of their own (a table's row type is its table's).
    (
        "composite type",
        concat!(
            warning_row!(
                "'composite type'",
                "NULL",
                "n.nspname",
                "t.typname",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             JOIN pg_catalog.pg_class tc ON tc.oid = t.typrelid \
             WHERE t.typtype = 'c' AND tc.relkind = 'c' AND ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_type", "t.oid"),
        ),
    ),
    // Range types. A multirange type comes with its range type, so the
    // range stands for both.
    (
        "range type",
        concat!(
            warning_row!(
                "'range type'",
                "NULL",
                "n.nspname",
                "t.typname",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             WHERE t.typtype = 'r' AND ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_type", "t.oid"),
        ),
    ),
    // Base types.
    (
        "base type",
        concat!(
            warning_row!(
                "'base type'",
                "NULL",
                "n.nspname",
                "t.typname",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             WHERE t.typtype = 'b' AND ",
            standalone_type!(),
            " AND ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_type", "t.oid"),
        ),
    ),
    // Foreign tables that are partitions or inheritance children; the
    // others are tables (see `catalog::table`).
    (
        "foreign partition or child",
        concat!(
            warning_row!(
                "'foreign partition or child'",
                "NULL",
                "n.nspname",
                "c.relname",
                "NULL",
                "NULL"
            ),
            "FROM relations c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = 'f' AND (c.relispartition OR EXISTS (SELECT 1 \
             FROM pg_catalog.pg_inherits fi WHERE fi.inhrelid = c.oid)) AND ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_class", "c.oid"),
        ),
    ),
    // Row-level security, and the policies it applies.
    (
        "row-level security",
        concat!(
            warning_row!(
                "'row-level security'",
                relation_noun!(),
                "n.nspname",
                "c.relname",
                "NULL",
                "CASE WHEN c.relforcerowsecurity THEN 'forced' END"
            ),
            "FROM relations c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE (c.relrowsecurity OR c.relforcerowsecurity) AND ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_class", "c.oid"),
        ),
    ),
    (
        "policy",
        concat!(
            warning_row!(
                "'policy'",
                "NULL",
                "n.nspname",
                "c.relname",
                "pol.polname",
                "NULL"
            ),
            "FROM pg_catalog.pg_policy pol JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_class", "c.oid"),
        ),
    ),
    // Rules other than the `_RETURN` rule of a view, which is the view.
    (
        "rule",
        concat!(
            warning_row!(
                "'rule'",
                "NULL",
                "n.nspname",
                "c.relname",
                "r.rulename",
                "NULL"
            ),
            "FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE r.rulename <> '_RETURN' AND ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_class", "c.oid"),
        ),
    ),
    (
        "aggregate",
        concat!(
            warning_row!(
                "'aggregate'",
                "NULL",
                "n.nspname",
                "p.proname",
                "pg_catalog.pg_get_function_identity_arguments(p.oid)",
                "NULL"
            ),
            "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
             WHERE p.prokind = 'a' AND ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_proc", "p.oid"),
        ),
    ),
    (
        "window function",
        concat!(
            warning_row!(
                "'window function'",
                "NULL",
                "n.nspname",
                "p.proname",
                "pg_catalog.pg_get_function_identity_arguments(p.oid)",
                "NULL"
            ),
            "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
             WHERE p.prokind = 'w' AND ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_proc", "p.oid"),
        ),
    ),
    ("operator", operators!("operator", "<>")),
    // A shell operator: one that another names as its commutator or
    // negator and that was never defined. It has no function, nothing can
    // create it but that other operator, and `pg_dump` leaves it out.
    ("shell operator", operators!("shell operator", "=")),
    (
        "operator class",
        concat!(
            warning_row!(
                "'operator class'",
                "NULL",
                "n.nspname",
                "oc.opcname",
                "NULL",
                "'using ' || am.amname"
            ),
            "FROM pg_catalog.pg_opclass oc JOIN pg_catalog.pg_namespace n ON n.oid = oc.opcnamespace \
             JOIN pg_catalog.pg_am am ON am.oid = oc.opcmethod WHERE ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_opclass", "oc.oid"),
        ),
    ),
    // `CREATE OPERATOR CLASS` makes a family of the same name when none is
    // given; that family is the class's and needs no warning of its own.
    (
        "operator family",
        concat!(
            warning_row!(
                "'operator family'",
                "NULL",
                "n.nspname",
                "f.opfname",
                "NULL",
                "'using ' || am.amname"
            ),
            "FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace \
             JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod \
             WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_opclass oc WHERE oc.opcfamily = f.oid \
             AND oc.opcname = f.opfname AND oc.opcnamespace = f.opfnamespace) AND ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_opfamily", "f.oid"),
        ),
    ),
    (
        "collation",
        concat!(
            warning_row!(
                "'collation'",
                "NULL",
                "n.nspname",
                "co.collname",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace \
             WHERE ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_collation", "co.oid"),
        ),
    ),
    (
        "conversion",
        concat!(
            warning_row!(
                "'conversion'",
                "NULL",
                "n.nspname",
                "cv.conname",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_conversion cv JOIN pg_catalog.pg_namespace n ON n.oid = cv.connamespace \
             WHERE ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_conversion", "cv.oid"),
        ),
    ),
    (
        "statistics object",
        concat!(
            warning_row!(
                "'statistics object'",
                "NULL",
                "n.nspname",
                "s.stxname",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace \
             WHERE ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_statistic_ext", "s.oid"),
        ),
    ),
    (
        "text search configuration",
        concat!(
            warning_row!(
                "'text search configuration'",
                "NULL",
                "n.nspname",
                "x.cfgname",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_ts_config x JOIN pg_catalog.pg_namespace n ON n.oid = x.cfgnamespace \
             WHERE ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_ts_config", "x.oid"),
        ),
    ),
    (
        "text search dictionary",
        concat!(
            warning_row!(
                "'text search dictionary'",
                "NULL",
                "n.nspname",
                "x.dictname",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_ts_dict x JOIN pg_catalog.pg_namespace n ON n.oid = x.dictnamespace \
             WHERE ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_ts_dict", "x.oid"),
        ),
    ),
    (
        "text search parser",
        concat!(
            warning_row!(
                "'text search parser'",
                "NULL",
                "n.nspname",
                "x.prsname",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_ts_parser x JOIN pg_catalog.pg_namespace n ON n.oid = x.prsnamespace \
             WHERE ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_ts_parser", "x.oid"),
        ),
    ),
    (
        "text search template",
        concat!(
            warning_row!(
                "'text search template'",
                "NULL",
                "n.nspname",
                "x.tmplname",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_ts_template x JOIN pg_catalog.pg_namespace n ON n.oid = x.tmplnamespace \
             WHERE ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_ts_template", "x.oid"),
        ),
    ),
    // Objects outside schemas. `initdb` creates none of these but languages,
    // access methods and casts; theirs have OIDs below `FirstNormalObjectId`
    // (16384), and user objects never do.
    (
        "foreign-data wrapper",
        concat!(
            warning_row!(
                "'foreign-data wrapper'",
                "NULL",
                "NULL",
                "w.fdwname",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_foreign_data_wrapper w WHERE ",
            not_extension_member!("pg_foreign_data_wrapper", "w.oid"),
        ),
    ),
    (
        "foreign server",
        concat!(
            warning_row!(
                "'foreign server'",
                "NULL",
                "NULL",
                "s.srvname",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_foreign_server s WHERE ",
            not_extension_member!("pg_foreign_server", "s.oid"),
        ),
    ),
    (
        "event trigger",
        concat!(
            warning_row!(
                "'event trigger'",
                "NULL",
                "NULL",
                "e.evtname",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_event_trigger e WHERE ",
            not_extension_member!("pg_event_trigger", "e.oid"),
        ),
    ),
    (
        "publication",
        concat!(
            warning_row!("'publication'", "NULL", "NULL", "p.pubname", "NULL", "NULL"),
            "FROM pg_catalog.pg_publication p",
        ),
    ),
    // A label is only ever set through a loaded provider (sepgsql); the
    // server says what it is on, as `pg_describe_object` prints it.
    (
        "security label",
        concat!(
            warning_row!(
                "'security label'",
                "NULL",
                "NULL",
                "'on ' || pg_catalog.pg_describe_object(l.classoid, l.objoid, l.objsubid)",
                "NULL",
                "'provider ' || l.provider"
            ),
            "FROM pg_catalog.pg_seclabel l",
        ),
    ),
    // Only the name is read: `subconninfo` is not readable by every role.
    (
        "subscription",
        concat!(
            warning_row!(
                "'subscription'",
                "NULL",
                "NULL",
                "s.subname",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_subscription s WHERE s.subdbid = \
             (SELECT d.oid FROM pg_catalog.pg_database d \
              WHERE d.datname = pg_catalog.current_database())",
        ),
    ),
    (
        "language",
        concat!(
            warning_row!("'language'", "NULL", "NULL", "l.lanname", "NULL", "NULL"),
            "FROM pg_catalog.pg_language l WHERE l.oid >= 16384 AND ",
            not_extension_member!("pg_language", "l.oid"),
        ),
    ),
    (
        "access method",
        concat!(
            warning_row!(
                "'access method'",
                "NULL",
                "NULL",
                "am.amname",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_am am WHERE am.oid >= 16384 AND ",
            not_extension_member!("pg_am", "am.oid"),
        ),
    ),
    (
        "cast",
        concat!(
            warning_row!(
                "'cast'",
                "NULL",
                "NULL",
                "'(' || pg_catalog.format_type(k.castsource, NULL) || ' AS ' || \
                 pg_catalog.format_type(k.casttarget, NULL) || ')'",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_cast k WHERE k.oid >= 16384 AND ",
            not_extension_member!("pg_cast", "k.oid"),
            // The casts between a range type and its multirange come with
            // the range type, which the server records as an internal
            // dependency: they are part of it.
            " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
             WHERE d.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass \
             AND d.objid = k.oid AND d.deptype = 'i')",
        ),
    ),
    // Properties of modelled tables that the model has no field for.
    (
        "storage parameters",
        concat!(
            warning_row!(
                "'storage parameters'",
                "'table'",
                "n.nspname",
                "c.relname",
                "NULL",
                "pg_catalog.array_to_string(c.reloptions, ', ')"
            ),
            "FROM relations c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.reloptions IS NOT NULL AND ",
            user_schema!("n"),
            " AND ",
            modelled_table!("c"),
        ),
    ),
    (
        "storage parameters",
        concat!(
            warning_row!(
                "'storage parameters'",
                "'table'",
                "n.nspname",
                "c.relname",
                "NULL",
                "'toast.' || pg_catalog.array_to_string(tc.reloptions, ', toast.')"
            ),
            "FROM relations tc JOIN pg_catalog.pg_depend td \
             ON td.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND td.objid = tc.oid \
             AND td.objsubid = 0 AND td.deptype = 'i' \
             JOIN pg_catalog.pg_class c ON c.oid = td.refobjid AND c.reltoastrelid = tc.oid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE tc.relkind = 't' AND tc.reloptions IS NOT NULL AND ",
            user_schema!("n"),
            " AND ",
            modelled_table!("c"),
        ),
    ),
    // A typed table (`CREATE TABLE … OF type`) is read as a plain table.
    (
        "typed table",
        concat!(
            warning_row!(
                "'type'",
                "'table'",
                "n.nspname",
                "c.relname",
                "NULL",
                "pg_catalog.format_type(c.reloftype, NULL)"
            ),
            "FROM relations c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.reloftype <> 0 AND ",
            user_schema!("n"),
            " AND ",
            modelled_table!("c"),
        ),
    ),
    (
        "replica identity",
        concat!(
            warning_row!(
                "'replica identity'",
                "'table'",
                "n.nspname",
                "c.relname",
                "NULL",
                "CASE c.relreplident WHEN 'n' THEN 'nothing' WHEN 'f' THEN 'full' \
                 ELSE 'using index' END"
            ),
            "FROM relations c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relreplident <> 'd' AND ",
            user_schema!("n"),
            " AND ",
            modelled_table!("c"),
        ),
    ),
    // This branch and the next pick the few relations with a property
    // first, in a subquery that `OFFSET 0` keeps the planner from merging:
    // merged, it tests every relation against the (costlier) filters of
    // modelled tables and views first, or walks `pg_class` by schema.
    (
        "access method",
        concat!(
            warning_row!(
                "'access method'",
                relation_noun!(),
                "n.nspname",
                "c.relname",
                "NULL",
                "am.amname"
            ),
            "FROM (SELECT * FROM relations WHERE relkind IN ('r', 'm') \
             AND relam <> (SELECT oid FROM pg_catalog.pg_am WHERE amname = 'heap') OFFSET 0) c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_catalog.pg_am am ON am.oid = c.relam WHERE ",
            user_schema!("n"),
            " AND (",
            modelled_table!("c"),
            " OR (c.relkind = 'm' AND ",
            modelled_view!("c"),
            "))",
        ),
    ),
    // Tablespaces of tables, materialized views and indexes
    // (`pg_get_indexdef` leaves the tablespace out).
    (
        "tablespace",
        concat!(
            warning_row!(
                "'tablespace'",
                relation_noun!(),
                "n.nspname",
                "c.relname",
                "NULL",
                "sp.spcname"
            ),
            "FROM (SELECT * FROM relations \
             WHERE reltablespace <> 0 AND relkind IN ('r', 'm', 'i') OFFSET 0) c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_catalog.pg_tablespace sp ON sp.oid = c.reltablespace WHERE ",
            user_schema!("n"),
            " AND (",
            modelled_table!("c"),
            " OR (c.relkind = 'm' AND ",
            modelled_view!("c"),
            ") OR (c.relkind = 'i' AND EXISTS (SELECT 1 FROM pg_catalog.pg_index ix \
             JOIN pg_catalog.pg_class tc ON tc.oid = ix.indrelid WHERE ix.indexrelid = c.oid AND (",
            modelled_table!("tc"),
            " OR ",
            modelled_view!("tc"),
            "))))",
        ),
    ),
    // Unlogged sequences (PostgreSQL 15). An identity sequence follows its
    // table, which is modelled as unlogged.
    (
        "persistence",
        concat!(
            warning_row!(
                "'persistence'",
                "'sequence'",
                "n.nspname",
                "c.relname",
                "NULL",
                "'unlogged'"
            ),
            "FROM relations c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = 'S' AND c.relpersistence = 'u' AND NOT EXISTS \
             (SELECT 1 FROM pg_catalog.pg_depend d \
              WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid \
              AND d.objsubid = 0 AND d.deptype = 'i') AND ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_class", "c.oid"),
        ),
    ),
    // Not-null constraints added `NOT VALID` (PostgreSQL 18): `attnotnull`
    // is true for them, but existing rows were not checked.
    (
        "not-valid not-null constraint",
        concat!(
            warning_row!(
                "'not-valid not-null constraint'",
                "NULL",
                "n.nspname",
                "c.relname",
                "k.conname",
                "NULL"
            ),
            "FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE k.contype = 'n' AND NOT k.convalidated AND ",
            user_schema!("n"),
            " AND ",
            modelled_table!("c"),
        ),
    ),
    // Privileges that differ from the default an owner gets, on the objects
    // pgrift reads but whose privileges it does not model: identity
    // sequences, window functions, base types. The privileges of schemas,
    // tables (foreign ones too) and their columns, views, materialized
    // views, sequences, functions, procedures, aggregates, the types pgrift
    // models, foreign-data wrappers and foreign servers are read with them
    // (`catalog::acl`).
    (
        "privileges",
        concat!(
            warning_row!(
                "'privileges'",
                "'window function'",
                "n.nspname",
                "p.proname",
                "pg_catalog.pg_get_function_identity_arguments(p.oid)",
                "NULL"
            ),
            "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
             WHERE p.prokind = 'w' AND p.proacl IS NOT NULL AND p.proacl <> pg_catalog.acldefault('f', p.proowner) AND ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_proc", "p.oid"),
        ),
    ),
    (
        "privileges",
        concat!(
            warning_row!(
                "'privileges'",
                "'type'",
                "n.nspname",
                "t.typname",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             WHERE t.typtype NOT IN ('e', 'd', 'r', 'c') AND t.typacl IS NOT NULL AND t.typacl <> pg_catalog.acldefault('T', t.typowner) AND ",
            standalone_type!(),
            " AND ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_type", "t.oid"),
        ),
    ),
    (
        "default privileges",
        concat!(
            warning_row!(
                "'default privileges'",
                "'role'",
                "NULL",
                "pg_catalog.pg_get_userbyid(da.defaclrole)",
                "NULL",
                "CASE WHEN da.defaclnamespace <> 0 THEN 'in schema ' || n.nspname END"
            ),
            "FROM pg_catalog.pg_default_acl da \
             LEFT JOIN pg_catalog.pg_namespace n ON n.oid = da.defaclnamespace",
        ),
    ),
    (
        "default privileges on large objects",
        concat!(
            warning_row!(
                "'default privileges on large objects'",
                "'role'",
                "NULL",
                "pg_catalog.pg_get_userbyid(da.defaclrole)",
                "NULL",
                "NULL"
            ),
            "FROM pg_catalog.pg_default_acl da WHERE da.defaclobjtype = 'L'",
        ),
    ),
];

/// The relations the branches on relations look at: those with any of the
/// properties the branches ask about, read in one pass over `pg_class`.
/// Each branch scanning `pg_class` on its own was most of this query on a
/// large catalog, where nearly every relation has none of them.
/// `MATERIALIZED` keeps the planner from folding the list back into each
/// branch. The conditions are the branches' own, loosened where a branch
/// checks more than `pg_class` says.
const RELATIONS: &str = "WITH relations AS MATERIALIZED (SELECT c.* FROM pg_catalog.pg_class c \
     WHERE c.relkind = 'f' \
     OR c.relrowsecurity OR c.relforcerowsecurity OR c.reloptions IS NOT NULL \
     OR c.reloftype <> 0 OR (c.relkind = 'r' AND c.relreplident <> 'd') \
     OR (c.relkind IN ('r', 'm') \
         AND c.relam <> (SELECT am.oid FROM pg_catalog.pg_am am WHERE am.amname = 'heap')) \
     OR c.reltablespace <> 0 OR (c.relkind = 'S' AND c.relpersistence = 'u') \
     OR c.relacl IS NOT NULL) ";

const WHAT: &str = "objects that are not modelled";

/// The one warnings query: every branch, one after the other.
fn warnings_query() -> String {
    let branches: Vec<&str> = BRANCHES
        .iter()
        .filter(|(label, _)| !catalog::modelled().any(|modelled| modelled == *label))
        .map(|(_, sql)| *sql)
        .collect();
    [RELATIONS, &branches.join(" UNION ALL ")].concat()
}

/// The warnings of the database `client` is connected to.
pub(super) async fn fetch(client: &Client) -> Result<Vec<Warning>, IntrospectError> {
    let rows = client
        .query(&warnings_query(), &[])
        .await
        .map_err(|source| IntrospectError::Query { what: WHAT, source })?;
    read_rows(&rows, WHAT, |row| {
        let kind: &str = row.get("kind")?;
        let noun: Option<&str> = row.get("noun")?;
        let schema: Option<&str> = row.get("schema")?;
        let name: &str = row.get("name")?;
        let sub: Option<&str> = row.get("sub")?;
        let detail: Option<&str> = row.get("detail")?;
        Ok(warning(
            kind,
            noun.unwrap_or(kind),
            schema,
            name,
            sub,
            detail,
        ))
    })
}

/// The warning for a virtual generated column (PostgreSQL 18), which is
/// not modelled. The columns query reads it with the column
/// (`tables::COLUMNS`), since a branch of its own here would read every
/// column a second time.
pub(super) fn virtual_generated(table: &QualName, column: &str) -> Warning {
    warning(
        "virtual generated column",
        "virtual generated column",
        Some(&table.schema),
        &table.name,
        Some(column),
        None,
    )
}

/// A warning about `kind` on an object: `noun` is the kind of object
/// (`kind` itself for objects of their own), the other parts are the
/// columns of a row of the warnings query.
fn warning(
    kind: &str,
    noun: &str,
    schema: Option<&str>,
    name: &str,
    sub: Option<&str>,
    detail: Option<&str>,
) -> Warning {
    let object = object_name(noun, schema, name, sub);
    let message = message(kind, noun, &object, detail);
    Warning {
        kind: kind.to_owned(),
        object,
        message,
    }
}

/// Names an object as a user would write it: `public.t`, `public.t.c` for a
/// column, `p on public.t` for a policy or rule, `public.f(integer)` for a
/// function, a bare name for objects outside schemas.
fn object_name(noun: &str, schema: Option<&str>, name: &str, sub: Option<&str>) -> String {
    let base = match (schema, noun) {
        // Operators are symbols, which are never quoted.
        (Some(schema), "shell operator") => format!("{}.{name}", quote_ident(schema)),
        (Some(schema), _) => QualName::new(schema, name).to_string(),
        // A cast is named by its types, which `format_type` printed, and a
        // security label by what it is on, which `pg_describe_object` did.
        (None, "cast" | "security label") => name.to_owned(),
        (None, _) => quote_ident(name),
    };
    match sub {
        None => base,
        Some(sub) if noun.ends_with("column") => format!("{base}.{}", quote_ident(sub)),
        Some(args)
            if matches!(
                noun,
                "function" | "procedure" | "aggregate" | "window function" | "shell operator"
            ) =>
        {
            format!("{base}({args})")
        }
        Some(member) => format!("{} on {base}", quote_ident(member)),
    }
}

/// The message of a warning. Things that are objects of their own read
/// "domain public.d is not modelled …"; properties of an object read "the
/// compression of column public.t.c (lz4) is not modelled …".
fn message(kind: &str, noun: &str, object: &str, detail: Option<&str>) -> String {
    const LEFT_OUT: &str = "not modelled by pgrift and";
    let subject = match detail {
        Some(detail) if !detail.is_empty() => format!("{noun} {object} ({detail})"),
        _ => format!("{noun} {object}"),
    };
    match kind {
        "partition" => format!(
            "{subject} is a partition; partitioning is {LEFT_OUT} the table is left out of the diff"
        ),
        "inheritance" => format!(
            "{subject} inherits from another table; inheritance is {LEFT_OUT} the table is left \
             out of the diff"
        ),
        "not-valid not-null constraint" => format!(
            "not-null constraint {object} is not validated, which is not modelled by pgrift; \
             the column is read as NOT NULL"
        ),
        kind if kind == noun => format!("{subject} is {LEFT_OUT} is left out of the diff"),
        kind => {
            let verb = if kind.ends_with('s') { "are" } else { "is" };
            format!("the {kind} of {subject} {verb} {LEFT_OUT} {verb} left out of the diff")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(&warnings_query());
    }

    /// A kind that says it models a warning names a branch: a misspelt
    /// label would leave the warning raised beside the modelled objects.
    #[test]
    fn every_modelled_label_names_a_branch() {
        for label in catalog::modelled() {
            assert!(
                BRANCHES.iter().any(|(branch, _)| *branch == label),
                "a kind models {label:?}, which is the label of no branch of BRANCHES"
            );
        }
    }

    /// A row of the warnings query: kind, noun, schema, name, sub, detail.
    type WarningRow<'a> = (
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
    );

    fn check(row: WarningRow<'_>, expect: &str) {
        let (kind, noun, schema, name, sub, detail) = row;
        let noun = noun.unwrap_or(kind);
        let object = object_name(noun, schema, name, sub);
        assert_eq!(message(kind, noun, &object, detail), expect);
    }

    #[test]
    fn messages() {
        let cases = [
            (
                (
                    "security label",
                    None,
                    None,
                    "on table public.\"t\"\"x\"",
                    None,
                    Some("provider selinux"),
                ),
                "security label on table public.\"t\"\"x\" (provider selinux) is not modelled by \
                 pgrift and is left out of the diff",
            ),
            (
                ("domain", None, Some("public"), "us_postal_code", None, None),
                "domain public.us_postal_code is not modelled by pgrift and is left out of the diff",
            ),
            (
                (
                    "policy",
                    None,
                    Some("public"),
                    "Accounts",
                    Some("owner_only"),
                    None,
                ),
                "policy owner_only on public.\"Accounts\" is not modelled by pgrift and is left \
                 out of the diff",
            ),
            (
                (
                    "tablespace",
                    Some("table"),
                    Some("public"),
                    "t",
                    None,
                    Some("fast"),
                ),
                "the tablespace of table public.t (fast) is not modelled by pgrift and is left \
                 out of the diff",
            ),
            (
                (
                    "privileges",
                    Some("function"),
                    Some("app"),
                    "f",
                    Some("integer, text"),
                    None,
                ),
                "the privileges of function app.f(integer, text) are not modelled by pgrift and \
                 are left out of the diff",
            ),
            (
                (
                    "storage parameters",
                    Some("table"),
                    Some("public"),
                    "t",
                    None,
                    Some("fillfactor=70"),
                ),
                "the storage parameters of table public.t (fillfactor=70) are not modelled by \
                 pgrift and are left out of the diff",
            ),
            (
                (
                    "shell operator",
                    None,
                    Some("public"),
                    "===",
                    Some("integer, integer"),
                    None,
                ),
                "shell operator public.===(integer, integer) is not modelled by pgrift and is \
                 left out of the diff",
            ),
            (
                ("cast", None, None, "(text AS public.mood)", None, None),
                "cast (text AS public.mood) is not modelled by pgrift and is left out of the diff",
            ),
            (
                ("event trigger", None, None, "Audit DDL", None, None),
                "event trigger \"Audit DDL\" is not modelled by pgrift and is left out of the diff",
            ),
            (
                (
                    "partition",
                    Some("table"),
                    Some("public"),
                    "events_2024",
                    None,
                    None,
                ),
                "table public.events_2024 is a partition; partitioning is not modelled by pgrift \
                 and the table is left out of the diff",
            ),
            (
                (
                    "virtual generated column",
                    None,
                    Some("public"),
                    "t",
                    Some("total"),
                    None,
                ),
                "virtual generated column public.t.total is not modelled by pgrift and is left \
                 out of the diff",
            ),
            (
                (
                    "type",
                    Some("table"),
                    Some("app"),
                    "pairs",
                    None,
                    Some("app.pair"),
                ),
                "the type of table app.pairs (app.pair) is not modelled by pgrift and is left \
                 out of the diff",
            ),
        ];
        for (row, expect) in cases {
            check(row, expect);
        }
    }
}
