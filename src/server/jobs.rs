//! The background job queue: a table in MySQL, claimed with `SELECT … FOR UPDATE SKIP LOCKED`,
//! run by a pool of tokio tasks inside every server instance. Any number of instances share the
//! work; the database is the only coordination.
//!
//! Life of a job: `enqueue` inserts it `queued` with a run-at time (`available_at`). A worker
//! claims a due job in one short transaction: it becomes `running`, `attempts` goes up, it gets a
//! fresh `lease_token`, and `available_at` becomes the lease expiry (now + visibility timeout).
//! While the handler runs, a heartbeat pushes the expiry forward. Then:
//! - success → `done`;
//! - failure → `queued` again at now + `backoff(attempts)`, or `dead` once `max_attempts` is
//!   reached or the error is permanent (`JobError::permanent`, unknown kind, bad payload);
//! - the worker died (process killed, machine lost) → the lease expires and another worker
//!   claims the job again; if it already used all its attempts it goes `dead` instead.
//!
//! Every write after the claim is guarded by `lease_token`, so a worker that lost its lease
//! (stalled longer than the visibility timeout) cannot overwrite the job's new run.
//! Delivery is at least once: handlers must be idempotent (or check their own side effects).
//!
//! Times come from the database clock (`utc_timestamp(6)`), the one clock all instances share;
//! only a caller's explicit `run_at` comes from the application.
//!
//! Handlers are registered in [`registry`]; enqueue with [`enqueue`] inside the caller's own
//! transaction so a job exists exactly when the change that asked for it was committed.
use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::FutureExt;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sqlx::{Acquire, Executor, MySqlExecutor, MySqlPool};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::Instrument;
use uuid::Uuid;

use super::config::Config;
use super::error::AppError;

/// Attempts a job gets when its `NewJob` does not say.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// Longest `kind` the `jobs.kind` column holds.
pub const MAX_KIND_LEN: usize = 100;
/// `last_error` is TEXT (64 KiB); error chains longer than this are cut.
const MAX_ERROR_LEN: usize = 8 * 1024;

/// The app's job handlers. Each module adds its kinds here as it gains background work.
pub fn registry(config: &Config) -> anyhow::Result<Arc<Registry>> {
    let mailer = Arc::new(super::mail::Mailer::from_config(config)?);
    let registry = super::mail::register(Registry::new(), mailer);
    let registry = crate::modules::workspaces::service::register(registry, config.storage_dir.clone());
    let registry = crate::modules::bio::service::register(registry);
    let registry = crate::modules::crm::service::register(registry, config.storage_dir.clone());
    let registry = crate::modules::mail::sender::register(registry, config);
    let registry = crate::modules::mail::sequences::register(registry);
    Ok(Arc::new(registry))
}

// ---------------------------------------------------------------------------------------------
// Enqueueing and reading jobs

/// A job to enqueue. `NewJob::new("mail.send", json!({…}))`, then the optional settings.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Names the handler, `module.action` by convention (`mail.send`, `crm.import_csv`).
    pub kind: String,
    /// Handler input. Keep it small (ids, not documents): an import's file goes to storage and
    /// the payload names it.
    pub payload: serde_json::Value,
    /// The tenant the job works for; `None` for platform jobs.
    pub workspace_id: Option<Uuid>,
    /// Not before this time; `None` is now.
    pub run_at: Option<DateTime<Utc>>,
    /// Runs before the job is dead-lettered; `None` is [`DEFAULT_MAX_ATTEMPTS`]. At least 1.
    pub max_attempts: Option<u32>,
}

impl NewJob {
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self { kind: kind.into(), payload, workspace_id: None, run_at: None, max_attempts: None }
    }

    pub fn workspace(mut self, workspace_id: Uuid) -> Self {
        self.workspace_id = Some(workspace_id);
        self
    }

    pub fn run_at(mut self, at: DateTime<Utc>) -> Self {
        self.run_at = Some(at);
        self
    }

    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }
}

/// Adds a job and returns its id. Takes any executor so a module can enqueue inside the
/// transaction that makes the change the job follows up on (`enqueue(&mut *tx, job)`): if that
/// transaction rolls back, no job is left behind.
pub async fn enqueue<'e, E: MySqlExecutor<'e>>(executor: E, job: NewJob) -> Result<Uuid, AppError> {
    if job.kind.is_empty() || job.kind.len() > MAX_KIND_LEN {
        // A programming mistake, not a user's: log it and fail like any internal error.
        tracing::error!(kind = %job.kind, "job kind must be 1 to {MAX_KIND_LEN} bytes");
        return Err(AppError::Internal);
    }
    let id = Uuid::now_v7();
    let max_attempts = i32::try_from(job.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS).max(1)).unwrap_or(i32::MAX);
    sqlx::query(
        "insert into jobs (id, workspace_id, kind, payload, status, attempts, max_attempts, available_at,
                           progress, created_at, updated_at)
         values (?, ?, ?, ?, 'queued', 0, ?, coalesce(?, utc_timestamp(6)), 0, utc_timestamp(6), utc_timestamp(6))",
    )
    .bind(id)
    .bind(job.workspace_id)
    .bind(&job.kind)
    .bind(job.payload.to_string())
    .bind(max_attempts)
    .bind(job.run_at)
    .execute(executor)
    .await?;
    tracing::debug!(job.id = %id, job.kind = %job.kind, "job enqueued");
    Ok(id)
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for its run-at time or a free worker (also between retries).
    Queued,
    /// A worker holds it now.
    Running,
    /// Finished successfully.
    Done,
    /// Gave up: out of attempts, a permanent error, or no handler for its kind.
    Dead,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }

    fn parse(raw: &str) -> Result<Self, sqlx::Error> {
        match raw {
            "queued" => Ok(Self::Queued),
            "running" => Ok(Self::Running),
            "done" => Ok(Self::Done),
            "dead" => Ok(Self::Dead),
            other => Err(sqlx::Error::Decode(format!("unknown job status {other:?}").into())),
        }
    }

    /// Done or dead: nothing will change any more.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Done | Self::Dead)
    }
}

/// A job as callers see it (`GET /api/v1/jobs/{id}`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobStatus {
    pub id: Uuid,
    pub kind: String,
    pub workspace_id: Option<Uuid>,
    pub status: JobState,
    /// Percent, 0 to 100, as last reported by the handler; 100 when done.
    pub progress: u32,
    /// Runs started so far (including the current one).
    pub attempts: u32,
    pub max_attempts: u32,
    /// What the handler reported for the user (`JobContext::set_result`), e.g. an import's
    /// counts and per-row errors.
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    /// The problems the handler reported (`result.errors`), e.g. an import's rows that could
    /// not be used: `[{line, field, message}]`.
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<serde_json::Value>,
    /// The last failure. For logs and operators only: it can hold internal details (SQL errors,
    /// host names), so it is never serialised to clients.
    #[serde(skip)]
    pub last_error: Option<String>,
    /// When a queued job will next run; `None` unless queued.
    pub next_run_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: Uuid,
    kind: String,
    workspace_id: Option<Uuid>,
    status: String,
    progress: i32,
    attempts: i32,
    max_attempts: i32,
    result: Option<String>,
    last_error: Option<String>,
    available_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

impl TryFrom<JobRow> for JobStatus {
    type Error = sqlx::Error;

    fn try_from(row: JobRow) -> Result<Self, Self::Error> {
        let status = JobState::parse(&row.status)?;
        let result = match row.result {
            None => None,
            Some(text) => Some(serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))?),
        };
        Ok(Self {
            id: row.id,
            kind: row.kind,
            workspace_id: row.workspace_id,
            status,
            progress: non_negative(row.progress),
            attempts: non_negative(row.attempts),
            max_attempts: non_negative(row.max_attempts),
            errors: result.as_ref().and_then(|r: &serde_json::Value| r.get("errors")).and_then(|e| e.as_array()).cloned().unwrap_or_default(),
            result,
            last_error: row.last_error,
            next_run_at: (status == JobState::Queued).then_some(row.available_at),
            created_at: row.created_at,
            updated_at: row.updated_at,
            finished_at: row.finished_at,
        })
    }
}

fn non_negative(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

const STATUS_COLUMNS: &str = "id, kind, workspace_id, status, progress, attempts, max_attempts, result, last_error,
                              available_at, created_at, updated_at, finished_at";

/// Any job by id, platform jobs included. For tenant-facing routes use
/// [`get_in_workspace`], which hides other workspaces' jobs.
pub async fn get<'e, E: MySqlExecutor<'e>>(executor: E, id: Uuid) -> Result<JobStatus, AppError> {
    let row: JobRow = sqlx::query_as(&format!("select {STATUS_COLUMNS} from jobs where id = ?"))
        .bind(id)
        .fetch_one(executor)
        .await?;
    Ok(JobStatus::try_from(row)?)
}

/// `GET /api/v1/jobs/{id}`: a background job of the caller's workspace (an import…), to poll
/// until `status` is `done` or `dead`.
#[utoipa::path(get, path = "/jobs/{id}", tag = "jobs", params(("id" = Uuid, Path, description = "Job id")),
    responses((status = 200, description = "The job", body = JobStatus), (status = 404, description = "No such job in this workspace")))]
pub async fn get_job(
    axum::extract::State(state): axum::extract::State<super::state::AppState>,
    t: super::tenant::Tenant,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> super::error::ApiResult<JobStatus> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    Ok(super::error::ApiJson(get_in_workspace(&state.pool, t.workspace_id(), id).await?))
}

/// A workspace's job by id; another workspace's job (or a platform job) is `NotFound`.
pub async fn get_in_workspace<'e, E: MySqlExecutor<'e>>(
    executor: E,
    workspace_id: Uuid,
    id: Uuid,
) -> Result<JobStatus, AppError> {
    let row: JobRow = sqlx::query_as(&format!("select {STATUS_COLUMNS} from jobs where workspace_id = ? and id = ?"))
        .bind(workspace_id)
        .bind(id)
        .fetch_one(executor)
        .await?;
    Ok(JobStatus::try_from(row)?)
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// Why a run failed. `?` turns any error into a retryable one; [`JobError::permanent`] (or
/// [`JobError::into_permanent`]) dead-letters the job at once, for failures that retrying
/// cannot fix (bad payload, a record that no longer exists).
#[derive(Debug)]
pub struct JobError {
    error: anyhow::Error,
    permanent: bool,
}

impl JobError {
    /// A failure worth retrying later.
    pub fn retry(message: impl fmt::Display + fmt::Debug + Send + Sync + 'static) -> Self {
        Self { error: anyhow::Error::msg(message), permanent: false }
    }

    /// A failure no retry can fix: the job goes straight to `dead`.
    pub fn permanent(message: impl fmt::Display + fmt::Debug + Send + Sync + 'static) -> Self {
        Self { error: anyhow::Error::msg(message), permanent: true }
    }

    /// The same error, but dead-lettering the job: `JobError::from(err).into_permanent()`.
    pub fn into_permanent(mut self) -> Self {
        self.permanent = true;
        self
    }

    pub fn is_permanent(&self) -> bool {
        self.permanent
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The whole cause chain: "cannot send mail: connection refused".
        write!(f, "{:#}", self.error)
    }
}

impl<E: Into<anyhow::Error>> From<E> for JobError {
    fn from(error: E) -> Self {
        Self { error: error.into(), permanent: false }
    }
}

/// What a handler gets: the job, and a way to report progress while it runs.
#[derive(Clone)]
pub struct JobContext {
    id: Uuid,
    kind: String,
    workspace_id: Option<Uuid>,
    payload: serde_json::Value,
    attempt: u32,
    max_attempts: u32,
    lease_token: Uuid,
    pool: MySqlPool,
}

impl JobContext {
    pub fn id(&self) -> Uuid {
        self.id
    }

    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The tenant the job works for. Handlers of tenant jobs build their repo access from it.
    pub fn workspace_id(&self) -> Option<Uuid> {
        self.workspace_id
    }

    pub fn payload(&self) -> &serde_json::Value {
        &self.payload
    }

    /// The payload as the handler's own type. A payload that does not fit never will, so the
    /// error is permanent.
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T, JobError> {
        T::deserialize(&self.payload).map_err(|e| JobError::permanent(format!("payload does not fit: {e}")))
    }

    /// This run's number, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// No retry follows if this run fails (e.g. to tell the user instead of trying again).
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }

    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    /// This run's lease (new on every claim). A row a handler marks with it is known to be
    /// in the hands of a live run while a `running` job holds this token with a lease that has
    /// not expired.
    pub fn lease_token(&self) -> Uuid {
        self.lease_token
    }

    /// Reports progress in percent (clamped to 100), shown by `GET /api/v1/jobs/{id}`.
    /// Fails when this worker no longer holds the job (its lease expired and another worker took
    /// it over): a long handler should then stop.
    pub async fn set_progress(&self, percent: u32) -> Result<(), JobError> {
        let percent = i32::try_from(percent.min(100)).unwrap_or(100);
        let held = sqlx::query(
            "update jobs set progress = ?, updated_at = utc_timestamp(6)
             where id = ? and lease_token = ? and status = 'running'",
        )
        .bind(percent)
        .bind(self.id)
        .bind(self.lease_token)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        if held { Ok(()) } else { Err(lease_lost()) }
    }

    /// Stores what the user should see about this job (counts, per-row errors of an import) as
    /// JSON. It stays after the job finishes, whatever its outcome.
    pub async fn set_result(&self, result: &serde_json::Value) -> Result<(), JobError> {
        let held = sqlx::query(
            "update jobs set result = ?, updated_at = utc_timestamp(6)
             where id = ? and lease_token = ? and status = 'running'",
        )
        .bind(result.to_string())
        .bind(self.id)
        .bind(self.lease_token)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        if held { Ok(()) } else { Err(lease_lost()) }
    }
}

fn lease_lost() -> JobError {
    JobError::retry("this worker's lease on the job expired; another worker may be running it")
}

type HandlerFuture = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>>;
type Handler = Arc<dyn Fn(JobContext) -> HandlerFuture + Send + Sync>;

/// Job kinds and their handlers.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the handler for `kind`:
    /// `Registry::new().register("mail.send", |ctx: JobContext| async move { … Ok(()) })`.
    ///
    /// # Panics
    /// When `kind` is already registered: two handlers for one kind is a wiring mistake that
    /// must stop the server at start, not pick a handler at random.
    pub fn register<F, Fut>(mut self, kind: impl Into<String>, handler: F) -> Self
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobError>> + Send + 'static,
    {
        let kind = kind.into();
        assert!(!kind.is_empty() && kind.len() <= MAX_KIND_LEN, "job kind {kind:?} must be 1 to {MAX_KIND_LEN} bytes");
        let handler: Handler = Arc::new(move |ctx| Box::pin(handler(ctx)));
        let previous = self.handlers.insert(kind.clone(), handler);
        assert!(previous.is_none(), "job kind {kind:?} is registered twice");
        self
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }

    fn get(&self, kind: &str) -> Option<&Handler> {
        self.handlers.get(kind)
    }
}

// ---------------------------------------------------------------------------------------------
// Claiming and finishing (what the workers do; public for tests and tools)

/// A job a worker holds until `lease` expires. Only [`claim`] makes one, so its lease token
/// cannot be forged.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub kind: String,
    pub workspace_id: Option<Uuid>,
    pub payload: serde_json::Value,
    /// This run's number, from 1.
    pub attempt: u32,
    pub max_attempts: u32,
    lease_token: Uuid,
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    id: Uuid,
    kind: String,
    workspace_id: Option<Uuid>,
    payload: String,
    attempts: i32,
    max_attempts: i32,
}

/// Claims the next due job for `lease` (the visibility timeout): a queued job whose run-at time
/// has come, or a running job whose worker stopped renewing its lease. `None` when nothing is due.
///
/// Jobs that cannot run are dead-lettered on the way (a lease-expired job out of attempts,
/// an unreadable payload) and the search goes on.
pub async fn claim(pool: &MySqlPool, lease: Duration) -> Result<Option<ClaimedJob>, AppError> {
    Ok(claim_job(pool, lease).await?)
}

async fn claim_job(pool: &MySqlPool, lease: Duration) -> Result<Option<ClaimedJob>, sqlx::Error> {
    loop {
        let mut conn = pool.acquire().await?;
        // READ COMMITTED for the next transaction only: under REPEATABLE READ, `for update` also
        // takes gap locks on the index, which would make concurrent enqueues wait for claims.
        // (A plain `&str` is sent unprepared: no statement cached for a one-word setting.)
        (&mut *conn).execute("set transaction isolation level read committed").await?;
        let mut tx = conn.begin().await?;
        // Two simple queries instead of `status in (…)`: each is an equality on `status` plus a
        // range on `available_at`, read in index order. With `in (…)` the database would sort,
        // and a sort under `for update` locks every due row instead of one, so concurrent
        // workers would skip each other's whole backlog. Expired leases first: there are few.
        let mut expired = true;
        let mut row: Option<ClaimRow> = sqlx::query_as(
            "select id, kind, workspace_id, payload, attempts, max_attempts from jobs
             where status = 'running' and available_at <= utc_timestamp(6)
             order by available_at limit 1 for update skip locked",
        )
        .fetch_optional(&mut *tx)
        .await?;
        if row.is_none() {
            expired = false;
            row = sqlx::query_as(
                "select id, kind, workspace_id, payload, attempts, max_attempts from jobs
                 where status = 'queued' and available_at <= utc_timestamp(6)
                 order by available_at limit 1 for update skip locked",
            )
            .fetch_optional(&mut *tx)
            .await?;
        }
        let Some(row) = row else {
            tx.commit().await?;
            return Ok(None);
        };

        if expired {
            tracing::warn!(job.id = %row.id, job.kind = %row.kind, job.attempt = row.attempts,
                "job lease expired; its worker is presumed dead");
            metrics::counter!("jobs_failed_total", "kind" => row.kind.clone()).increment(1);
        }
        let unrunnable = if expired && row.attempts >= row.max_attempts {
            Some(format!(
                "worker died too often: the lease expired on attempt {} of {}",
                row.attempts, row.max_attempts
            ))
        } else {
            None
        };
        let payload = serde_json::from_str::<serde_json::Value>(&row.payload);
        let unrunnable = match (&payload, unrunnable) {
            (_, Some(reason)) => Some(reason),
            (Err(e), None) => Some(format!("payload is not valid JSON: {e}")),
            (Ok(_), None) => None,
        };
        if let Some(reason) = unrunnable {
            sqlx::query(
                "update jobs set status = 'dead', lease_token = null, last_error = ?,
                        finished_at = utc_timestamp(6), updated_at = utc_timestamp(6)
                 where id = ?",
            )
            .bind(&reason)
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            tracing::error!(job.id = %row.id, job.kind = %row.kind, error = %reason, "job dead-lettered");
            metrics::counter!("jobs_dead_total", "kind" => row.kind).increment(1);
            continue;
        }

        let lease_token = Uuid::now_v7();
        sqlx::query(
            "update jobs set status = 'running', lease_token = ?, attempts = attempts + 1,
                    available_at = date_add(utc_timestamp(6), interval ? microsecond),
                    updated_at = utc_timestamp(6)
             where id = ?",
        )
        .bind(lease_token)
        .bind(micros(lease))
        .bind(row.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(Some(ClaimedJob {
            id: row.id,
            kind: row.kind,
            workspace_id: row.workspace_id,
            payload: payload.unwrap_or_default(),
            attempt: non_negative(row.attempts) + 1,
            max_attempts: non_negative(row.max_attempts),
            lease_token,
        }));
    }
}

/// Pushes the lease expiry to now + `lease`. `false` when the job is no longer held by `job`.
async fn extend_lease(pool: &MySqlPool, job: &ClaimedJob, lease: Duration) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "update jobs set available_at = date_add(utc_timestamp(6), interval ? microsecond),
                updated_at = utc_timestamp(6)
         where id = ? and lease_token = ? and status = 'running'",
    )
    .bind(micros(lease))
    .bind(job.id)
    .bind(job.lease_token)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Marks the job done. `false` (and no change) when the lease was lost: another worker
/// re-claimed the job, and its run decides the outcome.
pub async fn complete(pool: &MySqlPool, job: &ClaimedJob) -> Result<bool, AppError> {
    Ok(complete_job(pool, job).await?)
}

async fn complete_job(pool: &MySqlPool, job: &ClaimedJob) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "update jobs set status = 'done', lease_token = null, progress = 100, last_error = null,
                finished_at = utc_timestamp(6), updated_at = utc_timestamp(6)
         where id = ? and lease_token = ? and status = 'running'",
    )
    .bind(job.id)
    .bind(job.lease_token)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Records a failed run: back to `queued` in `retry_in`, or `dead` when the error is permanent
/// or this was the last attempt. Returns the new state, `None` when the lease was lost.
pub async fn fail(
    pool: &MySqlPool,
    job: &ClaimedJob,
    error: &JobError,
    retry_in: Duration,
) -> Result<Option<JobState>, AppError> {
    Ok(fail_job(pool, job, error, retry_in).await?)
}

async fn fail_job(
    pool: &MySqlPool,
    job: &ClaimedJob,
    error: &JobError,
    retry_in: Duration,
) -> Result<Option<JobState>, sqlx::Error> {
    let message = truncate(error.to_string(), MAX_ERROR_LEN);
    let (state, result) = if error.is_permanent() || job.attempt >= job.max_attempts {
        let result = sqlx::query(
            "update jobs set status = 'dead', lease_token = null, last_error = ?,
                    finished_at = utc_timestamp(6), updated_at = utc_timestamp(6)
             where id = ? and lease_token = ? and status = 'running'",
        )
        .bind(&message)
        .bind(job.id)
        .bind(job.lease_token)
        .execute(pool)
        .await?;
        (JobState::Dead, result)
    } else {
        let result = sqlx::query(
            "update jobs set status = 'queued', lease_token = null, last_error = ?,
                    available_at = date_add(utc_timestamp(6), interval ? microsecond),
                    updated_at = utc_timestamp(6)
             where id = ? and lease_token = ? and status = 'running'",
        )
        .bind(&message)
        .bind(micros(retry_in))
        .bind(job.id)
        .bind(job.lease_token)
        .execute(pool)
        .await?;
        (JobState::Queued, result)
    };
    Ok((result.rows_affected() == 1).then_some(state))
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// Delay before retry number `attempt` (the run that just failed, from 1):
/// `base · 2^(attempt-1)`, at most `max`.
pub fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let exponent = attempt.saturating_sub(1).min(31);
    base.checked_mul(1u32 << exponent).unwrap_or(max).min(max)
}

// ---------------------------------------------------------------------------------------------
// The worker pool

/// How the workers of one server instance behave.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Concurrent jobs in this instance; 0 runs no workers (a web-only instance).
    pub workers: usize,
    /// Sleep after finding nothing due.
    pub poll_interval: Duration,
    /// Lease length: a job whose worker stops renewing for this long is run again elsewhere.
    /// Renewed every third of it while the handler runs.
    pub visibility_timeout: Duration,
    /// First retry delay; it doubles with every further failed attempt…
    pub backoff_base: Duration,
    /// …up to this.
    pub backoff_max: Duration,
    /// How long `shutdown` waits for running jobs before giving up on them (their leases then
    /// expire and another instance re-runs them).
    pub shutdown_grace: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            workers: 2,
            poll_interval: Duration::from_millis(500),
            visibility_timeout: Duration::from_secs(300),
            backoff_base: Duration::from_secs(10),
            backoff_max: Duration::from_secs(3600),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

impl WorkerOptions {
    pub fn from_config(config: &Config) -> Self {
        Self {
            workers: config.job_workers,
            poll_interval: config.job_poll_interval,
            visibility_timeout: config.job_visibility_timeout,
            ..Self::default()
        }
    }

    /// Delay before retrying after failed run number `attempt`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        backoff(attempt, self.backoff_base, self.backoff_max)
    }
}

/// The running workers. Stop them with [`WorkerPool::shutdown`]; dropping the pool only tells
/// them to stop claiming.
#[must_use = "dropping the pool stops its workers"]
pub struct WorkerPool {
    cancel: CancellationToken,
    tracker: TaskTracker,
    grace: Duration,
}

impl WorkerPool {
    /// Spawns `options.workers` tokio tasks and returns at once. Needs a tokio runtime.
    pub fn start(pool: MySqlPool, registry: Arc<Registry>, options: WorkerOptions) -> Self {
        let mut options = options;
        // A zero lease would expire before the handler starts; a zero poll would spin.
        options.visibility_timeout = options.visibility_timeout.max(Duration::from_millis(100));
        options.poll_interval = options.poll_interval.max(Duration::from_millis(1));
        let options = Arc::new(options);
        let cancel = CancellationToken::new();
        let tracker = TaskTracker::new();
        for worker in 0..options.workers {
            tracker.spawn(
                work(pool.clone(), registry.clone(), options.clone(), cancel.clone())
                    .instrument(tracing::info_span!("job_worker", worker)),
            );
        }
        tracker.close();
        tracing::info!(workers = options.workers, kinds = registry.handlers.len(), "job workers started");
        Self { cancel, tracker, grace: options.shutdown_grace }
    }

    /// Stops claiming, then waits for running jobs to finish, at most `shutdown_grace`.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        if tokio::time::timeout(self.grace, self.tracker.wait()).await.is_err() {
            tracing::warn!(
                grace_secs = self.grace.as_secs_f64(),
                "jobs still running at shutdown; they will be retried when their leases expire"
            );
        } else {
            tracing::info!("job workers stopped");
        }
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// One worker: claim, run, repeat; sleep when nothing is due.
async fn work(pool: MySqlPool, registry: Arc<Registry>, options: Arc<WorkerOptions>, cancel: CancellationToken) {
    while !cancel.is_cancelled() {
        let pause = match claim_job(&pool, options.visibility_timeout).await {
            Ok(Some(job)) => {
                run(&pool, &registry, &options, job).await;
                continue;
            }
            Ok(None) => options.poll_interval,
            Err(err) => {
                tracing::error!(error = %err, "cannot claim jobs");
                // The database is likely down; do not spin on it.
                options.poll_interval.max(Duration::from_secs(1))
            }
        };
        tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// Runs one claimed job to its outcome and records it. Never panics or fails: everything that
/// goes wrong ends up in the job row and the log.
async fn run(pool: &MySqlPool, registry: &Registry, options: &WorkerOptions, job: ClaimedJob) {
    let span = tracing::info_span!("job", job.id = %job.id, job.kind = %job.kind, job.attempt = job.attempt);
    async {
        let started = Instant::now();
        let outcome = match registry.get(&job.kind) {
            None => Err(JobError::permanent(format!("no handler is registered for job kind {:?}", job.kind))),
            Some(handler) => {
                let ctx = JobContext {
                    id: job.id,
                    kind: job.kind.clone(),
                    workspace_id: job.workspace_id,
                    payload: job.payload.clone(),
                    attempt: job.attempt,
                    max_attempts: job.max_attempts,
                    lease_token: job.lease_token,
                    pool: pool.clone(),
                };
                let handler = handler.clone();
                // The call itself sits inside the future, so a panic before its first await is
                // caught too.
                let running = AssertUnwindSafe(async move { handler(ctx).await }).catch_unwind();
                match with_heartbeat(pool, &job, options.visibility_timeout, running).await {
                    Ok(result) => result,
                    Err(panic) => Err(JobError::retry(format!("handler panicked: {}", panic_message(&*panic)))),
                }
            }
        };
        metrics::histogram!("job_duration_seconds", "kind" => job.kind.clone()).record(started.elapsed().as_secs_f64());
        record(pool, options, &job, outcome).await;
    }
    .instrument(span)
    .await;
}

/// Drives `running` while renewing the lease every third of `lease`.
async fn with_heartbeat<T>(pool: &MySqlPool, job: &ClaimedJob, lease: Duration, running: impl Future<Output = T>) -> T {
    let period = lease / 3;
    let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut held = true;
    tokio::pin!(running);
    loop {
        tokio::select! {
            output = &mut running => return output,
            _ = beat.tick(), if held => match extend_lease(pool, job, lease).await {
                Ok(true) => {}
                Ok(false) => {
                    // Another worker re-claimed the job; this run's outcome will be discarded.
                    tracing::warn!("lost the job's lease while running it");
                    held = false;
                }
                Err(err) => tracing::warn!(error = %err, "cannot renew the job's lease"),
            },
        }
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

async fn record(pool: &MySqlPool, options: &WorkerOptions, job: &ClaimedJob, outcome: Result<(), JobError>) {
    let kind = job.kind.clone();
    match outcome {
        Ok(()) => match complete_job(pool, job).await {
            Ok(true) => {
                metrics::counter!("jobs_completed_total", "kind" => kind).increment(1);
                tracing::info!("job done");
            }
            Ok(false) => tracing::warn!("job finished after its lease was lost; another run decides its outcome"),
            Err(err) => tracing::error!(error = %err, "cannot mark the job done; it will run again"),
        },
        Err(error) => {
            let retry_in = options.backoff(job.attempt);
            metrics::counter!("jobs_failed_total", "kind" => kind.clone()).increment(1);
            match fail_job(pool, job, &error, retry_in).await {
                Ok(Some(JobState::Dead)) => {
                    metrics::counter!("jobs_dead_total", "kind" => kind).increment(1);
                    tracing::error!(error = %error, permanent = error.is_permanent(), "job failed; dead-lettered");
                }
                Ok(Some(_)) => {
                    tracing::warn!(error = %error, retry_in_secs = retry_in.as_secs_f64(), "job failed; will retry");
                }
                Ok(None) => tracing::warn!(error = %error, "job failed after its lease was lost"),
                Err(err) => tracing::error!(error = %err, "cannot record the job's failure; it will run again"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn backoff_doubles_from_the_base_with_each_attempt() {
        assert_eq!(backoff(1, S(10), S(3600)), S(10));
        assert_eq!(backoff(2, S(10), S(3600)), S(20));
        assert_eq!(backoff(3, S(10), S(3600)), S(40));
        assert_eq!(backoff(6, S(10), S(3600)), S(320));
    }

    #[test]
    fn backoff_is_capped_at_the_maximum_even_for_huge_attempt_numbers() {
        assert_eq!(backoff(10, S(10), S(3600)), S(3600));
        assert_eq!(backoff(40, S(10), S(3600)), S(3600));
        assert_eq!(backoff(u32::MAX, S(u64::MAX / 2), S(3600)), S(3600));
    }

    #[test]
    fn backoff_treats_attempt_zero_like_the_first() {
        assert_eq!(backoff(0, Duration::from_millis(50), S(1)), Duration::from_millis(50));
    }

    #[test]
    fn worker_options_use_the_configured_base_and_cap() {
        let options = WorkerOptions { backoff_base: Duration::from_millis(100), backoff_max: S(1), ..Default::default() };
        assert_eq!(options.backoff(3), Duration::from_millis(400));
        assert_eq!(options.backoff(5), S(1));
    }

    #[test]
    fn errors_keep_their_cause_chain_and_only_permanent_ones_say_so() {
        let err: JobError = anyhow::anyhow!("connection refused").context("cannot send mail").into();
        assert_eq!(err.to_string(), "cannot send mail: connection refused");
        assert!(!err.is_permanent());
        assert!(err.into_permanent().is_permanent());
        assert!(JobError::permanent("no such contact").is_permanent());
        let io: JobError = std::io::Error::other("disk full").into();
        assert_eq!(io.to_string(), "disk full");
    }

    #[test]
    fn long_errors_are_cut_on_a_character_boundary() {
        let cut = truncate("é".repeat(10), 5);
        assert_eq!(cut, "éé…");
        assert_eq!(truncate("short".into(), 10), "short");
    }

    #[test]
    fn panic_messages_are_read_from_str_and_string_payloads() {
        let from_str: Box<dyn Any + Send> = Box::new("boom");
        let from_string: Box<dyn Any + Send> = Box::new(String::from("bang"));
        let other: Box<dyn Any + Send> = Box::new(42);
        assert_eq!(panic_message(&*from_str), "boom");
        assert_eq!(panic_message(&*from_string), "bang");
        assert_eq!(panic_message(&*other), "(no message)");
    }

    #[test]
    fn a_kind_cannot_be_registered_twice() {
        let result = std::panic::catch_unwind(|| {
            Registry::new().register("a.b", |_| async { Ok(()) }).register("a.b", |_| async { Ok(()) })
        });
        assert!(result.is_err());
    }

    #[test]
    fn job_states_serialise_as_lowercase_words() {
        assert_eq!(serde_json::to_value(JobState::Dead).unwrap(), "dead");
        for state in [JobState::Queued, JobState::Running, JobState::Done, JobState::Dead] {
            assert_eq!(JobState::parse(state.as_str()).unwrap(), state);
        }
    }
}
