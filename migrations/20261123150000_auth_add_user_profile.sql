-- Profile fields of an account (src/modules/auth): avatar (a storage key of the re-encoded
-- image), IANA time zone and UI language. `pending_email` holds a requested new address until
-- the link sent to it is followed.
alter table users
    add column avatar_key varchar(100) null after name,
    add column time_zone varchar(64) not null default 'UTC' after avatar_key,
    add column language varchar(10) not null default 'en' after time_zone,
    add column pending_email varchar(254) null after email;
