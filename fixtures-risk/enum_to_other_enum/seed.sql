insert into orders values
    (1, 'new', '{new}'),
    (2, 'cancelled', '{new,cancelled}'),
    (3, 'cancelled', '{paid}'),
    (4, 'paid', null);
