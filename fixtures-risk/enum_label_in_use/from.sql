create type status as enum ('new', 'paid', 'cancelled');

create table orders (
    id integer primary key,
    status status not null
);
