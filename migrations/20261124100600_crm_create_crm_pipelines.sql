-- Deal pipelines and their stages, in `position` order. A stage's `probability` (0–100)
-- weights the value of the open deals in it.
create table crm_pipelines (
    workspace_id binary(16) not null,
    id binary(16) not null,
    name varchar(100) not null,
    position int not null default 0,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (workspace_id, id),
    unique key crm_pipelines_name_key (workspace_id, name)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;

create table crm_stages (
    workspace_id binary(16) not null,
    id binary(16) not null,
    pipeline_id binary(16) not null,
    name varchar(60) not null,
    position int not null,
    probability tinyint unsigned not null default 0,
    primary key (workspace_id, id),
    key crm_stages_pipeline_idx (workspace_id, pipeline_id, position),
    constraint crm_stages_pipeline_fk foreign key (workspace_id, pipeline_id) references crm_pipelines (workspace_id, id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
