-- Single-use MFA backup codes (src/modules/auth), stored as SHA-256 of the normalised code
-- (codes are 50 random bits, so a fast hash is enough). Regenerating deletes the old set.
create table mfa_backup_codes (
    id binary(16) not null,
    user_id binary(16) not null,
    code_hash binary(32) not null,
    used_at datetime(6) null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (id),
    key mfa_backup_codes_user_idx (user_id, used_at),
    constraint mfa_backup_codes_user_fk foreign key (user_id) references users (id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
