-- One random salt per UTC day for cookie-free visitor hashes. Salts older than yesterday are
-- deleted, after which nobody (not even us) can link a hash back to an address.
create table visitor_salts (
    day date not null,
    salt binary(32) not null,
    primary key (day)
) engine = innodb;
