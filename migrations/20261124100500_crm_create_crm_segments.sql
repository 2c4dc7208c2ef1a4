-- Saved segments: a filter (`{"match": "all"|"any", "rules": [...]}`) stored as data and
-- turned into SQL each time the segment is listed, counted or mailed.
create table crm_segments (
    workspace_id binary(16) not null,
    id binary(16) not null,
    name varchar(100) not null,
    filter text not null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (workspace_id, id),
    unique key crm_segments_name_key (workspace_id, name)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
