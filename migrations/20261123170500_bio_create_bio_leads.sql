-- Email sign-ups from a bio page's form, one row per address and page (a repeat sign-up
-- updates it). They move into CRM contacts once that module exists.
create table bio_leads (
    workspace_id binary(16) not null,
    id binary(16) not null,
    page_id binary(16) not null,
    block_id binary(16) null,
    email varchar(254) not null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (workspace_id, id),
    unique key bio_leads_email_key (workspace_id, page_id, email),
    constraint bio_leads_page_fk foreign key (workspace_id, page_id) references bio_pages (workspace_id, id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
