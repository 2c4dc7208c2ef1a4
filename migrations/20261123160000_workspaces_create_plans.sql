-- Plans and their limits (src/modules/workspaces/plans.rs). Reference data, not demo data:
-- the limits are product rules the modules enforce through `plans::ensure_within`, kept in
-- tables so the operator can change them without a release. A null `max_value` is unlimited.
create table plans (
    code varchar(20) not null,
    name varchar(50) not null,
    sort_order int not null,
    -- Price per month in minor units of `currency`; billing is wired in a later issue.
    monthly_price_minor bigint not null,
    currency char(3) not null,
    primary key (code)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;

create table plan_limits (
    plan_code varchar(20) not null,
    resource varchar(40) not null,
    max_value bigint null,
    primary key (plan_code, resource),
    constraint plan_limits_plan_fk foreign key (plan_code) references plans (code) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;

insert into plans (code, name, sort_order, monthly_price_minor, currency) values
    ('free', 'Free', 1, 0, 'USD'),
    ('pro', 'Pro', 2, 2900, 'USD'),
    ('business', 'Business', 3, 9900, 'USD');

insert into plan_limits (plan_code, resource, max_value) values
    ('free', 'members', 2), ('pro', 'members', 10), ('business', 'members', null),
    ('free', 'custom_roles', 0), ('pro', 'custom_roles', 5), ('business', 'custom_roles', null),
    ('free', 'contacts', 1000), ('pro', 'contacts', 25000), ('business', 'contacts', null),
    ('free', 'products', 10), ('pro', 'products', 1000), ('business', 'products', null),
    ('free', 'bio_pages', 1), ('pro', 'bio_pages', 10), ('business', 'bio_pages', null),
    ('free', 'bio_blocks', 30), ('pro', 'bio_blocks', 100), ('business', 'bio_blocks', 500),
    ('free', 'courses', 1), ('pro', 'courses', 20), ('business', 'courses', null),
    ('free', 'emails_per_month', 1000), ('pro', 'emails_per_month', 50000), ('business', 'emails_per_month', 500000);
