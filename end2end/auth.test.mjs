// A person creates an account, lands in the app, signs out and signs in again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PHONE, hydrated, newPage, screenshot, useServerAndBrowser } from './support.mjs';

const ctx = useServerAndBrowser();

test('sign up, sign out and sign in again on a phone', async () => {
  const errors = [];
  const page = await newPage(ctx.browser, PHONE, errors);
  const email = `ada+${Date.now()}@example.com`;
  const password = 'correct horse battery staple 42';

  await page.goto(`${ctx.server.origin}/signup`);
  await hydrated(page);
  await page.getByLabel('Name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  // A new account starts in the setup wizard; naming the business opens the workspace.
  await page.waitForURL(/\/onboarding$/);
  await hydrated(page);
  await page.getByLabel('Business name').fill('Ada Studio');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('link', { name: 'Skip for now' }).click();
  await page.waitForURL(/\/w\/[a-z0-9-]+$/);
  const cookies = await page.context().cookies();
  const access = cookies.find((c) => c.name.endsWith('mw_access'));
  assert.ok(access && access.httpOnly && access.sameSite === 'Lax', 'HttpOnly SameSite=Lax session cookie');
  await screenshot(page, 'signed-up-phone');

  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.getByRole('dialog', { name: 'Sign out?' }).getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/signin$/);
  const after = await page.context().cookies();
  assert.ok(!after.some((c) => c.name.endsWith('mw_access') && c.value), 'session cookie cleared');

  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('status').getByText(/incorrect/i).waitFor({ timeout: 10_000 });
  assert.match(page.url(), /\/signin$/, 'a wrong password stays on the form');

  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/w\/[a-z0-9-]+$/);
  // The ctx.browser logs the expected 401 of the wrong password; nothing else may fail.
  assert.deepEqual(errors.filter((e) => !/status of 401/.test(e)), []);
  await page.context().close();
});
