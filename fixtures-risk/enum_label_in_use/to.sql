-- will fail: the label 'cancelled' is removed while 2 rows hold it
create type status as enum ('new', 'paid');

create table orders (
    id integer primary key,
    status status not null
);
