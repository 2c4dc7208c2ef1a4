// Test support: start the release server on a free port, launch Debian's Chromium through
// playwright-core, save screenshots under end2end/artifacts/.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const artifacts = path.join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 800 };

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Starts the built server (with `env` added); resolves once /readyz answers 200. */
export async function startServer(env = {}) {
  const bin = process.env.MEWAYZ_BIN;
  if (!bin) throw new Error('MEWAYZ_BIN must point at the release server binary (scripts/test sets it)');
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(bin, [], {
    env: {
      ...process.env,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LOG_LEVEL: 'warn',
      // Every test browser is 127.0.0.1: the per-IP sign-in limit would trip across tests.
      AUTH_RATE_LIMIT_PER_MINUTE: '1000',
      STORAGE_DIR: mkdtempSync(path.join(os.tmpdir(), 'mewayz-e2e-files-')),
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let exited = false;
  child.on('exit', () => { exited = true; });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error('the server exited during start-up');
    try {
      const res = await fetch(`${origin}/readyz`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error('the server did not become ready in 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    origin,
    async stop() {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

const launchOptions = () => ({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

export async function launchBrowser() {
  return chromium.launch(launchOptions());
}

/** A browser with a real (non-incognito) profile: Chromium refuses to install apps in incognito. */
export async function launchProfile(viewport) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mewayz-e2e-'));
  return chromium.launchPersistentContext(dir, { ...launchOptions(), viewport });
}

/** A page that fails the test on any console error or uncaught exception. */
export async function newPage(browser, viewport, errors) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(String(err)));
  return page;
}

/** Resolves once the WASM bundle has hydrated the page. */
export async function hydrated(page) {
  try {
    await page.waitForSelector('html[data-hydrated]', { state: 'attached', timeout: 15_000 });
  } catch (err) {
    // Say why: a panic during hydration shows as a console error; a server error as the page.
    const errors = (await page.consoleMessages().catch(() => []))
      .filter((m) => m.type() === 'error').map((m) => m.text());
    const thrown = (await page.pageErrors().catch(() => [])).map(String);
    const state = await page.evaluate(() => ({ url: location.href, title: document.title, text: document.body?.innerText.slice(0, 400) })).catch(() => null);
    if (process.env.E2E_DUMP) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(path.join(artifacts, 'unhydrated-dom.html'), await page.content().catch(() => ''));
      const again = await page.request.get(page.url()).catch(() => null);
      if (again) writeFileSync(path.join(artifacts, 'unhydrated-refetch.html'), await again.text());
    }
    err.message += `\nconsole errors: ${JSON.stringify(errors)}\npage errors: ${JSON.stringify(thrown)}\npage: ${JSON.stringify(state)}`;
    throw err;
  }
}

export async function screenshot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

/** Per test file: one server and one browser, started before and stopped after its tests.
 * `env` (a function, run first) adds environment variables for the server. */
export function useServerAndBrowser(env = async () => ({})) {
  const ctx = {};
  before(async () => {
    ctx.server = await startServer(await env(ctx));
    ctx.browser = await launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.stop();
  });
  return ctx;
}

export const PASSWORD = 'correct horse battery staple 42';

/** A fresh email address for one test. */
export function uniqueEmail(name = 'ada') {
  return `${name}+${Date.now()}${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** Signs a new account up through the API inside the page's browser context (cookies included). */
export async function signUpApi(page, origin, email = uniqueEmail(), name = 'Ada Lovelace') {
  const res = await page.request.post(`${origin}/api/v1/auth/register`, {
    data: { name, email, password: PASSWORD },
    headers: { origin },
  });
  if (res.status() !== 201) throw new Error(`sign-up failed: ${res.status()} ${await res.text()}`);
  return email;
}

/** Where a signed-in person lands: their workspace, or the setup wizard before they have one. */
export const SIGNED_IN_URL = /\/(onboarding|w\/[a-z0-9-]+)$/;

/** Creates a workspace for the signed-in page (cookies shared) and returns it. */
export async function createWorkspaceApi(page, origin, name = 'Ada Studio', goals) {
  const res = await page.request.post(`${origin}/api/v1/workspaces`, { data: { name, goals }, headers: { origin } });
  if (res.status() !== 201) throw new Error(`workspace creation failed: ${res.status()} ${await res.text()}`);
  return res.json();
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) from a base32 secret, `offset` steps from now: an
 * implementation of its own, independent of the server's. */
export function totp(secret, offset = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/[\s=]/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + offset));
  const mac = createHmac('sha1', key).update(counter).digest();
  const at = mac[mac.length - 1] & 0xf;
  const code = (mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

/** The token of the newest `kind` email to `to` in the outbox (the server's own database). */
export async function emailedToken(to, kind, pattern = /token=([A-Za-z0-9_-]+)/) {
  const { createConnection } = await import('mysql2/promise');
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL must name the database the server uses');
  const db = await createConnection(url);
  try {
    for (let i = 0; i < 100; i++) {
      const [rows] = await db.query(
        'select body_text from email_outbox where to_address = ? and kind = ? order by id desc limit 1', [to, kind]);
      if (rows.length) return rows[0].body_text.match(pattern)[1];
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${kind} email to ${to}`);
  } finally {
    await db.end();
  }
}
