//! The names and small values that the catalog model and the statement
//! model share: a schema-qualified name, a column reference, the options of
//! a sequence, the roles a policy names, and the enumerations that
//! statements spell out. They sit below `sql`, which renders them, and
//! below `catalog`, which holds them.

use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::quote::quote_ident;

/// A name held by a catalog identity. Names up to 24 bytes (nearly every
/// identifier) are stored inline, without an allocation of their own; a
/// catalog of 10,000 tables holds hundreds of thousands of them.
pub type Name = CompactString;

/// A schema-qualified name. Displays quoted, as SQL (`public."Users"`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QualName {
    pub schema: Name,
    pub name: Name,
}

impl QualName {
    pub fn new(schema: impl Into<Name>, name: impl Into<Name>) -> Self {
        QualName {
            schema: schema.into(),
            name: name.into(),
        }
    }
}

impl QualName {
    /// The name a recreated type (an enum, a domain) takes while its
    /// columns move to the new one, kept within PostgreSQL's 63-byte limit
    /// on identifiers.
    pub fn set_aside(&self) -> QualName {
        self.suffixed("__pgrift_old")
    }

    /// The name under which the copy of a table partitioned anew (and each
    /// of its partitions and identity sequences) is built, before it takes
    /// this one.
    pub fn copy_name(&self) -> QualName {
        self.suffixed("__pgrift_new")
    }

    fn suffixed(&self, suffix: &str) -> QualName {
        QualName::new(self.schema.clone(), with_suffix(&self.name, suffix))
    }
}

/// The longest name PostgreSQL keeps, in bytes.
pub const NAME_BYTES: usize = 63;

/// `name` with `suffix`, within the 63-byte limit. A name too long to take
/// the suffix whole is cut, and the cut one carries a digest of the whole
/// name: two long names that share their first bytes (two types recreated
/// by one script) must not end up as one name.
pub fn with_suffix(name: &str, suffix: &str) -> String {
    if name.len() + suffix.len() <= NAME_BYTES {
        return format!("{name}{suffix}");
    }
    let digest = short_digest(name);
    let room = NAME_BYTES - suffix.len() - digest.len() - 1;
    format!("{}_{digest}{suffix}", cut_to(name, room))
}

/// The first eight hex digits of the sha256 of `text`: what tells two cut
/// names apart.
pub fn short_digest(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..4])
}

/// The longest start of `text` of at most `bytes` bytes that ends on a
/// character boundary.
pub fn cut_to(text: &str, bytes: usize) -> &str {
    let mut end = bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl fmt::Display for QualName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}",
            quote_ident(&self.schema),
            quote_ident(&self.name)
        )
    }
}

/// The options shared by standalone sequences and identity columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceOptions {
    /// `smallint`, `integer` or `bigint`.
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub cache: i64,
    pub cycle: bool,
}

#[cfg(test)]
impl SequenceOptions {
    /// The options `CREATE SEQUENCE` gives a `bigint` sequence, for tests
    /// that build catalogs in code.
    pub fn bigint() -> SequenceOptions {
        SequenceOptions {
            data_type: "bigint".into(),
            start: 1,
            increment: 1,
            min_value: 1,
            max_value: i64::MAX,
            cache: 1,
            cycle: false,
        }
    }
}

/// A column of a table, named by table and column name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ColumnRef {
    pub table: QualName,
    pub column: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FunctionKind {
    Function,
    Procedure,
    /// An aggregate, which `DROP`, `COMMENT ON` and `ALTER … OWNER TO`
    /// name as `AGGREGATE` (but `GRANT` as a function).
    Aggregate,
}

impl FunctionKind {
    /// What a message calls it.
    pub fn noun(self) -> &'static str {
        match self {
            FunctionKind::Function => "function",
            FunctionKind::Procedure => "procedure",
            FunctionKind::Aggregate => "aggregate",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TriggerEnabled {
    /// `tgenabled = 'O'`: fires in origin and local modes (the default).
    Origin,
    /// `tgenabled = 'D'`.
    Disabled,
    /// `tgenabled = 'R'`.
    Replica,
    /// `tgenabled = 'A'`.
    Always,
}

impl TriggerEnabled {
    /// The state a `tgenabled` (or a rule's `ev_enabled`, which takes the
    /// same codes) holds; `None` for a code PostgreSQL does not use.
    pub fn from_code(code: char) -> Option<TriggerEnabled> {
        match code {
            'O' => Some(TriggerEnabled::Origin),
            'D' => Some(TriggerEnabled::Disabled),
            'R' => Some(TriggerEnabled::Replica),
            'A' => Some(TriggerEnabled::Always),
            _ => None,
        }
    }
}

/// What an aggregate's final function may do to its state
/// (`aggfinalmodify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FinalModify {
    ReadOnly,
    Shareable,
    ReadWrite,
}

/// An operator or support function of an operator family or class
/// (`pg_amop`, `pg_amproc`), by its number and the types it is for. The
/// operator and the function are text the server printed (`regoperator`,
/// `regprocedure`), as are the types (`format_type`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OpMember {
    /// `OPERATOR strategy operator(left,right)`, with the B-tree family
    /// that sorts its results for an ordering operator (`FOR ORDER BY`).
    Operator {
        strategy: i16,
        left: String,
        right: String,
        operator: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order_by: Option<QualName>,
    },
    /// `FUNCTION number (left, right) function(arguments)`.
    Function {
        number: i16,
        left: String,
        right: String,
        function: String,
    },
}

impl OpMember {
    /// The text of the member that the server printed, which a snapshot
    /// must hold in the shape of a fragment.
    pub fn server_text(&self) -> [&str; 3] {
        match self {
            OpMember::Operator {
                left,
                right,
                operator,
                ..
            } => [left, right, operator],
            OpMember::Function {
                left,
                right,
                function,
                ..
            } => [left, right, function],
        }
    }
}

/// One option of `CREATE AGGREGATE`, in the order it lists them. Functions
/// and types are text the server printed (`regproc`, `format_type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AggregateOption {
    SFunc(String),
    SType(String),
    SSpace(i32),
    FinalFunc(String),
    FinalFuncExtra,
    FinalFuncModify(FinalModify),
    CombineFunc(String),
    SerialFunc(String),
    DeserialFunc(String),
    /// A literal, which the state type's input function reads.
    InitCond(String),
    MSFunc(String),
    MInvFunc(String),
    MSType(String),
    MSSpace(i32),
    MFinalFunc(String),
    MFinalFuncExtra,
    MFinalFuncModify(FinalModify),
    MInitCond(String),
    /// The operator by its schema and symbol.
    SortOp {
        schema: String,
        operator: String,
    },
    ParallelSafe,
    ParallelRestricted,
    Hypothetical,
}

impl AggregateOption {
    /// The text of an option that the server printed (a function or a
    /// type), which a snapshot must hold in the shape of a fragment.
    pub fn server_text(&self) -> Option<&str> {
        match self {
            AggregateOption::SFunc(text)
            | AggregateOption::SType(text)
            | AggregateOption::FinalFunc(text)
            | AggregateOption::CombineFunc(text)
            | AggregateOption::SerialFunc(text)
            | AggregateOption::DeserialFunc(text)
            | AggregateOption::MSFunc(text)
            | AggregateOption::MInvFunc(text)
            | AggregateOption::MSType(text)
            | AggregateOption::MFinalFunc(text) => Some(text),
            _ => None,
        }
    }
}

/// How a cast converts (`pg_cast.castmethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CastMethod {
    /// `WITH FUNCTION` (`f`).
    Function,
    /// `WITH INOUT`, through the types' text forms (`i`).
    InOut,
    /// `WITHOUT FUNCTION`: the types are binary coercible (`b`).
    Binary,
}

/// Where a cast applies by itself (`pg_cast.castcontext`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CastContext {
    /// Only when written out (`e`).
    Explicit,
    /// Also in assignments, `AS ASSIGNMENT` (`a`).
    Assignment,
    /// Also in expressions, `AS IMPLICIT` (`i`).
    Implicit,
}

/// Which library a collation comes from (`pg_collation.collprovider`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CollationProvider {
    /// The C library's locales (`c`).
    Libc,
    /// ICU (`i`).
    Icu,
    /// PostgreSQL's own, from 17 (`b`).
    Builtin,
}

impl CollationProvider {
    /// The provider as `CREATE COLLATION … (PROVIDER = …)` spells it.
    pub fn keyword(self) -> &'static str {
        match self {
            CollationProvider::Libc => "libc",
            CollationProvider::Icu => "icu",
            CollationProvider::Builtin => "builtin",
        }
    }
}

/// What a table's replica identity is (`pg_class.relreplident`): the old
/// row values logical decoding records for an `UPDATE` or `DELETE`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ReplicaIdentity {
    /// `d`: the primary key's columns, if there is one.
    #[default]
    Default,
    /// `n`: nothing, and also `i` once its index is gone.
    Nothing,
    /// `f`: the whole row.
    Full,
    /// `i`: the columns of the index marked `indisreplident`, which the
    /// index (or the key constraint behind it) carries.
    Index,
}

impl ReplicaIdentity {
    /// The identity a `relreplident` holds, given whether an index of the
    /// table is marked as the identity; `None` for a code PostgreSQL does
    /// not use.
    pub fn from_code(code: char, has_index: bool) -> Option<ReplicaIdentity> {
        match code {
            'd' => Some(ReplicaIdentity::Default),
            'n' => Some(ReplicaIdentity::Nothing),
            'f' => Some(ReplicaIdentity::Full),
            'i' if has_index => Some(ReplicaIdentity::Index),
            'i' => Some(ReplicaIdentity::Nothing),
            _ => None,
        }
    }

    pub fn is_default(&self) -> bool {
        *self == ReplicaIdentity::Default
    }
}

/// How a column's values are stored (`pg_attribute.attstorage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Storage {
    /// `p`: inline, uncompressed.
    Plain,
    /// `e`: out of line, uncompressed.
    External,
    /// `x`: compressed, then out of line.
    Extended,
    /// `m`: compressed, out of line only as a last resort.
    Main,
}

impl Storage {
    /// The storage an `attstorage` or `typstorage` holds; `None` for a code
    /// PostgreSQL does not use.
    pub fn from_code(code: char) -> Option<Storage> {
        match code {
            'p' => Some(Storage::Plain),
            'e' => Some(Storage::External),
            'x' => Some(Storage::Extended),
            'm' => Some(Storage::Main),
            _ => None,
        }
    }
}

/// The compression method of a column (`pg_attribute.attcompression`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Compression {
    /// `p`.
    Pglz,
    /// `l`: only on a server built with lz4.
    Lz4,
}

impl Compression {
    /// The method an `attcompression` holds: `None` for the default (an
    /// empty code) and for a code PostgreSQL does not use.
    pub fn from_code(code: char) -> Option<Compression> {
        match code {
            'p' => Some(Compression::Pglz),
            'l' => Some(Compression::Lz4),
            _ => None,
        }
    }
}

/// The commands a policy applies to (`pg_policy.polcmd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyCommand {
    /// `*`: every command.
    All,
    /// `r`.
    Select,
    /// `a`.
    Insert,
    /// `w`.
    Update,
    /// `d`.
    Delete,
}

impl PolicyCommand {
    /// The command a `polcmd` holds; `None` for a code PostgreSQL does not
    /// use.
    pub fn from_code(code: char) -> Option<PolicyCommand> {
        match code {
            '*' => Some(PolicyCommand::All),
            'r' => Some(PolicyCommand::Select),
            'a' => Some(PolicyCommand::Insert),
            'w' => Some(PolicyCommand::Update),
            'd' => Some(PolicyCommand::Delete),
            _ => None,
        }
    }
}

/// A role a policy applies to: `PUBLIC` (every role, role OID 0), or one
/// role by name. Displays as SQL, the name quoted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Grantee {
    Public,
    Role(Name),
}

impl fmt::Display for Grantee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grantee::Public => f.write_str("PUBLIC"),
            Grantee::Role(name) => f.write_str(&quote_ident(name)),
        }
    }
}

/// The kinds of objects that default privileges are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DefaultObjects {
    Tables,
    Sequences,
    Functions,
    Types,
    Schemas,
}

impl DefaultObjects {
    /// The kind `pg_default_acl.defaclobjtype` names; `None` for one pgrift
    /// does not model (large objects, from PostgreSQL 18).
    pub fn from_code(code: char) -> Option<DefaultObjects> {
        Some(match code {
            'r' => DefaultObjects::Tables,
            'S' => DefaultObjects::Sequences,
            'f' => DefaultObjects::Functions,
            'T' => DefaultObjects::Types,
            'n' => DefaultObjects::Schemas,
            _ => return None,
        })
    }

    /// The word of `ON TABLES`, lower-cased, as an identity part.
    pub fn word(self) -> &'static str {
        match self {
            DefaultObjects::Tables => "tables",
            DefaultObjects::Sequences => "sequences",
            DefaultObjects::Functions => "functions",
            DefaultObjects::Types => "types",
            DefaultObjects::Schemas => "schemas",
        }
    }

    /// The kind of the lower-cased word.
    pub fn from_word(word: &str) -> Option<DefaultObjects> {
        [
            DefaultObjects::Tables,
            DefaultObjects::Sequences,
            DefaultObjects::Functions,
            DefaultObjects::Types,
            DefaultObjects::Schemas,
        ]
        .into_iter()
        .find(|objects| objects.word() == word)
    }
}

/// A privilege an ACL grants, as `GRANT` and `REVOKE` spell it. Only the
/// privileges of the objects pgrift models; a snapshot naming another one
/// does not load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Privilege {
    Select,
    Insert,
    Update,
    Delete,
    Truncate,
    References,
    Trigger,
    /// `MAINTAIN` (tables and materialized views, PostgreSQL 17 and later).
    Maintain,
    Execute,
    Usage,
    Create,
}

impl Privilege {
    /// The privilege `aclexplode` names (`SELECT`); `None` for one pgrift
    /// does not know.
    pub fn from_name(name: &str) -> Option<Privilege> {
        Some(match name {
            "SELECT" => Privilege::Select,
            "INSERT" => Privilege::Insert,
            "UPDATE" => Privilege::Update,
            "DELETE" => Privilege::Delete,
            "TRUNCATE" => Privilege::Truncate,
            "REFERENCES" => Privilege::References,
            "TRIGGER" => Privilege::Trigger,
            "MAINTAIN" => Privilege::Maintain,
            "EXECUTE" => Privilege::Execute,
            "USAGE" => Privilege::Usage,
            "CREATE" => Privilege::Create,
            _ => return None,
        })
    }

    pub fn keyword(self) -> &'static str {
        match self {
            Privilege::Select => "SELECT",
            Privilege::Insert => "INSERT",
            Privilege::Update => "UPDATE",
            Privilege::Delete => "DELETE",
            Privilege::Truncate => "TRUNCATE",
            Privilege::References => "REFERENCES",
            Privilege::Trigger => "TRIGGER",
            Privilege::Maintain => "MAINTAIN",
            Privilege::Execute => "EXECUTE",
            Privilege::Usage => "USAGE",
            Privilege::Create => "CREATE",
        }
    }
}

impl fmt::Display for Privilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aside_name(name: &str) -> String {
        QualName::new("public", name).set_aside().name.to_string()
    }

    #[test]
    fn aside_name_fits_63_bytes() {
        let long = "é".repeat(31);
        let aside = aside_name(&long);
        assert!(aside.len() <= 63);
        assert!(aside.ends_with("__pgrift_old"));
        assert_eq!(aside_name("mood"), "mood__pgrift_old");
    }

    #[test]
    fn long_names_sharing_their_start_are_set_aside_apart() {
        let a = format!("{}_e5", "n".repeat(60));
        let b = format!("{}_e9", "n".repeat(60));
        assert_ne!(aside_name(&a), aside_name(&b));
        assert!(aside_name(&a).len() <= 63 && aside_name(&b).len() <= 63);
    }

    #[test]
    fn enabled_codes() {
        for (code, expected) in [
            ('O', Some(TriggerEnabled::Origin)),
            ('D', Some(TriggerEnabled::Disabled)),
            ('R', Some(TriggerEnabled::Replica)),
            ('A', Some(TriggerEnabled::Always)),
            ('x', None),
        ] {
            assert_eq!(TriggerEnabled::from_code(code), expected, "{code}");
        }
    }
}
