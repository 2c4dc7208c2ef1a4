-- Page views and link clicks, cookie-free: `visitor` is a hash of the IP address, user agent
-- and page with a salt that changes daily (visitor_salts), so a visitor can be counted once a
-- day but never followed across days. Clustered by page and time for the stats range scans.
create table bio_events (
    workspace_id binary(16) not null,
    page_id binary(16) not null,
    at datetime(6) not null,
    id binary(16) not null,
    kind varchar(5) not null,
    block_id binary(16) null,
    visitor binary(16) not null,
    referrer varchar(255) null,
    country char(2) null,
    device varchar(10) not null,
    primary key (workspace_id, page_id, at, id),
    constraint bio_events_page_fk foreign key (workspace_id, page_id) references bio_pages (workspace_id, id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
