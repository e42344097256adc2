-- will fail: MAXVALUE lowered to 100 below the sequence's current value, 500
create sequence ticket_no maxvalue 100;
