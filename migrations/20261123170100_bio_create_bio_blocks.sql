-- The draft blocks of a bio page, in `position` order. Kind-specific fields (text body,
-- images, social links, embed provider…) live in `data` as JSON text.
create table bio_blocks (
    workspace_id binary(16) not null,
    id binary(16) not null,
    page_id binary(16) not null,
    position int not null,
    kind varchar(16) not null,
    title varchar(200) not null default '',
    url varchar(2048) null,
    enabled boolean not null default true,
    starts_at datetime(6) null,
    ends_at datetime(6) null,
    age_gate tinyint unsigned null,
    data text not null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (workspace_id, id),
    key bio_blocks_page_idx (workspace_id, page_id, position),
    constraint bio_blocks_page_fk foreign key (workspace_id, page_id) references bio_pages (workspace_id, id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
