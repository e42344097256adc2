//! The one list of object kinds. Everything that differs between kinds and
//! is not the kind's own file is generated from it, in `catalog/mod.rs`:
//! the [`ObjectId`](super::ObjectId) variants, the [`Catalog`](super::Catalog)
//! lists (each `#[serde(default)]`, so that a snapshot written before a kind
//! existed still loads), the tags of the diff's identity keys, the borrowed
//! [`Obj`](super::Obj), the dispatch of every per-kind method, the ranks that
//! order a plan, the generic catalog reads and the catalogs whose OIDs
//! `pg_depend` names.
//!
//! A kind is added with one entry in each list below (see "Adding an object
//! kind" in ARCHITECTURE.md); the compiler then names whatever its file
//! still lacks.

/// Calls `$callback!` with the registry:
///
/// - `kinds`: every kind in identity order (the order of `ObjectId`'s
///   variants, which orders changes and the dependency lists of a
///   snapshot; a new kind goes at the end). Each entry is the variant, the
///   type that implements [`ObjectKind`](super::ObjectKind) for it, the
///   identity's fields, and where its objects are: for a kind that is a
///   list of its own in a catalog, that list's name and element type
///   (`in list: Type`); for a part of a table, the part's type (`part:
///   Type`), borrowed with its table.
/// - `modules`: the kinds' files, each declared once.
/// - `read`: the kinds whose catalog query and row mapping are in their own
///   file ([`ReadKind`](super::ReadKind)), read and built by the generic
///   code in that order, after the kinds read by `introspect` itself
///   (tables with their columns and constraints, sequences, indexes).
/// - `ranks`: the order in which a person writes the kinds' creates (drops
///   run in the opposite order), among changes that no dependency orders.
/// - `classes`: the system catalogs whose OIDs `pg_depend` names.
/// - `snapshot_version`: the version of the snapshot file format, raised
///   whenever a kind adds a list, so that an older pgrift refuses a file
///   holding objects it would silently leave out.
macro_rules! every_kind {
    ($callback:ident) => {
        $callback! {
            kinds: [
                Schema => schema::Schema { name: Name } in schemas: Schema,
                Extension => extension::Extension { name: Name } in extensions: Extension,
                /// An enum type. Its array type maps to the same identity.
                Type => enum_type::EnumType { name: QualName } in enums: EnumType,
                Sequence => sequence::Sequence { name: QualName } in sequences: Sequence,
                Table => table::Table { name: QualName } in tables: Table,
                Column => column::TableColumn { table: QualName, column: Name } part: Column,
                /// The default expression of a column, apart from the column itself.
                Default => column::ColumnDefault { table: QualName, column: Name } part: Column,
                Constraint => constraint::TableConstraint { table: QualName, name: Name } part: Constraint,
                Index => index::Index { name: QualName } in indexes: Index,
                /// A view or a materialized view.
                View => view::View { name: QualName } in views: View,
                Function => function::Function { name: QualName, args: Name } in functions: Function,
                Trigger => trigger::Trigger { table: QualName, name: Name } in triggers: Trigger,
                /// An extended statistics object (`CREATE STATISTICS`).
                Statistics => statistics::Statistics { name: QualName } in statistics: Statistics,
                /// A rewrite rule (`CREATE RULE`) on a table or view.
                Rule => rule::Rule { table: QualName, name: Name } in rules: Rule,
                Domain => domain::Domain { name: QualName } in domains: Domain,
                /// A `CHECK` constraint of a domain.
                DomainCheck => domain_check::DomainCheck { domain: QualName, name: Name } in domain_checks: DomainCheck,
                /// A composite type of its own (not a table's row type).
                Composite => composite_type::CompositeType { name: QualName } in composites: CompositeType,
                /// A range type, with its multirange type.
                Range => range_type::RangeType { name: QualName } in ranges: RangeType,
                /// A row-level security policy (`CREATE POLICY`) on a table.
                Policy => policy::Policy { table: QualName, name: Name } in policies: Policy,
                /// A collation of a schema's own (`CREATE COLLATION`).
                Collation => collation::Collation { name: QualName } in collations: Collation,
                /// A text search dictionary.
                TsDictionary => ts_dictionary::TsDictionary { name: QualName } in ts_dictionaries: TsDictionary,
                /// A text search configuration, with its token mappings.
                TsConfig => ts_config::TsConfig { name: QualName } in ts_configs: TsConfig,
                /// A cast of a schema's own, by its source and target types.
                Cast => cast::Cast { source: Name, target: Name } in casts: Cast,
                /// An aggregate, by its name and identity arguments.
                Aggregate => aggregate::Aggregate { name: QualName, args: Name } in aggregates: Aggregate,
                /// A publication, an object of the database.
                Publication => publication::Publication { name: Name } in publications: Publication,
                /// An event trigger, a database object in no schema.
                EventTrigger => event_trigger::EventTrigger { name: Name } in event_triggers: EventTrigger,
                /// An operator, by its symbol and argument types.
                Operator => operator::Operator { name: QualName, args: Name } in operators: Operator,
                /// An operator family, by its name and index access method.
                OperatorFamily => operator_family::OperatorFamily { name: QualName, method: Name } in operator_families: OperatorFamily,
                /// An operator class, by its name and index access method.
                OperatorClass => operator_class::OperatorClass { name: QualName, method: Name } in operator_classes: OperatorClass,
                /// Default privileges, by their schema and role (each empty
                /// for none) and the kind of objects they are for.
                DefaultAcl => default_acl::DefaultAcl { schema: Name, role: Name, objects: Name } in default_acls: DefaultAcl,
                /// A foreign-data wrapper, a database object in no schema.
                ForeignDataWrapper => foreign_data_wrapper::ForeignDataWrapper { name: Name } in foreign_data_wrappers: ForeignDataWrapper,
                /// A foreign server, a database object in no schema.
                ForeignServer => foreign_server::ForeignServer { name: Name } in foreign_servers: ForeignServer,
                /// A user mapping, by its server and role (empty for `PUBLIC`).
                UserMapping => user_mapping::UserMapping { server: Name, role: Name } in user_mappings: UserMapping,
                /// A text search parser.
                TsParser => ts_parser::TsParser { name: QualName } in ts_parsers: TsParser,
                /// A text search template.
                TsTemplate => ts_template::TsTemplate { name: QualName } in ts_templates: TsTemplate,
                /// A subscription, an object of the database in no schema.
                Subscription => subscription::Subscription { name: Name } in subscriptions: Subscription,
                /// A role, a cluster object, compared with `--roles` only.
                Role => role::Role { name: Name } in roles: Role,
            ],
            modules: [
                schema, extension, enum_type, sequence, table, column, constraint, index, view,
                function, trigger, statistics, rule, domain,
                domain_check, composite_type, range_type, policy, collation,
                ts_dictionary, ts_config, cast, aggregate, publication, event_trigger, operator,
                operator_family, operator_class, default_acl, foreign_data_wrapper, foreign_server,
                user_mapping, ts_parser, ts_template, subscription, role,
            ],
            read: [
                schemas: schema::Schema,
                extensions: extension::Extension,
                collations: collation::Collation,
                ts_parsers: ts_parser::TsParser,
                ts_templates: ts_template::TsTemplate,
                ts_dictionaries: ts_dictionary::TsDictionary,
                ts_configs: ts_config::TsConfig,
                casts: cast::Cast,
                aggregates: aggregate::Aggregate,
                operators: operator::Operator,
                operator_families: operator_family::OperatorFamily,
                operator_classes: operator_class::OperatorClass,
                publications: publication::Publication,
                enums: enum_type::EnumType,
                domains: domain::Domain,
                domain_checks: domain_check::DomainCheck,
                composites: composite_type::CompositeType,
                ranges: range_type::RangeType,
                views: view::View,
                functions: function::Function,
                triggers: trigger::Trigger,
                statistics: statistics::Statistics,
                rules: rule::Rule,
                policies: policy::Policy,
                event_triggers: event_trigger::EventTrigger,
                default_acls: default_acl::DefaultAcl,
                foreign_data_wrappers: foreign_data_wrapper::ForeignDataWrapper,
                foreign_servers: foreign_server::ForeignServer,
                user_mappings: user_mapping::UserMapping,
                subscriptions: subscription::Subscription,
            ],
            ranks: [
                Role, Schema, Extension, ForeignDataWrapper, ForeignServer, UserMapping, Collation, TsParser, TsTemplate, TsDictionary, TsConfig, Type, Range, Domain, DomainCheck, Composite, Sequence, Function, Aggregate, Operator, OperatorFamily, OperatorClass, Table, Column, Default, Constraint,
                Index, Statistics, View, Trigger, Rule, Policy, Cast, Publication, Subscription, EventTrigger, DefaultAcl,
            ],
            classes: [
                pg_class, pg_namespace, pg_type, pg_proc, pg_constraint, pg_trigger, pg_attrdef,
                pg_rewrite, pg_extension, pg_statistic_ext, pg_policy, pg_collation,
                pg_ts_dict, pg_ts_config, pg_ts_parser, pg_ts_template, pg_cast,
                pg_publication, pg_publication_rel, pg_publication_namespace,
                pg_event_trigger, pg_operator, pg_opfamily, pg_opclass, pg_amop, pg_amproc,
                pg_foreign_data_wrapper, pg_foreign_server, pg_user_mapping, pg_subscription,
            ],
            snapshot_version: 22,
        }
    };
}
