-- Invitations: by email (single use, 7 days) or a shareable join link (optional expiry and
-- max uses). Only the SHA-256 of the link's token is stored.
create table workspace_invitations (
    workspace_id binary(16) not null,
    id binary(16) not null,
    kind varchar(8) not null,
    email varchar(254) null,
    role varchar(16) not null,
    custom_role_id binary(16) null,
    token_hash binary(32) not null,
    invited_by binary(16) null,
    expires_at datetime(6) null,
    max_uses int null,
    uses int not null default 0,
    accepted_at datetime(6) null,
    accepted_by binary(16) null,
    revoked_at datetime(6) null,
    last_sent_at datetime(6) null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (workspace_id, id),
    unique key workspace_invitations_id_key (id),
    unique key workspace_invitations_token_key (token_hash),
    key workspace_invitations_email_idx (workspace_id, email),
    constraint workspace_invitations_workspace_fk foreign key (workspace_id) references workspaces (id) on delete cascade,
    constraint workspace_invitations_custom_role_fk foreign key (workspace_id, custom_role_id)
        references workspace_roles (workspace_id, id) on delete cascade,
    constraint workspace_invitations_kind_check check (kind in ('email', 'link')),
    constraint workspace_invitations_role_check check (role in ('admin', 'editor', 'viewer', 'custom'))
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
