-- will fail: text -> integer over 3 values ('abc', '4.5', '99999999999'), text -> boolean over 1 ('maybe'), character(40) -> uuid over 1 (the padding uuid refuses)
create table items (
    id integer primary key,
    code integer,
    active boolean,
    ref uuid
);
