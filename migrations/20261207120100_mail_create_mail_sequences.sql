-- Automations, first version: a sequence of emails that starts when someone signs up through a
-- form (`trigger_kind = 'signup'`) or gets a tag (`'tag'`, `trigger_tag` is the tag's name).
-- Each step is a campaign row (`mail_campaigns.sequence_id`, status 'automated') so sending,
-- tracking, unsubscribing and the report work as for campaigns; `wait_days` is the wait before
-- the step (after the enrolment for the first, after the previous step for the others). The
-- sender columns are the sequence's, copied onto its steps.
create table mail_sequences (
    workspace_id binary(16) not null,
    id binary(16) not null,
    name varchar(100) not null,
    trigger_kind varchar(16) not null,
    trigger_tag varchar(50) null,
    active tinyint(1) not null default 0,
    identity_id binary(16) null,
    from_name varchar(100) not null default '',
    from_email varchar(254) not null default '',
    reply_to varchar(254) null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (workspace_id, id),
    key mail_sequences_trigger_idx (workspace_id, active, trigger_kind),
    key mail_sequences_identity_idx (workspace_id, identity_id),
    constraint mail_sequences_identity_fk foreign key (workspace_id, identity_id) references mail_identities (workspace_id, id)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;

alter table mail_campaigns
    add column sequence_id binary(16) null after template_id,
    add column position int not null default 0 after sequence_id,
    add column wait_days int not null default 0 after position,
    add key mail_campaigns_sequence_idx (workspace_id, sequence_id, position),
    add constraint mail_campaigns_sequence_fk foreign key (workspace_id, sequence_id) references mail_sequences (workspace_id, id) on delete cascade;

-- A contact going through a sequence: at most once per sequence (UNIQUE), `next_position` is
-- the step due at `next_at`. Status: active → done (every step handled) or stopped (the
-- contact unsubscribed, bounced or complained).
create table mail_enrolments (
    workspace_id binary(16) not null,
    id binary(16) not null,
    sequence_id binary(16) not null,
    contact_id binary(16) not null,
    status varchar(16) not null default 'active',
    next_position int not null default 0,
    next_at datetime(6) null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (workspace_id, id),
    unique key mail_enrolments_contact_key (workspace_id, sequence_id, contact_id),
    key mail_enrolments_contact_idx (workspace_id, contact_id),
    constraint mail_enrolments_sequence_fk foreign key (workspace_id, sequence_id) references mail_sequences (workspace_id, id) on delete cascade,
    constraint mail_enrolments_contact_fk foreign key (workspace_id, contact_id) references crm_contacts (workspace_id, id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
