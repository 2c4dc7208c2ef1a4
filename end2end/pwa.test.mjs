// Installability and offline behaviour: Chromium's own verdict, then the server is stopped.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PHONE, launchProfile, screenshot, startServer } from './support.mjs';

let server;
let context;
before(async () => {
  server = await startServer();
  context = await launchProfile(PHONE);
});
after(async () => {
  await context?.close();
  await server?.stop();
});

test('Chromium reports the app as installable and the service worker serves the offline page', async () => {
  const page = await context.newPage();
  await page.goto(`${server.origin}/`);
  await page.evaluate(() => navigator.serviceWorker.ready);
  // The page must be controlled (clients.claim) before going offline.
  await page.reload();
  assert.equal(await page.evaluate(() => !!navigator.serviceWorker.controller), true);

  const cdp = await context.newCDPSession(page);
  const manifest = await cdp.send('Page.getAppManifest');
  assert.deepEqual(manifest.errors, [], 'manifest parses without errors');
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors, [], 'installable');

  const cached = await page.evaluate(async () => {
    const names = await caches.keys();
    const urls = [];
    for (const name of names) for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
    return urls;
  });
  assert.ok(cached.includes('/offline.html') && cached.includes('/pkg/mewayz.wasm'), cached.join(','));
  assert.ok(!cached.some((p) => p === '/' || p.startsWith('/api/') || p.startsWith('/app')), 'no HTML or API cached');

  await server.stop();
  await page.goto(`${server.origin}/app/crm`);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), "You're offline");
  await screenshot(page, 'offline-phone');
});
