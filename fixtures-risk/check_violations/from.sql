create table products (
    id integer primary key,
    price numeric,
    stock integer
);
