-- will fail: the column moves to another enum type without the label 'cancelled', which 2 rows hold, and 1 array holds it too
create type status as enum ('new', 'paid', 'cancelled');
create type "state */
--" as enum ('new', 'paid');

create table orders (
    id integer primary key,
    status "state */
--" not null,
    history "state */
--"[]
);
