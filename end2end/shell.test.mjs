// The landing page and app shell as a person uses them, at phone and desktop widths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DESKTOP, PHONE, artifacts, hydrated, newPage, screenshot, signUpApi, useServerAndBrowser, createWorkspaceApi } from './support.mjs';

const ctx = useServerAndBrowser();

test('the landing page is rendered on the server: its content is there without JavaScript', async () => {
  const context = await ctx.browser.newContext({ javaScriptEnabled: false, viewport: PHONE });
  const page = await context.newPage();
  const res = await page.goto(`${ctx.server.origin}/`);
  assert.equal(res.status(), 200);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Run your whole business from one app');
  assert.ok(await page.getByRole('link', { name: 'Start free' }).isVisible());
  await context.close();
});

test('the landing page hydrates and the theme toggle works and persists across reloads', async () => {
  const errors = [];
  const page = await newPage(ctx.browser, PHONE, errors);
  await page.goto(`${ctx.server.origin}/`);
  await hydrated(page);
  const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
  assert.equal(await theme(), 'dark', 'dark by default');
  await screenshot(page, 'landing-phone-dark');

  await page.getByRole('button', { name: 'Toggle dark and light theme' }).click();
  assert.equal(await theme(), 'light');
  await page.reload();
  assert.equal(await theme(), 'light', 'the choice survives a reload');
  // Set before first paint by the head script, so there is no dark flash.
  const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  assert.equal(bg, 'rgb(247, 247, 251)');
  await screenshot(page, 'landing-phone-light');

  await hydrated(page);
  await page.getByRole('button', { name: 'Toggle dark and light theme' }).click();
  assert.equal(await theme(), 'dark');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('on a phone the app shows a bottom tab bar and no sidebar', async () => {
  const errors = [];
  const page = await newPage(ctx.browser, PHONE, errors);
  await signUpApi(page, ctx.server.origin);
  await createWorkspaceApi(page, ctx.server.origin);
  await page.goto(`${ctx.server.origin}/app`);
  await hydrated(page);
  assert.ok(await page.getByRole('navigation', { name: 'Tab bar' }).isVisible());
  assert.ok(!(await page.getByRole('navigation', { name: 'Sidebar' }).isVisible()));
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `no sideways scrolling (${width}px)`);
  await screenshot(page, 'app-phone');

  await page.getByRole('navigation', { name: 'Tab bar' }).getByRole('link', { name: 'Contacts' }).click();
  await page.waitForURL(/\/w\/[a-z0-9-]+\/crm$/);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Contacts');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('on a desktop the app shows a sidebar with every module and navigates without reloading', async () => {
  const errors = [];
  const page = await newPage(ctx.browser, DESKTOP, errors);
  await signUpApi(page, ctx.server.origin);
  await createWorkspaceApi(page, ctx.server.origin);
  await page.goto(`${ctx.server.origin}/app`);
  await hydrated(page);
  const sidebar = page.getByRole('navigation', { name: 'Sidebar' });
  assert.ok(await sidebar.isVisible());
  assert.ok(!(await page.getByRole('navigation', { name: 'Tab bar' }).isVisible()));
  assert.ok((await sidebar.getByRole('link').count()) >= 16, 'home plus every module');
  await screenshot(page, 'app-desktop');

  await page.evaluate(() => { window.__sameDocument = true; });
  await sidebar.getByRole('link', { name: 'Bookings' }).click();
  await page.waitForURL(/\/w\/[a-z0-9-]+\/bookings$/);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Bookings');
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'client-side navigation');
  assert.equal(await sidebar.getByRole('link', { name: 'Bookings' }).getAttribute('aria-current'), 'page');

  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign out?' });
  assert.ok(await dialog.isVisible());
  await page.keyboard.press('Escape');
  assert.equal(await dialog.count(), 0, 'Escape closes the dialog');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('the sign-up form explains what is wrong and keeps what was typed', async () => {
  const errors = [];
  const page = await newPage(ctx.browser, PHONE, errors);
  await page.goto(`${ctx.server.origin}/signup`);
  await hydrated(page);
  await page.getByLabel('Name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill('ada@example');
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  assert.match(await page.locator('#field-email-desc').textContent(), /name@example\.com/);
  assert.match(await page.locator('#field-password-desc').textContent(), /at least 12 characters/);
  assert.equal(await page.getByLabel('Name').inputValue(), 'Ada Lovelace');
  assert.equal(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid'), 'true');
  await screenshot(page, 'signup-errors-phone');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('the app sends a visitor without a session to the sign-in page', async () => {
  const page = await newPage(ctx.browser, PHONE, []);
  await page.goto(`${ctx.server.origin}/app/crm`);
  assert.match(page.url(), /\/signin$/);
  await page.context().close();
});

test('unknown pages show the 404 page', async () => {
  const page = await newPage(ctx.browser, DESKTOP, []);
  const res = await page.goto(`${ctx.server.origin}/definitely/not/here`);
  assert.equal(res.status(), 404);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'We could not find that page');
  await page.context().close();
});

test('the API reference renders from our own origin', async () => {
  const page = await newPage(ctx.browser, DESKTOP, []);
  const outside = [];
  page.on('request', (req) => { if (!req.url().startsWith(ctx.server.origin)) outside.push(req.url()); });
  await page.goto(`${ctx.server.origin}/api/docs`);
  await page.getByText('/readyz').first().waitFor({ timeout: 15_000 });
  assert.deepEqual(outside, [], 'no request leaves the server');
  await screenshot(page, 'api-docs');
  await page.context().close();
});

test('every page fits the viewport at phone and desktop width in both themes', async () => {
  for (const theme of ['dark', 'light']) {
    for (const [label, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) {
      const context = await ctx.browser.newContext({ viewport });
      await context.addInitScript((t) => localStorage.setItem('theme', t), theme);
      const page = await context.newPage();
      await signUpApi(page, ctx.server.origin);
      const ws = await createWorkspaceApi(page, ctx.server.origin);
      const bio = await (await page.request.post(`${ctx.server.origin}/api/v1/bio/pages`, {
        data: { handle: `fit_${Date.now().toString(36)}`, title: 'Fit test' },
        headers: { origin: ctx.server.origin, 'x-workspace-id': ws.slug },
      })).json();
      const pages = [`/w/${ws.slug}/bio`, `/w/${ws.slug}/bio/${bio.id}`, `/w/${ws.slug}/bio/${bio.id}/stats`, '/', '/signin', '/signup', '/forgot-password', '/app', '/app/crm', '/app/account', '/app/security', `/w/${ws.slug}/settings`, `/w/${ws.slug}/members`, `/w/${ws.slug}/activity`, `/w/${ws.slug}/crm`, `/w/${ws.slug}/crm/companies`, `/w/${ws.slug}/crm/deals`, `/w/${ws.slug}/crm/import`, `/w/${ws.slug}/crm/segments`, `/w/${ws.slug}/crm/settings`, `/w/${ws.slug}/mail`, `/w/${ws.slug}/mail/templates`, `/w/${ws.slug}/mail/senders`, `/w/${ws.slug}/mail/sequences`, `/w/${ws.slug}/mail/sequences/new`, '/onboarding'];
      for (const path of pages) {
        await page.goto(`${ctx.server.origin}${path}`);
        assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= viewport.width, `${path} at ${label} scrolls sideways (${width}px)`);
        const name = path === '/' ? 'landing' : path.slice(1).replace(`w/${ws.slug}`, 'workspace').replace(bio.id, 'page').replaceAll('/', '-');
        await page.screenshot({ path: `${artifacts}/${name}-${label}-${theme}.png` });
      }
      await context.close();
    }
  }
});
