-- Companies a workspace's contacts work for. Soft-deleted rows keep their id so contacts that
-- point at them can be restored with them.
create table crm_companies (
    workspace_id binary(16) not null,
    id binary(16) not null,
    name varchar(200) not null,
    domain varchar(253) null,
    phone varchar(40) null,
    notes text not null,
    deleted_at datetime(6) null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (workspace_id, id),
    key crm_companies_name_idx (workspace_id, name)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
