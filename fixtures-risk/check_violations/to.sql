-- will fail: a new check over 2 violating rows (NULL passes), and validating a NOT VALID check over 2
create table products (
    id integer primary key,
    price numeric check (price > 0),
    stock integer,
    constraint products_stock_check check (stock >= 0)
);
