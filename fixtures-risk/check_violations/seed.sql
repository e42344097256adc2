insert into products values (1, 10, 5), (2, -1, -3), (3, 0, -4), (4, null, 1);
-- Added after the rows: a NOT VALID check is not checked against them.
alter table products add constraint products_stock_check check (stock >= 0) not valid;
