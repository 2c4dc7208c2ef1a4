-- The custom fields a workspace defines for its contacts. Values live in `crm_contacts.custom`
-- under `key`; `options` is the JSON array of choices of a select field.
create table crm_custom_fields (
    workspace_id binary(16) not null,
    id binary(16) not null,
    field_key varchar(40) not null,
    label varchar(80) not null,
    kind varchar(10) not null,
    options text not null,
    position int not null default 0,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (workspace_id, id),
    unique key crm_custom_fields_key (workspace_id, field_key)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
