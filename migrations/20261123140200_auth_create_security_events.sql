-- Security audit log (src/modules/auth): sign-ups, logins, logouts, refresh-token reuse…
-- `user_id` is null when the account is unknown (a failed login for an unknown email).
-- Kept when the user is deleted (no foreign key), as an audit trail should be. Times are UTC.
create table security_events (
    id binary(16) not null,
    user_id binary(16) null,
    kind varchar(50) not null,
    ip varchar(45) null,
    user_agent varchar(255) null,
    detail varchar(255) null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (id),
    key security_events_user_idx (user_id, created_at)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
