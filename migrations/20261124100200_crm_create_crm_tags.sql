-- Tags of a workspace and which contacts carry them.
create table crm_tags (
    workspace_id binary(16) not null,
    id binary(16) not null,
    name varchar(50) not null,
    color varchar(7) not null default '#6366f1',
    created_at datetime(6) not null,
    primary key (workspace_id, id),
    unique key crm_tags_name_key (workspace_id, name)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;

create table crm_contact_tags (
    workspace_id binary(16) not null,
    contact_id binary(16) not null,
    tag_id binary(16) not null,
    created_at datetime(6) not null,
    primary key (workspace_id, contact_id, tag_id),
    key crm_contact_tags_tag_idx (workspace_id, tag_id, contact_id),
    constraint crm_contact_tags_contact_fk foreign key (workspace_id, contact_id) references crm_contacts (workspace_id, id) on delete cascade,
    constraint crm_contact_tags_tag_fk foreign key (workspace_id, tag_id) references crm_tags (workspace_id, id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
