// The CRM as a person uses it: an empty workspace, two contacts added through the dialog (one
// tagged), search and tag filter, bulk tagging, a note on a contact's timeline, an edited city,
// and a segment of the contacts in that city with its live count. Screenshots at phone and
// desktop widths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DESKTOP, createWorkspaceApi, hydrated, screenshot, signUpApi, useServerAndBrowser } from './support.mjs';

const ctx = useServerAndBrowser();
const PHONE = { width: 390, height: 844 };

const fitsWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

test('add contacts, find them, note and edit one, and segment them by city', async () => {
  const origin = ctx.server.origin;
  const errors = [];
  const context = await ctx.browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(`${origin}/signin`);
  await signUpApi(page, origin);
  const ws = await createWorkspaceApi(page, origin, `CRM ${Date.now()}`, ['crm']);
  const api = (path) => page.request.get(`${origin}/api/v1${path}`, { headers: { 'x-workspace-id': ws.slug } });

  // An empty CRM says so and offers the first contact.
  await page.goto(`${origin}/w/${ws.slug}/crm`);
  await hydrated(page);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Contacts');
  await page.getByRole('heading', { name: 'No contacts yet' }).waitFor();
  assert.ok(await page.getByRole('navigation', { name: 'CRM' }).getByRole('link', { name: 'Segments' }).isVisible());
  await screenshot(page, 'crm-empty-desktop');

  // A bad email is explained next to the field and what was typed stays.
  await page.getByRole('button', { name: 'New contact' }).click();
  let dialog = page.getByRole('dialog', { name: 'New contact' });
  await dialog.getByLabel('First name').fill('Grace');
  await dialog.getByLabel('Email').fill('grace@');
  await dialog.getByRole('button', { name: 'Create contact' }).click();
  await dialog.getByLabel('Email').and(page.locator('[aria-invalid="true"]')).waitFor();
  assert.equal(await dialog.getByLabel('First name').inputValue(), 'Grace', 'the typed name stays');
  assert.notEqual((await page.locator('#field-email-desc').textContent()).trim(), '', 'the email error is shown');

  // Fix it: Grace, tagged vip.
  await dialog.getByLabel('Last name').fill('Hopper');
  await dialog.getByLabel('Email').fill('grace@example.com');
  await dialog.getByLabel('Tags').fill('vip');
  await dialog.getByRole('button', { name: 'Create contact' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('link', { name: 'Grace Hopper' }).waitFor();

  // And Ada, without tags.
  await page.getByRole('button', { name: 'New contact' }).click();
  dialog = page.getByRole('dialog', { name: 'New contact' });
  await dialog.getByLabel('First name').fill('Ada');
  await dialog.getByLabel('Last name').fill('Lovelace');
  await dialog.getByLabel('Email').fill('ada@example.com');
  await dialog.getByRole('button', { name: 'Create contact' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
  await page.getByText('2 contacts', { exact: true }).waitFor();

  // Search, on the server, a moment after typing.
  await page.getByLabel('Search contacts').fill('grace');
  await page.waitForURL(/[?&]q=grace/);
  await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor({ state: 'detached' });
  assert.ok(await page.getByRole('link', { name: 'Grace Hopper' }).isVisible());
  await page.getByText('1 contact', { exact: true }).waitFor();
  await page.getByLabel('Search contacts').fill('');
  await page.waitForURL((url) => !url.search.includes('q='));
  await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();

  // Filter by the tag.
  await page.getByLabel('Tag', { exact: true }).selectOption('vip');
  await page.waitForURL(/[?&]tag=vip/);
  await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor({ state: 'detached' });
  assert.ok(await page.getByRole('link', { name: 'Grace Hopper' }).isVisible());
  await screenshot(page, 'crm-contacts-tag-desktop');
  await page.getByLabel('Tag', { exact: true }).selectOption('');
  await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();

  // Tag both at once.
  await page.getByLabel('Select all on this page').check();
  await page.getByText('2 selected', { exact: true }).waitFor();
  await page.getByLabel('Tag for the selected contacts').fill('newsletter');
  await page.getByRole('button', { name: 'Add tag' }).click();
  await page.getByText('Tagged 2 contacts “newsletter”.').waitFor();
  const tagged = await (await api('/crm/contacts?tag=newsletter')).json();
  assert.equal(tagged.total, 2);
  await screenshot(page, 'crm-contacts-desktop');

  // Grace's page: a note on the timeline, then her city.
  await page.getByRole('link', { name: 'Grace Hopper' }).click();
  await page.waitForURL(new RegExp(`/w/${ws.slug}/crm/contacts/[0-9a-f-]{36}$`));
  const contactUrl = page.url();
  const contactId = contactUrl.split('/').pop();
  await page.getByRole('heading', { level: 1, name: 'Grace Hopper' }).waitFor();
  const timeline = page.getByRole('list', { name: 'Timeline entries' });
  await timeline.waitFor();
  await page.getByLabel('Add a note').fill('Called about the Lisbon workshop.');
  await page.getByRole('button', { name: 'Add note' }).click();
  await timeline.getByText('Called about the Lisbon workshop.').waitFor();
  assert.equal(await page.getByLabel('Add a note').inputValue(), '', 'the note box is emptied');

  await page.getByLabel('City', { exact: true }).fill('Lisbon');
  await page.getByText('Unsaved changes').waitFor();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Saved', { exact: true }).waitFor();
  const grace = await (await api(`/crm/contacts/${contactId}`)).json();
  assert.equal(grace.city, 'Lisbon');
  assert.deepEqual([...grace.tags].sort(), ['newsletter', 'vip']);
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'crm-contact-desktop');

  // A segment of the contacts in Lisbon, counted while it is built.
  await page.goto(`${origin}/w/${ws.slug}/crm/segments`);
  await hydrated(page);
  await page.getByRole('heading', { name: 'No segments yet' }).waitFor();
  await page.getByLabel('Segment name').fill('Lisbon');
  await page.getByLabel('Rule 1 field').selectOption('city');
  await page.getByLabel('Rule 1 condition').selectOption('is');
  await page.getByLabel('Rule 1 value').fill('Lisbon');
  await page.getByText('1 contact matches').waitFor();
  await page.getByRole('button', { name: 'Save segment' }).click();
  const card = page.getByRole('list', { name: 'Segments' }).getByRole('listitem').filter({ hasText: 'City is “Lisbon”' });
  await card.waitFor();
  assert.match(await card.textContent(), /(^|\D)1 contact(?!s)/);
  await screenshot(page, 'crm-segments-desktop');
  await card.getByRole('link', { name: 'View contacts' }).click();
  await page.waitForURL(/\/crm\?segment=[0-9a-f-]{36}$/);
  await page.getByRole('link', { name: 'Grace Hopper' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Ada Lovelace' }).count(), 0, 'only the segment is listed');
  assert.ok(await fitsWidth(page), 'no sideways scroll on a desktop');

  // The same pages on a phone.
  const phone = await ctx.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, storageState: await context.storageState() });
  const small = await phone.newPage();
  small.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  small.on('pageerror', (err) => errors.push(String(err)));
  for (const [path, name] of [
    [`/w/${ws.slug}/crm`, 'crm-contacts-phone'],
    [new URL(contactUrl).pathname, 'crm-contact-phone'],
    [`/w/${ws.slug}/crm/segments`, 'crm-segments-phone'],
  ]) {
    await small.goto(`${origin}${path}`);
    await hydrated(small);
    await small.getByRole('heading', { level: 1 }).waitFor();
    assert.ok(await fitsWidth(small), `${path} scrolls sideways on a phone`);
    await screenshot(small, name);
  }

  await Promise.all([context.close(), phone.close()]);
  // The refused email above is the one failed request the browser reports.
  const refused = errors.filter((e) => /status of 422/.test(e));
  assert.equal(refused.length, 1, 'only the bad email was refused');
  assert.deepEqual(errors.filter((e) => !refused.includes(e)), []);
});
