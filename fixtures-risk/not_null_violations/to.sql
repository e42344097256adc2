-- will fail: SET NOT NULL over 2 NULLs, and a NOT NULL column without a default added to a table of 3 rows
create table contacts (
    id integer primary key,
    name text not null,
    phone text,
    email text not null
);
