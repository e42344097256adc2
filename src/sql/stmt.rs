//! The statement model.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use super::role::{RoleOption, RoleSetting};
use super::secret::SecretVar;
use super::sync::{Backfill, SyncFunction, SyncTrigger};
use super::{quote_ident, quote_literal};
use crate::names::{
    AggregateOption, CastContext, CastMethod, CollationProvider, ColumnRef, Compression,
    DefaultObjects, FinalModify, FunctionKind, Grantee, OpMember, PolicyCommand, Privilege,
    QualName, SequenceOptions, Storage, TriggerEnabled,
};

/// SQL text that PostgreSQL produced itself (`format_type`, `pg_get_expr`,
/// `pg_get_*def`), embedded verbatim. It is never built from user input by
/// pgrift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ServerSql(pub String);

impl fmt::Display for ServerSql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            self.0
                .trim_end_matches(|c: char| c == ';' || c.is_whitespace()),
        )
    }
}

/// A name that is quoted when displayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Ident(pub String);

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&quote_ident(&self.0))
    }
}

/// A string that is escaped as a literal when displayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Literal(pub String);

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&quote_literal(&self.0))
    }
}

/// A column as written in `CREATE TABLE` or `ADD COLUMN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDef {
    pub name: Ident,
    pub data_type: ServerSql,
    pub collation: Option<QualName>,
    pub not_null: bool,
    /// The name of its `NOT NULL` constraint (`CONSTRAINT name NOT NULL`),
    /// which PostgreSQL 18 keeps and older servers accept and ignore:
    /// given only where the name the server would choose is taken (see
    /// `catalog::table::convert`).
    pub not_null_name: Option<Ident>,
    pub default: Option<ServerSql>,
    pub identity: Option<IdentityDef>,
    pub generated: Option<ServerSql>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityDef {
    pub always: bool,
    pub sequence: QualName,
    pub options: SequenceOptions,
}

/// An attribute of a composite type as `CREATE TYPE … AS (…)` and `ALTER
/// TYPE … ADD ATTRIBUTE` write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeDef {
    pub name: Ident,
    pub data_type: ServerSql,
    pub collation: Option<QualName>,
}

impl fmt::Display for AttributeDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.data_type)?;
        if let Some(collation) = &self.collation {
            write!(f, " COLLATE {collation}")?;
        }
        Ok(())
    }
}

/// One action of `ALTER TYPE` on a composite type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeAction {
    AddAttribute(AttributeDef),
    DropAttribute(Ident),
    /// `ALTER ATTRIBUTE name [SET DATA] TYPE type [COLLATE collation]`.
    AlterAttributeType(AttributeDef),
}

impl fmt::Display for TypeAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeAction::AddAttribute(attribute) => write!(f, "ADD ATTRIBUTE {attribute}"),
            TypeAction::DropAttribute(name) => write!(f, "DROP ATTRIBUTE {name}"),
            TypeAction::AlterAttributeType(attribute) => {
                write!(
                    f,
                    "ALTER ATTRIBUTE {} TYPE {}",
                    attribute.name, attribute.data_type
                )?;
                if let Some(collation) = &attribute.collation {
                    write!(f, " COLLATE {collation}")?;
                }
                Ok(())
            }
        }
    }
}

/// The type of an argument, as a routine's signature names it in `ALTER
/// FUNCTION`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgType {
    /// A type as the server printed it (`format_type`).
    Server(ServerSql),
    /// A type by its name.
    Named(QualName),
    /// An array of a type named by its name.
    ArrayOf(QualName),
    /// `text`.
    Text,
}

impl fmt::Display for ArgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgType::Server(sql) => write!(f, "{sql}"),
            ArgType::Named(name) => write!(f, "{name}"),
            ArgType::ArrayOf(name) => write!(f, "{name}[]"),
            ArgType::Text => f.write_str("text"),
        }
    }
}

/// A range type as `CREATE TYPE … AS RANGE` writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeDef {
    pub name: QualName,
    pub subtype: ServerSql,
    pub subtype_opclass: Option<QualName>,
    pub collation: Option<QualName>,
    pub canonical: Option<QualName>,
    pub subtype_diff: Option<QualName>,
    pub multirange: QualName,
}

impl fmt::Display for RangeDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CREATE TYPE {} AS RANGE (SUBTYPE = {}",
            self.name, self.subtype
        )?;
        let options = [
            ("SUBTYPE_OPCLASS", &self.subtype_opclass),
            ("COLLATION", &self.collation),
            ("CANONICAL", &self.canonical),
            ("SUBTYPE_DIFF", &self.subtype_diff),
        ];
        for (option, value) in options {
            if let Some(value) = value {
                write!(f, ", {option} = {value}")?;
            }
        }
        write!(f, ", MULTIRANGE_TYPE_NAME = {})", self.multirange)
    }
}

/// A collation as `CREATE COLLATION` writes it: the locales of its
/// provider, whether it is deterministic (written only when it is not) and
/// its ICU rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollationDef {
    pub name: QualName,
    pub provider: CollationProvider,
    pub lc_collate: Option<String>,
    pub lc_ctype: Option<String>,
    pub locale: Option<String>,
    pub deterministic: bool,
    pub rules: Option<String>,
}

impl fmt::Display for CollationDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CREATE COLLATION {} (PROVIDER = {}",
            self.name,
            self.provider.keyword()
        )?;
        let options = [
            ("LC_COLLATE", &self.lc_collate),
            ("LC_CTYPE", &self.lc_ctype),
            ("LOCALE", &self.locale),
        ];
        for (option, value) in options {
            if let Some(value) = value {
                write!(f, ", {option} = {}", quote_literal(value))?;
            }
        }
        if !self.deterministic {
            f.write_str(", DETERMINISTIC = false")?;
        }
        if let Some(rules) = &self.rules {
            write!(f, ", RULES = {}", quote_literal(rules))?;
        }
        f.write_str(")")
    }
}

/// What a publication publishes, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicationOptions {
    pub insert: bool,
    pub update: bool,
    pub delete: bool,
    pub truncate: bool,
    pub via_root: bool,
}

impl fmt::Display for PublicationOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let operations: Vec<&str> = [
            (self.insert, "insert"),
            (self.update, "update"),
            (self.delete, "delete"),
            (self.truncate, "truncate"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        write!(
            f,
            "(publish = {}, publish_via_partition_root = {})",
            quote_literal(&operations.join(", ")),
            self.via_root
        )
    }
}

/// A table of a publication, with the columns it publishes and its row
/// filter (PostgreSQL 15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedTable {
    pub table: QualName,
    pub columns: Option<Vec<Ident>>,
    pub row_filter: Option<ServerSql>,
}

impl fmt::Display for PublishedTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TABLE {}", self.table)?;
        if let Some(columns) = &self.columns {
            f.write_str(" (")?;
            write_list(f, columns)?;
            f.write_str(")")?;
        }
        if let Some(filter) = &self.row_filter {
            write!(f, " WHERE ({filter})")?;
        }
        Ok(())
    }
}

/// A publication as `CREATE PUBLICATION` writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicationDef {
    pub name: Ident,
    pub all_tables: bool,
    pub tables: Vec<PublishedTable>,
    pub schemas: Vec<Ident>,
    pub options: PublicationOptions,
}

impl fmt::Display for PublicationDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CREATE PUBLICATION {}", self.name)?;
        if self.all_tables {
            f.write_str(" FOR ALL TABLES")?;
        } else if !self.tables.is_empty() || !self.schemas.is_empty() {
            f.write_str(" FOR ")?;
            write_list(f, &self.tables)?;
            if !self.schemas.is_empty() {
                if !self.tables.is_empty() {
                    f.write_str(", ")?;
                }
                f.write_str("TABLES IN SCHEMA ")?;
                write_list(f, &self.schemas)?;
            }
        }
        write!(f, " WITH {}", self.options)
    }
}

/// A change of what a publication publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicationChange {
    AddTables(Vec<PublishedTable>),
    DropTables(Vec<QualName>),
    AddSchemas(Vec<Ident>),
    DropSchemas(Vec<Ident>),
    Set(PublicationOptions),
}

impl fmt::Display for PublicationChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublicationChange::AddTables(tables) => {
                f.write_str("ADD ")?;
                write_list(f, tables)
            }
            PublicationChange::DropTables(tables) => {
                f.write_str("DROP TABLE ")?;
                write_list(f, tables)
            }
            PublicationChange::AddSchemas(schemas) => {
                f.write_str("ADD TABLES IN SCHEMA ")?;
                write_list(f, schemas)
            }
            PublicationChange::DropSchemas(schemas) => {
                f.write_str("DROP TABLES IN SCHEMA ")?;
                write_list(f, schemas)
            }
            PublicationChange::Set(options) => write!(f, "SET {options}"),
        }
    }
}

/// A subscription as `CREATE SUBSCRIPTION` writes it: its connection
/// string is a secret, written as its psql variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionDef {
    pub name: Ident,
    pub connection: SecretVar,
    pub publications: Vec<Ident>,
    pub options: Vec<SubscriptionOption>,
}

impl SubscriptionDef {
    /// True unless it is written `connect = false`: creating it then
    /// connects to the publisher and, by default, creates its slot there,
    /// which PostgreSQL does only outside a transaction.
    pub fn connects(&self) -> bool {
        !self
            .options
            .iter()
            .any(|o| o.key == "connect" && o.value == SubscriptionValue::Bool(false))
    }
}

impl fmt::Display for SubscriptionDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CREATE SUBSCRIPTION {} CONNECTION {} PUBLICATION ",
            self.name, self.connection
        )?;
        write_list(f, &self.publications)?;
        write_subscription_options(f, &self.options)
    }
}

/// One option of a subscription's `WITH (…)` or `SET (…)`, by its
/// keyword, which pgrift names and no user writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionOption {
    pub key: &'static str,
    pub value: SubscriptionValue,
}

/// The value of a subscription's option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionValue {
    Bool(bool),
    Text(Literal),
    /// `slot_name = NONE`: no replication slot.
    NoSlot,
}

impl fmt::Display for SubscriptionOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = ", self.key)?;
        match &self.value {
            SubscriptionValue::Bool(value) => write!(f, "{value}"),
            SubscriptionValue::Text(value) => write!(f, "{value}"),
            SubscriptionValue::NoSlot => f.write_str("NONE"),
        }
    }
}

/// ` WITH (key = value, …)`, or nothing for no options.
fn write_subscription_options(
    f: &mut fmt::Formatter<'_>,
    options: &[SubscriptionOption],
) -> fmt::Result {
    if options.is_empty() {
        return Ok(());
    }
    f.write_str(" WITH (")?;
    write_list(f, options)?;
    f.write_str(")")
}

/// A change of a subscription, none of which connects to its publisher:
/// a new publication list is set without refreshing the tables
/// (`refresh = false`), which would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionChange {
    Connection(SecretVar),
    SetPublication(Vec<Ident>),
    Set(Vec<SubscriptionOption>),
    Enable,
    Disable,
}

impl fmt::Display for SubscriptionChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubscriptionChange::Connection(var) => write!(f, "CONNECTION {var}"),
            SubscriptionChange::SetPublication(publications) => {
                f.write_str("SET PUBLICATION ")?;
                write_list(f, publications)?;
                f.write_str(" WITH (refresh = false)")
            }
            SubscriptionChange::Set(options) => {
                f.write_str("SET (")?;
                write_list(f, options)?;
                f.write_str(")")
            }
            SubscriptionChange::Enable => f.write_str("ENABLE"),
            SubscriptionChange::Disable => f.write_str("DISABLE"),
        }
    }
}

/// The key a subscription's connection string goes by where a secret is
/// named: in a script's comment and in the `secret-differs` risk.
static CONNECTION: std::sync::LazyLock<Ident> =
    std::sync::LazyLock::new(|| Ident("connection".to_owned()));

/// An aggregate as `CREATE [OR REPLACE] AGGREGATE` writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateDef {
    pub or_replace: bool,
    pub name: QualName,
    /// Its arguments as `pg_get_function_arguments` prints them.
    pub arguments: ServerSql,
    pub options: Vec<AggregateOption>,
}

fn final_modify(modify: FinalModify) -> &'static str {
    match modify {
        FinalModify::ReadOnly => "READ_ONLY",
        FinalModify::Shareable => "SHAREABLE",
        FinalModify::ReadWrite => "READ_WRITE",
    }
}

/// One option as `CREATE AGGREGATE` writes it. The functions and types are
/// server-printed text (`regproc`, `format_type`); the initial conditions
/// are literals; the sort operator is written `OPERATOR(schema.symbol)`,
/// where the symbol is never quoted.
struct AggregateOptionSql<'a>(&'a AggregateOption);

impl fmt::Display for AggregateOptionSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use AggregateOption as O;
        match self.0 {
            O::SFunc(text) => write!(f, "SFUNC = {text}"),
            O::SType(text) => write!(f, "STYPE = {text}"),
            O::SSpace(size) => write!(f, "SSPACE = {size}"),
            O::FinalFunc(text) => write!(f, "FINALFUNC = {text}"),
            O::FinalFuncExtra => f.write_str("FINALFUNC_EXTRA"),
            O::FinalFuncModify(modify) => write!(f, "FINALFUNC_MODIFY = {}", final_modify(*modify)),
            O::CombineFunc(text) => write!(f, "COMBINEFUNC = {text}"),
            O::SerialFunc(text) => write!(f, "SERIALFUNC = {text}"),
            O::DeserialFunc(text) => write!(f, "DESERIALFUNC = {text}"),
            O::InitCond(value) => write!(f, "INITCOND = {}", quote_literal(value)),
            O::MSFunc(text) => write!(f, "MSFUNC = {text}"),
            O::MInvFunc(text) => write!(f, "MINVFUNC = {text}"),
            O::MSType(text) => write!(f, "MSTYPE = {text}"),
            O::MSSpace(size) => write!(f, "MSSPACE = {size}"),
            O::MFinalFunc(text) => write!(f, "MFINALFUNC = {text}"),
            O::MFinalFuncExtra => f.write_str("MFINALFUNC_EXTRA"),
            O::MFinalFuncModify(modify) => {
                write!(f, "MFINALFUNC_MODIFY = {}", final_modify(*modify))
            }
            O::MInitCond(value) => write!(f, "MINITCOND = {}", quote_literal(value)),
            O::SortOp { schema, operator } => {
                write!(f, "SORTOP = OPERATOR({}.{operator})", quote_ident(schema))
            }
            O::ParallelSafe => f.write_str("PARALLEL = SAFE"),
            O::ParallelRestricted => f.write_str("PARALLEL = RESTRICTED"),
            O::Hypothetical => f.write_str("HYPOTHETICAL"),
        }
    }
}

impl fmt::Display for AggregateDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let replace = if self.or_replace { "OR REPLACE " } else { "" };
        write!(
            f,
            "CREATE {replace}AGGREGATE {}({}) (",
            self.name, self.arguments
        )?;
        for (i, option) in self.options.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}", AggregateOptionSql(option))?;
        }
        f.write_str(")")
    }
}

/// A cast as `CREATE CAST` writes it; its types and function as the
/// server printed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CastDef {
    pub source: ServerSql,
    pub target: ServerSql,
    pub method: CastMethod,
    pub function: Option<ServerSql>,
    pub context: CastContext,
}

impl fmt::Display for CastDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CREATE CAST ({} AS {}) ", self.source, self.target)?;
        match (self.method, &self.function) {
            (CastMethod::Function, Some(function)) => write!(f, "WITH FUNCTION {function}")?,
            (CastMethod::Function | CastMethod::Binary, _) => f.write_str("WITHOUT FUNCTION")?,
            (CastMethod::InOut, _) => f.write_str("WITH INOUT")?,
        }
        match self.context {
            CastContext::Explicit => Ok(()),
            CastContext::Assignment => f.write_str(" AS ASSIGNMENT"),
            CastContext::Implicit => f.write_str(" AS IMPLICIT"),
        }
    }
}

/// An operator by its schema and symbol: `schema.===`. The symbol is
/// written as it is, since an operator's name cannot be quoted; the catalog
/// holds only symbols of operator characters (`verify::Shape::Operator`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorName(pub QualName);

impl fmt::Display for OperatorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", quote_ident(&self.0.schema), self.0.name)
    }
}

/// An operator with its argument types, as `DROP`, `ALTER` and `COMMENT
/// ON OPERATOR` name it: `schema.=== (integer, integer)`, the left type
/// `NONE` for a prefix operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorSig {
    pub name: OperatorName,
    pub left: Option<ServerSql>,
    pub right: ServerSql,
}

impl fmt::Display for OperatorSig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.left {
            Some(left) => write!(f, "{} ({left}, {})", self.name, self.right),
            None => write!(f, "{} (NONE, {})", self.name, self.right),
        }
    }
}

/// An operator as `CREATE OPERATOR` writes it. Its function and
/// estimators print as `regproc` does, its types as `format_type`; the
/// operators it names are written `OPERATOR(schema.symbol)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorDef {
    pub name: OperatorName,
    pub left: Option<ServerSql>,
    pub right: ServerSql,
    pub function: ServerSql,
    pub commutator: Option<OperatorName>,
    pub negator: Option<OperatorName>,
    pub restrict: Option<ServerSql>,
    pub join: Option<ServerSql>,
    pub hashes: bool,
    pub merges: bool,
}

impl fmt::Display for OperatorDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CREATE OPERATOR {} (FUNCTION = {}",
            self.name, self.function
        )?;
        if let Some(left) = &self.left {
            write!(f, ", LEFTARG = {left}")?;
        }
        write!(f, ", RIGHTARG = {}", self.right)?;
        if let Some(commutator) = &self.commutator {
            write!(f, ", COMMUTATOR = OPERATOR({commutator})")?;
        }
        if let Some(negator) = &self.negator {
            write!(f, ", NEGATOR = OPERATOR({negator})")?;
        }
        if let Some(restrict) = &self.restrict {
            write!(f, ", RESTRICT = {restrict}")?;
        }
        if let Some(join) = &self.join {
            write!(f, ", JOIN = {join}")?;
        }
        if self.hashes {
            f.write_str(", HASHES")?;
        }
        if self.merges {
            f.write_str(", MERGES")?;
        }
        f.write_str(")")
    }
}

/// An operator family or class, named with its index access method:
/// `OPERATOR CLASS s.c USING btree`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectUsing {
    pub keyword: Keyword,
    pub name: QualName,
    pub method: Ident,
}

impl fmt::Display for ObjectUsing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} USING {}", self.keyword, self.name, self.method)
    }
}

/// A member as `CREATE OPERATOR CLASS` and `ALTER OPERATOR FAMILY … ADD`
/// write it.
struct MemberSql<'a>(&'a OpMember);

impl fmt::Display for MemberSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            OpMember::Operator {
                strategy,
                operator,
                order_by,
                ..
            } => {
                write!(f, "OPERATOR {strategy} {operator}")?;
                match order_by {
                    Some(family) => write!(f, " FOR ORDER BY {family}"),
                    None => Ok(()),
                }
            }
            OpMember::Function {
                number,
                left,
                right,
                function,
            } => write!(f, "FUNCTION {number} ({left}, {right}) {function}"),
        }
    }
}

/// A member as `ALTER OPERATOR FAMILY … DROP` names it: by its number and
/// types.
struct MemberKeySql<'a>(&'a OpMember);

impl fmt::Display for MemberKeySql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            OpMember::Operator {
                strategy,
                left,
                right,
                ..
            } => write!(f, "OPERATOR {strategy} ({left}, {right})"),
            OpMember::Function {
                number,
                left,
                right,
                ..
            } => write!(f, "FUNCTION {number} ({left}, {right})"),
        }
    }
}

/// An operator class as `CREATE OPERATOR CLASS` writes it, always in a
/// family named, which the script creates first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpClassDef {
    pub name: QualName,
    pub default: bool,
    pub for_type: ServerSql,
    pub method: Ident,
    pub family: QualName,
    pub members: Vec<OpMember>,
    pub storage: Option<ServerSql>,
}

impl fmt::Display for OpClassDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let default = if self.default { "DEFAULT " } else { "" };
        write!(
            f,
            "CREATE OPERATOR CLASS {} {default}FOR TYPE {} USING {} FAMILY {} AS ",
            self.name, self.for_type, self.method, self.family
        )?;
        let members: Vec<MemberSql<'_>> = self.members.iter().map(MemberSql).collect();
        write_list(f, &members)?;
        let comma = if members.is_empty() { "" } else { ", " };
        match &self.storage {
            Some(storage) => write!(f, "{comma}STORAGE {storage}"),
            // A class whose members PostgreSQL tied to its family alone
            // (a hash class on polymorphic operators) has none of its
            // own, and `AS` needs an item: storing the indexed type is
            // what it does anyway, as `pg_dump` writes it.
            None if members.is_empty() => write!(f, "STORAGE {}", self.for_type),
            None => Ok(()),
        }
    }
}

/// An event trigger as `CREATE EVENT TRIGGER` writes it: its event, the
/// command tags it is limited to (none for every command) and its
/// function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTriggerDef {
    pub name: Ident,
    pub event: Ident,
    pub tags: Vec<Literal>,
    pub function: QualName,
}

impl fmt::Display for EventTriggerDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CREATE EVENT TRIGGER {} ON {}", self.name, self.event)?;
        if !self.tags.is_empty() {
            f.write_str(" WHEN TAG IN (")?;
            write_list(f, &self.tags)?;
            f.write_str(")")?;
        }
        write!(f, " EXECUTE FUNCTION {}()", self.function)
    }
}

/// A text search dictionary as `CREATE TEXT SEARCH DICTIONARY` writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TsDictionaryDef {
    pub name: QualName,
    pub template: QualName,
    pub options: Vec<(Ident, Option<Literal>)>,
}

/// A dictionary's options, `name = 'value'`, or only `name` to remove one.
struct DictOptions<'a>(&'a [(Ident, Option<Literal>)]);

impl fmt::Display for DictOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, value)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name}")?;
            if let Some(value) = value {
                write!(f, " = {value}")?;
            }
        }
        Ok(())
    }
}

/// A change to the token mappings of a text search configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingChange {
    /// `ADD MAPPING FOR tokens WITH dictionaries`.
    Add(Vec<Ident>, Vec<QualName>),
    /// `ALTER MAPPING FOR tokens WITH dictionaries`.
    Alter(Vec<Ident>, Vec<QualName>),
    /// `DROP MAPPING FOR tokens`.
    Drop(Vec<Ident>),
}

impl fmt::Display for MappingChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (verb, tokens, dictionaries) = match self {
            MappingChange::Add(tokens, dictionaries) => ("ADD", tokens, Some(dictionaries)),
            MappingChange::Alter(tokens, dictionaries) => ("ALTER", tokens, Some(dictionaries)),
            MappingChange::Drop(tokens) => ("DROP", tokens, None),
        };
        write!(f, "{verb} MAPPING FOR ")?;
        write_list(f, tokens)?;
        if let Some(dictionaries) = dictionaries {
            f.write_str(" WITH ")?;
            write_list(f, dictionaries)?;
        }
        Ok(())
    }
}

/// A domain as `CREATE DOMAIN` writes it. Its checks are added after it
/// by `ALTER DOMAIN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainDef {
    pub name: QualName,
    pub base_type: ServerSql,
    pub collation: Option<QualName>,
    pub default: Option<ServerSql>,
    pub not_null: bool,
}

/// One action of `ALTER DOMAIN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainAction {
    SetDefault(ServerSql),
    DropDefault,
    SetNotNull,
    DropNotNull,
    AddConstraint {
        name: Ident,
        /// `CHECK (…)` as the server printed it.
        check: ServerSql,
        not_valid: bool,
    },
    DropConstraint(Ident),
    ValidateConstraint(Ident),
    RenameTo(Ident),
}

impl fmt::Display for DomainAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DomainAction::SetDefault(default) => write!(f, "SET DEFAULT {default}"),
            DomainAction::DropDefault => f.write_str("DROP DEFAULT"),
            DomainAction::SetNotNull => f.write_str("SET NOT NULL"),
            DomainAction::DropNotNull => f.write_str("DROP NOT NULL"),
            DomainAction::AddConstraint {
                name,
                check,
                not_valid,
            } => {
                write!(f, "ADD CONSTRAINT {name} {check}")?;
                if *not_valid {
                    f.write_str(" NOT VALID")?;
                }
                Ok(())
            }
            DomainAction::DropConstraint(name) => write!(f, "DROP CONSTRAINT {name}"),
            DomainAction::ValidateConstraint(name) => write!(f, "VALIDATE CONSTRAINT {name}"),
            DomainAction::RenameTo(name) => write!(f, "RENAME TO {name}"),
        }
    }
}

/// The words that name a kind of object in `CREATE`, `ALTER`, `DROP` and
/// `COMMENT ON` (`STATISTICS`, `MATERIALIZED VIEW`). Only pgrift's own code
/// names one, so it is written as it is, never quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyword(pub &'static str);

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// An object named in a generic statement by its schema-qualified name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectName {
    pub keyword: Keyword,
    pub name: QualName,
}

impl fmt::Display for ObjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.keyword, self.name)
    }
}

/// An object that lives in a table (a rule, a policy), named in a
/// generic statement as PostgreSQL spells it: `RULE name ON table`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectOn {
    pub keyword: Keyword,
    pub name: Ident,
    pub table: QualName,
}

impl fmt::Display for ObjectOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ON {}", self.keyword, self.name, self.table)
    }
}

/// A row-level security policy as `CREATE POLICY` writes it:
/// `CREATE POLICY name ON table AS PERMISSIVE|RESTRICTIVE FOR command TO
/// roles [USING (…)] [WITH CHECK (…)]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDef {
    pub name: Ident,
    pub table: QualName,
    pub permissive: bool,
    pub command: PolicyCommand,
    pub roles: Vec<Grantee>,
    /// The expression rows must pass to be seen (`pg_get_expr`).
    pub using: Option<ServerSql>,
    /// The expression new rows must pass (`pg_get_expr`).
    pub with_check: Option<ServerSql>,
}

impl fmt::Display for PolicyDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        };
        write!(
            f,
            "CREATE POLICY {} ON {} AS {kind} FOR {} TO ",
            self.name,
            self.table,
            policy_command(self.command)
        )?;
        write_list(f, &self.roles)?;
        write_policy_expressions(f, self.using.as_ref(), self.with_check.as_ref())
    }
}

/// What `ALTER POLICY name ON table` changes: each clause only when it
/// changes. PostgreSQL cannot take an expression away this way, so only a
/// new or changed one is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyChange {
    pub name: Ident,
    pub table: QualName,
    pub roles: Option<Vec<Grantee>>,
    pub using: Option<ServerSql>,
    pub with_check: Option<ServerSql>,
}

impl fmt::Display for PolicyChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ALTER POLICY {} ON {}", self.name, self.table)?;
        if let Some(roles) = &self.roles {
            f.write_str(" TO ")?;
            write_list(f, roles)?;
        }
        write_policy_expressions(f, self.using.as_ref(), self.with_check.as_ref())
    }
}

/// ` USING (…) WITH CHECK (…)`, each when given. The server prints an
/// expression without the brackets the grammar wants around it.
fn write_policy_expressions(
    f: &mut fmt::Formatter<'_>,
    using: Option<&ServerSql>,
    with_check: Option<&ServerSql>,
) -> fmt::Result {
    if let Some(using) = using {
        write!(f, " USING ({using})")?;
    }
    if let Some(with_check) = with_check {
        write!(f, " WITH CHECK ({with_check})")?;
    }
    Ok(())
}

/// Storage parameters as `WITH (…)` and `SET (…)` write them, from the
/// entries of `reloptions` (`fillfactor=70`; a toast table's prefixed,
/// `toast.autovacuum_enabled=false`): each name quoted, each value a
/// literal, whatever a snapshot file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageParams(pub Vec<String>);

impl fmt::Display for StorageParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params: Vec<Param<'_>> = self.0.iter().map(|p| Param(p)).collect();
        f.write_str("(")?;
        write_list(f, &params)?;
        f.write_str(")")
    }
}

/// The names of storage parameters, as `RESET (…)` writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamNames(pub Vec<String>);

impl fmt::Display for ParamNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<ParamName<'_>> = self.0.iter().map(|n| ParamName(n)).collect();
        f.write_str("(")?;
        write_list(f, &names)?;
        f.write_str(")")
    }
}

/// One storage parameter, `name=value`.
struct Param<'a>(&'a str);

impl fmt::Display for Param<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.split_once('=') {
            Some((name, value)) => write!(f, "{}={}", ParamName(name), quote_literal(value)),
            None => write!(f, "{}", ParamName(self.0)),
        }
    }
}

/// A parameter's name, its namespace (`toast`) quoted apart from it: the
/// grammar reads `toast.name` as two names, and one quoted name holding
/// the dot would be a parameter of that whole name.
struct ParamName<'a>(&'a str);

impl fmt::Display for ParamName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.split_once('.') {
            Some((namespace, name)) => {
                write!(f, "{}.{}", quote_ident(namespace), quote_ident(name))
            }
            None => f.write_str(&quote_ident(self.0)),
        }
    }
}

/// A replica identity as `ALTER TABLE … REPLICA IDENTITY` writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentitySpec {
    Default,
    Nothing,
    Full,
    /// `USING INDEX name`: the index is in the table's schema.
    UsingIndex(Ident),
}

impl fmt::Display for IdentitySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentitySpec::Default => f.write_str("DEFAULT"),
            IdentitySpec::Nothing => f.write_str("NOTHING"),
            IdentitySpec::Full => f.write_str("FULL"),
            IdentitySpec::UsingIndex(index) => write!(f, "USING INDEX {index}"),
        }
    }
}

/// One action of a generic `ALTER <keyword> <name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectAction {
    /// `SET STATISTICS n`; `-1` is the server's default on every version.
    SetStatistics(Option<i32>),
    /// `SET (name=value, …)`: storage parameters of an index or a view.
    SetParams(StorageParams),
    /// `RESET (name, …)`.
    ResetParams(ParamNames),
    /// `SET LOGGED` when true, `SET UNLOGGED` when false: a sequence's
    /// persistence (PostgreSQL 15).
    SetLogged(bool),
    /// `RENAME TO name`: the identity sequence of a table partitioned anew,
    /// built under a name of its own, takes the old one's (see
    /// `catalog::table::convert`).
    RenameTo(Ident),
}

impl fmt::Display for ObjectAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectAction::SetStatistics(target) => {
                write!(f, "SET STATISTICS {}", target.unwrap_or(-1))
            }
            ObjectAction::SetParams(params) => write!(f, "SET {params}"),
            ObjectAction::ResetParams(names) => write!(f, "RESET {names}"),
            ObjectAction::SetLogged(true) => f.write_str("SET LOGGED"),
            ObjectAction::SetLogged(false) => f.write_str("SET UNLOGGED"),
            ObjectAction::RenameTo(name) => write!(f, "RENAME TO {name}"),
        }
    }
}

/// Where `ALTER TYPE … ADD VALUE` puts a new label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnumPosition {
    Before(Literal),
    After(Literal),
    End,
}

/// The object of a `COMMENT ON` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentTarget {
    Schema(Ident),
    Type(QualName),
    Sequence(QualName),
    Table(QualName),
    Column(QualName, Ident),
    Constraint(QualName, Ident),
    Index(QualName),
    View {
        name: QualName,
        materialized: bool,
    },
    Function {
        kind: FunctionKind,
        name: QualName,
        args: ServerSql,
    },
    Trigger(QualName, Ident),
    /// A constraint of a domain: `CONSTRAINT name ON DOMAIN domain`.
    DomainConstraint(QualName, Ident),
    /// Any other object, named by its keyword and name.
    Object(ObjectName),
    /// An object outside the schemas (an extension), named by its keyword
    /// and its name alone.
    Global(Keyword, Ident),
    /// An object that lives in a table.
    On(ObjectOn),
    /// A cast, by its types: `CAST (source AS target)`.
    Cast {
        source: ServerSql,
        target: ServerSql,
    },
    /// An operator, by its symbol and argument types.
    Operator(OperatorSig),
    /// An operator family or class, with its access method.
    Using(ObjectUsing),
}

/// One action of `ALTER TABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableAction {
    AddColumn(ColumnDef),
    DropColumn(Ident),
    /// A column a table kept of a parent it left, which the parent's own
    /// `DROP COLUMN` may have taken already if it ran first.
    DropColumnIfExists(Ident),
    AlterColumnType {
        column: Ident,
        data_type: ServerSql,
        collation: Option<QualName>,
        /// `USING column::type`, when the cast is not implicit.
        using_cast: bool,
        /// Cast through `text` first: needed to move an enum column to a new
        /// enum type of the same labels.
        via_text: bool,
    },
    SetDefault(Ident, ServerSql),
    /// Turns a generated column into an ordinary one, keeping its values.
    DropExpression(Ident),
    DropDefault(Ident),
    SetNotNull(Ident),
    DropNotNull(Ident),
    AddIdentity(Ident, IdentityDef),
    /// Changes an identity column's generation and sequence options.
    SetIdentity {
        column: Ident,
        always: bool,
        options: SequenceOptions,
    },
    DropIdentity(Ident),
    AddConstraint {
        name: Ident,
        definition: ServerSql,
        not_valid: bool,
    },
    /// `ADD CONSTRAINT name CHECK (column IS NOT NULL) NOT VALID`: the
    /// proof that lets a later `SET NOT NULL` skip its scan (`--online`).
    AddNotNullCheck {
        name: Ident,
        column: Ident,
    },
    /// `ADD CONSTRAINT name CHECK (constraint) NOT VALID`: a partition's
    /// constraint as the server prints it, validated apart so that
    /// `ATTACH PARTITION` skips its scan (`--online`).
    AddPartitionCheck {
        name: Ident,
        constraint: ServerSql,
    },
    /// `ADD CONSTRAINT name UNIQUE|PRIMARY KEY USING INDEX name`: a key
    /// over a unique index built concurrently before (`--online`).
    AddConstraintUsingIndex {
        name: Ident,
        primary: bool,
    },
    DropConstraint(Ident),
    /// A check a table kept of a parent it left (see `DropColumnIfExists`).
    DropConstraintIfExists(Ident),
    ValidateConstraint(Ident),
    SetLogged(bool),
    EnableTrigger(Ident, TriggerEnabled),
    EnableRule(Ident, TriggerEnabled),
    /// `ATTACH PARTITION name FOR VALUES …`, on the parent.
    AttachPartition {
        partition: QualName,
        bound: ServerSql,
    },
    /// `DETACH PARTITION name`, on the parent.
    DetachPartition(QualName),
    /// `DETACH PARTITION name CONCURRENTLY`: outside a transaction, in two
    /// of its own, without blocking queries on the parent (`--online`;
    /// refused where the parent has a default partition).
    DetachPartitionConcurrently(QualName),
    /// `INHERIT parent`, on the child.
    Inherit(QualName),
    /// `NO INHERIT parent`, on the child.
    NoInherit(QualName),
    /// `ENABLE ROW LEVEL SECURITY` when true, `DISABLE …` when false.
    RowSecurity(bool),
    /// `FORCE ROW LEVEL SECURITY` when true, `NO FORCE …` when false.
    ForceRowSecurity(bool),
    /// `SET (name=value, …)`: storage parameters, the toast table's too.
    SetParams(StorageParams),
    /// `RESET (name, …)`.
    ResetParams(ParamNames),
    ReplicaIdentity(IdentitySpec),
    /// `OF type`: the table becomes a typed table of the composite type,
    /// whose attributes its columns must match.
    Of(QualName),
    /// `RENAME TO name`: the copy of a table partitioned anew, and its
    /// partitions, take the names of what they replace (see
    /// `catalog::table::convert`).
    RenameTo(Ident),
    /// `NOT OF`: the table stops being typed, keeping its columns.
    NotOf,
    /// `ALTER COLUMN name SET STORAGE …`.
    SetStorage(Ident, Storage),
    /// `ALTER COLUMN name SET COMPRESSION …`; `None` is the server's
    /// `default_toast_compression`.
    SetCompression(Ident, Option<Compression>),
    /// `ALTER COLUMN name SET STATISTICS n`; `None` (`-1`) is the server's
    /// `default_statistics_target`.
    SetStatistics(Ident, Option<i32>),
}

/// The value of a `SET`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetValue {
    /// A word the setting takes as it is (`off`, `pg_catalog`).
    Word(&'static str),
    /// A time, as a literal with its unit: whole seconds in `s`, anything
    /// finer in `ms` (the server's smallest unit for its timeouts), never
    /// less than 1 ms.
    Duration(Duration),
}

impl fmt::Display for SetValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetValue::Word(word) => f.write_str(word),
            SetValue::Duration(duration) => {
                // `0` would turn the limit off.
                let ms = duration.as_millis().max(1);
                let text = if ms % 1000 == 0 {
                    format!("{}s", ms / 1000)
                } else {
                    format!("{ms}ms")
                };
                write!(f, "{}", Literal(text))
            }
        }
    }
}

/// A statement of a migration script.
// Statements are built once per change and rendered once, so the size of
// the largest variant costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stmt {
    /// `SET name = value` (session settings in a script's header).
    Set {
        name: &'static str,
        value: SetValue,
    },
    /// `RESET name`: a setting back to the session's default.
    Reset(&'static str),
    Begin,
    Commit,
    CreateSchema(Ident),
    DropSchema(Ident),
    /// `version` is `None` for the server's default version (`--ignore
    /// extension-versions`).
    CreateExtension {
        name: Ident,
        schema: Ident,
        version: Option<Literal>,
    },
    DropExtension(Ident),
    AlterExtensionUpdate {
        name: Ident,
        version: Literal,
    },
    AlterExtensionSetSchema {
        name: Ident,
        schema: Ident,
    },
    CreateEnum {
        name: QualName,
        labels: Vec<Literal>,
    },
    AlterEnumAddValue {
        name: QualName,
        label: Literal,
        position: EnumPosition,
    },
    /// `ALTER TYPE|COLLATION name RENAME TO new_name`, where the object
    /// steps aside for a new one of its name, to be dropped at the end of
    /// the script: unlike a declared rename ([`Stmt::Rename`]), no client
    /// is left naming the old object.
    RenameAside {
        object: ObjectName,
        new_name: Ident,
    },
    DropType(QualName),
    CreateCompositeType {
        name: QualName,
        attributes: Vec<AttributeDef>,
    },
    AlterType {
        name: QualName,
        action: TypeAction,
    },
    CreateRange(RangeDef),
    CreateCollation(CollationDef),
    CreateTsDictionary(TsDictionaryDef),
    /// `CREATE <keyword> name (PART = function, …)`: an object made of
    /// the functions it names, a text search parser or template.
    CreateOfFunctions {
        object: ObjectName,
        functions: Vec<(&'static str, QualName)>,
    },
    CreateCast(CastDef),
    CreateAggregate(AggregateDef),
    CreatePublication(PublicationDef),
    AlterPublication {
        name: Ident,
        change: PublicationChange,
    },
    CreateSubscription(SubscriptionDef),
    AlterSubscription {
        name: Ident,
        change: SubscriptionChange,
    },
    /// `DROP keyword name` for an object outside the schemas (a
    /// publication, an event trigger).
    DropGlobal(Keyword, Ident),
    CreateEventTrigger(EventTriggerDef),
    /// `CREATE ROLE name [WITH] options` (`--roles`), never with a
    /// password.
    CreateRole {
        name: Ident,
        options: Vec<RoleOption>,
    },
    /// `ALTER ROLE name WITH options`.
    AlterRole {
        name: Ident,
        options: Vec<RoleOption>,
    },
    /// `ALTER ROLE name SET … TO …` or `RESET …`.
    AlterRoleSetting {
        name: Ident,
        setting: RoleSetting,
    },
    /// `GRANT role TO member [WITH ADMIN OPTION]`.
    GrantRole {
        role: Ident,
        member: Ident,
        admin: bool,
    },
    /// `REVOKE [ADMIN OPTION FOR] role FROM member`.
    RevokeRole {
        role: Ident,
        member: Ident,
        admin_only: bool,
    },
    CreateForeignDataWrapper(ForeignDataWrapperDef),
    /// `ALTER FOREIGN DATA WRAPPER name [HANDLER h | NO HANDLER]
    /// [VALIDATOR v | NO VALIDATOR] [OPTIONS (…)]`; `None` leaves a clause
    /// out.
    AlterForeignDataWrapper {
        name: Ident,
        handler: Option<Option<QualName>>,
        validator: Option<Option<QualName>>,
        options: Vec<OptionChange>,
    },
    CreateServer(ServerDef),
    /// `ALTER SERVER name [VERSION 'v' | VERSION NULL] [OPTIONS (…)]`.
    AlterServer {
        name: Ident,
        version: Option<Option<Literal>>,
        options: Vec<OptionChange>,
    },
    /// `CREATE USER MAPPING FOR role SERVER server [OPTIONS (…)]`.
    CreateUserMapping {
        role: RoleSpec,
        server: Ident,
        options: Vec<(Ident, OptionValue)>,
    },
    /// `ALTER USER MAPPING FOR role SERVER server OPTIONS (…)`.
    AlterUserMapping {
        role: RoleSpec,
        server: Ident,
        options: Vec<OptionChange>,
    },
    DropUserMapping {
        role: RoleSpec,
        server: Ident,
    },
    /// `CREATE FOREIGN TABLE name (column … [OPTIONS (…)], …) SERVER server
    /// [OPTIONS (…)]`.
    CreateForeignTable {
        name: QualName,
        columns: Vec<(ColumnDef, Vec<(Ident, OptionValue)>)>,
        server: Ident,
        options: Vec<(Ident, OptionValue)>,
    },
    /// `ALTER FOREIGN TABLE name [ALTER COLUMN column] OPTIONS (…)`: the
    /// options of the table, or of one of its columns.
    AlterForeignTableOptions {
        table: QualName,
        column: Option<Ident>,
        options: Vec<OptionChange>,
    },
    /// `ALTER EVENT TRIGGER name ENABLE [REPLICA | ALWAYS]` or `DISABLE`.
    AlterEventTriggerEnable {
        name: Ident,
        mode: TriggerEnabled,
    },
    CreateOperator(OperatorDef),
    /// `DROP OPERATOR name (left, right)`.
    DropOperator(OperatorSig),
    /// `ALTER OPERATOR name (left, right) SET (RESTRICT = …, JOIN = …)`,
    /// `NONE` for an estimator taken away: the two options every supported
    /// version alters in place.
    AlterOperatorEstimators {
        operator: OperatorSig,
        restrict: Option<ServerSql>,
        join: Option<ServerSql>,
    },
    /// `CREATE OPERATOR FAMILY name USING method`.
    CreateOpFamily {
        name: QualName,
        method: Ident,
    },
    /// `ALTER OPERATOR FAMILY … ADD` these members, or `DROP` them.
    AlterOpFamily {
        family: ObjectUsing,
        add: bool,
        members: Vec<OpMember>,
    },
    CreateOpClass(OpClassDef),
    /// `DROP OPERATOR FAMILY|CLASS name USING method`.
    DropUsing(ObjectUsing),
    /// `DROP CAST (source AS target)`.
    DropCast {
        source: ServerSql,
        target: ServerSql,
    },
    /// `ALTER TEXT SEARCH DICTIONARY name (options)`.
    AlterTsDictionary {
        name: QualName,
        options: Vec<(Ident, Option<Literal>)>,
    },
    /// `CREATE TEXT SEARCH CONFIGURATION name (PARSER = parser)`.
    CreateTsConfig {
        name: QualName,
        parser: QualName,
    },
    AlterTsConfig {
        name: QualName,
        change: MappingChange,
    },
    /// `ALTER FUNCTION name(args) RENAME TO new_name`.
    RenameFunction {
        name: QualName,
        args: Vec<ArgType>,
        new_name: Ident,
    },
    CreateDomain(DomainDef),
    AlterDomain {
        name: QualName,
        action: DomainAction,
    },
    CreateSequence {
        name: QualName,
        options: SequenceOptions,
        /// `CREATE UNLOGGED SEQUENCE` (PostgreSQL 15).
        unlogged: bool,
    },
    AlterSequence {
        name: QualName,
        options: SequenceOptions,
    },
    AlterSequenceOwnedBy {
        name: QualName,
        owner: Option<ColumnRef>,
    },
    DropSequence(QualName),
    /// Moves a sequence that starts to feed a column already holding values
    /// past the largest of them, so that the next value is not taken. A
    /// largest value below the sequence's `MINVALUE` cannot be taken by it
    /// and leaves it where it starts (`setval` would refuse it).
    SyncSequenceToColumn {
        sequence: QualName,
        table: QualName,
        column: Ident,
    },
    /// Moves a sequence whose next value would fall below `value` up to it,
    /// so that a raised `MINVALUE` does not exclude the current value.
    SequenceAtLeast {
        name: QualName,
        value: i64,
    },
    /// Moves a sequence whose current value lies above `value` down to it,
    /// as used, so that a lowered `MAXVALUE` does not exclude the current
    /// value; the sequence then hands out nothing more, as it could not
    /// without repeating values.
    SequenceAtMost {
        name: QualName,
        value: i64,
    },
    /// `CREATE TABLE`: with its columns, or as a partition of a parent
    /// (`PARTITION OF parent FOR VALUES …`), perhaps inheriting, perhaps
    /// partitioned itself.
    CreateTable {
        name: QualName,
        unlogged: bool,
        columns: Vec<ColumnDef>,
        partition_of: Option<(QualName, ServerSql)>,
        inherits: Vec<QualName>,
        partition_by: Option<ServerSql>,
        /// Storage parameters, the toast table's too (`WITH (…)`).
        options: StorageParams,
        /// The composite type of a typed table (`OF type`), whose
        /// attributes are its columns: `columns` is then left out.
        of_type: Option<QualName>,
    },
    AlterTable {
        table: QualName,
        action: TableAction,
    },
    DropTable(QualName),
    /// `LOCK TABLE name IN ACCESS EXCLUSIVE MODE`: a table whose rows are
    /// copied is locked first, so that no write lands after the copy
    /// began and is lost with the table.
    LockTable(QualName),
    /// `INSERT INTO into (columns) [OVERRIDING SYSTEM VALUE] SELECT columns
    /// FROM from`: the rows of a table partitioned anew, copied into its
    /// replacement. `OVERRIDING SYSTEM VALUE` keeps the values of a
    /// `GENERATED ALWAYS` identity column.
    CopyRows {
        from: QualName,
        into: QualName,
        columns: Vec<Ident>,
        overriding: bool,
    },
    /// Sets sequence `into` where sequence `from` stands (its last value
    /// and whether that was handed out), so that an identity column copied
    /// into a new table goes on numbering where it was.
    CopySequenceState {
        from: QualName,
        into: QualName,
    },
    /// A complete `CREATE INDEX` statement from `pg_get_indexdef`.
    CreateIndex(ServerSql),
    /// The same, built `CONCURRENTLY`: outside a transaction, without
    /// blocking writes (`--online`).
    CreateIndexConcurrently(ServerSql),
    DropIndex(QualName),
    /// `DROP INDEX CONCURRENTLY [IF EXISTS]`: outside a transaction,
    /// without blocking reads or writes (`--online`); `IF EXISTS` for the
    /// clean-up of an index a failed build left invalid.
    DropIndexConcurrently {
        name: QualName,
        if_exists: bool,
    },
    /// `or_replace` writes `CREATE OR REPLACE VIEW`, which keeps what is
    /// built on the view (never for a materialized view).
    CreateView {
        name: QualName,
        materialized: bool,
        or_replace: bool,
        options: StorageParams,
        query: ServerSql,
    },
    DropView {
        name: QualName,
        materialized: bool,
    },
    /// A complete `CREATE OR REPLACE FUNCTION` statement from
    /// `pg_get_functiondef`.
    CreateFunction(ServerSql),
    DropFunction {
        kind: FunctionKind,
        name: QualName,
        args: ServerSql,
    },
    /// A complete `CREATE TRIGGER` statement from `pg_get_triggerdef`.
    CreateTrigger(ServerSql),
    /// A complete `CREATE` statement as the server printed it, for a kind
    /// whose definition the server deparses (`pg_get_statisticsobjdef`).
    Deparsed(ServerSql),
    /// `ALTER <keyword> <name> <action>`.
    AlterObject {
        object: ObjectName,
        action: ObjectAction,
    },
    /// `DROP <keyword> <name>`.
    DropObject(ObjectName),
    /// `DROP <keyword> <name> ON <table>`.
    DropOn(ObjectOn),
    CreatePolicy(PolicyDef),
    AlterPolicy(PolicyChange),
    DropTrigger {
        table: QualName,
        name: Ident,
    },
    Comment {
        target: CommentTarget,
        text: Option<Literal>,
    },
    /// `GRANT privileges [(column)] ON target TO role [WITH GRANT OPTION]`.
    Grant(GrantDef),
    /// `REVOKE [GRANT OPTION FOR] privileges [(column)] ON target FROM role`.
    Revoke(GrantDef),
    /// `ALTER object OWNER TO role`.
    AlterOwner {
        object: OwnedObject,
        owner: Ident,
    },
    /// `ALTER … RENAME`: a rename the user declared (`--rename`).
    Rename(RenameStmt),
    /// The trigger function that keeps two columns in step
    /// (`--expand-contract`).
    CreateSyncFunction(SyncFunction),
    /// Its `BEFORE INSERT OR UPDATE` trigger.
    CreateSyncTrigger(SyncTrigger),
    /// The batched backfill of a new column, outside any transaction.
    Backfill(Backfill),
    /// A table or column moved aside instead of dropped, or moved back
    /// (`--park-drops`).
    Park(ParkStmt),
}

/// What `--park-drops` writes in place of a drop, and what the reverse
/// script writes in place of the create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParkStmt {
    /// `CREATE SCHEMA IF NOT EXISTS name`: the schema parked tables go to.
    Schema(Ident),
    /// `ALTER TABLE table SET SCHEMA schema`: moves the table with its
    /// indexes, constraints, owned sequences and triggers.
    SetSchema { table: QualName, schema: Ident },
    /// `ALTER TABLE table RENAME TO new_name`.
    RenameTable { table: QualName, new_name: Ident },
    /// `ALTER TABLE table RENAME COLUMN column TO new_name`.
    RenameColumn {
        table: QualName,
        column: Ident,
        new_name: Ident,
    },
}

impl ParkStmt {
    /// The table the statement moves or changes, as it is named when the
    /// statement runs; `None` for the schema.
    pub fn table(&self) -> Option<&QualName> {
        match self {
            ParkStmt::Schema(_) => None,
            ParkStmt::SetSchema { table, .. }
            | ParkStmt::RenameTable { table, .. }
            | ParkStmt::RenameColumn { table, .. } => Some(table),
        }
    }
}

impl fmt::Display for ParkStmt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParkStmt::Schema(name) => write!(f, "CREATE SCHEMA IF NOT EXISTS {name}"),
            ParkStmt::SetSchema { table, schema } => {
                write!(f, "ALTER TABLE {table} SET SCHEMA {schema}")
            }
            ParkStmt::RenameTable { table, new_name } => {
                write!(f, "ALTER TABLE {table} RENAME TO {new_name}")
            }
            ParkStmt::RenameColumn {
                table,
                column,
                new_name,
            } => write!(
                f,
                "ALTER TABLE {table} RENAME COLUMN {column} TO {new_name}"
            ),
        }
    }
}

/// An object `ALTER … OWNER TO` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedObject {
    Schema(Ident),
    /// A schema-qualified object by its keyword: `TABLE`, `VIEW`,
    /// `MATERIALIZED VIEW`, `SEQUENCE`, `TYPE`, `DOMAIN`, `STATISTICS`.
    Named(ObjectName),
    Function {
        kind: FunctionKind,
        name: QualName,
        args: ServerSql,
    },
    /// An object outside the schemas (a publication, an event trigger),
    /// named by its keyword and its name alone.
    Global(Keyword, Ident),
    /// An operator, by its symbol and argument types.
    Operator(OperatorSig),
    /// An operator family or class, with its access method.
    Using(ObjectUsing),
}

impl fmt::Display for OwnedObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OwnedObject::Schema(name) => write!(f, "SCHEMA {name}"),
            OwnedObject::Named(object) => write!(f, "{object}"),
            OwnedObject::Global(keyword, name) => write!(f, "{keyword} {name}"),
            OwnedObject::Operator(operator) => write!(f, "OPERATOR {operator}"),
            OwnedObject::Using(object) => write!(f, "{object}"),
            OwnedObject::Function { kind, name, args } => {
                write!(f, "{} {name}({args})", function_keyword(*kind))
            }
        }
    }
}

/// A declared rename, as `ALTER … RENAME` writes it. Every name is the one
/// the object has when the statement runs: renames of schemas come first,
/// so that the others name the schema's new name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenameStmt {
    /// `ALTER SCHEMA name RENAME TO new_name`.
    Schema { name: Ident, new_name: Ident },
    /// `ALTER TABLE|VIEW|INDEX|SEQUENCE|TYPE|DOMAIN name RENAME TO new_name`.
    Object { object: ObjectName, new_name: Ident },
    /// `ALTER FUNCTION|PROCEDURE name(args) RENAME TO new_name`.
    Routine {
        kind: FunctionKind,
        name: QualName,
        args: ServerSql,
        new_name: Ident,
    },
    /// `ALTER TABLE table RENAME COLUMN column TO new_name`.
    Column {
        table: QualName,
        column: Ident,
        new_name: Ident,
    },
    /// `ALTER TABLE table RENAME CONSTRAINT name TO new_name`.
    Constraint {
        table: QualName,
        name: Ident,
        new_name: Ident,
    },
}

impl RenameStmt {
    /// The table whose name the statement changes, or one of whose parts it
    /// renames; `None` for a schema, a type or a routine.
    pub fn table(&self) -> Option<&QualName> {
        match self {
            RenameStmt::Object { object, .. } => Some(&object.name),
            RenameStmt::Column { table, .. } | RenameStmt::Constraint { table, .. } => Some(table),
            RenameStmt::Schema { .. } | RenameStmt::Routine { .. } => None,
        }
    }
}

impl fmt::Display for RenameStmt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenameStmt::Schema { name, new_name } => {
                write!(f, "ALTER SCHEMA {name} RENAME TO {new_name}")
            }
            RenameStmt::Object { object, new_name } => {
                write!(f, "ALTER {object} RENAME TO {new_name}")
            }
            RenameStmt::Routine {
                kind,
                name,
                args,
                new_name,
            } => write!(
                f,
                "ALTER {} {name}({args}) RENAME TO {new_name}",
                function_keyword(*kind)
            ),
            RenameStmt::Column {
                table,
                column,
                new_name,
            } => write!(
                f,
                "ALTER TABLE {table} RENAME COLUMN {column} TO {new_name}"
            ),
            RenameStmt::Constraint {
                table,
                name,
                new_name,
            } => write!(
                f,
                "ALTER TABLE {table} RENAME CONSTRAINT {name} TO {new_name}"
            ),
        }
    }
}

/// The parts `GRANT` and `REVOKE` share. For `REVOKE`, `grant_option`
/// revokes only the right to grant (`GRANT OPTION FOR`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantDef {
    pub privileges: Vec<Privilege>,
    /// The column the privileges are on, for a column-level grant.
    pub column: Option<Ident>,
    pub target: GrantTarget,
    pub role: RoleSpec,
    pub grant_option: bool,
}

/// The value of a generic option (`OPTIONS (key 'value')`): a literal, or
/// the psql variable a secret value is supplied in (see `sql::secret`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionValue {
    Literal(Literal),
    Secret(SecretVar),
}

impl fmt::Display for OptionValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionValue::Literal(value) => write!(f, "{value}"),
            OptionValue::Secret(var) => write!(f, "{var}"),
        }
    }
}

/// One change of `ALTER … OPTIONS (…)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionChange {
    Add(Ident, OptionValue),
    Set(Ident, OptionValue),
    Drop(Ident),
}

impl fmt::Display for OptionChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionChange::Add(key, value) => write!(f, "ADD {key} {value}"),
            OptionChange::Set(key, value) => write!(f, "SET {key} {value}"),
            OptionChange::Drop(key) => write!(f, "DROP {key}"),
        }
    }
}

/// ` OPTIONS (key 'value', …)`, or nothing for no options.
fn write_options(f: &mut fmt::Formatter<'_>, options: &[(Ident, OptionValue)]) -> fmt::Result {
    if options.is_empty() {
        return Ok(());
    }
    f.write_str(" OPTIONS (")?;
    for (i, (key, value)) in options.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{key} {value}")?;
    }
    f.write_str(")")
}

/// ` OPTIONS (ADD …, SET …, DROP …)`, or nothing for no changes.
fn write_option_changes(f: &mut fmt::Formatter<'_>, changes: &[OptionChange]) -> fmt::Result {
    if changes.is_empty() {
        return Ok(());
    }
    f.write_str(" OPTIONS (")?;
    for (i, change) in changes.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{change}")?;
    }
    f.write_str(")")
}

/// `CREATE FOREIGN DATA WRAPPER`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignDataWrapperDef {
    pub name: Ident,
    pub handler: Option<QualName>,
    pub validator: Option<QualName>,
    pub options: Vec<(Ident, OptionValue)>,
}

impl fmt::Display for ForeignDataWrapperDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CREATE FOREIGN DATA WRAPPER {}", self.name)?;
        if let Some(handler) = &self.handler {
            write!(f, " HANDLER {handler}")?;
        }
        if let Some(validator) = &self.validator {
            write!(f, " VALIDATOR {validator}")?;
        }
        write_options(f, &self.options)
    }
}

/// `CREATE SERVER`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerDef {
    pub name: Ident,
    pub server_type: Option<Literal>,
    pub version: Option<Literal>,
    pub wrapper: Ident,
    pub options: Vec<(Ident, OptionValue)>,
}

impl fmt::Display for ServerDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CREATE SERVER {}", self.name)?;
        if let Some(server_type) = &self.server_type {
            write!(f, " TYPE {server_type}")?;
        }
        if let Some(version) = &self.version {
            write!(f, " VERSION {version}")?;
        }
        write!(f, " FOREIGN DATA WRAPPER {}", self.wrapper)?;
        write_options(f, &self.options)
    }
}

/// The object `GRANT` and `REVOKE` name. Views and materialized views are
/// `TABLE`s there, and domains `TYPE`s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantTarget {
    Schema(Ident),
    Table(QualName),
    Sequence(QualName),
    Type(QualName),
    Function {
        kind: FunctionKind,
        name: QualName,
        args: ServerSql,
    },
    /// The objects of a kind that a role creates from now on, in one
    /// schema or in any: `ALTER DEFAULT PRIVILEGES [FOR ROLE role] [IN
    /// SCHEMA schema] GRANT … ON TABLES`. No `FOR ROLE` is the role that
    /// runs the script.
    Defaults {
        role: Option<Ident>,
        schema: Option<Ident>,
        objects: DefaultObjects,
    },
    ForeignDataWrapper(Ident),
    ForeignServer(Ident),
}

impl GrantTarget {
    /// What a message calls the target: `TABLE public.users`, or the
    /// tables a role creates from now on.
    pub fn describe(&self) -> String {
        match self {
            GrantTarget::Defaults {
                role,
                schema,
                objects,
            } => {
                let role = match role {
                    Some(role) => role.to_string(),
                    None => "the role that runs the script".to_owned(),
                };
                let schema = match schema {
                    Some(schema) => format!(" in schema {schema}"),
                    None => String::new(),
                };
                format!("the {} that {role} creates{schema}", objects.word())
            }
            target => target.to_string(),
        }
    }
}

impl fmt::Display for GrantTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GrantTarget::Schema(name) => write!(f, "SCHEMA {name}"),
            GrantTarget::Table(name) => write!(f, "TABLE {name}"),
            GrantTarget::Sequence(name) => write!(f, "SEQUENCE {name}"),
            GrantTarget::Type(name) => write!(f, "TYPE {name}"),
            GrantTarget::ForeignDataWrapper(name) => write!(f, "FOREIGN DATA WRAPPER {name}"),
            GrantTarget::ForeignServer(name) => write!(f, "FOREIGN SERVER {name}"),
            GrantTarget::Function { kind, name, args } => {
                write!(f, "{} {name}({args})", function_keyword(*kind))
            }
            GrantTarget::Defaults { objects, .. } => {
                f.write_str(&objects.word().to_ascii_uppercase())
            }
        }
    }
}

/// A role as a grant names it: `PUBLIC`, `CURRENT_USER` (the role that runs
/// the script, which owns what the script creates) or a role by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleSpec {
    Public,
    CurrentUser,
    Role(Ident),
}

impl fmt::Display for RoleSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoleSpec::Public => f.write_str("PUBLIC"),
            RoleSpec::CurrentUser => f.write_str("CURRENT_USER"),
            RoleSpec::Role(name) => write!(f, "{name}"),
        }
    }
}

impl GrantDef {
    /// `ALTER DEFAULT PRIVILEGES …` before the `GRANT` or `REVOKE` of
    /// default privileges.
    fn write_defaults(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let GrantTarget::Defaults { role, schema, .. } = &self.target {
            f.write_str("ALTER DEFAULT PRIVILEGES ")?;
            if let Some(role) = role {
                write!(f, "FOR ROLE {role} ")?;
            }
            if let Some(schema) = schema {
                write!(f, "IN SCHEMA {schema} ")?;
            }
        }
        Ok(())
    }

    /// The privileges, each on the column when there is one.
    fn write_privileges(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, privilege) in self.privileges.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{privilege}")?;
            if let Some(column) = &self.column {
                write!(f, " ({column})")?;
            }
        }
        Ok(())
    }
}

impl Stmt {
    /// The psql variables of the secret option values it writes, each with
    /// its option's key.
    pub fn secrets(&self) -> Vec<(&Ident, &SecretVar)> {
        let set: &[(Ident, OptionValue)] = match self {
            Stmt::CreateForeignDataWrapper(ForeignDataWrapperDef { options, .. })
            | Stmt::CreateServer(ServerDef { options, .. })
            | Stmt::CreateUserMapping { options, .. } => options,
            Stmt::CreateForeignTable {
                columns, options, ..
            } => {
                return columns
                    .iter()
                    .flat_map(|(_, options)| options)
                    .chain(options)
                    .filter_map(|(key, value)| match value {
                        OptionValue::Secret(var) => Some((key, var)),
                        OptionValue::Literal(_) => None,
                    })
                    .collect();
            }
            Stmt::CreateSubscription(SubscriptionDef { connection, .. })
            | Stmt::AlterSubscription {
                change: SubscriptionChange::Connection(connection),
                ..
            } => return vec![(&CONNECTION, connection)],
            Stmt::AlterForeignDataWrapper { options, .. }
            | Stmt::AlterServer { options, .. }
            | Stmt::AlterUserMapping { options, .. }
            | Stmt::AlterForeignTableOptions { options, .. } => {
                return options
                    .iter()
                    .filter_map(|change| match change {
                        OptionChange::Add(key, OptionValue::Secret(var))
                        | OptionChange::Set(key, OptionValue::Secret(var)) => Some((key, var)),
                        _ => None,
                    })
                    .collect();
            }
            _ => &[],
        };
        set.iter()
            .filter_map(|(key, value)| match value {
                OptionValue::Secret(var) => Some((key, var)),
                OptionValue::Literal(_) => None,
            })
            .collect()
    }

    /// True for a new enum label: a statement PostgreSQL will not let later
    /// statements of the same transaction build on, since a new label cannot
    /// be used before the transaction that added it commits.
    pub fn adds_enum_label(&self) -> bool {
        matches!(self, Stmt::AlterEnumAddValue { .. })
    }

    /// True when this statement would read one of the enum labels `added`
    /// adds (the type and label of each [`Stmt::AlterEnumAddValue`]): it
    /// holds one as a literal anywhere in its text (a default, a check, a
    /// view, a function body), or converts a column's values to its type.
    /// It errs on the side of a use: a false one only costs a commit.
    pub fn uses_enum_labels(&self, added: &[(&QualName, &Literal)]) -> bool {
        if added.is_empty() {
            return false;
        }
        let converts = |name: &QualName| {
            matches!(self, Stmt::AlterTable {
                action: TableAction::AlterColumnType { data_type, .. }, ..
            } if data_type.0.contains(&name.to_string()))
        };
        let text = self.to_string();
        added
            .iter()
            .any(|(name, label)| converts(name) || text.contains(&label.to_string()))
    }
}

/// Sequence options as `CREATE SEQUENCE` and identity columns write them.
/// An identity column's sequence takes the column's type, and naming it
/// again is an error, so the type is left out there.
struct Options<'a> {
    options: &'a SequenceOptions,
    with_type: bool,
}

impl fmt::Display for Options<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = self.options;
        if self.with_type {
            write!(f, "AS {} ", o.data_type)?;
        }
        write!(
            f,
            "START WITH {} INCREMENT BY {} MINVALUE {} MAXVALUE {} CACHE {} {}",
            o.start,
            o.increment,
            o.min_value,
            o.max_value,
            o.cache,
            if o.cycle { "CYCLE" } else { "NO CYCLE" }
        )
    }
}

impl fmt::Display for IdentityDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "GENERATED {} AS IDENTITY (SEQUENCE NAME {} {})",
            if self.always { "ALWAYS" } else { "BY DEFAULT" },
            self.sequence,
            Options {
                options: &self.options,
                with_type: false,
            }
        )
    }
}

impl fmt::Display for ColumnDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, &[])
    }
}

impl ColumnDef {
    /// The column, with a foreign table's column's options, which come
    /// right after its type.
    fn write(&self, f: &mut fmt::Formatter<'_>, options: &[(Ident, OptionValue)]) -> fmt::Result {
        write!(f, "{} {}", self.name, self.data_type)?;
        write_options(f, options)?;
        if let Some(collation) = &self.collation {
            write!(f, " COLLATE {collation}")?;
        }
        if let Some(generated) = &self.generated {
            write!(f, " GENERATED ALWAYS AS ({generated}) STORED")?;
        }
        if let Some(default) = &self.default {
            write!(f, " DEFAULT {default}")?;
        }
        if let Some(identity) = &self.identity {
            write!(f, " {identity}")?;
        }
        if let (true, Some(name)) = (self.not_null, &self.not_null_name) {
            write!(f, " CONSTRAINT {name}")?;
        }
        if self.not_null {
            f.write_str(" NOT NULL")?;
        }
        Ok(())
    }
}

fn policy_command(command: PolicyCommand) -> &'static str {
    match command {
        PolicyCommand::All => "ALL",
        PolicyCommand::Select => "SELECT",
        PolicyCommand::Insert => "INSERT",
        PolicyCommand::Update => "UPDATE",
        PolicyCommand::Delete => "DELETE",
    }
}

fn function_keyword(kind: FunctionKind) -> &'static str {
    match kind {
        FunctionKind::Function => "FUNCTION",
        FunctionKind::Procedure => "PROCEDURE",
        FunctionKind::Aggregate => "AGGREGATE",
    }
}

impl fmt::Display for CommentTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommentTarget::Schema(name) => write!(f, "SCHEMA {name}"),
            CommentTarget::Type(name) => write!(f, "TYPE {name}"),
            CommentTarget::Sequence(name) => write!(f, "SEQUENCE {name}"),
            CommentTarget::Table(name) => write!(f, "TABLE {name}"),
            CommentTarget::Column(table, column) => write!(f, "COLUMN {table}.{column}"),
            CommentTarget::Constraint(table, name) => write!(f, "CONSTRAINT {name} ON {table}"),
            CommentTarget::Index(name) => write!(f, "INDEX {name}"),
            CommentTarget::DomainConstraint(domain, name) => {
                write!(f, "CONSTRAINT {name} ON DOMAIN {domain}")
            }
            CommentTarget::Object(object) => write!(f, "{object}"),
            CommentTarget::Global(keyword, name) => write!(f, "{keyword} {name}"),
            CommentTarget::On(object) => write!(f, "{object}"),
            CommentTarget::View { name, materialized } => {
                let kind = if *materialized {
                    "MATERIALIZED VIEW"
                } else {
                    "VIEW"
                };
                write!(f, "{kind} {name}")
            }
            CommentTarget::Function { kind, name, args } => {
                write!(f, "{} {name}({args})", function_keyword(*kind))
            }
            CommentTarget::Trigger(table, name) => write!(f, "TRIGGER {name} ON {table}"),
            CommentTarget::Cast { source, target } => write!(f, "CAST ({source} AS {target})"),
            CommentTarget::Operator(operator) => write!(f, "OPERATOR {operator}"),
            CommentTarget::Using(object) => write!(f, "{object}"),
        }
    }
}

impl fmt::Display for TableAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableAction::AddColumn(column) => write!(f, "ADD COLUMN {column}"),
            TableAction::DropColumn(name) => write!(f, "DROP COLUMN {name}"),
            TableAction::DropColumnIfExists(name) => write!(f, "DROP COLUMN IF EXISTS {name}"),
            TableAction::AlterColumnType {
                column,
                data_type,
                collation,
                using_cast,
                via_text,
            } => {
                write!(f, "ALTER COLUMN {column} TYPE {data_type}")?;
                if let Some(collation) = collation {
                    write!(f, " COLLATE {collation}")?;
                }
                if *via_text {
                    write!(f, " USING {column}::text::{data_type}")?;
                } else if *using_cast {
                    write!(f, " USING {column}::{data_type}")?;
                }
                Ok(())
            }
            TableAction::SetDefault(column, expr) => {
                write!(f, "ALTER COLUMN {column} SET DEFAULT {expr}")
            }
            TableAction::DropExpression(column) => {
                write!(f, "ALTER COLUMN {column} DROP EXPRESSION")
            }
            TableAction::DropDefault(column) => write!(f, "ALTER COLUMN {column} DROP DEFAULT"),
            TableAction::SetNotNull(column) => write!(f, "ALTER COLUMN {column} SET NOT NULL"),
            TableAction::DropNotNull(column) => write!(f, "ALTER COLUMN {column} DROP NOT NULL"),
            TableAction::AddIdentity(column, identity) => {
                write!(f, "ALTER COLUMN {column} ADD {identity}")
            }
            TableAction::SetIdentity {
                column,
                always,
                options,
            } => write!(
                f,
                "ALTER COLUMN {column} SET GENERATED {} SET INCREMENT BY {} SET MINVALUE {} \
                 SET MAXVALUE {} SET START WITH {} SET CACHE {} SET {}",
                if *always { "ALWAYS" } else { "BY DEFAULT" },
                options.increment,
                options.min_value,
                options.max_value,
                options.start,
                options.cache,
                if options.cycle { "CYCLE" } else { "NO CYCLE" }
            ),
            TableAction::DropIdentity(column) => write!(f, "ALTER COLUMN {column} DROP IDENTITY"),
            TableAction::AddConstraint {
                name,
                definition,
                not_valid,
            } => {
                write!(f, "ADD CONSTRAINT {name} {definition}")?;
                if *not_valid {
                    f.write_str(" NOT VALID")?;
                }
                Ok(())
            }
            TableAction::AddNotNullCheck { name, column } => write!(
                f,
                "ADD CONSTRAINT {name} CHECK ({}) NOT VALID",
                super::probe::Condition::IsNotNull(column.clone())
            ),
            TableAction::AddPartitionCheck { name, constraint } => {
                write!(f, "ADD CONSTRAINT {name} CHECK ({constraint}) NOT VALID")
            }
            TableAction::AddConstraintUsingIndex { name, primary } => {
                let kind = if *primary { "PRIMARY KEY" } else { "UNIQUE" };
                write!(f, "ADD CONSTRAINT {name} {kind} USING INDEX {name}")
            }
            TableAction::DropConstraint(name) => write!(f, "DROP CONSTRAINT {name}"),
            TableAction::DropConstraintIfExists(name) => {
                write!(f, "DROP CONSTRAINT IF EXISTS {name}")
            }
            TableAction::ValidateConstraint(name) => write!(f, "VALIDATE CONSTRAINT {name}"),
            TableAction::SetLogged(true) => f.write_str("SET LOGGED"),
            TableAction::SetLogged(false) => f.write_str("SET UNLOGGED"),
            TableAction::EnableTrigger(name, mode) => enable(f, "TRIGGER", name, *mode),
            TableAction::EnableRule(name, mode) => enable(f, "RULE", name, *mode),
            TableAction::AttachPartition { partition, bound } => {
                write!(f, "ATTACH PARTITION {partition} {bound}")
            }
            TableAction::DetachPartition(partition) => write!(f, "DETACH PARTITION {partition}"),
            TableAction::DetachPartitionConcurrently(partition) => {
                write!(f, "DETACH PARTITION {partition} CONCURRENTLY")
            }
            TableAction::Inherit(parent) => write!(f, "INHERIT {parent}"),
            TableAction::NoInherit(parent) => write!(f, "NO INHERIT {parent}"),
            TableAction::RowSecurity(true) => f.write_str("ENABLE ROW LEVEL SECURITY"),
            TableAction::RowSecurity(false) => f.write_str("DISABLE ROW LEVEL SECURITY"),
            TableAction::ForceRowSecurity(true) => f.write_str("FORCE ROW LEVEL SECURITY"),
            TableAction::ForceRowSecurity(false) => f.write_str("NO FORCE ROW LEVEL SECURITY"),
            TableAction::SetParams(params) => write!(f, "SET {params}"),
            TableAction::ResetParams(names) => write!(f, "RESET {names}"),
            TableAction::ReplicaIdentity(identity) => write!(f, "REPLICA IDENTITY {identity}"),
            TableAction::Of(of_type) => write!(f, "OF {of_type}"),
            TableAction::NotOf => f.write_str("NOT OF"),
            TableAction::RenameTo(name) => write!(f, "RENAME TO {name}"),
            TableAction::SetStorage(column, storage) => {
                let storage = match storage {
                    Storage::Plain => "PLAIN",
                    Storage::External => "EXTERNAL",
                    Storage::Extended => "EXTENDED",
                    Storage::Main => "MAIN",
                };
                write!(f, "ALTER COLUMN {column} SET STORAGE {storage}")
            }
            TableAction::SetCompression(column, compression) => {
                let method = match compression {
                    Some(Compression::Pglz) => "pglz",
                    Some(Compression::Lz4) => "lz4",
                    None => "DEFAULT",
                };
                write!(f, "ALTER COLUMN {column} SET COMPRESSION {method}")
            }
            TableAction::SetStatistics(column, target) => write!(
                f,
                "ALTER COLUMN {column} SET STATISTICS {}",
                target.unwrap_or(-1)
            ),
        }
    }
}

/// `ENABLE [REPLICA | ALWAYS] TRIGGER name`, or `DISABLE …`, for a trigger
/// or a rule (`what`).
fn enable(
    f: &mut fmt::Formatter<'_>,
    what: &str,
    name: &Ident,
    mode: TriggerEnabled,
) -> fmt::Result {
    match mode {
        TriggerEnabled::Origin => write!(f, "ENABLE {what} {name}"),
        TriggerEnabled::Disabled => write!(f, "DISABLE {what} {name}"),
        TriggerEnabled::Replica => write!(f, "ENABLE REPLICA {what} {name}"),
        TriggerEnabled::Always => write!(f, "ENABLE ALWAYS {what} {name}"),
    }
}

/// Renders a statement without its terminating semicolon.
impl fmt::Display for Stmt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stmt::Set { name, value } => write!(f, "SET {name} = {value}"),
            Stmt::Reset(name) => write!(f, "RESET {name}"),
            Stmt::Begin => f.write_str("BEGIN"),
            Stmt::Commit => f.write_str("COMMIT"),
            Stmt::CreateSchema(name) => write!(f, "CREATE SCHEMA {name}"),
            Stmt::DropSchema(name) => write!(f, "DROP SCHEMA {name}"),
            Stmt::CreateExtension {
                name,
                schema,
                version,
            } => {
                write!(f, "CREATE EXTENSION {name} WITH SCHEMA {schema}")?;
                match version {
                    Some(version) => write!(f, " VERSION {version}"),
                    None => Ok(()),
                }
            }
            Stmt::DropExtension(name) => write!(f, "DROP EXTENSION {name}"),
            Stmt::AlterExtensionUpdate { name, version } => {
                write!(f, "ALTER EXTENSION {name} UPDATE TO {version}")
            }
            Stmt::AlterExtensionSetSchema { name, schema } => {
                write!(f, "ALTER EXTENSION {name} SET SCHEMA {schema}")
            }
            Stmt::CreateEnum { name, labels } => {
                write!(f, "CREATE TYPE {name} AS ENUM (")?;
                write_list(f, labels)?;
                f.write_str(")")
            }
            Stmt::AlterEnumAddValue {
                name,
                label,
                position,
            } => {
                write!(f, "ALTER TYPE {name} ADD VALUE {label}")?;
                match position {
                    EnumPosition::Before(other) => write!(f, " BEFORE {other}"),
                    EnumPosition::After(other) => write!(f, " AFTER {other}"),
                    EnumPosition::End => Ok(()),
                }
            }
            Stmt::RenameAside { object, new_name } => {
                write!(f, "ALTER {} RENAME TO {new_name}", object)
            }
            Stmt::DropType(name) => write!(f, "DROP TYPE {name}"),
            Stmt::CreateCompositeType { name, attributes } => {
                write!(f, "CREATE TYPE {name} AS (")?;
                for (i, attribute) in attributes.iter().enumerate() {
                    let sep = if i + 1 < attributes.len() { "," } else { "" };
                    write!(f, "\n    {attribute}{sep}")?;
                }
                if attributes.is_empty() {
                    f.write_str(")")
                } else {
                    f.write_str("\n)")
                }
            }
            Stmt::AlterType { name, action } => write!(f, "ALTER TYPE {name} {action}"),
            Stmt::CreateRange(range) => write!(f, "{range}"),
            Stmt::CreateCollation(collation) => write!(f, "{collation}"),
            Stmt::CreateCast(cast) => write!(f, "{cast}"),
            Stmt::CreateAggregate(aggregate) => write!(f, "{aggregate}"),
            Stmt::CreatePublication(publication) => write!(f, "{publication}"),
            Stmt::AlterPublication { name, change } => {
                write!(f, "ALTER PUBLICATION {name} {change}")
            }
            Stmt::CreateSubscription(subscription) => write!(f, "{subscription}"),
            Stmt::AlterSubscription { name, change } => {
                write!(f, "ALTER SUBSCRIPTION {name} {change}")
            }
            Stmt::DropGlobal(keyword, name) => write!(f, "DROP {keyword} {name}"),
            Stmt::CreateEventTrigger(trigger) => write!(f, "{trigger}"),
            Stmt::CreateRole { name, options } => {
                write!(f, "CREATE ROLE {name}")?;
                super::role::write_options(f, options)
            }
            Stmt::AlterRole { name, options } => {
                write!(f, "ALTER ROLE {name} WITH")?;
                super::role::write_options(f, options)
            }
            Stmt::AlterRoleSetting { name, setting } => write!(f, "ALTER ROLE {name} {setting}"),
            Stmt::GrantRole {
                role,
                member,
                admin,
            } => {
                write!(f, "GRANT {role} TO {member}")?;
                if *admin {
                    f.write_str(" WITH ADMIN OPTION")?;
                }
                Ok(())
            }
            Stmt::RevokeRole {
                role,
                member,
                admin_only,
            } => {
                let admin = if *admin_only { "ADMIN OPTION FOR " } else { "" };
                write!(f, "REVOKE {admin}{role} FROM {member}")
            }
            Stmt::AlterEventTriggerEnable { name, mode } => {
                let state = match mode {
                    TriggerEnabled::Origin => "ENABLE",
                    TriggerEnabled::Disabled => "DISABLE",
                    TriggerEnabled::Replica => "ENABLE REPLICA",
                    TriggerEnabled::Always => "ENABLE ALWAYS",
                };
                write!(f, "ALTER EVENT TRIGGER {name} {state}")
            }
            Stmt::CreateForeignDataWrapper(wrapper) => write!(f, "{wrapper}"),
            Stmt::AlterForeignDataWrapper {
                name,
                handler,
                validator,
                options,
            } => {
                write!(f, "ALTER FOREIGN DATA WRAPPER {name}")?;
                match handler {
                    Some(Some(handler)) => write!(f, " HANDLER {handler}")?,
                    Some(None) => f.write_str(" NO HANDLER")?,
                    None => {}
                }
                match validator {
                    Some(Some(validator)) => write!(f, " VALIDATOR {validator}")?,
                    Some(None) => f.write_str(" NO VALIDATOR")?,
                    None => {}
                }
                write_option_changes(f, options)
            }
            Stmt::CreateServer(server) => write!(f, "{server}"),
            Stmt::AlterServer {
                name,
                version,
                options,
            } => {
                write!(f, "ALTER SERVER {name}")?;
                match version {
                    Some(Some(version)) => write!(f, " VERSION {version}")?,
                    Some(None) => f.write_str(" VERSION NULL")?,
                    None => {}
                }
                write_option_changes(f, options)
            }
            Stmt::CreateForeignTable {
                name,
                columns,
                server,
                options,
            } => {
                write!(f, "CREATE FOREIGN TABLE {name} (")?;
                for (i, (column, column_options)) in columns.iter().enumerate() {
                    let sep = if i + 1 < columns.len() { "," } else { "" };
                    f.write_str("\n    ")?;
                    column.write(f, column_options)?;
                    f.write_str(sep)?;
                }
                f.write_str(if columns.is_empty() { ")" } else { "\n)" })?;
                write!(f, " SERVER {server}")?;
                write_options(f, options)
            }
            Stmt::AlterForeignTableOptions {
                table,
                column,
                options,
            } => {
                write!(f, "ALTER FOREIGN TABLE {table}")?;
                if let Some(column) = column {
                    write!(f, " ALTER COLUMN {column}")?;
                }
                write_option_changes(f, options)
            }
            Stmt::CreateUserMapping {
                role,
                server,
                options,
            } => {
                write!(f, "CREATE USER MAPPING FOR {role} SERVER {server}")?;
                write_options(f, options)
            }
            Stmt::AlterUserMapping {
                role,
                server,
                options,
            } => {
                write!(f, "ALTER USER MAPPING FOR {role} SERVER {server}")?;
                write_option_changes(f, options)
            }
            Stmt::DropUserMapping { role, server } => {
                write!(f, "DROP USER MAPPING FOR {role} SERVER {server}")
            }
            Stmt::DropCast { source, target } => write!(f, "DROP CAST ({source} AS {target})"),
            Stmt::CreateOperator(operator) => write!(f, "{operator}"),
            Stmt::CreateOpFamily { name, method } => {
                write!(f, "CREATE OPERATOR FAMILY {name} USING {method}")
            }
            Stmt::AlterOpFamily {
                family,
                add,
                members,
            } => {
                if *add {
                    let members: Vec<MemberSql<'_>> = members.iter().map(MemberSql).collect();
                    write!(f, "ALTER {family} ADD ")?;
                    write_list(f, &members)
                } else {
                    let members: Vec<MemberKeySql<'_>> = members.iter().map(MemberKeySql).collect();
                    write!(f, "ALTER {family} DROP ")?;
                    write_list(f, &members)
                }
            }
            Stmt::CreateOpClass(class) => write!(f, "{class}"),
            Stmt::DropUsing(object) => write!(f, "DROP {object}"),
            Stmt::DropOperator(operator) => write!(f, "DROP OPERATOR {operator}"),
            Stmt::AlterOperatorEstimators {
                operator,
                restrict,
                join,
            } => {
                let none = ServerSql("NONE".into());
                write!(
                    f,
                    "ALTER OPERATOR {operator} SET (RESTRICT = {}, JOIN = {})",
                    restrict.as_ref().unwrap_or(&none),
                    join.as_ref().unwrap_or(&none)
                )
            }
            Stmt::CreateOfFunctions { object, functions } => {
                write!(f, "CREATE {object} (")?;
                for (i, (part, function)) in functions.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{part} = {function}")?;
                }
                f.write_str(")")
            }
            Stmt::CreateTsDictionary(dictionary) => {
                write!(
                    f,
                    "CREATE TEXT SEARCH DICTIONARY {} (TEMPLATE = {}",
                    dictionary.name, dictionary.template
                )?;
                if !dictionary.options.is_empty() {
                    write!(f, ", {}", DictOptions(&dictionary.options))?;
                }
                f.write_str(")")
            }
            Stmt::AlterTsDictionary { name, options } => write!(
                f,
                "ALTER TEXT SEARCH DICTIONARY {name} ({})",
                DictOptions(options)
            ),
            Stmt::CreateTsConfig { name, parser } => write!(
                f,
                "CREATE TEXT SEARCH CONFIGURATION {name} (PARSER = {parser})"
            ),
            Stmt::AlterTsConfig { name, change } => {
                write!(f, "ALTER TEXT SEARCH CONFIGURATION {name} {change}")
            }
            Stmt::RenameFunction {
                name,
                args,
                new_name,
            } => {
                write!(f, "ALTER FUNCTION {name}(")?;
                write_list(f, args)?;
                write!(f, ") RENAME TO {new_name}")
            }
            Stmt::CreateDomain(domain) => {
                write!(f, "CREATE DOMAIN {} AS {}", domain.name, domain.base_type)?;
                if let Some(collation) = &domain.collation {
                    write!(f, " COLLATE {collation}")?;
                }
                if let Some(default) = &domain.default {
                    write!(f, " DEFAULT {default}")?;
                }
                if domain.not_null {
                    f.write_str(" NOT NULL")?;
                }
                Ok(())
            }
            Stmt::AlterDomain { name, action } => write!(f, "ALTER DOMAIN {name} {action}"),
            Stmt::CreateSequence {
                name,
                options,
                unlogged,
            } => {
                let options = Options {
                    options,
                    with_type: true,
                };
                let unlogged = if *unlogged { "UNLOGGED " } else { "" };
                write!(f, "CREATE {unlogged}SEQUENCE {name} {options}")
            }
            Stmt::AlterSequence { name, options } => write!(
                f,
                "ALTER SEQUENCE {name} AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} \
                 START WITH {} CACHE {} {}",
                options.data_type,
                options.increment,
                options.min_value,
                options.max_value,
                options.start,
                options.cache,
                if options.cycle { "CYCLE" } else { "NO CYCLE" }
            ),
            Stmt::AlterSequenceOwnedBy { name, owner } => match owner {
                Some(owner) => write!(
                    f,
                    "ALTER SEQUENCE {name} OWNED BY {}.{}",
                    owner.table,
                    quote_ident(&owner.column)
                ),
                None => write!(f, "ALTER SEQUENCE {name} OWNED BY NONE"),
            },
            Stmt::DropSequence(name) => write!(f, "DROP SEQUENCE {name}"),
            Stmt::SyncSequenceToColumn {
                sequence,
                table,
                column,
            } => write!(
                f,
                "SELECT pg_catalog.setval({sequence_literal}, max({column})) FROM {table} \
                 HAVING max({column}) >= (SELECT seqmin FROM pg_catalog.pg_sequence \
                 WHERE seqrelid = {sequence_literal}::pg_catalog.regclass)",
                sequence_literal = Literal(sequence.to_string())
            ),
            Stmt::SequenceAtLeast { name, value } => write!(
                f,
                "SELECT pg_catalog.setval({}, {value}, false) FROM {name} WHERE last_value < {value}",
                Literal(name.to_string())
            ),
            Stmt::SequenceAtMost { name, value } => write!(
                f,
                "SELECT pg_catalog.setval({}, {value}, true) FROM {name} WHERE last_value > {value}",
                Literal(name.to_string())
            ),
            Stmt::CreateTable {
                name,
                unlogged,
                columns,
                partition_of,
                inherits,
                partition_by,
                options,
                of_type,
            } => {
                let unlogged = if *unlogged { "UNLOGGED " } else { "" };
                write!(f, "CREATE {unlogged}TABLE {name}")?;
                if let Some((parent, bound)) = partition_of {
                    write!(f, " PARTITION OF {parent} {bound}")?;
                } else if let Some(of_type) = of_type {
                    write!(f, " OF {of_type}")?;
                } else {
                    f.write_str(" (")?;
                    for (i, column) in columns.iter().enumerate() {
                        let sep = if i + 1 < columns.len() { "," } else { "" };
                        write!(f, "\n    {column}{sep}")?;
                    }
                    f.write_str(if columns.is_empty() { ")" } else { "\n)" })?;
                }
                if !inherits.is_empty() {
                    let parents: Vec<String> = inherits.iter().map(ToString::to_string).collect();
                    write!(f, " INHERITS ({})", parents.join(", "))?;
                }
                if let Some(key) = partition_by {
                    write!(f, " PARTITION BY {key}")?;
                }
                if !options.0.is_empty() {
                    write!(f, " WITH {options}")?;
                }
                Ok(())
            }
            Stmt::AlterTable { table, action } => write!(f, "ALTER TABLE {table} {action}"),
            Stmt::DropTable(name) => write!(f, "DROP TABLE {name}"),
            Stmt::LockTable(name) => write!(f, "LOCK TABLE {name} IN ACCESS EXCLUSIVE MODE"),
            Stmt::CopyRows {
                from,
                into,
                columns,
                overriding,
            } => {
                let list = columns
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                let overriding = if *overriding {
                    " OVERRIDING SYSTEM VALUE"
                } else {
                    ""
                };
                write!(
                    f,
                    "INSERT INTO {into} ({list}){overriding} SELECT {list} FROM {from}"
                )
            }
            Stmt::CopySequenceState { from, into } => write!(
                f,
                "SELECT pg_catalog.setval({}, last_value, is_called) FROM {from}",
                Literal(into.to_string())
            ),
            Stmt::CreateIndex(definition) => write!(f, "{definition}"),
            Stmt::CreateIndexConcurrently(definition) => {
                let (head, tail) = split_after_index_keyword(&definition.0);
                write!(f, "{head} CONCURRENTLY{tail}")
            }
            Stmt::DropIndex(name) => write!(f, "DROP INDEX {name}"),
            Stmt::DropIndexConcurrently { name, if_exists } => {
                let if_exists = if *if_exists { "IF EXISTS " } else { "" };
                write!(f, "DROP INDEX CONCURRENTLY {if_exists}{name}")
            }
            Stmt::CreateView {
                name,
                materialized,
                or_replace,
                options,
                query,
            } => {
                let kind = if *materialized {
                    "MATERIALIZED VIEW"
                } else {
                    "VIEW"
                };
                let or_replace = if *or_replace { "OR REPLACE " } else { "" };
                write!(f, "CREATE {or_replace}{kind} {name}")?;
                if !options.0.is_empty() {
                    write!(f, " WITH {options}")?;
                }
                write!(f, " AS\n{query}")
            }
            Stmt::DropView { name, materialized } => {
                let kind = if *materialized {
                    "MATERIALIZED VIEW"
                } else {
                    "VIEW"
                };
                write!(f, "DROP {kind} {name}")
            }
            Stmt::CreateFunction(definition) => write!(f, "{definition}"),
            Stmt::DropFunction { kind, name, args } => {
                write!(f, "DROP {} {name}({args})", function_keyword(*kind))
            }
            Stmt::CreateTrigger(definition) => write!(f, "{definition}"),
            Stmt::Deparsed(definition) => write!(f, "{definition}"),
            Stmt::AlterObject { object, action } => write!(f, "ALTER {object} {action}"),
            Stmt::Rename(rename) => write!(f, "{rename}"),
            Stmt::Park(park) => write!(f, "{park}"),
            Stmt::DropObject(object) => write!(f, "DROP {object}"),
            Stmt::DropOn(object) => write!(f, "DROP {object}"),
            Stmt::CreatePolicy(policy) => write!(f, "{policy}"),
            Stmt::AlterPolicy(change) => write!(f, "{change}"),
            Stmt::DropTrigger { table, name } => write!(f, "DROP TRIGGER {name} ON {table}"),
            Stmt::CreateSyncFunction(function) => write!(f, "{function}"),
            Stmt::CreateSyncTrigger(trigger) => write!(f, "{trigger}"),
            Stmt::Backfill(backfill) => write!(f, "{backfill}"),
            Stmt::Comment { target, text } => match text {
                Some(text) => write!(f, "COMMENT ON {target} IS {text}"),
                None => write!(f, "COMMENT ON {target} IS NULL"),
            },
            Stmt::AlterOwner { object, owner } => write!(f, "ALTER {object} OWNER TO {owner}"),
            Stmt::Grant(grant) => {
                grant.write_defaults(f)?;
                f.write_str("GRANT ")?;
                grant.write_privileges(f)?;
                write!(f, " ON {} TO {}", grant.target, grant.role)?;
                if grant.grant_option {
                    f.write_str(" WITH GRANT OPTION")?;
                }
                Ok(())
            }
            Stmt::Revoke(revoke) => {
                revoke.write_defaults(f)?;
                f.write_str("REVOKE ")?;
                if revoke.grant_option {
                    f.write_str("GRANT OPTION FOR ")?;
                }
                revoke.write_privileges(f)?;
                write!(f, " ON {} FROM {}", revoke.target, revoke.role)
            }
        }
    }
}

fn write_list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

/// A `CREATE [UNIQUE] INDEX` statement split after its `INDEX` keyword, as
/// `pg_get_indexdef` prints it, so that `CONCURRENTLY` can go in between.
/// A statement of another shape (which the catalog never holds) is split
/// at its end, so that what is written fails rather than runs as
/// something else.
fn split_after_index_keyword(definition: &str) -> (&str, &str) {
    let at = super::lex::tokenize(definition)
        .iter()
        .take(3)
        .find(|token| {
            token.kind == super::lex::TokenKind::Word && token.text.eq_ignore_ascii_case("INDEX")
        })
        .map(super::lex::Token::end);
    match at {
        Some(at) => definition.split_at(at),
        None => (definition, ""),
    }
}

/// The `CREATE UNIQUE INDEX` statement of a key over plain columns, as
/// `pg_get_indexdef` prints it: what `--online` builds concurrently before
/// the key takes it over with `USING INDEX`.
pub fn unique_index_definition(
    name: &str,
    table: &QualName,
    columns: &[String],
    nulls_distinct: bool,
) -> ServerSql {
    let columns: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
    let nulls = if nulls_distinct {
        ""
    } else {
        " NULLS NOT DISTINCT"
    };
    ServerSql(format!(
        "CREATE UNIQUE INDEX {} ON {table} USING btree ({}){nulls}",
        quote_ident(name),
        columns.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names are quoted part by part and values are literals, whatever a
    /// snapshot holds; a toast parameter keeps its namespace.
    #[test]
    fn storage_parameters_are_quoted() {
        let params = StorageParams(vec![
            "fillfactor=70".to_owned(),
            "toast.autovacuum_enabled=false".to_owned(),
            "x'); DROP TABLE t; --=it's".to_owned(),
        ]);
        assert_eq!(
            params.to_string(),
            "(fillfactor='70', toast.autovacuum_enabled='false', \"x'); DROP TABLE t; --\"='it''s')"
        );
        let names = ParamNames(vec!["fillfactor".to_owned(), "toast.Odd\"name".to_owned()]);
        assert_eq!(names.to_string(), "(fillfactor, toast.\"Odd\"\"name\")");
        let identity = Stmt::AlterTable {
            table: QualName::new("public", "t"),
            action: TableAction::ReplicaIdentity(IdentitySpec::UsingIndex(Ident(
                "i\n--".to_owned(),
            ))),
        };
        assert_eq!(
            identity.to_string(),
            "ALTER TABLE public.t REPLICA IDENTITY USING INDEX \"i\n--\""
        );
    }
}
