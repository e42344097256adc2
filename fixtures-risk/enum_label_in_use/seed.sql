insert into orders values (1, 'new'), (2, 'cancelled'), (3, 'cancelled'), (4, 'paid');
