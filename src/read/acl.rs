//! The SQL fragment that reads an object's privileges.

/// An object's ACL as JSON text, relative to its default: an array of
/// `[sign, who, role, privilege, grantable]`, where `sign` is `+` for an
/// entry the default lacks and `-` for one of the default that is gone,
/// `who` is `p` for `PUBLIC`, `o` for the object's owner and `r` for
/// another role (named by `role`), and `privilege` is as `aclexplode`
/// names it. The grantor is left out. NULL when the ACL is NULL, which is
/// the default, not "no privileges", and costs no `aclexplode`.
///
/// `$acl` is the ACL column, `$owner` the owner's OID and `$base` the
/// default: `acldefault` for the kind and owner, or what the object was
/// created with (`pg_init_privs`, for `public`). `aclexplode` refuses an
/// empty array (no privileges at all), hence `NULLIF`.
macro_rules! acl_json {
    ($acl:literal, $owner:literal, $base:literal) => {
        concat!(
            "CASE WHEN ",
            $acl,
            " IS NOT NULL THEN (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(d.sign, ",
            "CASE WHEN d.grantee = 0 THEN 'p' WHEN d.grantee = ",
            $owner,
            " THEN 'o' ELSE 'r' END, ",
            "CASE WHEN d.grantee <> 0 AND d.grantee <> ",
            $owner,
            " THEN pg_catalog.pg_get_userbyid(d.grantee)::pg_catalog.text END, ",
            "d.privilege_type, d.is_grantable) ",
            "ORDER BY d.sign, d.grantee, d.privilege_type, d.is_grantable)::pg_catalog.text ",
            "FROM (SELECT '+' AS sign, x.* FROM (",
            "SELECT a.grantee, a.privilege_type, a.is_grantable ",
            "FROM pg_catalog.aclexplode(NULLIF(",
            $acl,
            ", '{}')) a EXCEPT SELECT a.grantee, a.privilege_type, a.is_grantable ",
            "FROM pg_catalog.aclexplode(NULLIF(",
            $base,
            ", '{}')) a) x UNION ALL SELECT '-', y.* FROM (",
            "SELECT a.grantee, a.privilege_type, a.is_grantable ",
            "FROM pg_catalog.aclexplode(NULLIF(",
            $base,
            ", '{}')) a EXCEPT SELECT a.grantee, a.privilege_type, a.is_grantable ",
            "FROM pg_catalog.aclexplode(NULLIF(",
            $acl,
            ", '{}')) a) y) d) END"
        )
    };
}
