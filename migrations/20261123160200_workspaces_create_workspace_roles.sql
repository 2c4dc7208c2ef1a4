-- Custom roles of a workspace: a name and a space-separated set of `module.action` permissions
-- (src/modules/workspaces/permissions.rs lists the valid ones).
create table workspace_roles (
    workspace_id binary(16) not null,
    id binary(16) not null,
    name varchar(50) not null,
    description varchar(255) not null default '',
    permissions text not null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (workspace_id, id),
    unique key workspace_roles_id_key (id),
    unique key workspace_roles_name_key (workspace_id, name),
    constraint workspace_roles_workspace_fk foreign key (workspace_id) references workspaces (id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
