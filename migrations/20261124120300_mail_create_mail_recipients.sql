-- One row per contact a campaign goes to; UNIQUE (campaign, contact) means nobody is added
-- twice. Status: queued → sending (claimed by a send run) → sent | failed; a row found still
-- `sending` by a later run (its sender crashed between SMTP and the commit) becomes `unknown`
-- and is never sent again: at most once. Opens and clicks are kept here (first time + count).
create table mail_recipients (
    workspace_id binary(16) not null,
    id binary(16) not null,
    campaign_id binary(16) not null,
    contact_id binary(16) not null,
    email varchar(254) not null,
    first_name varchar(100) not null default '',
    last_name varchar(100) not null default '',
    status varchar(16) not null default 'queued',
    claim_token binary(16) null,
    message_id varchar(255) null,
    error varchar(1000) null,
    sent_at datetime(6) null,
    opened_at datetime(6) null,
    open_count int not null default 0,
    clicked_at datetime(6) null,
    click_count int not null default 0,
    unsubscribed_at datetime(6) null,
    bounced_at datetime(6) null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    primary key (workspace_id, id),
    unique key mail_recipients_contact_key (workspace_id, campaign_id, contact_id),
    key mail_recipients_status_idx (workspace_id, campaign_id, status, id),
    constraint mail_recipients_campaign_fk foreign key (workspace_id, campaign_id) references mail_campaigns (workspace_id, id) on delete cascade,
    constraint mail_recipients_contact_fk foreign key (workspace_id, contact_id) references crm_contacts (workspace_id, id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
