-- Link-in-bio pages (src/modules/bio). `handle` is the public address `/@{handle}`, unique
-- across all workspaces and kept while a deleted page can still be restored. The editable
-- draft is the row's columns and its blocks; `published_doc` is the JSON snapshot the public
-- page renders, written only by "Publish" (null while the page is unpublished). `theme` is
-- JSON text (MariaDB has no native JSON type).
create table bio_pages (
    workspace_id binary(16) not null,
    id binary(16) not null,
    handle varchar(30) not null,
    title varchar(100) not null,
    bio varchar(500) not null default '',
    avatar_key varchar(255) null,
    seo_title varchar(70) null,
    seo_description varchar(200) null,
    og_image_key varchar(255) null,
    age_gate tinyint unsigned null,
    theme text not null,
    published_doc mediumtext null,
    published_at datetime(6) null,
    draft_updated_at datetime(6) not null,
    deleted_at datetime(6) null,
    purge_after datetime(6) null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (workspace_id, id),
    unique key bio_pages_handle_key (handle),
    constraint bio_pages_workspace_fk foreign key (workspace_id) references workspaces (id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
