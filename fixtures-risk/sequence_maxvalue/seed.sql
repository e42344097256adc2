select setval('ticket_no', 500);
