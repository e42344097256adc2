create type status as enum ('new', 'paid', 'cancelled');
create type "state */
--" as enum ('new', 'paid');

create table orders (
    id integer primary key,
    status status not null,
    history status[]
);
