//! Data for a `Suspend` whose view builds components.
//!
//! While rendering on the server, a `<Suspense>` builds the view of a `Suspend` that is
//! already ready each time it looks for pending data (`dry_resolve`), then once more to render
//! it; the browser builds it once. Components in that view that create resources create them
//! two or three times on the server. Resource ids are counters, so the browser's resources
//! then read the data of the server's throwaway copies, which may not have finished loading
//! when the page is sent: the page hydrates a loading state over the rendered content and the
//! WASM panics (`failed_to_cast_marker_node`). Under CPU load this broke about one page load
//! in four.

use std::future::{IntoFuture, poll_fn};
use std::task::Poll;

/// `data.await`, except that on the server it is never ready on the first poll after the data
/// is, so the look-ahead passes never build the view and the one real render does.
/// Use it for one `await` before the view is built, in every `Suspend::new` that returns a
/// view (the data awaited after it is still awaited in the real render).
pub async fn loaded<F: IntoFuture>(data: F) -> F::Output {
    let value = data.await;
    settle().await;
    value
}

/// On the server, pending for one poll (then ready); in the browser, ready at once. Await it
/// right before building a view with resources when `loaded` does not fit.
pub async fn settle() {
    if cfg!(feature = "ssr") {
        let mut waited = false;
        poll_fn(|cx| {
            if std::mem::replace(&mut waited, true) {
                Poll::Ready(())
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await;
    }
}
