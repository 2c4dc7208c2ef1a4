// Test support: start the release server on a free port, launch Debian's Chromium through
// playwright-core, save screenshots under end2end/artifacts/.
import { spawn } from 'node:child_process';
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

/** Starts the built server; resolves once /readyz answers 200. */
export async function startServer() {
  const bin = process.env.MEWAYZ_BIN;
  if (!bin) throw new Error('MEWAYZ_BIN must point at the release server binary (scripts/test sets it)');
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(bin, [], {
    env: { ...process.env, LEPTOS_SITE_ADDR: `127.0.0.1:${port}`, LOG_LEVEL: 'warn' },
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
  await page.waitForSelector('html[data-hydrated]', { state: 'attached', timeout: 15_000 });
}

export async function screenshot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

/** Per test file: one server and one browser, started before and stopped after its tests. */
export function useServerAndBrowser() {
  const ctx = {};
  before(async () => {
    ctx.server = await startServer();
    ctx.browser = await launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.stop();
  });
  return ctx;
}
