-- will fail: a foreign key over 2 orphan rows (a NULL key is no orphan)
create table customers (
    id integer primary key
);

create table orders (
    id integer primary key,
    customer_id integer references customers (id)
);
