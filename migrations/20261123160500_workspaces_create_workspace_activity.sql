-- The workspace activity log: who did what to the workspace, its members, invitations and
-- roles, and when. `actor_id` stays after the user is deleted (no foreign key), like the
-- security log; `actor_name` keeps the name as it was.
create table workspace_activity (
    workspace_id binary(16) not null,
    id binary(16) not null,
    actor_id binary(16) null,
    actor_name varchar(100) null,
    action varchar(50) not null,
    summary varchar(500) not null,
    created_at datetime(6) not null,
    primary key (workspace_id, id),
    constraint workspace_activity_workspace_fk foreign key (workspace_id) references workspaces (id) on delete cascade
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
