insert into items values
    (1, '12', 'yes', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
    (2, 'abc', ' t ', null),
    (3, '4.5', 'off', null),
    (4, '99999999999', null, null),
    (5, null, 'maybe', null);
