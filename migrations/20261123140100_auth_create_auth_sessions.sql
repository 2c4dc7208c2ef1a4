-- Refresh-token sessions (src/modules/auth). One row per refresh token: rotation revokes the
-- row, points `replaced_by` at its successor and inserts the successor in the same `family_id`.
-- A login starts a family; logout or reuse of a rotated token revokes the whole family, and
-- access tokens carry the family id so they stop working with it. Only the SHA-256 of a token
-- is stored. Times are UTC.
create table auth_sessions (
    id binary(16) not null,
    user_id binary(16) not null,
    family_id binary(16) not null,
    token_hash binary(32) not null,
    expires_at datetime(6) not null,
    revoked_at datetime(6) null,
    replaced_by binary(16) null,
    ip varchar(45) null,
    user_agent varchar(255) null,
    last_seen_at datetime(6) not null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (id),
    unique key auth_sessions_token_hash_key (token_hash),
    key auth_sessions_family_idx (family_id, revoked_at),
    key auth_sessions_user_idx (user_id, created_at),
    constraint auth_sessions_user_fk foreign key (user_id) references users (id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
