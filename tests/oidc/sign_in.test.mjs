// Sign-in through a real OpenID provider (Debian's glewlwyd, started by test_provider.sh) in
// Debian's Chromium, against the real sccd with the demo authority. An officer signs in with
// their council account, searches, produces a designation letter and prints it to PDF, and
// subscribes to their calendar (the feed is parsed as a calendar client would). A headteacher
// signs in, lands on their own school, sees no confidential LA note, disputes a note of visit
// (recorded as their own event) and is refused another school. Screenshots go to $ARTIFACTS.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

const env = (name) => {
  assert.ok(process.env[name], `${name} must be set (tests/oidc/CMakeLists.txt sets it)`);
  return process.env[name];
};
const require = createRequire(join(env('CONSOLE_NODE_MODULES'), 'package.json'));
const { chromium } = require('playwright-core');

const here = dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = env('ARTIFACTS');
const work = mkdtempSync(join(tmpdir(), 'scc-oidc-'));
const SCHOOL = '100103';  // the demo's designated school with a Lead Officer
const OTHER_SCHOOL = '100104';
const SECRET_NOTE = 'LA-only: the deputy head may be leaving';
let sccd;
let browser;
let consoleUrl;
let idpDir;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function startSccd(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(env('SCCD_BIN'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk) => { err += chunk; });
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const grpc = out.match(/listening on (\S+) /);
      if (grpc && out.includes('JSON API on')) resolve({ child, grpc: grpc[1] });
    });
    child.on('exit', (code) => reject(new Error(`sccd exited (${code}): ${err}`)));
  });
}

async function api(service, method, body, bearer = 'dev-hosi') {
  const response = await fetch(`${consoleUrl}/v1/scc.v1.${service}/${method}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

// Signs in through the provider's own login page in a fresh browser context.
async function signIn(username, password, who) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${consoleUrl}/#/sign-in`);
  await page.getByRole('button', { name: 'Sign in with your council account' }).click();
  await page.locator('#username').waitFor();
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('#loginbut').click();
  await page.locator('button.btn-success', { hasText: 'Continue' }).click();
  await page.getByText(`Signed in as ${who}`).waitFor();
  return { context, page, errors };
}

// A calendar client's reading of an iCalendar feed: unfolded lines, one object per VEVENT.
function parseCalendar(text) {
  assert.ok(text.startsWith('BEGIN:VCALENDAR\r\n'), 'a calendar with CRLF lines');
  const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n');
  const events = [];
  let current = null;
  for (const line of lines) {
    if (line === 'BEGIN:VEVENT') current = {};
    else if (line === 'END:VEVENT') { events.push(current); current = null; } else if (current) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).split(';')[0];
      current[name] = line.slice(colon + 1).replace(/\\n/g, '\n').replace(/\\([,;\\])/g, '$1');
    }
  }
  return events;
}

before(async () => {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  const httpPort = await freePort();
  const idpPort = await freePort();
  consoleUrl = `http://127.0.0.1:${httpPort}`;
  const users = join(work, 'users.txt');
  writeFileSync(users, [
    'helen Helen-pass-1 head_of_school_improvement - Helen Osborne',
    `head1 Head-pass-1 headteacher ${SCHOOL} Harry Head`,
  ].join('\n'));
  idpDir = join(work, 'idp');
  const idp = spawnSync('bash', [join(here, 'test_provider.sh'), 'start', idpDir, String(idpPort),
    `${consoleUrl}/auth/callback`, users], { encoding: 'utf8' });
  assert.equal(idp.status, 0, `the test provider did not start: ${idp.stderr}`);
  const provider = Object.fromEntries(idp.stdout.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
  writeFileSync(join(work, 'secret'), provider.client_secret);
  const roles = ['head_of_school_improvement', 'lead_officer', 'srg_member', 'early_years_standards_team',
    'auditor', 'report_reader', 'headteacher', 'chair_of_governors'];
  writeFileSync(join(work, 'roles.txt'), roles.map((r) => `${r} ${r}`).join('\n'));
  sccd = await startSccd([
    '--listen', '127.0.0.1:0', '--http-listen', `127.0.0.1:${httpPort}`, '--metrics-listen', '',
    '--data', join(work, 'data'), '--tokens', env('TOKENS'), '--term-calendar', env('TERM_CALENDAR'),
    '--no-access-log', '--report-authority', 'Demo Borough Council', '--today', '2026-12-01',
    '--oidc-issuer', provider.issuer, '--oidc-client-id', provider.client_id,
    '--oidc-client-secret-file', join(work, 'secret'), '--oidc-redirect-uri', `${consoleUrl}/auth/callback`,
    '--oidc-roles', join(work, 'roles.txt'), '--oidc-role-claim', 'scc_role', '--oidc-urn-claim', 'scc_urn',
  ]);
  const load = spawnSync(env('DEMO_LOAD_BIN'), ['--server', sccd.grpc], { encoding: 'utf8' });
  assert.equal(load.status, 0, `scc-demo-load failed: ${load.stderr}`);
  // A visit whose note awaits the headteacher, with a confidential LA note on it.
  const visit = await api('InstitutionService', 'RecordVisit', {
    context: { urn: SCHOOL, requestId: 'oidc-visit', effectiveDate: '2026-11-20', reason: 'termly visit',
      notes: { text: SECRET_NOTE, confidential: true } },
    visit: { kind: 'VISIT_KIND_LEAD_OFFICER_MONITORING', visitor: 'Ann Okafor', noteStatus: 'NOTE_OF_VISIT_STATUS_PENDING' },
  });
  assert.equal(visit.status, 200, JSON.stringify(visit.body));
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
});

after(async () => {
  if (browser) await browser.close();
  if (sccd) {
    const exited = new Promise((resolve) => sccd.child.on('exit', resolve));
    sccd.child.kill('SIGTERM');
    await exited;
  }
  if (idpDir) spawnSync('bash', [join(here, 'test_provider.sh'), 'stop', idpDir]);
  rmSync(work, { recursive: true, force: true });
});

test('an officer signs in with their council account, prints a letter and subscribes to their calendar', async () => {
  const { context, page, errors } = await signIn('helen', 'Helen-pass-1', 'Helen Osborne (Head of School Improvement)');
  await page.screenshot({ path: join(ARTIFACTS, '01-officer-signed-in.png'), fullPage: true });
  assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0,
    'nothing is kept in browser storage');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'scc_session');
  assert.ok(session && session.httpOnly && session.sameSite === 'Lax', 'an HttpOnly session cookie');

  // The directory knows her by her name now; an unknown Lead Officer id is refused over the API.
  const users = await api('AdminService', 'ListUsers', {});
  assert.ok(users.body.users.some((u) => u.user === 'helen' && u.name === 'Helen Osborne'));
  const phantom = await api('DesignationService', 'AssignLeadOfficer', {
    context: { urn: OTHER_SCHOOL, requestId: 'oidc-phantom', reason: 'typo' },
    leadOfficer: { leadOfficerId: 'lo-anne', leadOfficerName: 'Ann', kind: 'LEAD_OFFICER_KIND_LEARNING_NETWORK_INSPECTOR' },
  });
  assert.equal(phantom.status, 400, JSON.stringify(phantom.body));
  assert.match(phantom.body.error.message, /lead_officer_id/);

  // Search by name.
  await page.getByLabel('Name or URN').fill('juniper');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.locator('#institutions').getByRole('link', { name: 'Juniper Primary School' }).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, '02-officer-search.png'), fullPage: true });

  // The designation letter, produced from the authority's template and printed to PDF.
  await page.goto(`${consoleUrl}/#/institutions/${SCHOOL}/record/ProduceLetter`);
  await page.getByRole('heading', { name: 'Produce a letter', level: 1 }).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, '03-produce-letter.png'), fullPage: true });
  await page.getByLabel(/^Designation/).check();
  await page.getByLabel('Why (kept in the audit trail)').fill('The designation letter goes to the head and chair');
  await page.getByRole('button', { name: 'Record' }).click();
  // Recorded, the console goes back to the school's page, which lists the letter.
  await page.locator('.govuk-notification-banner--success').getByText('Produce a letter: recorded.').waitFor();
  const link = page.locator('#letters a').first();
  await link.waitFor();
  await page.screenshot({ path: join(ARTIFACTS, '04-letters-on-the-school-page.png'), fullPage: true });
  const letter = await context.newPage();
  await letter.goto(new URL(await link.getAttribute('href'), consoleUrl).href);
  await letter.getByText('Demo Borough Council').first().waitFor();
  const school = (await api('ProjectionService', 'GetInstitution', { urn: SCHOOL })).body;
  const text = await letter.locator('body').innerText();
  assert.ok(text.includes(school.details.name), 'the school is named');
  assert.ok(text.includes(school.leadOfficerName), `the Lead Officer ${school.leadOfficerName} is named`);
  await letter.screenshot({ path: join(ARTIFACTS, '05-designation-letter.png'), fullPage: true });
  const pdf = join(ARTIFACTS, 'designation-letter.pdf');
  await letter.pdf({ path: pdf, format: 'A4', printBackground: true });
  const bytes = readFileSync(pdf);
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
  assert.ok(bytes.length > 5000, `a real page (${bytes.length} bytes)`);
  await letter.close();

  // The calendar feed, as a calendar client sees it.
  await page.goto(`${consoleUrl}/#/calendar`);
  await page.getByRole('button', { name: 'Make my calendar link' }).click();
  const feedUrl = await page.locator('#feed-url').inputValue();
  await page.screenshot({ path: join(ARTIFACTS, '06-calendar-link.png'), fullPage: true });
  const feed = await fetch(feedUrl);
  assert.equal(feed.status, 200);
  assert.match(feed.headers.get('content-type'), /^text\/calendar/);
  const entries = parseCalendar(await feed.text());
  const due = await api('ProjectionService', 'ListObligations', { pageSize: 1000 });
  assert.equal(entries.length, due.body.obligations.length, 'one entry per obligation');
  assert.ok(entries.length > 5);
  const first = due.body.obligations[0];
  const entry = entries.find((e) => e.DESCRIPTION.includes(`URN ${first.urn}`) && e.DTSTART === first.dueOn.replaceAll('-', ''));
  assert.ok(entry, `an entry for ${first.urn} on ${first.dueOn}`);
  assert.ok(entry.URL.endsWith(`#/institutions/${first.urn}`));
  // A new link stops the old one; stopping it ends it.
  await page.getByRole('button', { name: 'Stop my calendar link' }).click();
  await page.getByText('Your calendar link has stopped working').waitFor();
  assert.equal((await fetch(feedUrl)).status, 404);

  // Signing out ends the session on the server.
  await page.goto(`${consoleUrl}/#/sign-out`);
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, '00-sign-in.png'), fullPage: true });
  const after = await page.evaluate(async () => (await fetch('/v1/scc.v1.AdminService/WhoAmI', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status);
  assert.equal(after, 401);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a headteacher sees their own school, no confidential notes, and disputes a note of visit', async () => {
  const { context, page, errors } = await signIn('head1', 'Head-pass-1', 'Harry Head (Headteacher)');
  await page.locator('#current-state').waitFor();
  assert.ok(page.url().endsWith(`#/institutions/${SCHOOL}`), `they land on their school (${page.url()})`);
  assert.ok(!(await page.content()).includes(SECRET_NOTE), 'no confidential LA note');
  await page.screenshot({ path: join(ARTIFACTS, '07-headteacher-school.png'), fullPage: true });
  await page.locator('#decisions').getByRole('link', { name: "Record the headteacher's response to a note of visit" }).click();
  const visit = page.getByLabel('Which visit');
  await visit.waitFor();
  const choice = await visit.locator('option').nth(1).getAttribute('value');
  await visit.selectOption(choice);
  await page.getByLabel('Disputed the note').check();
  await page.getByLabel('Comment').fill('The note says the phonics scheme is not in place; it started in September.');
  await page.getByLabel('Why (kept in the audit trail)').fill('My response to the note of visit');
  await page.screenshot({ path: join(ARTIFACTS, '08-headteacher-disputes-note.png'), fullPage: true });
  await page.getByRole('button', { name: 'Record' }).click();
  await page.locator('.govuk-notification-banner--success').getByText('recorded.').waitFor();
  await page.screenshot({ path: join(ARTIFACTS, '09-headteacher-recorded.png'), fullPage: true });
  const history = await api('AuditService', 'GetHistory', { urn: SCHOOL, newestFirst: true, pageSize: 5 });
  const response = history.body.events.find((e) => e.payload.noteOfVisitResponseRecorded);
  assert.equal(response.actor, 'head1');
  assert.equal(response.role, 'ROLE_HEADTEACHER');
  assert.equal(response.payload.noteOfVisitResponseRecorded.status, 'NOTE_OF_VISIT_STATUS_DISPUTED');
  assert.equal(response.payload.noteOfVisitResponseRecorded.visitEventId, choice);

  // Another school is not theirs.
  await page.goto(`${consoleUrl}/#/institutions/${OTHER_SCHOOL}`);
  await page.getByText('sees only their own school').waitFor();
  await page.screenshot({ path: join(ARTIFACTS, '10-headteacher-other-school-refused.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});
