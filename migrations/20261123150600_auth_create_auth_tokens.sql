-- Single-use emailed tokens (src/modules/auth): email verification, password reset, email
-- change. Only the SHA-256 of the token is stored; `used_at` makes it single-use; `email` is
-- the address the link was sent to (for an email change, the new address).
create table auth_tokens (
    id binary(16) not null,
    user_id binary(16) not null,
    purpose varchar(20) not null,
    token_hash binary(32) not null,
    email varchar(254) not null,
    expires_at datetime(6) not null,
    used_at datetime(6) null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (id),
    unique key auth_tokens_token_hash_key (token_hash),
    key auth_tokens_user_idx (user_id, purpose, created_at),
    constraint auth_tokens_user_fk foreign key (user_id) references users (id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
