// The link-in-bio flow on a phone: create a page, add three links, drag them into a new order
// with touch, publish, then open the public page in a fresh browser and follow a link, which is
// counted once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DESKTOP, PHONE, createWorkspaceApi, hydrated, screenshot, signUpApi, useServerAndBrowser,
} from './support.mjs';

const ctx = useServerAndBrowser();

/** Drags `from` onto the middle of `to` with real touch events (Chrome turns them into pointer events). */
async function touchDrag(page, from, to) {
  const cdp = await page.context().newCDPSession(page);
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  const start = { x: a.x + a.width / 2, y: a.y + a.height / 2 };
  const end = { x: start.x, y: b.y + b.height / 2 - 4 };
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [start] });
  for (let i = 1; i <= 12; i++) {
    const y = start.y + ((end.y - start.y) * i) / 12;
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: start.x, y }] });
    await page.waitForTimeout(16);
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

test('build a page on a phone, drag three links into order, publish, visit and click', async () => {
  const origin = ctx.server.origin;
  const errors = [];
  const context = await ctx.browser.newContext({ viewport: PHONE, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(`${origin}/signin`);
  await signUpApi(page, origin);
  const ws = await createWorkspaceApi(page, origin, `Bio ${Date.now()}`, ['bio']);
  const handle = `e2e_${Date.now().toString(36)}`;

  // A new page from the list.
  await page.goto(`${origin}/w/${ws.slug}/bio`);
  await hydrated(page);
  await page.getByRole('button', { name: 'New page' }).click();
  await page.getByLabel('Title').fill('Ada on the web');
  await page.getByLabel('Handle').fill(handle);
  await page.getByRole('button', { name: 'Create page' }).click();
  await page.waitForURL(new RegExp(`/w/${ws.slug}/bio/[0-9a-f-]{36}$`));
  await hydrated(page);
  const pageId = new URL(page.url()).pathname.split('/').pop();

  // Three links from the palette, each filled in where it opens.
  const rows = page.locator('ul[aria-label="Blocks"] > li[data-block-id]');
  const links = [['First', `${origin}/healthz?first`], ['Second', `${origin}/healthz?second`], ['Third', `${origin}/healthz?third`]];
  for (const [i, [title, url]] of links.entries()) {
    await page.getByRole('button', { name: 'Add Link' }).click();
    await rows.nth(i).waitFor();
    await rows.nth(i).getByLabel('Title').fill(title);
    await rows.nth(i).getByLabel('URL').fill(url);
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor({ timeout: 10_000 });
  }
  const api = async () => (await page.request.get(`${origin}/api/v1/bio/pages/${pageId}/blocks`, { headers: { 'x-workspace-id': ws.slug } })).json();
  for (let i = 0; i < 50 && (await api()).filter((b) => b.url).length < 3; i++) await page.waitForTimeout(200);
  assert.deepEqual((await api()).map((b) => b.title), ['First', 'Second', 'Third'], 'autosaved in order');

  // Drag "Third" to the top, then "First" below "Second", with a finger.
  await touchDrag(page, page.getByLabel('Drag to reorder Third'), rows.nth(0));
  for (let i = 0; i < 50 && (await api())[0].title !== 'Third'; i++) await page.waitForTimeout(100);
  assert.equal((await api())[0].title, 'Third', 'the first drag reached the server');
  await touchDrag(page, page.getByLabel('Drag to reorder First'), rows.nth(2));
  for (let i = 0; i < 50 && (await api())[2].title !== 'First'; i++) await page.waitForTimeout(100);
  assert.deepEqual((await api()).map((b) => b.title), ['Third', 'Second', 'First']);
  await screenshot(page, 'bio-editor-phone');

  // Publish; the public page is served to a fresh browser.
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByText('Published', { exact: false }).first().waitFor();
  // Headless Chromium says so in its user agent and is not counted (bots are not visitors).
  const visitor = await ctx.browser.newContext({ viewport: PHONE, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1' });
  const pub = await visitor.newPage();
  const res = await pub.goto(`${origin}/@${handle}`);
  assert.equal(res.status(), 200);
  const buttons = pub.locator('a[data-l]');
  assert.deepEqual(await buttons.allTextContents().then((t) => t.map((s) => s.trim())), ['Third', 'Second', 'First']);
  assert.equal(await pub.locator('script[src*="mewayz"], link[href*=".wasm"]').count(), 0, 'no app bundle on the public page');
  await screenshot(pub, 'bio-public-phone');
  await pub.getByRole('link', { name: 'Second' }).click();
  await pub.waitForURL(/\/healthz\?second$/);

  // The click went through the redirect and is counted once.
  let stats;
  for (let i = 0; i < 50; i++) {
    stats = await (await page.request.get(`${origin}/api/v1/bio/pages/${pageId}/stats?days=7`, { headers: { 'x-workspace-id': ws.slug } })).json();
    if (stats.clicks >= 1) break;
    await page.waitForTimeout(200);
  }
  assert.equal(stats.clicks, 1);
  assert.equal(stats.by_link[0].title, 'Second');
  assert.ok(stats.views >= 1);

  // Desktop: the editor with its live preview beside it, and the public page.
  const desk = await ctx.browser.newContext({ viewport: DESKTOP, storageState: await context.storageState() });
  const editor = await desk.newPage();
  await editor.goto(`${origin}/w/${ws.slug}/bio/${pageId}`);
  await hydrated(editor);
  await editor.frameLocator('iframe[title="Preview of your page"]').getByText('Third').waitFor();
  await screenshot(editor, 'bio-editor-desktop');
  const wide = await visitor.newPage();
  await wide.setViewportSize(DESKTOP);
  await wide.goto(`${origin}/@${handle}`);
  await screenshot(wide, 'bio-public-desktop');
  for (const p of [page, editor]) {
    assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scroll');
  }
  await Promise.all([context.close(), visitor.close(), desk.close()]);
  assert.deepEqual(errors, []);
});
