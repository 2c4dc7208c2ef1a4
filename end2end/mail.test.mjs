// Email marketing as a person uses it, against a real SMTP server started here: contacts
// imported from a CSV (marked as having agreed to email), a segment of them, a sender with a
// test message, a template built from blocks with its live preview at phone width, then a
// campaign to the segment, sent, delivered to exactly the segment, opened and clicked, and the
// report showing it. Screenshots at 375 px and 1280 px go to end2end/artifacts/.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { DESKTOP, PHONE, createWorkspaceApi, hydrated, screenshot, signUpApi, useServerAndBrowser } from './support.mjs';

/** Every message the SMTP server takes: envelope recipients and the raw message. */
const received = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, session, done) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
      done();
    });
  },
});

const ctx = useServerAndBrowser(async () => {
  await new Promise((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  return { SMTP_URL: `smtp://127.0.0.1:${smtp.server.address().port}`, MAIL_RATE_PER_SECOND: '0' };
});
after(() => new Promise((resolve) => smtp.close(resolve)));

const fitsWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

/** Collects console errors, except the browser's note on a 422: this test sends bad input on purpose. */
function watch(page, errors) {
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 422/.test(msg.text())) errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
}

/** Quoted-printable undone, so links can be read out of the raw message. */
const unqp = (raw) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
const pathOf = (raw, kind) => unqp(raw).match(new RegExp(`/${kind}/[A-Za-z0-9._-]+`))?.[0];

async function waitFor(check, what, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('import → segment → sender → template → campaign → send → report', async () => {
  const origin = ctx.server.origin;
  const errors = [];
  const context = await ctx.browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  watch(page, errors);
  await page.goto(`${origin}/signin`);
  await signUpApi(page, origin);
  const ws = await createWorkspaceApi(page, origin, `Mail ${Date.now()}`, ['crm']);
  const api = async (path) => (await page.request.get(`${origin}/api/v1${path}`, { headers: { 'x-workspace-id': ws.slug } })).json();

  // Import: three people who agreed to email, one bad row.
  await page.goto(`${origin}/w/${ws.slug}/crm/import`);
  await hydrated(page);
  const csv = ['Email,First name,Last name,City', 'ann@example.com,Ann,Lee,Porto', 'bob@example.com,Bob,Ray,Porto',
    'cy@example.com,Cy,Ng,Lisbon', 'not-an-email,Bad,Row,Porto'].join('\n');
  await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'list.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('heading', { name: '2. Match the columns' }).waitFor();
  await page.getByLabel('These people agreed to get email from me').check();
  await page.getByRole('button', { name: 'Start import' }).click();
  await page.getByRole('heading', { name: 'Import finished' }).waitFor({ timeout: 30_000 });
  const imported = await api('/crm/contacts?limit=10');
  assert.equal(imported.total, 3);
  assert.ok(imported.items.every((c) => c.consent_status === 'subscribed'), 'imported as subscribed');

  // A segment: the contacts in Porto.
  await page.goto(`${origin}/w/${ws.slug}/crm/segments`);
  await hydrated(page);
  await page.getByLabel('Segment name').fill('Porto');
  await page.getByLabel('Rule 1 field').selectOption('city');
  await page.getByLabel('Rule 1 condition').selectOption('is');
  await page.getByLabel('Rule 1 value').fill('Porto');
  await page.getByText('2 contacts match').waitFor();
  await page.getByRole('button', { name: 'Save segment' }).click();
  await page.getByRole('list', { name: 'Segments' }).getByRole('listitem').filter({ hasText: 'Porto' }).waitFor();

  // A sender through the platform's SMTP server, and a test message.
  await page.goto(`${origin}/w/${ws.slug}/mail/senders`);
  await hydrated(page);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Senders');
  await page.getByRole('heading', { name: 'No senders yet' }).waitFor();
  await page.getByRole('button', { name: 'New sender' }).click();
  let dialog = page.getByRole('dialog', { name: 'Sender' });
  await dialog.getByLabel('From name').fill('Ada Studio');
  await dialog.getByLabel('From address').fill('not an address');
  await dialog.getByRole('button', { name: 'Add sender' }).click();
  await dialog.getByText('Enter an email address', { exact: false }).first().waitFor();
  await dialog.getByLabel('From address').fill('ada@studio.example');
  await dialog.getByRole('button', { name: 'Add sender' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('list', { name: 'Senders' }).getByText('Ada Studio <ada@studio.example>').waitFor();
  await page.getByRole('button', { name: 'Send a test from ada@studio.example' }).click();
  dialog = page.getByRole('dialog', { name: 'Send a test' });
  await dialog.getByLabel('Send to').fill('me@example.com');
  await dialog.getByRole('button', { name: 'Send test' }).click();
  await dialog.getByText('The SMTP server accepted the test message to me@example.com.').waitFor();
  assert.ok(received.some((m) => m.to.includes('me@example.com') && /Test message from Mewayz/.test(m.raw)), 'the test arrived');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await screenshot(page, 'mail-senders-desktop');

  // A template from blocks, previewed live.
  await page.goto(`${origin}/w/${ws.slug}/mail/templates`);
  await hydrated(page);
  await page.getByRole('button', { name: 'New template' }).click();
  dialog = page.getByRole('dialog', { name: 'New template' });
  await dialog.getByLabel('Name').fill('December');
  await dialog.getByRole('button', { name: 'Create and edit' }).click();
  await page.waitForURL(/\/mail\/templates\/[0-9a-f-]{36}$/);
  await page.getByRole('heading', { name: 'Blocks' }).waitFor();
  const preview = page.frameLocator('iframe[title="Email preview"]');
  await preview.getByText('Hello Ada').waitFor();
  await page.getByLabel('Subject').fill('News for {{first_name|you}}');
  await page.getByLabel('Heading', { exact: true }).fill('Hi {{first_name|there}}, our December news');
  const text = page.getByLabel('Text', { exact: true });
  await text.fill('We opened a second studio.');
  await text.press('End');
  await page.getByRole('button', { name: 'Bold' }).click();
  assert.equal(await text.inputValue(), 'We opened a second studio.<b>bold text</b>');
  await text.fill('We opened a <b>second</b> studio.');
  await page.getByLabel('Add a block', { exact: true }).selectOption('Button');
  await page.getByLabel('Button text').fill('Read the post');
  // Until the button has an address the preview says what is missing.
  await page.getByRole('alert').filter({ hasText: 'Block 4' }).waitFor();
  await page.getByLabel('Link (https://…)').fill('https://blog.example/post');
  await page.getByRole('button', { name: 'Move block 4 up' }).click();
  await preview.getByText('Hi Ada, our December news').waitFor();
  await preview.getByRole('link', { name: 'Read the post' }).waitFor();
  assert.equal(await preview.locator('b').first().textContent(), 'second');
  await page.getByRole('button', { name: 'Phone' }).click();
  const frameWidth = await page.locator('iframe[title="Email preview"]').evaluate((f) => f.getBoundingClientRect().width);
  assert.equal(Math.round(frameWidth), 375, 'the phone preview is 375 px wide');
  await page.getByRole('button', { name: 'Plain text' }).click();
  assert.match(await page.getByLabel('Plain-text part').textContent(), /Read the post: https:\/\/blog\.example\/post/);
  await page.getByRole('button', { name: 'Desktop' }).click();
  await page.getByRole('button', { name: 'Save template' }).click();
  await page.getByText('Template saved.').waitFor();
  await screenshot(page, 'mail-template-desktop');
  const [template] = await api('/mail/templates');
  assert.deepEqual(template.blocks.map((b) => b.type), ['heading', 'text', 'button', 'divider']);

  // The campaign: to the segment, from the sender, with the template.
  await page.goto(`${origin}/w/${ws.slug}/mail`);
  await hydrated(page);
  await page.getByRole('heading', { name: 'No campaigns yet' }).waitFor();
  await page.getByRole('button', { name: 'New campaign' }).click();
  dialog = page.getByRole('dialog', { name: 'New campaign' });
  await dialog.getByLabel('Name').fill('December news');
  assert.match(await dialog.getByLabel('Sender').locator('option:checked').textContent(), /ada@studio\.example/);
  await dialog.getByRole('button', { name: 'Create and edit' }).click();
  await page.waitForURL(/\/mail\/campaigns\/[0-9a-f-]{36}$/);
  await page.getByRole('heading', { name: 'Audience' }).waitFor();
  await page.getByLabel('Subject', { exact: true }).fill('News for {{first_name|you}}');
  await page.getByLabel('Template').selectOption({ label: 'December' });
  await page.getByLabel('A saved segment').check();
  await page.getByLabel('Segment', { exact: true }).selectOption({ label: 'Porto (2)' });
  await page.getByText('Reaches 2 contacts').waitFor();
  await screenshot(page, 'mail-campaign-desktop');
  await page.getByRole('button', { name: 'Send now' }).click();
  await page.getByText('Sending to 2 contacts.').waitFor();

  // Delivered to exactly the segment, once each, personalised, with the unsubscribe header.
  const campaignMail = () => received.filter((m) => /News for /.test(m.raw));
  await waitFor(() => campaignMail().length >= 2, 'the campaign emails');
  const mail = campaignMail();
  assert.deepEqual(mail.map((m) => m.to[0]).sort(), ['ann@example.com', 'bob@example.com']);
  const ann = mail.find((m) => m.to[0] === 'ann@example.com').raw;
  assert.match(ann, /Subject: News for Ann/);
  assert.match(ann, /List-Unsubscribe-Post: List-Unsubscribe=One-Click/);
  assert.match(unqp(ann), /Hi Ann, our December news/);

  // Ann opens it and clicks the button.
  assert.equal((await page.request.get(`${origin}${pathOf(ann, 'o')}`)).status(), 200);
  const click = await page.request.get(`${origin}${pathOf(ann, 'c')}`, { maxRedirects: 0 });
  assert.equal(click.status(), 302);
  assert.equal(click.headers().location, 'https://blog.example/post');

  // The report: sent, opened, clicked, per link.
  const tile = (name) => page.getByLabel('Campaign totals').locator('.stat-tile', { has: page.getByText(name, { exact: true }) }).locator('dd').first();
  await waitFor(async () => {
    await page.reload();
    await hydrated(page);
    return (await tile('Clicked').textContent()) === '1';
  }, 'the report to count the click');
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'December news');
  assert.equal(await tile('Sent').textContent(), '2');
  assert.equal(await tile('Opened').textContent(), '1');
  assert.match(await page.getByRole('list', { name: 'Clicks per link' }).textContent(), /blog\.example\/post/);
  await screenshot(page, 'mail-report-desktop');
  const report = await api(`/mail/campaigns/${page.url().split('/').pop()}/report`);
  assert.equal(report.sent, 2);
  assert.equal(report.clicked, 1);
  assert.ok(await fitsWidth(page));

  // On a phone: the report, the template editor and the list fit the screen.
  const phone = await ctx.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, storageState: await context.storageState() });
  const small = await phone.newPage();
  watch(small, errors);
  for (const [path, name] of [[new URL(page.url()).pathname, 'mail-report-phone'], [`/w/${ws.slug}/mail/templates/${template.id}`, 'mail-template-phone'], [`/w/${ws.slug}/mail`, 'mail-campaigns-phone']]) {
    await small.goto(`${origin}${path}`);
    await hydrated(small);
    await small.getByRole('heading', { level: 1 }).waitFor();
    if (name === 'mail-template-phone') {
      await small.getByRole('button', { name: 'Phone' }).click();
      await small.frameLocator('iframe[title="Email preview"]').getByText('Hi Ada, our December news').waitFor();
    }
    assert.ok(await fitsWidth(small), `${path} fits a phone`);
    await screenshot(small, name);
  }
  await phone.close();

  await context.close();
  assert.deepEqual(errors, []);
});

test('a welcome sequence built in the editor emails a newly tagged contact', async () => {
  const origin = ctx.server.origin;
  const errors = [];
  const context = await ctx.browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  watch(page, errors);
  await page.goto(`${origin}/signin`);
  await signUpApi(page, origin);
  const ws = await createWorkspaceApi(page, origin, `Seq ${Date.now()}`, ['crm']);
  const headers = { 'x-workspace-id': ws.slug, origin };
  const created = await page.request.post(`${origin}/api/v1/crm/contacts`, { headers, data: { email: 'dee@example.com', first_name: 'Dee', consent_status: 'subscribed' } });
  assert.equal(created.status(), 201);
  const contact = await created.json();

  await page.goto(`${origin}/w/${ws.slug}/mail/sequences`);
  await hydrated(page);
  await page.getByRole('heading', { name: 'No sequences yet' }).waitFor();
  await page.getByRole('link', { name: 'New sequence' }).first().click();
  await page.waitForURL(/\/mail\/sequences\/new$/);
  await hydrated(page);
  await page.getByLabel('Name', { exact: true }).fill('Welcome');
  await page.getByLabel('When they get a tag').check();
  await page.getByLabel('Tag', { exact: true }).fill('trial');
  await page.getByLabel('From address').fill('ada@studio.example');
  await page.getByLabel('Subject').first().fill('Welcome {{first_name|friend}}');
  await page.getByLabel('Email body (HTML)').fill('<p>Glad you are here.</p>');
  await page.getByRole('button', { name: 'Add email' }).click();
  await page.getByRole('heading', { name: 'Email 2' }).waitFor();
  // Saving without the second email's content says where the problem is.
  await page.getByLabel('On: new contacts are enrolled').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Write a subject.').waitFor();
  await page.getByLabel('Subject').nth(1).fill('Day three');
  await page.getByLabel('Wait (days)').nth(1).fill('3');
  await page.getByLabel('Email body (HTML)').nth(1).fill('<p>Some tips.</p>');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/\/mail\/sequences\/[0-9a-f-]{36}$/);
  await page.getByText('Saved.').waitFor();
  await screenshot(page, 'mail-sequence-desktop');

  // Tagged: the first email goes out at once; the second waits three days.
  const tagged = await page.request.patch(`${origin}/api/v1/crm/contacts/${contact.id}`, { headers, data: { tags: ['trial'] } });
  assert.equal(tagged.status(), 200);
  await waitFor(() => received.some((m) => m.to.includes('dee@example.com') && /Subject: Welcome Dee/.test(m.raw)), 'the welcome email');
  await page.reload();
  await hydrated(page);
  await page.getByText('1 enrolled · 1 going through it now').waitFor();
  await page.getByText('1 sent · 0 opened · 0 clicked').waitFor();
  assert.ok(!received.some((m) => /Day three/.test(m.raw)), 'not before its time');

  const phone = await ctx.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, storageState: await context.storageState() });
  const small = await phone.newPage();
  watch(small, errors);
  for (const [path, name] of [[new URL(page.url()).pathname, 'mail-sequence-phone'], [`/w/${ws.slug}/mail/sequences`, 'mail-sequences-phone']]) {
    await small.goto(`${origin}${path}`);
    await hydrated(small);
    await small.getByRole('heading', { level: 1 }).waitFor();
    assert.ok(await fitsWidth(small), `${path} fits a phone`);
    await screenshot(small, name);
  }
  await phone.close();
  await context.close();
  assert.deepEqual(errors, []);
});
