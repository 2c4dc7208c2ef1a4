-- Campaigns. The body is either sanitised HTML (`body_html`) or a template (`template_id`).
-- `audience` is JSON: {"tags": [..]} or {"segment_id": ".."}. Status: draft → scheduled →
-- sending → sent (or failed). `recipients` is the number of rows in mail_recipients.
create table mail_campaigns (
    workspace_id binary(16) not null,
    id binary(16) not null,
    name varchar(100) not null,
    subject varchar(255) not null,
    from_name varchar(100) not null default '',
    from_email varchar(254) not null,
    reply_to varchar(254) null,
    identity_id binary(16) null,
    template_id binary(16) null,
    body_html mediumtext not null,
    audience text not null,
    status varchar(16) not null default 'draft',
    send_at datetime(6) null,
    started_at datetime(6) null,
    finished_at datetime(6) null,
    recipients int not null default 0,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (workspace_id, id),
    key mail_campaigns_created_idx (workspace_id, created_at, id),
    key mail_campaigns_identity_idx (workspace_id, identity_id),
    key mail_campaigns_template_idx (workspace_id, template_id),
    constraint mail_campaigns_identity_fk foreign key (workspace_id, identity_id) references mail_identities (workspace_id, id),
    constraint mail_campaigns_template_fk foreign key (workspace_id, template_id) references mail_templates (workspace_id, id)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
