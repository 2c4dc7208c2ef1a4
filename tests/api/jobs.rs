//! The background job queue against a real database: exclusive claims across instances,
//! retries with backoff, dead letters, visibility timeouts, scheduling, panics, lease guards.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use mewayz::server::error::AppError;
use mewayz::server::jobs::{self, JobContext, JobError, JobState, JobStatus, NewJob, Registry, WorkerOptions, WorkerPool};
use serde_json::json;
use sqlx::MySqlPool;
use sqlx::mysql::MySqlPoolOptions;
use uuid::Uuid;

/// Fast settings so tests take a second or two, not minutes.
fn options(workers: usize) -> WorkerOptions {
    WorkerOptions {
        workers,
        poll_interval: Duration::from_millis(20),
        visibility_timeout: Duration::from_secs(5),
        backoff_base: Duration::from_millis(100),
        backoff_max: Duration::from_secs(5),
        shutdown_grace: Duration::from_secs(5),
    }
}

/// Polls `check` until it holds; a bug fails the test after `limit` instead of hanging it.
async fn wait_until(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn status(pool: &MySqlPool, id: Uuid) -> JobStatus {
    jobs::get(pool, id).await.expect("the job exists")
}

async fn wait_for_state(pool: &MySqlPool, id: Uuid, state: JobState, limit: Duration) -> JobStatus {
    wait_until(&format!("job {id} to be {state:?}"), limit, async || status(pool, id).await.status == state).await;
    status(pool, id).await
}

/// A pool of its own on the same database: what a second server instance would have.
async fn instance_pool(pool: &MySqlPool) -> MySqlPool {
    MySqlPoolOptions::new()
        .max_connections(4)
        .connect_with((*pool.connect_options()).clone())
        .await
        .expect("a second pool connects")
}

/// A handler that records when each job ran (and on which instance) and succeeds.
type Runs = Arc<Mutex<HashMap<Uuid, Vec<(Instant, &'static str)>>>>;

fn recording(registry: Registry, kind: &str, runs: &Runs, instance: &'static str, pause: Duration) -> Registry {
    let runs = runs.clone();
    registry.register(kind, move |ctx: JobContext| {
        let runs = runs.clone();
        async move {
            runs.lock().unwrap().entry(ctx.id()).or_default().push((Instant::now(), instance));
            tokio::time::sleep(pause).await;
            Ok(())
        }
    })
}

fn run_count(runs: &Runs, id: Uuid) -> usize {
    runs.lock().unwrap().get(&id).map_or(0, Vec::len)
}

#[sqlx::test]
async fn two_workers_never_run_the_same_job(pool: MySqlPool) {
    let mut ids = Vec::new();
    for n in 0..40 {
        ids.push(jobs::enqueue(&pool, NewJob::new("test.record", json!({ "n": n }))).await.unwrap());
    }
    let runs = Runs::default();
    // Two instances, each with its own connections and three workers, on one database.
    let (pool_a, pool_b) = (instance_pool(&pool).await, instance_pool(&pool).await);
    let pause = Duration::from_millis(15);
    let a = WorkerPool::start(pool_a.clone(), Arc::new(recording(Registry::new(), "test.record", &runs, "a", pause)), options(3));
    let b = WorkerPool::start(pool_b.clone(), Arc::new(recording(Registry::new(), "test.record", &runs, "b", pause)), options(3));

    wait_until("all 40 jobs to be done", Duration::from_secs(30), async || {
        let done: i64 = sqlx::query_scalar("select count(*) from jobs where status = 'done'").fetch_one(&pool).await.unwrap();
        done == 40
    })
    .await;
    a.shutdown().await;
    b.shutdown().await;
    pool_a.close().await;
    pool_b.close().await;

    let runs = runs.lock().unwrap().clone();
    assert_eq!(runs.len(), 40, "every job ran");
    for id in &ids {
        assert_eq!(runs[id].len(), 1, "job {id} ran {} times", runs[id].len());
        let job = status(&pool, *id).await;
        assert_eq!((job.status, job.attempts, job.progress), (JobState::Done, 1, 100));
        assert!(job.finished_at.is_some());
    }
    let by_a = runs.values().filter(|r| r[0].1 == "a").count();
    assert!(by_a > 0 && by_a < 40, "both instances took part (a ran {by_a} of 40)");
}

#[sqlx::test]
async fn a_failing_job_is_retried_with_backoff_then_dead_lettered(pool: MySqlPool) {
    let calls: Arc<Mutex<Vec<(Instant, u32, bool)>>> = Arc::default();
    let registry = Registry::new().register("test.fail", {
        let calls = calls.clone();
        move |ctx: JobContext| {
            calls.lock().unwrap().push((Instant::now(), ctx.attempt(), ctx.is_last_attempt()));
            async { Err(JobError::retry("the mail server said no")) }
        }
    });
    let id = jobs::enqueue(&pool, NewJob::new("test.fail", json!({})).max_attempts(3)).await.unwrap();
    let workers = WorkerPool::start(
        pool.clone(),
        Arc::new(registry),
        WorkerOptions { backoff_base: Duration::from_millis(200), poll_interval: Duration::from_millis(10), ..options(1) },
    );

    let job = wait_for_state(&pool, id, JobState::Dead, Duration::from_secs(15)).await;
    workers.shutdown().await;

    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 3, "the handler ran exactly max_attempts times");
    assert_eq!(calls.iter().map(|c| (c.1, c.2)).collect::<Vec<_>>(), [(1, false), (2, false), (3, true)]);
    assert_eq!(job.attempts, 3);
    assert_eq!(job.last_error.as_deref(), Some("the mail server said no"));
    assert!(job.finished_at.is_some() && job.next_run_at.is_none());
    let (first_gap, second_gap) = (calls[1].0 - calls[0].0, calls[2].0 - calls[1].0);
    assert!(first_gap >= Duration::from_millis(190), "first retry waited the base delay ({first_gap:?})");
    assert!(second_gap >= Duration::from_millis(390), "second retry waited twice as long ({second_gap:?})");
    assert!(second_gap > first_gap, "the gaps grew ({first_gap:?}, then {second_gap:?})");
}

#[sqlx::test]
async fn a_permanent_error_dead_letters_the_job_without_retrying(pool: MySqlPool) {
    let calls = Arc::new(Mutex::new(0));
    let registry = Registry::new().register("test.bad_input", {
        let calls = calls.clone();
        move |ctx: JobContext| {
            *calls.lock().unwrap() += 1;
            async move {
                #[derive(serde::Deserialize)]
                #[allow(dead_code)]
                struct Input {
                    contact_id: Uuid,
                }
                ctx.payload_as::<Input>()?;
                Ok(())
            }
        }
    });
    let id = jobs::enqueue(&pool, NewJob::new("test.bad_input", json!({ "contact_id": 7 }))).await.unwrap();
    let workers = WorkerPool::start(pool.clone(), Arc::new(registry), options(1));
    let job = wait_for_state(&pool, id, JobState::Dead, Duration::from_secs(10)).await;
    workers.shutdown().await;

    assert_eq!(*calls.lock().unwrap(), 1);
    assert_eq!(job.attempts, 1);
    assert!(job.last_error.unwrap().starts_with("payload does not fit"));
}

#[sqlx::test]
async fn a_job_of_an_unknown_kind_is_dead_lettered_with_a_clear_error(pool: MySqlPool) {
    let id = jobs::enqueue(&pool, NewJob::new("test.nobody_handles_this", json!({}))).await.unwrap();
    let workers = WorkerPool::start(pool.clone(), Arc::new(Registry::new()), options(1));
    let job = wait_for_state(&pool, id, JobState::Dead, Duration::from_secs(10)).await;
    workers.shutdown().await;

    assert_eq!(job.attempts, 1);
    assert_eq!(
        job.last_error.as_deref(),
        Some(r#"no handler is registered for job kind "test.nobody_handles_this""#)
    );
}

#[sqlx::test]
async fn a_job_whose_worker_died_is_picked_up_after_the_visibility_timeout(pool: MySqlPool) {
    let id = jobs::enqueue(&pool, NewJob::new("test.record", json!({}))).await.unwrap();
    let claimed_at = Instant::now();
    // A worker claims the job with a one-second lease and dies: it never renews or finishes.
    let dead_worker = jobs::claim(&pool, Duration::from_secs(1)).await.unwrap().expect("the job is due");
    assert_eq!((dead_worker.id, dead_worker.attempt), (id, 1));

    let runs = Runs::default();
    let registry = recording(Registry::new(), "test.record", &runs, "a", Duration::ZERO);
    let workers = WorkerPool::start(pool.clone(), Arc::new(registry), options(2));

    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(run_count(&runs, id), 0, "not run again while the lease holds");
    assert_eq!(status(&pool, id).await.status, JobState::Running);

    let job = wait_for_state(&pool, id, JobState::Done, Duration::from_secs(10)).await;
    workers.shutdown().await;

    assert_eq!(run_count(&runs, id), 1);
    let ran_after = runs.lock().unwrap()[&id][0].0 - claimed_at;
    assert!(ran_after >= Duration::from_millis(950), "ran only after the lease expired ({ran_after:?})");
    assert_eq!(job.attempts, 2, "the dead worker's run counts as an attempt");
    assert!(!jobs::complete(&pool, &dead_worker).await.unwrap(), "the dead worker's lease is gone");
}

#[sqlx::test]
async fn a_job_whose_worker_died_on_its_last_attempt_is_dead_lettered_not_run(pool: MySqlPool) {
    let id = jobs::enqueue(&pool, NewJob::new("test.record", json!({})).max_attempts(1)).await.unwrap();
    jobs::claim(&pool, Duration::from_millis(200)).await.unwrap().expect("the job is due");
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The next claim finds the expired lease, dead-letters the job, and finds nothing else.
    assert!(jobs::claim(&pool, Duration::from_secs(5)).await.unwrap().is_none());
    let job = status(&pool, id).await;
    assert_eq!((job.status, job.attempts), (JobState::Dead, 1));
    assert!(job.last_error.unwrap().starts_with("worker died too often"));
}

#[sqlx::test]
async fn a_job_scheduled_in_the_future_waits_for_its_run_at(pool: MySqlPool) {
    let run_at = Utc::now() + chrono::Duration::milliseconds(1500);
    let id = jobs::enqueue(&pool, NewJob::new("test.scheduled", json!({})).run_at(run_at)).await.unwrap();
    let started: Arc<Mutex<Option<chrono::DateTime<Utc>>>> = Arc::default();
    let registry = Registry::new().register("test.scheduled", {
        let started = started.clone();
        move |_ctx: JobContext| {
            *started.lock().unwrap() = Some(Utc::now());
            async { Ok(()) }
        }
    });
    let workers = WorkerPool::start(pool.clone(), Arc::new(registry), options(2));

    tokio::time::sleep(Duration::from_millis(1000)).await;
    let waiting = status(&pool, id).await;
    assert_eq!(waiting.status, JobState::Queued);
    assert!(started.lock().unwrap().is_none(), "not run before its time");
    let scheduled = waiting.next_run_at.expect("a queued job says when it runs");
    assert!((scheduled - run_at).num_milliseconds().abs() < 1, "{scheduled} is not {run_at}");

    wait_for_state(&pool, id, JobState::Done, Duration::from_secs(10)).await;
    workers.shutdown().await;
    let ran_at = started.lock().unwrap().expect("it ran");
    assert!(ran_at >= run_at - chrono::Duration::milliseconds(1), "ran at {ran_at}, scheduled for {run_at}");
}

#[sqlx::test]
async fn a_panicking_handler_counts_as_a_failure_and_the_worker_keeps_working(pool: MySqlPool) {
    let runs = Runs::default();
    let registry = Registry::new().register("test.panic", |_ctx: JobContext| async {
        panic!("the handler blew up");
    });
    let registry = recording(registry, "test.record", &runs, "a", Duration::ZERO);
    // One worker: if a panic killed it, nothing would run afterwards.
    let workers = WorkerPool::start(pool.clone(), Arc::new(registry), options(1));

    let exploding = jobs::enqueue(&pool, NewJob::new("test.panic", json!({})).max_attempts(2)).await.unwrap();
    let job = wait_for_state(&pool, exploding, JobState::Dead, Duration::from_secs(10)).await;
    assert_eq!(job.attempts, 2, "the panic was retried like any failure");
    assert_eq!(job.last_error.as_deref(), Some("handler panicked: the handler blew up"));

    let fine = jobs::enqueue(&pool, NewJob::new("test.record", json!({}))).await.unwrap();
    wait_for_state(&pool, fine, JobState::Done, Duration::from_secs(10)).await;
    workers.shutdown().await;
    assert_eq!(run_count(&runs, fine), 1);
}

#[sqlx::test]
async fn a_stale_worker_cannot_complete_a_job_it_no_longer_holds(pool: MySqlPool) {
    let id = jobs::enqueue(&pool, NewJob::new("test.record", json!({}))).await.unwrap();
    let stale = jobs::claim(&pool, Duration::from_millis(300)).await.unwrap().expect("the job is due");
    assert!(jobs::claim(&pool, Duration::from_secs(5)).await.unwrap().is_none(), "a held job is not claimed twice");

    tokio::time::sleep(Duration::from_millis(400)).await;
    let current = jobs::claim(&pool, Duration::from_secs(30)).await.unwrap().expect("the lease expired");
    assert_eq!((current.id, current.attempt), (id, 2));

    assert!(!jobs::complete(&pool, &stale).await.unwrap(), "the stale worker cannot complete it");
    let failure = JobError::permanent("stale failure");
    assert_eq!(jobs::fail(&pool, &stale, &failure, Duration::ZERO).await.unwrap(), None, "nor fail it");
    let job = status(&pool, id).await;
    assert_eq!((job.status, job.attempts, job.last_error), (JobState::Running, 2, None));

    assert!(jobs::complete(&pool, &current).await.unwrap());
    let job = status(&pool, id).await;
    assert_eq!((job.status, job.attempts), (JobState::Done, 2));
}

#[sqlx::test]
async fn progress_and_result_are_visible_while_running_and_stay_after(pool: MySqlPool) {
    let workspace = Uuid::now_v7();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let released = Arc::new(tokio::sync::Mutex::new(Some(released)));
    let registry = Registry::new().register("test.import", move |ctx: JobContext| {
        let released = released.clone();
        async move {
            ctx.set_progress(40).await?;
            ctx.set_result(&json!({ "imported": 2, "errors": [{ "row": 3, "message": "email is invalid" }] })).await?;
            if let Some(released) = released.lock().await.take() {
                released.await?;
            }
            Ok(())
        }
    });
    let id = jobs::enqueue(&pool, NewJob::new("test.import", json!({})).workspace(workspace)).await.unwrap();
    let workers = WorkerPool::start(pool.clone(), Arc::new(registry), options(1));

    // Progress and result are two writes: wait for both.
    wait_until("progress 40 and a result", Duration::from_secs(10), async || {
        let job = status(&pool, id).await;
        job.progress == 40 && job.result.is_some()
    })
    .await;
    let running = status(&pool, id).await;
    assert_eq!(running.status, JobState::Running);
    assert_eq!(running.result.as_ref().unwrap()["errors"][0]["row"], 3);
    let wire = serde_json::to_value(&running).unwrap();
    assert_eq!(wire["status"], "running");
    assert!(wire.get("last_error").is_none(), "internal errors never reach clients: {wire}");

    release.send(()).unwrap();
    let done = wait_for_state(&pool, id, JobState::Done, Duration::from_secs(10)).await;
    workers.shutdown().await;
    assert_eq!(done.progress, 100);
    assert_eq!(done.result.unwrap()["imported"], 2);

    assert_eq!(jobs::get_in_workspace(&pool, workspace, id).await.unwrap().id, id);
    let other = Uuid::now_v7();
    assert_eq!(jobs::get_in_workspace(&pool, other, id).await.unwrap_err(), AppError::NotFound);
    assert_eq!(jobs::get(&pool, Uuid::now_v7()).await.unwrap_err(), AppError::NotFound);
}

#[sqlx::test]
async fn a_job_enqueued_in_a_rolled_back_transaction_never_exists(pool: MySqlPool) {
    let mut tx = pool.begin().await.unwrap();
    let id = jobs::enqueue(&mut *tx, NewJob::new("test.record", json!({}))).await.unwrap();
    assert_eq!(jobs::get(&mut *tx, id).await.unwrap().status, JobState::Queued);
    tx.rollback().await.unwrap();
    assert_eq!(jobs::get(&pool, id).await.unwrap_err(), AppError::NotFound);
}

#[sqlx::test]
async fn shutdown_waits_for_the_running_job_to_finish(pool: MySqlPool) {
    let finished = Arc::new(Mutex::new(false));
    let registry = Registry::new().register("test.slow", {
        let finished = finished.clone();
        move |_ctx: JobContext| {
            let finished = finished.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(500)).await;
                *finished.lock().unwrap() = true;
                Ok(())
            }
        }
    });
    let id = jobs::enqueue(&pool, NewJob::new("test.slow", json!({}))).await.unwrap();
    let workers = WorkerPool::start(pool.clone(), Arc::new(registry), options(1));
    wait_for_state(&pool, id, JobState::Running, Duration::from_secs(10)).await;

    let later = jobs::enqueue(&pool, NewJob::new("test.slow", json!({}))).await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), workers.shutdown()).await.expect("shutdown is bounded");
    assert!(*finished.lock().unwrap(), "the running job finished before shutdown returned");
    assert_eq!(status(&pool, id).await.status, JobState::Done);
    assert_eq!(status(&pool, later).await.status, JobState::Queued, "nothing new is claimed after shutdown");
}
