-- The second step of a sign-in with MFA (src/modules/auth): the password was right, a code is
-- due. The client holds an opaque challenge (stored as SHA-256), valid 5 minutes, 5 tries.
create table mfa_challenges (
    id binary(16) not null,
    user_id binary(16) not null,
    token_hash binary(32) not null,
    attempts int not null default 0,
    expires_at datetime(6) not null,
    consumed_at datetime(6) null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (id),
    unique key mfa_challenges_token_hash_key (token_hash),
    key mfa_challenges_user_idx (user_id, created_at),
    constraint mfa_challenges_user_fk foreign key (user_id) references users (id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
