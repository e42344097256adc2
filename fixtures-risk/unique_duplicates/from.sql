create table users (
    id integer primary key,
    email text,
    tenant integer,
    code text
);
