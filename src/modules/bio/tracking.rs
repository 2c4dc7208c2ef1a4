//! What keeps the public page fast: a short-lived cache of published pages (rendered and
//! compressed, see `cache`) and of link targets, and a buffer that
//! records views and clicks off the request path (written in batches, about twice a second,
//! and on shutdown). Visitors are counted without cookies: a hash of address, browser and page
//! with a salt that changes every day, so nobody can follow a visitor from one day to the next.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, header};
use chrono::{NaiveDate, Utc};
use sha2::{Digest, Sha256};
use sqlx::MySqlPool;
use uuid::Uuid;

use super::{cache::CachedPage, render::PageDoc, repo};
use crate::server::single_flight::Gates;

/// How long a published page is served from memory. Publishing clears it at once on this
/// instance; other instances catch up within this time.
const CACHE_TTL: Duration = Duration::from_secs(5);
/// Unknown handles are cached too (so a flood of 404s does not reach the database), but the
/// cache is cleared when it grows past this.
const CACHE_MAX: usize = 10_000;
/// Events are written at least this often.
pub const FLUSH_EVERY: Duration = Duration::from_millis(500);
/// The buffer is written early when it holds this many events, and events beyond the hard
/// cap are dropped (a counting problem must never slow down or break the page).
const BATCH: usize = 1_000;
const BUFFER_CAP: usize = 100_000;

/// Shared by every request of this instance (`AppState::bio`).
#[derive(Default)]
pub struct BioRuntime {
    /// By handle: the page, or that there is none.
    pages: Cache<String, Option<Arc<CachedPage>>>,
    /// By block id: a published link's target (for `/l/{id}`), or that there is none.
    links: Cache<Uuid, Option<Arc<repo::LinkRow>>>,
    events: Mutex<Vec<PendingEvent>>,
    salt: Mutex<Option<(NaiveDate, Vec<u8>)>>,
    /// Serialises flushes (the timer and an explicit flush).
    flushing: tokio::sync::Mutex<()>,
}

/// A view or click before its visitor hash is salted.
pub struct PendingEvent {
    pub event: repo::EventRow,
    /// SHA-256 of address, user agent and page; salted at flush time, never stored.
    pub visitor_key: [u8; 32],
}

impl BioRuntime {
    /// The published page of `handle`, from memory when fresh.
    pub async fn page(&self, pool: &MySqlPool, handle: &str) -> Result<Option<Arc<CachedPage>>, sqlx::Error> {
        self.pages
            .get_or_fill(handle, || async {
                let doc = repo::published_doc(pool, handle).await?;
                let page = doc.and_then(|json| match serde_json::from_str::<PageDoc>(&json) {
                    Ok(doc) => Some(Arc::new(CachedPage::new(Arc::new(doc), CACHE_TTL))),
                    Err(e) => {
                        tracing::error!(handle, error = %e, "unreadable published bio page");
                        None
                    }
                });
                let expires = page.as_ref().map_or_else(|| Instant::now() + CACHE_TTL, |p| p.expires);
                Ok((page, expires))
            })
            .await
    }

    /// The published link behind `/l/{block_id}`, from memory when fresh.
    pub async fn link(&self, pool: &MySqlPool, block_id: Uuid) -> Result<Option<Arc<repo::LinkRow>>, sqlx::Error> {
        self.links
            .get_or_fill(&block_id, || async {
                let link = repo::published_link(pool, block_id).await?.map(Arc::new);
                Ok((link, Instant::now() + CACHE_TTL))
            })
            .await
    }

    /// Forget a page after publish, unpublish, delete or a handle change, and every cached
    /// link (they change with the page; publishing is rare next to visits).
    pub fn invalidate(&self, handle: &str) {
        self.pages.forget(handle);
        self.links.clear();
    }

    pub fn record(&self, event: PendingEvent) {
        let mut events = self.events.lock().expect("events lock");
        if events.len() < BUFFER_CAP {
            events.push(event);
        }
    }

    fn should_flush_early(&self) -> bool {
        self.events.lock().expect("events lock").len() >= BATCH
    }

    /// Writes every buffered event. Called by the timer, on shutdown, and by tests.
    pub async fn flush(&self, pool: &MySqlPool) {
        let _one = self.flushing.lock().await;
        let pending = std::mem::take(&mut *self.events.lock().expect("events lock"));
        if pending.is_empty() {
            return;
        }
        let salt = match self.salt(pool).await {
            Ok(salt) => salt,
            Err(e) => {
                tracing::error!(error = %e, dropped = pending.len(), "bio events not recorded: no visitor salt");
                return;
            }
        };
        let rows: Vec<repo::EventRow> = pending
            .into_iter()
            .map(|p| {
                let mut event = p.event;
                let digest = Sha256::new().chain_update(&salt).chain_update(p.visitor_key).finalize();
                event.visitor.copy_from_slice(&digest[..16]);
                event
            })
            .collect();
        for chunk in rows.chunks(BATCH) {
            if let Err(e) = repo::insert_events(pool, chunk).await {
                tracing::error!(error = %e, dropped = chunk.len(), "bio events not recorded");
            }
        }
    }

    async fn salt(&self, pool: &MySqlPool) -> Result<Vec<u8>, sqlx::Error> {
        let today = Utc::now().date_naive();
        if let Some((day, salt)) = self.salt.lock().expect("salt lock").as_ref() {
            if *day == today {
                return Ok(salt.clone());
            }
        }
        let salt = repo::visitor_salt(pool, today, rand::random()).await?;
        *self.salt.lock().expect("salt lock") = Some((today, salt.clone()));
        Ok(salt)
    }

    /// The background writer; runs until the task is aborted (then `flush` once more).
    pub async fn run(self: Arc<Self>, pool: MySqlPool) {
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        let mut last = Instant::now();
        loop {
            tick.tick().await;
            if last.elapsed() >= FLUSH_EVERY || self.should_flush_early() {
                self.flush(&pool).await;
                last = Instant::now();
            }
        }
    }
}

/// A cache map: each value with when it expires and whether a request is already fetching
/// its successor, and the keys being fetched.
struct Cache<K, V> {
    entries: RwLock<HashMap<K, Arc<Entry<V>>>>,
    fills: Gates<K>,
}

impl<K, V> Default for Cache<K, V> {
    fn default() -> Self {
        Self { entries: RwLock::default(), fills: Gates::default() }
    }
}

struct Entry<V> {
    expires: Instant,
    value: V,
    refreshing: AtomicBool,
}

impl<K: std::hash::Hash + Eq + Clone, V: Clone> Cache<K, V> {
    /// The cached value when fresh. When it has expired, the first caller gets `None` and
    /// fetches the next value; everyone else keeps getting the old one meanwhile, so an expiry
    /// under load costs one query and one rendering, not one per request in flight.
    fn cached<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        let entry = self.entries.read().expect("cache lock").get(key).cloned()?;
        let stale = Instant::now() >= entry.expires;
        (!stale || entry.refreshing.swap(true, Ordering::AcqRel)).then(|| entry.value.clone())
    }

    /// The value, or `fetch`'s (value, expiry), cached. A key with nothing cached is fetched
    /// by one request at a time: the others wait and take its result. Without this, the first
    /// moment of a burst (a page shared to many people at once, a restart under load) sent
    /// every request in flight to the database and the renderer (p99 230 ms in the benchmark's
    /// first two seconds, 5 ms after).
    async fn get_or_fill<Q, F, Fut>(&self, key: &Q, fetch: F) -> Result<V, sqlx::Error>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ToOwned<Owned = K> + ?Sized,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<(V, Instant), sqlx::Error>>,
    {
        // A hit (almost every request) borrows the key; only a miss allocates it.
        if let Some(value) = self.cached(key) {
            return Ok(value);
        }
        let owned = key.to_owned();
        self.fills
            .run(&owned, async {
                let filled = self.entries.read().expect("cache lock").get(key).filter(|e| Instant::now() < e.expires).map(|e| e.value.clone());
                if let Some(value) = filled {
                    return Ok(value);
                }
                match fetch().await {
                    Ok((value, expires)) => {
                        self.insert_bounded(owned.clone(), expires, value.clone());
                        Ok(value)
                    }
                    Err(e) => {
                        // Dropped, so the next request tries again.
                        self.forget(key);
                        Err(e)
                    }
                }
            })
            .await
    }

    fn forget<Q>(&self, key: &Q)
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        self.entries.write().expect("cache lock").remove(key);
    }

    fn clear(&self) {
        self.entries.write().expect("cache lock").clear();
    }

    /// Inserts, emptying the map first when it is full (unknown keys are cached too, so a
    /// flood of made-up handles or ids cannot grow it without bound).
    fn insert_bounded(&self, key: K, expires: Instant, value: V) {
        let mut map = self.entries.write().expect("cache lock");
        if map.len() >= CACHE_MAX {
            map.clear();
        }
        map.insert(key, Arc::new(Entry { expires, value, refreshing: AtomicBool::new(false) }));
    }
}

/// What a request tells us about its visitor.
pub struct Visit {
    pub device: Option<&'static str>,
    pub referrer: Option<String>,
    pub country: Option<String>,
    pub in_app_browser: bool,
    user_agent: String,
    ip: String,
}

impl Visit {
    pub fn from_request(headers: &HeaderMap, ip: Option<String>, own_host: &str) -> Self {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let user_agent = text(header::USER_AGENT.as_str()).to_owned();
        let referrer = referrer_host(text(header::REFERER.as_str()), own_host);
        let country = ["cf-ipcountry", "x-vercel-ip-country", "x-country-code"]
            .iter()
            .map(|h| text(h).trim().to_ascii_uppercase())
            .find(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) && c != "XX" && c != "T1");
        Self {
            device: device_class(&user_agent),
            in_app_browser: in_app_browser(&user_agent),
            referrer,
            country,
            user_agent,
            ip: ip.unwrap_or_default(),
        }
    }

    /// The event for this visit, or `None` for bots and link-preview fetchers (not counted).
    pub fn event(&self, kind: &'static str, workspace_id: Uuid, page_id: Uuid, block_id: Option<Uuid>) -> Option<PendingEvent> {
        let device = self.device?;
        let key = Sha256::new()
            .chain_update(self.ip.as_bytes())
            .chain_update([0])
            .chain_update(self.user_agent.as_bytes())
            .chain_update(page_id.as_bytes())
            .finalize();
        Some(PendingEvent {
            event: repo::EventRow {
                workspace_id,
                page_id,
                at: Utc::now(),
                kind,
                block_id,
                visitor: [0; 16],
                referrer: self.referrer.clone(),
                country: self.country.clone(),
                device,
            },
            visitor_key: key.into(),
        })
    }
}

/// `mobile`, `tablet` or `desktop`; `None` for crawlers, link previewers and scripts.
pub fn device_class(ua: &str) -> Option<&'static str> {
    let ua = ua.to_ascii_lowercase();
    const BOTS: &[&str] = &[
        "bot", "crawl", "spider", "slurp", "preview", "facebookexternalhit", "embedly", "curl/", "wget/", "python-", "go-http",
        "headless", "lighthouse", "monitor", "okhttp", "java/", "node-fetch", "axios/", "wrk", "httpclient",
    ];
    if ua.is_empty() || BOTS.iter().any(|b| ua.contains(b)) {
        return None;
    }
    if ua.contains("ipad") || ua.contains("tablet") || (ua.contains("android") && !ua.contains("mobile")) {
        Some("tablet")
    } else if ua.contains("mobi") || ua.contains("iphone") || ua.contains("android") {
        Some("mobile")
    } else {
        Some("desktop")
    }
}

/// Instagram's, Facebook's and TikTok's in-app browsers, which keep people inside the app.
pub fn in_app_browser(ua: &str) -> bool {
    ["Instagram", "FBAN/", "FBAV/", "FB_IAB", "musical_ly", "BytedanceWebview", "TikTok"].iter().any(|m| ua.contains(m))
}

/// The referring site's host (`instagram.com`), without `www.`; none for direct visits and our own pages.
pub fn referrer_host(referer: &str, own_host: &str) -> Option<String> {
    let rest = referer.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?.rsplit('@').next()?.split(':').next()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    let own = own_host.split(':').next().unwrap_or_default().to_ascii_lowercase();
    let own = own.strip_prefix("www.").unwrap_or(&own);
    (!host.is_empty() && host != own && host.len() <= 255).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expired_entry_is_refetched_by_one_caller_while_the_others_get_the_old_value() {
        let map: Cache<&str, u32> = Cache::default();
        assert_eq!(map.cached("a"), None, "nothing cached yet");
        map.insert_bounded("a", Instant::now() + Duration::from_secs(60), 1);
        assert_eq!(map.cached("a"), Some(1));
        map.insert_bounded("a", Instant::now() - Duration::from_millis(1), 2);
        assert_eq!(map.cached("a"), None, "the first caller after expiry refreshes");
        assert_eq!(map.cached("a"), Some(2), "the rest get the stale value meanwhile");
        map.insert_bounded("a", Instant::now() + Duration::from_secs(60), 3);
        assert_eq!(map.cached("a"), Some(3));
        map.forget("a");
        assert_eq!(map.cached("a"), None);
    }

    #[tokio::test]
    async fn requests_that_find_nothing_cached_share_one_fetch() {
        let map: Arc<Cache<String, u32>> = Arc::default();
        let fetches = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let requests = (0..32).map(|_| {
            let (map, fetches) = (Arc::clone(&map), Arc::clone(&fetches));
            tokio::spawn(async move {
                map.get_or_fill("a", || async {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Ok((7, Instant::now() + Duration::from_secs(60)))
                })
                .await
            })
        });
        for r in futures::future::join_all(requests).await {
            assert_eq!(r.unwrap().unwrap(), 7);
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert!(map.fills.is_idle(), "no gate left behind");
        // A failed fetch caches nothing: the next request tries again.
        let failed = map.get_or_fill("b", || async { Err(sqlx::Error::PoolTimedOut) }).await;
        assert!(failed.is_err());
        assert_eq!(map.get_or_fill("b", || async { Ok((8, Instant::now() + Duration::from_secs(60))) }).await.unwrap(), 8);
    }

    #[test]
    fn devices_are_classed_and_bots_left_out() {
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";
        assert_eq!(device_class(iphone), Some("mobile"));
        assert_eq!(device_class("Mozilla/5.0 (Linux; Android 14; SM-X200) AppleWebKit/537.36 Safari/537.36"), Some("tablet"));
        assert_eq!(device_class("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120 Safari/537.36"), Some("desktop"));
        for bot in ["Googlebot/2.1", "facebookexternalhit/1.1", "curl/8.0", "", "Mozilla/5.0 HeadlessChrome/120"] {
            assert_eq!(device_class(bot), None, "{bot}");
        }
    }

    #[test]
    fn in_app_browsers_are_recognised() {
        assert!(in_app_browser("Mozilla/5.0 (iPhone) Mobile/15E148 Instagram 300.0.0"));
        assert!(in_app_browser("Mozilla/5.0 (iPhone) [FBAN/FBIOS;FBAV/400.0]"));
        assert!(in_app_browser("Mozilla/5.0 (Linux; Android 13) musical_ly_2023"));
        assert!(!in_app_browser("Mozilla/5.0 (iPhone) Version/17.0 Mobile Safari/604.1"));
    }

    #[test]
    fn referrers_are_hosts_and_our_own_pages_are_direct() {
        assert_eq!(referrer_host("https://l.instagram.com/?u=x", "mewayz.app"), Some("l.instagram.com".into()));
        assert_eq!(referrer_host("https://www.google.com/search?q=a", "mewayz.app"), Some("google.com".into()));
        assert_eq!(referrer_host("https://mewayz.app/@jane", "mewayz.app"), None);
        assert_eq!(referrer_host("", "mewayz.app"), None);
    }

    #[test]
    fn the_same_visitor_gets_the_same_key_per_page_and_a_different_one_elsewhere() {
        let mut headers = HeaderMap::new();
        headers.insert(header::USER_AGENT, "Mozilla/5.0 (iPhone) Mobile".parse().unwrap());
        let visit = Visit::from_request(&headers, Some("203.0.113.9".into()), "mewayz.app");
        let (ws, page) = (Uuid::now_v7(), Uuid::now_v7());
        let a = visit.event("view", ws, page, None).unwrap().visitor_key;
        let b = visit.event("click", ws, page, None).unwrap().visitor_key;
        let c = visit.event("view", ws, Uuid::now_v7(), None).unwrap().visitor_key;
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
