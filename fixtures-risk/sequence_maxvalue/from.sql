create sequence ticket_no;
