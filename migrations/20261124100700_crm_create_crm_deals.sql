-- Deals: a value in minor units of a currency, in a stage of a pipeline, ordered within the
-- stage by `position` (the Kanban board). Won and lost deals keep their stage and say when
-- and, when lost, why. Removing a stage that still has deals is refused by the service.
create table crm_deals (
    workspace_id binary(16) not null,
    id binary(16) not null,
    pipeline_id binary(16) not null,
    stage_id binary(16) not null,
    position int not null,
    title varchar(200) not null,
    value_minor bigint not null default 0,
    currency char(3) not null,
    contact_id binary(16) null,
    company_id binary(16) null,
    owner_id binary(16) null,
    expected_close date null,
    status varchar(8) not null default 'open',
    lost_reason varchar(300) null,
    closed_at datetime(6) null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (workspace_id, id),
    key crm_deals_board_idx (workspace_id, pipeline_id, stage_id, position),
    key crm_deals_contact_idx (workspace_id, contact_id),
    constraint crm_deals_stage_fk foreign key (workspace_id, stage_id) references crm_stages (workspace_id, id) on delete cascade,
    constraint crm_deals_pipeline_fk foreign key (workspace_id, pipeline_id) references crm_pipelines (workspace_id, id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
