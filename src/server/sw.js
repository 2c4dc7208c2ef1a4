// Mewayz service worker. TEMPLATE: the server serves this at /sw.js with every
// __BUILD_ID__ replaced by the build hash, so each deploy yields a byte-different
// worker, which makes the browser install it and drop the previous build's cache.
'use strict';

const CACHE = 'mewayz-static-__BUILD_ID__';
const OFFLINE_URL = '/offline.html';
const PRECACHE = [
  OFFLINE_URL,
  '/pkg/mewayz.js',
  '/pkg/mewayz.wasm',
  '/pkg/mewayz.css',
  '/manifest.webmanifest',
  '/icons/icon-192.png',
  '/icons/icon.svg',
  '/favicon.ico',
];
const PRECACHED = new Set(PRECACHE);
// Live data and probes must always hit the server.
const NEVER_CACHE = /^\/(api|metrics|healthz|readyz)(\/|$)/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE)
      // 'reload' bypasses the HTTP cache so we store this build's files, not stale ones.
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: 'reload' }))))
      // Activate at once: the assets are versioned by the cache name, not by the page.
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(
      names
        .filter((name) => name.startsWith('mewayz-') && name !== CACHE)
        .map((name) => caches.delete(name)),
    );
    // Let navigations start their network request while the worker boots.
    if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  // Returning without respondWith() leaves the request to the browser untouched.
  if (url.origin !== self.location.origin) return;
  if (NEVER_CACHE.test(url.pathname)) return;

  if (request.mode === 'navigate') {
    // Pages are per-user and server-rendered: always from the network, never stored.
    // The offline page is only a fallback when the network itself fails.
    event.respondWith((async () => {
      try {
        return (await event.preloadResponse) || (await fetch(request));
      } catch {
        const offline = await caches.match(OFFLINE_URL, { cacheName: CACHE });
        return offline || Response.error();
      }
    })());
    return;
  }

  if (PRECACHED.has(url.pathname) && !url.search) {
    // Network first: asset URLs are not fingerprinted, so right after a deploy the new HTML
    // must get the new JS/WASM, not this worker's copy. The server answers a cheap 304 when
    // nothing changed; the stored copy is only for when the network fails.
    // ignoreVary: the stored response may vary on headers the page request lacks.
    event.respondWith(
      fetch(request).catch(() =>
        caches.match(request, { cacheName: CACHE, ignoreVary: true })
          .then((hit) => hit || Response.error())),
    );
  }
  // Everything else: not handled, so it goes straight to the network.
});
