create table contacts (
    id integer primary key,
    name text,
    phone text
);
