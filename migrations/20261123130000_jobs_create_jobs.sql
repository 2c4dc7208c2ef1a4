-- The background job queue (src/server/jobs.rs). Portable across MySQL 8 and MariaDB 10.11.
--
-- `available_at` means "runnable from" while a job is queued (its run-at time, or its next retry)
-- and "lease expires at" while it is running (the visibility timeout, extended by heartbeats).
-- So one index, (status, available_at), serves both claims: due queued jobs and running jobs
-- whose worker died. `lease_token` changes on every claim; finishing a job is guarded by it, so
-- a worker whose lease expired cannot overwrite the work of the worker that re-claimed the job.
-- All times are UTC.
create table jobs (
    id binary(16) not null,
    -- The tenant a job belongs to; null for platform jobs.
    workspace_id binary(16) null,
    kind varchar(100) not null,
    -- JSON text (kept as text: MariaDB's JSON is an alias of LONGTEXT, MySQL's is binary).
    payload mediumtext not null,
    status varchar(16) not null,
    attempts int not null default 0,
    max_attempts int not null,
    available_at datetime(6) not null,
    lease_token binary(16) null,
    -- Percent, 0 to 100.
    progress int not null default 0,
    -- JSON text the handler reports for the user (counts, per-row errors of an import).
    result mediumtext null,
    -- The last failure, for operators; not shown to users as is.
    last_error text null,
    created_at datetime(6) not null,
    updated_at datetime(6) not null,
    finished_at datetime(6) null,
    primary key (id),
    key jobs_status_available_at (status, available_at),
    key jobs_workspace_id_created_at (workspace_id, created_at),
    constraint jobs_status_check check (status in ('queued', 'running', 'done', 'dead')),
    constraint jobs_attempts_check check (attempts >= 0 and max_attempts >= 1),
    constraint jobs_progress_check check (progress between 0 and 100)
) engine = innodb default charset = utf8mb4 collate = utf8mb4_unicode_ci;
