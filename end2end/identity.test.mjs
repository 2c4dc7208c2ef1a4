// The whole identity flow a careful person goes through: sign up, confirm the email from the
// link in the outbox, turn on two-factor authentication with a code computed from the secret on
// the page, sign out, sign in with a TOTP code, sign in with a backup code, and sign the other
// devices out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DESKTOP, PASSWORD, PHONE, emailedToken, hydrated, newPage, screenshot, totp, uniqueEmail, useServerAndBrowser, SIGNED_IN_URL, createWorkspaceApi,
} from './support.mjs';

const ctx = useServerAndBrowser();

async function signOut(page) {
  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.getByRole('dialog', { name: 'Sign out?' }).getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/signin$/);
  await hydrated(page);
}

async function signInWithCode(page, email, code) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const field = page.getByLabel('Authentication code');
  await field.waitFor({ timeout: 10_000 });
  await field.fill(code);
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await page.waitForURL(SIGNED_IN_URL);
  await hydrated(page);
}

test('sign up, confirm the email, turn on MFA, sign in with TOTP and a backup code, sign other devices out', async () => {
  const origin = ctx.server.origin;
  const errors = [];
  const page = await newPage(ctx.browser, DESKTOP, errors);
  const email = uniqueEmail();

  // Sign up; the strength meter judges the password as it is typed.
  await page.goto(`${origin}/signup`);
  await hydrated(page);
  await page.getByLabel('Name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill('password1234');
  await page.getByRole('meter', { name: 'Password strength' }).waitFor();
  assert.match(await page.locator('.strength-label').textContent(), /too common|weak/i);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.locator('.strength-label', { hasText: /strong/i }).waitFor();
  await screenshot(page, 'identity-signup-strength-desktop');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/\/onboarding$/);
  await createWorkspaceApi(page, origin);

  // Confirm the email with the link from the outbox.
  const token = await emailedToken(email, 'verify_email');
  await page.goto(`${origin}/verify-email?token=${token}`);
  await page.getByText('is confirmed').waitFor({ timeout: 10_000 });
  await page.goto(`${origin}/app/account`);
  await hydrated(page);
  await page.getByText('Verified', { exact: true }).first().waitFor();

  // Turn on two-factor authentication with a code computed from the secret on the page.
  await page.goto(`${origin}/app/security`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  const secret = (await page.locator('code.secret').textContent()).replace(/\s/g, '');
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.ok(await page.getByRole('img', { name: /QR code/ }).locator('svg').count() === 1, 'the QR code is an inline SVG');
  await page.getByLabel('Authentication code').fill(totp(secret));
  await page.getByRole('button', { name: 'Verify and turn on' }).click();
  const codesList = page.getByRole('list', { name: 'Backup codes' });
  await codesList.waitFor({ timeout: 10_000 });
  const backupCodes = (await codesList.getByRole('listitem').allTextContents()).map((c) => c.trim());
  assert.equal(backupCodes.length, 10);
  await screenshot(page, 'identity-backup-codes-desktop');
  await page.getByRole('button', { name: 'I saved them' }).click();

  // Sign out, then in again with the next TOTP code (the current one was spent on enrolment).
  await signOut(page);
  await signInWithCode(page, email, totp(secret, 1));

  // Sign out, then in with a backup code; one fewer remains.
  await signOut(page);
  await signInWithCode(page, email, backupCodes[0]);
  await page.goto(`${origin}/app/security`);
  await hydrated(page);
  await page.getByText(/9 backup codes? left|9 of 10|9 remaining/i).first().waitFor({ timeout: 10_000 });

  // A phone signs in too (with another backup code), then this desktop signs it out.
  const phone = await newPage(ctx.browser, PHONE, []);
  await phone.goto(`${origin}/signin`);
  await hydrated(phone);
  await signInWithCode(phone, email, backupCodes[1]);
  await page.reload();
  await hydrated(page);
  const devices = page.getByRole('list', { name: 'Signed-in devices' });
  await devices.waitFor();
  assert.equal(await devices.getByRole('listitem').count(), 2);
  await screenshot(page, 'identity-security-desktop');
  await page.getByRole('button', { name: 'Sign out all other devices' }).click();
  await page.getByText('You are signed in on this device only.').waitFor({ timeout: 10_000 });
  assert.equal(await devices.getByRole('listitem').count(), 1);
  const me = await phone.request.get(`${origin}/api/v1/auth/me`);
  assert.equal(me.status(), 401, 'the phone is signed out');

  // The security page at phone width, for the record.
  await page.setViewportSize(PHONE);
  await screenshot(page, 'identity-security-phone');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `no sideways scrolling (${width}px)`);
  assert.deepEqual(errors.filter((e) => !/status of 40[13]/.test(e)), []);
  await phone.context().close();
  await page.context().close();
});
