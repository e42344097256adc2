create table items (
    id integer primary key,
    code text,
    active text,
    ref character(40)
);
