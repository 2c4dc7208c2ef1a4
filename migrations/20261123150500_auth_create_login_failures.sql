-- Failed sign-in attempts (src/modules/auth), by the email as typed (normalised) and by IP,
-- so backoff and lockout treat unknown emails exactly like real ones. Rows older than the
-- 15-minute window no longer count; a successful sign-in deletes its email's rows.
create table login_failures (
    id binary(16) not null,
    email varchar(254) not null,
    ip varchar(45) not null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (id),
    key login_failures_email_idx (email, created_at),
    key login_failures_ip_idx (ip, created_at)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
