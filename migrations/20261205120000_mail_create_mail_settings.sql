-- A workspace's email settings; no row means the defaults. `double_opt_in`: people who sign
-- up through a public form stay `pending` until they confirm from an email we send them.
create table mail_settings (
    workspace_id binary(16) not null,
    double_opt_in tinyint(1) not null default 0,
    updated_at datetime(6) not null,
    primary key (workspace_id)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
