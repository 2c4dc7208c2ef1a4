-- Sender identities of a workspace: the From name and address, an optional Reply-To, and
-- optionally the workspace's own SMTP server (`smtp_url_sealed`, AES-GCM with the data key;
-- null means the platform's SMTP_URL).
create table mail_identities (
    workspace_id binary(16) not null,
    id binary(16) not null,
    from_name varchar(100) not null default '',
    from_email varchar(254) not null,
    reply_to varchar(254) null,
    smtp_url_sealed varbinary(1024) null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (workspace_id, id),
    key mail_identities_email_idx (workspace_id, from_email)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
