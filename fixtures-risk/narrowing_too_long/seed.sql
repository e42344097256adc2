insert into accounts values
    (1, 'ada', 1, 1.5),
    (2, 'a_name_far_too_long_for_twenty', 5000000000, 123.4567),
    (3, 'another_very_long_username', -2147483648, 99.999),
    (4, 'exactly_twenty_chars', null, 99.994),
    (5, 'ken', null, null);
