-- will fail: varchar(64) -> varchar(20) over 2 long values, bigint -> integer over 1, numeric(10,4) -> numeric(4,2) over 2 (one only once rounded), which also rounds 3
create table accounts (
    id integer primary key,
    username varchar(20) not null,
    points integer,
    ratio numeric(4,2)
);
