-- Accounts (src/modules/auth). `email` is stored normalised (trimmed, lowercased), so the
-- unique key is the uniqueness rule. `password_hash` is a PHC string (argon2id). Times are UTC.
create table users (
    id binary(16) not null,
    -- The table's case- and accent-insensitive collation also makes look-alike addresses
    -- (`josé@…`, `jose@…`) one account. (A `_bin` collation would make sqlx decode it as bytes.)
    email varchar(254) not null,
    name varchar(100) not null,
    password_hash varchar(255) not null,
    email_verified_at datetime(6) null,
    is_platform_admin boolean not null default false,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (id),
    unique key users_email_key (email)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
