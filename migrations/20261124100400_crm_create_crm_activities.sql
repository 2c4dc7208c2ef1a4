-- The contact timeline: notes, emails, form sign-ups, orders, bookings… Every module writes
-- here through `crm::service::record_activity`. `data` is JSON with the kind's details.
create table crm_activities (
    workspace_id binary(16) not null,
    id binary(16) not null,
    contact_id binary(16) not null,
    kind varchar(40) not null,
    summary varchar(300) not null,
    body text not null,
    data text not null,
    actor_id binary(16) null,
    occurred_at datetime(6) not null,
    created_at datetime(6) not null,
    primary key (workspace_id, id),
    key crm_activities_contact_idx (workspace_id, contact_id, occurred_at, id),
    constraint crm_activities_contact_fk foreign key (workspace_id, contact_id) references crm_contacts (workspace_id, id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
