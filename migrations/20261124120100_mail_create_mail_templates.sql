-- Email templates: a list of blocks (heading, text, image, button, divider, columns) as JSON,
-- rendered by `modules::mail::render` into HTML and plain text.
create table mail_templates (
    workspace_id binary(16) not null,
    id binary(16) not null,
    name varchar(100) not null,
    subject varchar(255) not null default '',
    blocks mediumtext not null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (workspace_id, id),
    key mail_templates_name_idx (workspace_id, name)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
