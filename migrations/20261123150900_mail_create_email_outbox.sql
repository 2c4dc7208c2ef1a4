-- Every email the platform sends (src/server/mail.rs). A row is written in the same transaction
-- as the change that asks for the email, with a `mail.send` job; the job delivers it over SMTP
-- when SMTP_URL is set and records the outcome. Without SMTP the row stays `unsent`, readable,
-- so nothing is silently dropped. Times are UTC.
create table email_outbox (
    id binary(16) not null,
    -- The tenant the message belongs to; null for platform mail (account emails).
    workspace_id binary(16) null,
    kind varchar(50) not null,
    to_address varchar(254) not null,
    subject varchar(255) not null,
    body_text text not null,
    status varchar(20) not null,
    attempts int not null default 0,
    last_error varchar(1000) null,
    sent_at datetime(6) null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (id),
    key email_outbox_to_idx (to_address, created_at),
    key email_outbox_status_idx (status, created_at)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
