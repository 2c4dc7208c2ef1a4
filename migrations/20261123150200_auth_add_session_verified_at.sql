-- When the person behind a session family last proved who they are (password, and TOTP when
-- on). Copied on every rotation; step-up asks again when it is older than 10 minutes or null.
alter table auth_sessions add column verified_at datetime(6) null after last_seen_at;
