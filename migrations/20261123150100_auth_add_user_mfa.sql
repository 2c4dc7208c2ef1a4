-- TOTP for an account (src/modules/auth). Secrets are AES-256-GCM sealed (nonce || ciphertext),
-- never stored in clear. `totp_pending_secret` is the one shown at enrolment until the first
-- valid code turns it into `totp_secret`. `totp_last_step` is the 30-second step of the last
-- accepted code: a code is accepted only for a later step, so a replayed code fails.
alter table users
    add column totp_secret varbinary(128) null,
    add column totp_pending_secret varbinary(128) null,
    add column totp_enabled_at datetime(6) null,
    add column totp_last_step bigint null;
