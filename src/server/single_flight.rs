//! One computation per key at a time, for caches: when many requests miss the same entry at
//! once, the first computes it and the others wait, then find it cached. Without this, a burst
//! that arrives before the cache is warm (a restart under load, a page just shared, a list just
//! changed) does the same expensive work once per request in flight.
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

pub struct Gates<K> {
    open: Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>,
}

impl<K> Default for Gates<K> {
    fn default() -> Self {
        Self { open: Mutex::default() }
    }
}

impl<K: Hash + Eq + Clone> Gates<K> {
    /// Runs `work` once no other `work` for `key` is running. `work` should look in the cache
    /// first: whoever waited usually finds the value there.
    pub async fn run<T>(&self, key: &K, work: impl Future<Output = T>) -> T {
        let gate = Arc::clone(self.open.lock().unwrap_or_else(|e| e.into_inner()).entry(key.clone()).or_default());
        let result = {
            let _turn = gate.lock().await;
            work.await
        };
        // Later arrivals find the value cached; those already waiting hold their own handle.
        self.open.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
        result
    }

    pub fn is_idle(&self) -> bool {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn concurrent_work_for_one_key_runs_one_at_a_time() {
        let gates: Arc<Gates<&str>> = Arc::default();
        let (running, most) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
        let tasks = (0..16).map(|i| {
            let (gates, running, most) = (Arc::clone(&gates), Arc::clone(&running), Arc::clone(&most));
            tokio::spawn(async move {
                let key = if i % 4 == 0 { "other" } else { "a" };
                gates
                    .run(&key, async {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
            })
        });
        futures::future::join_all(tasks).await;
        assert_eq!(most.load(Ordering::SeqCst), 2, "one per key at a time, the two keys side by side");
        assert!(gates.is_idle(), "no gate left behind");
    }
}
