-- Published link targets, rewritten by "Publish": what `/l/{block_id}` redirects to. Keyed by
-- the block id alone because the public redirect knows nothing else; the draft block can
-- change or go away without touching the live link until the next publish.
create table bio_links (
    block_id binary(16) not null,
    workspace_id binary(16) not null,
    page_id binary(16) not null,
    url varchar(2048) not null,
    starts_at datetime(6) null,
    ends_at datetime(6) null,
    age_gate tinyint unsigned null,
    primary key (block_id),
    key bio_links_page_idx (workspace_id, page_id),
    constraint bio_links_page_fk foreign key (workspace_id, page_id) references bio_pages (workspace_id, id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
