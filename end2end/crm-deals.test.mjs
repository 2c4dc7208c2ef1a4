// Deals and the CSV import as a person uses them: a pipeline created from the empty board, two
// deals added through the dialog, one carried to another stage with real pointer events on a
// phone (the board scrolls sideways under the finger), the move kept after a reload, a move
// by keyboard and by the "Move to" list, a deal marked won and reopened from the closed deals;
// then a CSV with one bad row imported through the wizard, the bad row reported by line and
// the good contacts listed.
// Screenshots at 390 px and 1280 px go to end2end/artifacts/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DESKTOP, createWorkspaceApi, hydrated, screenshot, signUpApi, useServerAndBrowser } from './support.mjs';

const ctx = useServerAndBrowser();
const PHONE = { width: 390, height: 844 };

const fitsWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

async function shot(page, name) {
  await screenshot(page, name);
}

function watch(page, errors) {
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(String(err)));
}

const column = (page, stage) => page.getByRole('list', { name: `Deals in ${stage}` });

test('build a pipeline, add deals, drag one on a phone, move by keyboard and win one', async () => {
  const origin = ctx.server.origin;
  const errors = [];
  const context = await ctx.browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  watch(page, errors);
  await page.goto(`${origin}/signin`);
  await signUpApi(page, origin);
  const ws = await createWorkspaceApi(page, origin, `Deals ${Date.now()}`, ['crm']);
  const api = (path) => page.request.get(`${origin}/api/v1${path}`, { headers: { 'x-workspace-id': ws.slug } });

  // The empty board offers a pipeline.
  await page.goto(`${origin}/w/${ws.slug}/crm/deals`);
  await hydrated(page);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Deals');
  assert.ok(await page.getByRole('navigation', { name: 'CRM' }).getByRole('link', { name: 'Deals' }).isVisible());
  await page.getByRole('heading', { name: 'No pipelines yet' }).waitFor();
  await shot(page, 'crm-deals-empty-desktop');
  await page.getByRole('button', { name: 'Create a pipeline' }).click();
  let dialog = page.getByRole('dialog', { name: 'Pipeline' });
  await dialog.getByLabel('Pipeline name').fill('Sales');
  await dialog.getByLabel('Stage 5 name').fill('Contract');
  await dialog.getByRole('button', { name: 'Move stage 5 up' }).click();
  assert.equal(await dialog.getByLabel('Stage 4 name').inputValue(), 'Contract', 'stages reorder');
  await dialog.getByRole('button', { name: 'Move stage 4 down' }).click();
  assert.equal(await dialog.getByLabel('Stage 5 name').inputValue(), 'Contract', 'and back');
  await dialog.getByRole('button', { name: 'Move stage 5 up' }).click();
  assert.equal(await dialog.getByLabel('Stage 4 name').inputValue(), 'Contract');
  await dialog.getByRole('button', { name: 'Create pipeline' }).click();
  await dialog.waitFor({ state: 'detached' });
  for (const stage of ['Lead', 'Qualified', 'Proposal', 'Negotiation', 'Contract']) {
    await page.getByRole('heading', { level: 2, name: stage, exact: true }).waitFor();
  }

  // Two deals: one from "New deal", one from the + of a stage.
  await page.getByRole('button', { name: 'New deal' }).click();
  dialog = page.getByRole('dialog', { name: 'Deal' });
  await dialog.getByLabel('Title').fill('Acme website');
  await dialog.getByLabel('Value').fill('1,250.5');
  await dialog.getByLabel('Currency').fill('eur');
  await dialog.getByLabel('Expected close').fill('2027-03-01');
  await dialog.getByRole('button', { name: 'Create deal' }).click();
  await dialog.waitFor({ state: 'detached' });
  await column(page, 'Lead').getByRole('button', { name: 'Acme website', exact: true }).waitFor();
  await page.getByText('€1,250.50').first().waitFor();

  await page.getByRole('button', { name: 'Add a deal to Lead' }).click();
  dialog = page.getByRole('dialog', { name: 'Deal' });
  await dialog.getByLabel('Title').fill('Globex app');
  await dialog.getByLabel('Value').fill('300');
  assert.equal(await dialog.getByLabel('Currency').inputValue(), 'EUR', 'the board\'s currency is the default');
  await dialog.getByRole('button', { name: 'Create deal' }).click();
  await dialog.waitFor({ state: 'detached' });
  await column(page, 'Lead').getByRole('button', { name: 'Globex app', exact: true }).waitFor();
  await page.getByText('€1,550.50').waitFor();
  await shot(page, 'crm-deals-desktop');

  // On a phone: carry Acme to "Qualified", which starts off screen to the right.
  const phone = await ctx.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, storageState: await context.storageState() });
  const small = await phone.newPage();
  watch(small, errors);
  await small.goto(`${origin}/w/${ws.slug}/crm/deals`);
  await hydrated(small);
  await column(small, 'Lead').getByRole('button', { name: 'Acme website', exact: true }).waitFor();
  assert.ok(await fitsWidth(small), 'the board scrolls inside itself, not the page');
  await shot(small, 'crm-deals-phone');
  const handle = small.getByRole('button', { name: 'Move Acme website' });
  await handle.scrollIntoViewIfNeeded();
  const from = await handle.boundingBox();
  await small.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await small.mouse.down();
  const y = from.y + 60;
  await small.mouse.move(PHONE.width - 40, y, { steps: 8 });
  // Held at the right edge, the board scrolls until the next column is under the finger.
  const qualified = small.locator('.deal-col', { has: small.getByRole('heading', { name: 'Qualified', exact: true }) });
  for (let i = 0; i < 80; i++) {
    const box = await qualified.boundingBox();
    if (box && box.x < PHONE.width / 2) break;
    await small.mouse.move(PHONE.width - 10 - (i % 2), y);
  }
  const target = await qualified.boundingBox();
  await small.mouse.move(target.x + target.width / 2, target.y + 90, { steps: 6 });
  assert.match(await qualified.getAttribute('class'), /is-target/, 'the column under the finger is marked');
  await shot(small, 'crm-deals-dragging-phone');
  const moved = small.waitForResponse((r) => r.url().includes('move_deal'));
  await small.mouse.up();
  assert.equal((await moved).status(), 200);
  await column(small, 'Qualified').getByRole('button', { name: 'Acme website', exact: true }).waitFor();
  await small.reload();
  await hydrated(small);
  await column(small, 'Qualified').getByRole('button', { name: 'Acme website', exact: true }).waitFor();
  assert.equal(await column(small, 'Lead').getByRole('button', { name: 'Acme website', exact: true }).count(), 0, 'the move was saved');
  await phone.close();

  // By keyboard on the desktop: Globex one stage to the right with the arrow key.
  await page.reload();
  await hydrated(page);
  await column(page, 'Qualified').getByRole('button', { name: 'Acme website', exact: true }).waitFor();
  const globex = page.getByRole('button', { name: 'Move Globex app' });
  await globex.focus();
  let saved = page.waitForResponse((r) => r.url().includes('move_deal'));
  await page.keyboard.press('ArrowRight');
  assert.equal((await saved).status(), 200);
  await column(page, 'Qualified').getByRole('button', { name: 'Globex app', exact: true }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Move Globex app', 'focus stays on the handle');
  // And with the "Move to" list.
  saved = page.waitForResponse((r) => r.url().includes('move_deal'));
  await page.getByLabel('Move Globex app to').selectOption({ label: 'Contract' });
  assert.equal((await saved).status(), 200);
  await column(page, 'Contract').getByRole('button', { name: 'Globex app', exact: true }).waitFor();
  const board = await (await api('/crm/deals?status=open')).json();
  const stageOf = Object.fromEntries(board.map((d) => [d.title, d.stage_id]));
  assert.notEqual(stageOf['Acme website'], stageOf['Globex app']);

  // Win Acme: it leaves the board of open deals.
  await column(page, 'Qualified').getByRole('button', { name: 'Acme website', exact: true }).click();
  dialog = page.getByRole('dialog', { name: 'Deal' });
  assert.equal(await dialog.getByLabel('Value').inputValue(), '1250.50');
  await dialog.getByRole('button', { name: 'Mark won' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByText('Marked Acme website as won.').waitFor();
  await column(page, 'Qualified').getByRole('button', { name: 'Acme website', exact: true }).waitFor({ state: 'detached' });
  const won = await (await api('/crm/deals?status=won')).json();
  assert.deepEqual(won.map((d) => d.title), ['Acme website']);
  // It is listed under the board with the won deals, and can be reopened from there.
  const closed = page.getByRole('region', { name: 'Closed deals' });
  await closed.scrollIntoViewIfNeeded();
  await shot(page, 'crm-deals-closed-desktop');
  await closed.getByRole('list', { name: 'Won deals' }).getByRole('button', { name: 'Acme website' }).click();
  dialog = page.getByRole('dialog', { name: 'Deal' });
  await dialog.getByText(/^Won on /).waitFor();
  await dialog.getByRole('button', { name: 'Reopen' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByText('Reopened Acme website.').waitFor();
  await column(page, 'Qualified').getByRole('button', { name: 'Acme website', exact: true }).waitFor();
  await closed.waitFor({ state: 'detached' });
  assert.deepEqual(await (await api('/crm/deals?status=won')).json(), []);
  assert.ok(await fitsWidth(page), 'no sideways scroll on a desktop');

  await context.close();
  assert.deepEqual(errors, []);
});

test('import a CSV with one bad row through the wizard', async () => {
  const origin = ctx.server.origin;
  const errors = [];
  const context = await ctx.browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  watch(page, errors);
  await page.goto(`${origin}/signin`);
  await signUpApi(page, origin);
  const ws = await createWorkspaceApi(page, origin, `Import ${Date.now()}`, ['crm']);
  const headers = { origin, 'x-workspace-id': ws.slug };
  const field = await page.request.post(`${origin}/api/v1/crm/fields`, { data: { label: 'Plan', kind: 'text' }, headers });
  assert.equal(field.status(), 201, await field.text());

  await page.goto(`${origin}/w/${ws.slug}/crm/import`);
  await hydrated(page);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Import contacts');
  await shot(page, 'crm-import-desktop');
  const csv = [
    'Email,First name,Last name,Plan,Groups',
    'lin@example.com,Lin,Chen,gold,"vip, fair"',
    'not-an-email,Bad,Row,,',
    'sam@example.com,Sam,Lee,silver,',
  ].join('\n');
  await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('heading', { name: '2. Match the columns' }).waitFor();
  await page.getByText('people.csv: 3 contacts').waitFor();
  // Suggested from the headers, custom field included; "Groups" is mapped by hand.
  assert.equal(await page.getByLabel('Field for the column Email').inputValue(), 'email');
  assert.equal(await page.getByLabel('Field for the column Plan').inputValue(), 'custom.plan');
  assert.equal(await page.getByLabel('Field for the column Groups').inputValue(), '');
  await page.getByLabel('Field for the column Groups').selectOption('tags');
  await page.getByLabel('Update the contact').check();
  await page.getByLabel('Tags for every imported contact').fill('imported');
  await shot(page, 'crm-import-map-desktop');
  await page.getByRole('button', { name: 'Start import' }).click();
  await page.getByRole('heading', { name: 'Import finished' }).waitFor({ timeout: 30_000 });
  const stats = page.getByRole('list', { name: 'Import results' });
  assert.match(await stats.textContent(), /2\s*created/);
  assert.match(await stats.textContent(), /1\s*rows with errors/);
  const rows = page.getByRole('table', { name: 'Rows with errors' });
  assert.match(await rows.textContent(), /Line 3/);
  assert.match(await rows.textContent(), /Email/);
  await shot(page, 'crm-import-done-desktop');

  await page.getByRole('link', { name: 'View contacts' }).click();
  await page.waitForURL(new RegExp(`/w/${ws.slug}/crm$`));
  await page.getByRole('link', { name: 'Lin Chen' }).waitFor();
  await page.getByRole('link', { name: 'Sam Lee' }).waitFor();
  const list = await (await page.request.get(`${origin}/api/v1/crm/contacts?tag=imported`, { headers })).json();
  assert.equal(list.total, 2);
  const lin = list.items.find((c) => c.email === 'lin@example.com');
  assert.deepEqual([...lin.tags].sort(), ['fair', 'imported', 'vip']);
  assert.equal(lin.custom.plan, 'gold');

  // The wizard on a phone.
  const phone = await ctx.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, storageState: await context.storageState() });
  const small = await phone.newPage();
  watch(small, errors);
  await small.goto(`${origin}/w/${ws.slug}/crm/import`);
  await hydrated(small);
  await small.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await small.getByRole('heading', { name: '2. Match the columns' }).waitFor();
  assert.ok(await fitsWidth(small), 'the mapping fits a phone');
  await shot(small, 'crm-import-map-phone');
  await phone.close();

  await context.close();
  assert.deepEqual(errors, []);
});
