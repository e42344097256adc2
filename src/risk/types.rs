//! What a column type change does to the rows: whether PostgreSQL rewrites
//! the table, which values no longer fit (the statement fails on them), and
//! which values silently change (rounding).
//!
//! Types come as `format_type` prints them (`character varying(20)`,
//! `numeric(12,2)`, `timestamp(3) with time zone`, `public.mood[]`). The
//! rewrite rules follow `ALTER TABLE … SET DATA TYPE` in the PostgreSQL
//! documentation: no rewrite when the old type is binary coercible to the
//! new one, which covers `varchar(n)` → `varchar(m ≥ n)`, `varchar` → `text`,
//! `numeric(p,s)` → `numeric(p' ≥ p,s)` or unconstrained `numeric`, a
//! longer or unconstrained `timestamp`/`time`/`interval` precision, and
//! `cidr` → `inet`.

/// A column type, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlType {
    pub kind: Kind,
    /// An array of `kind`.
    pub array: bool,
}

/// The type families the rules know; everything else is `Other`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Text,
    Varchar(Option<i64>),
    Char(Option<i64>),
    /// An integer type, by its size in bytes (2, 4 or 8).
    Int(u8),
    /// `numeric(precision, scale)`, or unconstrained.
    Numeric(Option<(i32, i32)>),
    /// `real` (4) or `double precision` (8).
    Float(u8),
    Timestamp {
        tz: bool,
        precision: Option<i64>,
    },
    Time {
        tz: bool,
        precision: Option<i64>,
    },
    Date,
    Cidr,
    Inet,
    VarBit(Option<i64>),
    Boolean,
    Uuid,
    /// `json`, or `jsonb` when `binary`.
    Json {
        binary: bool,
    },
    /// The `citext` extension's type, in whatever schema: a string type
    /// whose casts to other types go through its text.
    CiText,
    Other(String),
}

impl SqlType {
    pub fn parse(text: &str) -> SqlType {
        let mut rest = text.trim();
        let mut array = false;
        while let Some(inner) = rest.strip_suffix("[]") {
            array = true;
            rest = inner.trim_end();
        }
        // A quoted name may hold anything; only the plain built-in names
        // below carry type modifiers.
        let (base, mods) = match (rest.find('('), rest.find(')')) {
            (Some(open), Some(close)) if open < close && !rest.contains('"') => {
                let mods: Option<Vec<i64>> = rest[open + 1..close]
                    .split(',')
                    .map(|m| m.trim().parse().ok())
                    .collect();
                let base = format!("{}{}", rest[..open].trim_end(), &rest[close + 1..]);
                (base, mods.unwrap_or_default())
            }
            _ => (rest.to_owned(), Vec::new()),
        };
        let first = mods.first().copied();
        let kind = match base.as_str() {
            "text" => Kind::Text,
            "character varying" => Kind::Varchar(first),
            "character" | "bpchar" => Kind::Char(first),
            "smallint" => Kind::Int(2),
            "integer" => Kind::Int(4),
            "bigint" => Kind::Int(8),
            "numeric" => Kind::Numeric(match mods.as_slice() {
                [p] => Some((*p as i32, 0)),
                [p, s] => Some((*p as i32, *s as i32)),
                _ => None,
            }),
            "real" => Kind::Float(4),
            "double precision" => Kind::Float(8),
            "timestamp without time zone" => Kind::Timestamp {
                tz: false,
                precision: first,
            },
            "timestamp with time zone" => Kind::Timestamp {
                tz: true,
                precision: first,
            },
            "time without time zone" => Kind::Time {
                tz: false,
                precision: first,
            },
            "time with time zone" => Kind::Time {
                tz: true,
                precision: first,
            },
            "date" => Kind::Date,
            "cidr" => Kind::Cidr,
            "inet" => Kind::Inet,
            "bit varying" => Kind::VarBit(first),
            "boolean" => Kind::Boolean,
            "uuid" => Kind::Uuid,
            "json" => Kind::Json { binary: false },
            "jsonb" => Kind::Json { binary: true },
            // Unquoted, so a plain name in a plain schema.
            name if name.rsplit('.').next() == Some("citext") && !name.contains('"') => {
                Kind::CiText
            }
            _ => Kind::Other(text.trim().to_owned()),
        };
        SqlType { kind, array }
    }
}

/// Whether a type change rewrites the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rewrite {
    No,
    Yes,
    /// `timestamp` ↔ `timestamptz`: PostgreSQL 12 and later skip the
    /// rewrite when the session's `TimeZone` is UTC.
    UnlessUtc,
}

/// Values of the old type that the new type refuses: the statement fails
/// on them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Narrowing {
    /// Longer than `n` characters.
    Length(i64),
    /// Outside an integer range; `round` when the old values have
    /// fractions, which the cast rounds first.
    Range { min: i64, max: i64, round: bool },
    /// More than `digits` digits before the decimal point once rounded to
    /// `scale` decimals.
    Digits { digits: i32, scale: i32 },
    /// Text that the new type's input function may refuse: the cast from
    /// a string type hands it the old value's text. `padded` for
    /// `character(n)`, whose text keeps its trailing spaces.
    Input { target: Input, padded: bool },
    /// Values that may not convert at all, for reasons pgrift does not
    /// measure.
    Conversion,
}

/// A type whose input a conversion from a string type must pass, as far
/// as the probes check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// An integer type, by its size in bytes (2, 4 or 8).
    Int(u8),
    /// `numeric(precision, scale)`, or unconstrained.
    Numeric(Option<(i32, i32)>),
    Boolean,
    Uuid,
    /// `date`, `timestamp`, `timestamptz`: their input also depends on the
    /// session's `DateStyle` and `TimeZone`, which the probes share with
    /// the script when both run with FROM's defaults.
    DateTime,
    /// `json`, `jsonb`.
    Json,
}

impl Input {
    /// What the probes check for a conversion to `kind`, if anything.
    fn of(kind: &Kind) -> Option<Input> {
        Some(match kind {
            Kind::Int(bytes) => Input::Int(*bytes),
            Kind::Numeric(typmod) => Input::Numeric(*typmod),
            Kind::Boolean => Input::Boolean,
            Kind::Uuid => Input::Uuid,
            Kind::Date | Kind::Timestamp { .. } => Input::DateTime,
            Kind::Json { .. } => Input::Json,
            _ => return None,
        })
    }
}

/// Values of the old type that the new type changes without complaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loss {
    /// Rounded to `scale` decimals (0: to an integer).
    Rounds(i32),
    /// Fractional seconds cut to `precision` digits.
    SecondsPrecision(i64),
    /// The time of day is dropped.
    TimeOfDay,
    /// Floating-point precision is reduced.
    FloatPrecision,
}

/// What changing a column from one type to another does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversion {
    pub rewrite: Rewrite,
    pub narrowing: Option<Narrowing>,
    pub loss: Option<Loss>,
}

impl Conversion {
    fn new(rewrite: Rewrite) -> Self {
        Conversion {
            rewrite,
            narrowing: None,
            loss: None,
        }
    }

    fn narrows(mut self, narrowing: Narrowing) -> Self {
        self.narrowing = Some(narrowing);
        self
    }

    fn loses(mut self, loss: Loss) -> Self {
        self.loss = Some(loss);
        self
    }
}

/// The smallest and largest values of an integer type.
pub fn int_range(bytes: u8) -> (i64, i64) {
    match bytes {
        2 => (i16::MIN as i64, i16::MAX as i64),
        4 => (i32::MIN as i64, i32::MAX as i64),
        _ => (i64::MIN, i64::MAX),
    }
}

/// The digits of the largest value of an integer type.
fn int_digits(bytes: u8) -> i32 {
    match bytes {
        2 => 5,
        4 => 10,
        _ => 19,
    }
}

/// Whether the precision `new` holds every value of precision `old`
/// (`None`: unconstrained, the most precise).
fn holds(old: Option<i64>, new: Option<i64>) -> bool {
    match (old, new) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(a), Some(b)) => b >= a,
    }
}

/// What changing a column from `old` to `new` does. `old` and `new` are
/// `format_type` strings and differ.
pub fn convert(old: &str, new: &str) -> Conversion {
    use Kind::*;
    let (a, b) = (SqlType::parse(old), SqlType::parse(new));
    if a.array != b.array {
        return Conversion::new(Rewrite::Yes).narrows(Narrowing::Conversion);
    }
    let rewrite_unless = |same: bool| if same { Rewrite::No } else { Rewrite::Yes };
    match (&a.kind, &b.kind) {
        (Varchar(n), Varchar(m)) => {
            let fits = holds(*n, *m);
            let c = Conversion::new(rewrite_unless(fits));
            match m {
                Some(m) if !fits => c.narrows(Narrowing::Length(*m)),
                _ => c,
            }
        }
        (Text | Varchar(_), Text) | (Text, Varchar(None)) => Conversion::new(Rewrite::No),
        (Text | Char(_), Varchar(Some(m))) | (Text | Varchar(_), Char(Some(m))) => {
            Conversion::new(Rewrite::Yes).narrows(Narrowing::Length(*m))
        }
        (Char(n), Char(m)) => {
            let c = Conversion::new(Rewrite::Yes);
            match m {
                Some(m) if !holds(*n, Some(*m)) => c.narrows(Narrowing::Length(*m)),
                _ => c,
            }
        }
        (Char(_), Text | Varchar(None)) => Conversion::new(Rewrite::Yes),
        (Int(x), Int(y)) => {
            let c = Conversion::new(Rewrite::Yes);
            if y < x {
                let (min, max) = int_range(*y);
                c.narrows(Narrowing::Range {
                    min,
                    max,
                    round: false,
                })
            } else {
                c
            }
        }
        (Int(x), Numeric(Some((p, s)))) => {
            let c = Conversion::new(Rewrite::Yes);
            if p - s < int_digits(*x) {
                c.narrows(Narrowing::Digits {
                    digits: p - s,
                    scale: *s,
                })
            } else {
                c
            }
        }
        (Numeric(old_mod), Numeric(new_mod)) => match (old_mod, new_mod) {
            (_, None) => Conversion::new(Rewrite::No),
            (Some((p, s)), Some((p2, s2))) => {
                let rewrite = rewrite_unless(s2 == s && p2 >= p);
                let mut c = Conversion::new(rewrite);
                if p2 - s2 < p - s {
                    c = c.narrows(Narrowing::Digits {
                        digits: p2 - s2,
                        scale: *s2,
                    });
                }
                if s2 < s {
                    c = c.loses(Loss::Rounds(*s2));
                }
                c
            }
            (None, Some((p2, s2))) => Conversion::new(Rewrite::Yes)
                .narrows(Narrowing::Digits {
                    digits: p2 - s2,
                    scale: *s2,
                })
                .loses(Loss::Rounds(*s2)),
        },
        (Numeric(_) | Float(_), Int(y)) => {
            let (min, max) = int_range(*y);
            Conversion::new(Rewrite::Yes)
                .narrows(Narrowing::Range {
                    min,
                    max,
                    round: true,
                })
                .loses(Loss::Rounds(0))
        }
        (Float(_), Numeric(Some((p, s)))) => Conversion::new(Rewrite::Yes)
            .narrows(Narrowing::Digits {
                digits: p - s,
                scale: *s,
            })
            .loses(Loss::Rounds(*s)),
        (Float(8), Float(4)) => Conversion::new(Rewrite::Yes)
            .narrows(Narrowing::Conversion)
            .loses(Loss::FloatPrecision),
        (Int(_) | Numeric(_) | Float(_), Numeric(None) | Float(_)) => Conversion::new(Rewrite::Yes),
        (
            Timestamp {
                tz: tz_a,
                precision: p,
            },
            Timestamp {
                tz: tz_b,
                precision: q,
            },
        )
        | (
            Time {
                tz: tz_a,
                precision: p,
            },
            Time {
                tz: tz_b,
                precision: q,
            },
        ) => {
            let fits = holds(*p, *q);
            let rewrite = if tz_a != tz_b {
                if matches!(a.kind, Timestamp { .. }) {
                    Rewrite::UnlessUtc
                } else {
                    Rewrite::Yes
                }
            } else {
                rewrite_unless(fits)
            };
            let c = Conversion::new(rewrite);
            match q {
                Some(q) if !fits => c.loses(Loss::SecondsPrecision(*q)),
                _ => c,
            }
        }
        (Timestamp { .. }, Date) => Conversion::new(Rewrite::Yes).loses(Loss::TimeOfDay),
        (Date, Timestamp { .. }) => Conversion::new(Rewrite::Yes),
        (Cidr, Inet) => Conversion::new(Rewrite::No),
        (VarBit(n), VarBit(m)) => {
            let fits = holds(*n, *m);
            let c = Conversion::new(rewrite_unless(fits));
            if fits {
                c
            } else {
                c.narrows(Narrowing::Conversion)
            }
        }
        // Anything converts to unconstrained text without failing.
        (_, Text | Varchar(None)) => Conversion::new(Rewrite::Yes),
        (Text | Varchar(_) | Char(_) | CiText, target) if let Some(target) = Input::of(target) => {
            Conversion::new(Rewrite::Yes).narrows(Narrowing::Input {
                target,
                padded: matches!(a.kind, Char(_)),
            })
        }
        _ => Conversion::new(Rewrite::Yes).narrows(Narrowing::Conversion),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        old: &str,
        new: &str,
        rewrite: Rewrite,
        narrowing: Option<Narrowing>,
        loss: Option<Loss>,
    ) {
        assert_eq!(
            convert(old, new),
            Conversion {
                rewrite,
                narrowing,
                loss
            },
            "{old} -> {new}"
        );
    }

    #[test]
    fn parses_format_type_output() {
        assert_eq!(
            SqlType::parse("character varying(20)[]"),
            SqlType {
                kind: Kind::Varchar(Some(20)),
                array: true
            }
        );
        assert_eq!(
            SqlType::parse("timestamp(3) with time zone").kind,
            Kind::Timestamp {
                tz: true,
                precision: Some(3)
            }
        );
        assert_eq!(
            SqlType::parse("numeric(12,2)").kind,
            Kind::Numeric(Some((12, 2)))
        );
        assert_eq!(
            SqlType::parse("public.\"My(type)\"").kind,
            Kind::Other("public.\"My(type)\"".into())
        );
    }

    #[test]
    fn binary_coercible_changes_do_not_rewrite() {
        use Rewrite::*;
        check(
            "character varying(20)",
            "character varying(64)",
            No,
            None,
            None,
        );
        check("character varying(20)", "character varying", No, None, None);
        check("character varying", "text", No, None, None);
        check("character varying(20)", "text", No, None, None);
        check("text", "character varying", No, None, None);
        check("numeric(10,2)", "numeric(12,2)", No, None, None);
        check("numeric(10,2)", "numeric", No, None, None);
        check("cidr", "inet", No, None, None);
        check(
            "timestamp(3) without time zone",
            "timestamp(6) without time zone",
            No,
            None,
            None,
        );
    }

    #[test]
    fn other_changes_rewrite() {
        use Rewrite::*;
        check("integer", "bigint", Yes, None, None);
        check("numeric(10,2)", "numeric(12,4)", Yes, None, None);
        check("character(2)", "character(3)", Yes, None, None);
        check("character(2)", "text", Yes, None, None);
        check("inet", "cidr", Yes, Some(Narrowing::Conversion), None);
        check(
            "timestamp without time zone",
            "timestamp with time zone",
            UnlessUtc,
            None,
            None,
        );
        check("integer", "text", Yes, None, None);
        check(
            "text",
            "integer",
            Yes,
            Some(Narrowing::Input {
                target: Input::Int(4),
                padded: false,
            }),
            None,
        );
        check(
            "character(40)",
            "uuid",
            Yes,
            Some(Narrowing::Input {
                target: Input::Uuid,
                padded: true,
            }),
            None,
        );
        check(
            "public.citext",
            "numeric(5,2)",
            Yes,
            Some(Narrowing::Input {
                target: Input::Numeric(Some((5, 2))),
                padded: false,
            }),
            None,
        );
        check("text", "inet", Yes, Some(Narrowing::Conversion), None);
    }

    #[test]
    fn narrowing_and_loss() {
        use Rewrite::*;
        check(
            "character varying(64)",
            "character varying(20)",
            Yes,
            Some(Narrowing::Length(20)),
            None,
        );
        check(
            "text",
            "character varying(20)",
            Yes,
            Some(Narrowing::Length(20)),
            None,
        );
        check(
            "character(3)",
            "character(2)",
            Yes,
            Some(Narrowing::Length(2)),
            None,
        );
        check(
            "bigint",
            "integer",
            Yes,
            Some(Narrowing::Range {
                min: -2147483648,
                max: 2147483647,
                round: false,
            }),
            None,
        );
        check(
            "numeric(14,4)",
            "numeric(12,2)",
            Yes,
            None,
            Some(Loss::Rounds(2)),
        );
        check(
            "numeric(14,4)",
            "numeric(8,4)",
            Yes,
            Some(Narrowing::Digits {
                digits: 4,
                scale: 4,
            }),
            None,
        );
        check(
            "numeric",
            "numeric(8,2)",
            Yes,
            Some(Narrowing::Digits {
                digits: 6,
                scale: 2,
            }),
            Some(Loss::Rounds(2)),
        );
        check("integer", "numeric(12,2)", Yes, None, None);
        check(
            "bigint",
            "numeric(12,2)",
            Yes,
            Some(Narrowing::Digits {
                digits: 10,
                scale: 2,
            }),
            None,
        );
        check(
            "double precision",
            "integer",
            Yes,
            Some(Narrowing::Range {
                min: -2147483648,
                max: 2147483647,
                round: true,
            }),
            Some(Loss::Rounds(0)),
        );
        check(
            "timestamp(6) with time zone",
            "timestamp(0) with time zone",
            Yes,
            None,
            Some(Loss::SecondsPrecision(0)),
        );
        check(
            "timestamp with time zone",
            "date",
            Yes,
            None,
            Some(Loss::TimeOfDay),
        );
    }
}
