// The workspace flow of a small team: sign up, the setup wizard picks goals and the menu follows
// them, the owner invites a second person who accepts in another browser, the owner makes them
// a viewer, and the viewer neither sees the edit controls nor gets past the server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DESKTOP, PASSWORD, PHONE, emailedToken, hydrated, newPage, screenshot, uniqueEmail, useServerAndBrowser,
} from './support.mjs';

const ctx = useServerAndBrowser();

test('wizard → goals in the menu → invite → accept elsewhere → viewer cannot edit', async () => {
  const origin = ctx.server.origin;
  const errors = [];
  const owner = await newPage(ctx.browser, DESKTOP, errors);
  const business = `Studio ${Date.now()}`;

  // Sign up and run the wizard: name the business, pick two goals.
  await owner.goto(`${origin}/signup`);
  await hydrated(owner);
  await owner.getByLabel('Name').fill('Ada Lovelace');
  await owner.getByLabel('Email').fill(uniqueEmail('owner'));
  await owner.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await owner.getByRole('button', { name: 'Create account' }).click();
  await owner.waitForURL(/\/onboarding$/);
  await hydrated(owner);
  await screenshot(owner, 'onboarding-name-desktop');
  await owner.getByLabel('Business name').fill(business);
  await owner.getByRole('button', { name: 'Continue' }).click();
  await owner.getByRole('checkbox', { name: /Link in bio/ }).check();
  await owner.getByRole('checkbox', { name: /CRM & email marketing/ }).check();
  await screenshot(owner, 'onboarding-goals-desktop');
  await owner.getByRole('button', { name: 'Finish' }).click();
  await owner.waitForURL(/\/w\/studio-\d+$/);
  const slug = new URL(owner.url()).pathname.split('/')[2];

  // The menu shows the tools of those goals (and the ones every business uses), not the others.
  const sidebar = owner.getByRole('navigation', { name: 'Sidebar' });
  await sidebar.getByRole('link', { name: 'Link in bio' }).waitFor();
  for (const name of ['Contacts', 'Email marketing', 'Invoices & payments', 'Members', 'Settings']) {
    assert.equal(await sidebar.getByRole('link', { name, exact: true }).count(), 1, `${name} is in the menu`);
  }
  for (const name of ['Store', 'Bookings', 'Social scheduling', 'Courses & community']) {
    assert.equal(await sidebar.getByRole('link', { name, exact: true }).count(), 0, `${name} is not in the menu`);
  }
  await screenshot(owner, 'workspace-home-desktop');

  // Invite a second person by email; the link comes from the outbox.
  const guestEmail = uniqueEmail('guest');
  await owner.goto(`${origin}/w/${slug}/members`);
  await hydrated(owner);
  await owner.getByLabel('Email').fill(guestEmail);
  await owner.getByRole('button', { name: 'Send invitation' }).click();
  await owner.getByRole('cell', { name: guestEmail }).first().waitFor({ timeout: 10_000 });
  const token = await emailedToken(guestEmail, 'workspace_invitation', /\/invite\/([A-Za-z0-9_-]+)/);

  // A new person opens it in another browser (a phone), creates an account and comes back to
  // the invitation to accept it.
  const guest = await newPage(ctx.browser, PHONE, errors);
  await guest.goto(`${origin}/invite/${token}`);
  await hydrated(guest);
  await guest.getByText(business).first().waitFor();
  await screenshot(guest, 'invite-signed-out-phone');
  await guest.getByRole('link', { name: 'Create an account' }).click();
  await guest.waitForURL(/\/signup\?next=/);
  await hydrated(guest);
  await guest.getByLabel('Name').fill('Grace Hopper');
  await guest.getByLabel('Email').fill(guestEmail);
  await guest.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await guest.getByRole('button', { name: 'Create account' }).click();
  await guest.waitForURL(new RegExp(`/invite/${token}$`));
  await hydrated(guest);
  const accept = guest.getByRole('button', { name: 'Accept invitation' });
  await accept.waitFor();
  await screenshot(guest, 'invite-accept-phone');
  await accept.click();
  await guest.waitForURL(new RegExp(`/w/${slug}$`));

  // The owner makes them a viewer.
  await owner.reload();
  await hydrated(owner);
  const access = owner.getByLabel('Access for Grace Hopper');
  await access.waitFor();
  await access.selectOption('viewer');
  await owner.waitForFunction(async ([o, s]) => {
    const res = await fetch(`${o}/api/v1/workspaces/${s}/members`);
    const body = await res.json();
    return body.items.some((m) => m.name === 'Grace Hopper' && m.role === 'viewer');
  }, [origin, slug], { timeout: 10_000 });
  await screenshot(owner, 'members-desktop');

  // The viewer sees the settings read-only, without save buttons, and the server refuses edits.
  await guest.goto(`${origin}/w/${slug}/settings`);
  await hydrated(guest);
  const name = guest.getByLabel('Name', { exact: true });
  await name.waitFor();
  assert.ok(await name.isDisabled(), 'settings are read-only for a viewer');
  assert.equal(await guest.getByRole('button', { name: /^Save/ }).count(), 0, 'no save buttons for a viewer');
  assert.equal(await guest.getByRole('button', { name: /Delete workspace/ }).count(), 0);
  await screenshot(guest, 'settings-viewer-phone');
  await guest.goto(`${origin}/w/${slug}/members`);
  await hydrated(guest);
  assert.equal(await guest.getByRole('button', { name: 'Send invitation' }).count(), 0, 'no invite form for a viewer');
  assert.equal(await guest.getByLabel('Access for Ada Lovelace').count(), 0, 'no role pickers for a viewer');
  const refused = await guest.request.patch(`${origin}/api/v1/workspaces/${slug}`, {
    data: { name: 'Taken over' }, headers: { origin },
  });
  assert.equal(refused.status(), 403);
  const sf = await guest.request.post(`${origin}/api/workspaces/update`, {
    data: { slug, patch: { name: 'Taken over' } }, headers: { origin },
  });
  assert.equal(sf.status(), 403, 'the page\'s own server function refuses too');
  const width = await guest.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `no sideways scrolling (${width}px)`);

  assert.deepEqual(errors.filter((e) => !/status of 40[13]/.test(e)), []);
  await guest.context().close();
  await owner.context().close();
});
