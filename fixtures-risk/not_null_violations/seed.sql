insert into contacts values (1, 'Ada', '+44 1'), (2, null, '+1 2'), (3, null, null);
