-- Workspaces, the tenant (src/modules/workspaces, DESIGN.md "Tenancy"). `slug` is unique across
-- live and soft-deleted workspaces so a restore never collides. A deleted workspace keeps its
-- rows until `purge_after`, when the `workspaces.purge` job removes it for good.
-- `goals` is a space-separated list of setup-wizard goals (`social bio courses store crm
-- bookings`); `setup_completed_at` is null while the wizard is unfinished.
create table workspaces (
    id binary(16) not null,
    name varchar(100) not null,
    slug varchar(40) not null,
    owner_id binary(16) not null,
    logo_key varchar(255) null,
    brand_color char(7) not null,
    currency char(3) not null,
    time_zone varchar(64) not null,
    language varchar(10) not null,
    plan_code varchar(20) not null default 'free',
    goals varchar(200) not null default '',
    setup_completed_at datetime(6) null,
    deleted_at datetime(6) null,
    purge_after datetime(6) null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (id),
    unique key workspaces_slug_key (slug),
    key workspaces_owner_idx (owner_id),
    key workspaces_name_idx (name),
    constraint workspaces_plan_fk foreign key (plan_code) references plans (code)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
