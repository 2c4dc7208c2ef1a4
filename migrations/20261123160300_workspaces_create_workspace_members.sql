-- Membership: who belongs to which workspace with which role. `role` is a built-in role
-- (owner, admin, editor, viewer) or 'custom' with `custom_role_id` set. Exactly one owner per
-- workspace, kept by the service layer (transfers swap roles in one transaction).
create table workspace_members (
    workspace_id binary(16) not null,
    user_id binary(16) not null,
    role varchar(16) not null,
    custom_role_id binary(16) null,
    invited_by binary(16) null,
    joined_at datetime(6) not null,
    last_active_at datetime(6) null,
    primary key (workspace_id, user_id),
    key workspace_members_user_idx (user_id, joined_at),
    key workspace_members_role_idx (workspace_id, custom_role_id),
    constraint workspace_members_workspace_fk foreign key (workspace_id) references workspaces (id) on delete cascade,
    constraint workspace_members_user_fk foreign key (user_id) references users (id) on delete cascade,
    constraint workspace_members_custom_role_fk foreign key (workspace_id, custom_role_id)
        references workspace_roles (workspace_id, id),
    constraint workspace_members_role_check check (role in ('owner', 'admin', 'editor', 'viewer', 'custom'))
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
