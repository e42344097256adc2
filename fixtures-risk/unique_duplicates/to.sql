-- will fail: a unique constraint over 2 duplicate groups (NULLs do not collide) and a unique index over 1
create table users (
    id integer primary key,
    email text unique,
    tenant integer,
    code text
);
create unique index users_tenant_code_idx on users (tenant, code);
