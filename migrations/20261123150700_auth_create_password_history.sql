-- Previous password hashes of an account (src/modules/auth), so the last 5 cannot be reused.
create table password_history (
    id binary(16) not null,
    user_id binary(16) not null,
    password_hash varchar(255) not null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (id),
    key password_history_user_idx (user_id, created_at),
    constraint password_history_user_fk foreign key (user_id) references users (id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
