insert into customers values (1), (2);
insert into orders values (10, 1), (11, 2), (12, 3), (13, 4), (14, null);
