create table customers (
    id integer primary key
);

create table orders (
    id integer primary key,
    customer_id integer
);
