-- Every tracked link click of a campaign email (the report counts them per URL and hour).
create table mail_clicks (
    workspace_id binary(16) not null,
    id binary(16) not null,
    campaign_id binary(16) not null,
    recipient_id binary(16) not null,
    url varchar(2048) not null,
    clicked_at datetime(6) not null,
    primary key (workspace_id, id),
    key mail_clicks_campaign_idx (workspace_id, campaign_id, clicked_at),
    constraint mail_clicks_recipient_fk foreign key (workspace_id, recipient_id) references mail_recipients (workspace_id, id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
