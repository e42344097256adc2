create table accounts (
    id integer primary key,
    username varchar(64) not null,
    points bigint,
    ratio numeric(10,4)
);
