-- A counter per workspace, bumped by every write that can change which contacts a list holds
-- (contacts, their tags, tag and company names, custom field removal). Instances keep list
-- totals counted at a version and count again once it moved.
create table crm_list_versions (
    workspace_id binary(16) not null,
    version bigint not null default 0,
    primary key (workspace_id)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
