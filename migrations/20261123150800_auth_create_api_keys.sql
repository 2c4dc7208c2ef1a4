-- Personal API keys (src/modules/auth). The token is shown once; only its SHA-256 is kept, with
-- a short prefix so a user can tell keys apart. `scopes` is a space-separated list such as
-- `crm:read crm:write`. Revoked keys stay listed as revoked for the audit trail.
create table api_keys (
    id binary(16) not null,
    user_id binary(16) not null,
    name varchar(100) not null,
    prefix varchar(16) not null,
    token_hash binary(32) not null,
    scopes varchar(1000) not null,
    last_used_at datetime(6) null,
    revoked_at datetime(6) null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (id),
    unique key api_keys_token_hash_key (token_hash),
    key api_keys_user_idx (user_id, created_at),
    constraint api_keys_user_fk foreign key (user_id) references users (id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
