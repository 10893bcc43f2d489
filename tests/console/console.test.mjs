// The web console in Debian's Chromium, driven by playwright-core, against the real sccd loaded
// with the demo authority by scc-demo-load: sign in (keyboard only), filter the dashboard, open
// a school, record an action plan review, see a removal refused by R-15, view and download the
// termly report, sign out. axe-core checks every page (serious or critical violations fail the
// test) and each page's screenshot is saved to $ARTIFACTS.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

const env = (name) => {
  assert.ok(process.env[name], `${name} must be set (tests/console/CMakeLists.txt sets it)`);
  return process.env[name];
};
const require = createRequire(join(env('CONSOLE_NODE_MODULES'), 'package.json'));
const { chromium } = require('playwright-core');
const { default: AxeBuilder } = require('@axe-core/playwright');

const ARTIFACTS = env('ARTIFACTS');
const work = mkdtempSync(join(tmpdir(), 'scc-console-'));
let sccd;
let browser;
let page;
let consoleUrl;
const pageErrors = [];  // uncaught errors in the console's scripts

// Starts sccd on free loopback ports and waits for the line that says where it listens.
function startSccd() {
  return new Promise((resolve, reject) => {
    const child = spawn(env('SCCD_BIN'), [
      '--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--metrics-listen', '',
      '--data', join(work, 'data'), '--tokens', env('TOKENS'),
      '--term-calendar', env('TERM_CALENDAR'), '--no-access-log',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk) => { err += chunk; });
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const grpc = out.match(/listening on (\S+) /);
      const http = out.match(/JSON API on (http:\/\/[^)\s]+)/);
      if (grpc && http) resolve({ child, grpc: grpc[1], http: http[1] });
    });
    child.on('exit', (code) => reject(new Error(`sccd exited (${code}): ${err}`)));
  });
}

async function checkAccessibility(name) {
  assert.deepEqual(pageErrors, [], `${name}: the page's scripts failed`);
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  writeFileSync(join(ARTIFACTS, `${name}.axe.json`), JSON.stringify(results.violations, null, 2));
  const serious = results.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
  assert.deepEqual(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(' ')})`), [],
    `${name}: serious or critical accessibility violations`);
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

before(async () => {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  sccd = await startSccd();
  const load = spawnSync(env('DEMO_LOAD_BIN'), ['--server', sccd.grpc], { encoding: 'utf8' });
  assert.equal(load.status, 0, `scc-demo-load failed: ${load.stderr}`);
  consoleUrl = sccd.http;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`${error.message}\n${error.stack}`));
});

after(async () => {
  if (browser) await browser.close();
  if (sccd) {
    const exited = new Promise((resolve) => sccd.child.on('exit', resolve));
    sccd.child.kill('SIGTERM');
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

test('an officer uses the console from sign-in to the termly report', async () => {
  await page.goto(consoleUrl);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await checkAccessibility('01-sign-in');

  // A wrong token is refused with a GOV.UK error summary.
  await page.getByLabel('Access token').fill('not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.govuk-error-summary').getByText('The access token was not recognised').waitFor();
  await checkAccessibility('02-sign-in-refused');

  // Keyboard only: Tab to the token field, type, Enter.
  await page.locator('#skip-link').focus();
  for (let i = 0; i < 30; ++i) {
    if (await page.evaluate(() => document.activeElement && document.activeElement.id === 'token')) break;
    await page.keyboard.press('Tab');
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), 'token');
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('dev-hosi');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Schools and settings causing concern', level: 1 }).waitFor();
  await page.getByText('Signed in as hosi (Head of School Improvement)').waitFor();
  const everyone = Number(await page.locator('#count-shown').textContent());
  assert.ok(everyone >= 10, `the dashboard lists the demo's schools and settings (${everyone})`);
  await checkAccessibility('03-dashboard');

  // Filter by state: only the schools with an active action plan.
  await page.getByLabel('Flowchart state').selectOption('ACTION_PLAN_ACTIVE');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.getByText('Filtered by: Action plan active.').waitFor();
  const shown = Number(await page.locator('#count-shown').textContent());
  assert.ok(shown >= 1 && shown < everyone, `the filter narrows the list (${shown} of ${everyone})`);
  const states = await page.locator('#institutions tbody tr td:nth-child(3)').allTextContents();
  assert.ok(states.every((s) => s.trim() === 'Action plan active'), states.join(', '));
  await checkAccessibility('04-dashboard-filtered');

  // The sortable table sorts by a column on request.
  await page.getByRole('button', { name: 'Days in SCC' }).click();
  await page.locator('#institutions th[aria-sort="ascending"]', { hasText: 'Days in SCC' }).waitFor();

  // Open Dunmore Primary School: action plan active, latest Ofsted Requires Improvement.
  await page.getByRole('link', { name: 'Dunmore Primary School' }).click();
  await page.getByRole('heading', { name: 'Dunmore Primary School', level: 1 }).waitFor();
  assert.equal(await page.locator('#current-state').textContent(), 'Action plan active');
  // The details from GIAS: a community school has no religious character.
  const religious = page.locator('.govuk-summary-list__row', { hasText: 'Religious character' });
  assert.equal(await religious.locator('dd').textContent(), 'None');
  const current = page.locator('.scc-flow__node--current');
  assert.equal(await current.getAttribute('data-state'), 'ACTION_PLAN_ACTIVE');
  assert.ok(await page.locator('.scc-flow__node--visited').count() >= 3, 'the path taken is marked');
  assert.ok(await page.locator('.scc-flow__edge--taken').count() >= 3);
  await page.locator('#audit-trail').waitFor();
  assert.ok(await page.locator('.moj-timeline__item').count() >= 5);
  const versionsBefore = await page.locator('#plan-versions tbody tr').count();
  await checkAccessibility('05-institution');

  // Record an action plan review.
  // The overdue review links to the form that clears it, as the list of decisions does.
  await page.locator('#obligations').getByRole('link', { name: 'Clear it: record an action plan review' }).waitFor();
  await page.locator('#decisions').getByRole('link', { name: 'Record an action plan review' }).click();
  await page.getByRole('heading', { name: 'Record an action plan review' }).waitFor();
  await checkAccessibility('06-review-form');
  await page.getByLabel('Sufficient', { exact: true }).check();
  await page.getByLabel('Attendees').fill('Headteacher\nChair of governors\nAnn Okafor');
  await page.getByLabel('Key issues').fill('Quality of teaching of reading\nAttendance of disadvantaged pupils');
  await page.getByLabel('One-year vision').fill('Reading at KS2 in line with national by July');
  await page.getByLabel('Why (kept in the audit trail)').fill('Half-termly review');
  await page.getByLabel('Notes', { exact: true }).fill('Phonics lead back; cover ended');
  await page.getByRole('button', { name: 'Record' }).click();
  await page.getByText('Record an action plan review: recorded.').waitFor();
  assert.equal(await page.locator('#plan-versions tbody tr').count(), versionsBefore + 1);
  await page.locator('.moj-timeline__item').first().getByText('Action plan review held').waitFor();
  await checkAccessibility('07-review-recorded');

  // Removal is refused: the latest Ofsted outcome is Requires Improvement.
  await page.getByRole('link', { name: 'Remove from the list of schools causing concern' }).click();
  await page.getByRole('heading', { name: 'Remove from the list of schools causing concern' }).waitFor();
  await page.getByLabel('Evidence of progress from').selectOption('REMOVAL_BASIS_LA_REVIEW');
  await page.getByLabel('Date of the review').fill('2026-10-01');
  await page.getByLabel('Evidence', { exact: true }).fill('Reading improved two terms running');
  await page.getByLabel('Lead Officer and headteacher agreed on').fill('2026-10-05');
  await page.getByLabel('SRG confirmed on').fill('2026-10-12');
  await page.getByLabel('Why (kept in the audit trail)').fill('Reading improved two terms running');
  await page.getByRole('button', { name: 'Record' }).click();
  const summary = page.locator('.govuk-error-summary');
  await summary.waitFor();
  assert.match(await summary.textContent(), /R-15/);
  assert.match(await summary.textContent(), /Allowed next steps/);
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('govuk-error-summary')), true,
    'the error summary takes the focus');
  await checkAccessibility('08-removal-refused');

  // A missing field is shown next to the field.
  await page.getByLabel('Evidence', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Record' }).click();
  await page.locator('.govuk-form-group--error [name="removal.evidence"]').waitFor();
  await checkAccessibility('09-removal-field-error');

  // The termly report: view, then download the CSV.
  await page.getByRole('link', { name: 'Reports' }).click();
  await page.getByRole('heading', { name: 'Termly progress report' }).waitFor();
  await page.getByLabel('Term').fill('2025-autumn');
  await page.getByRole('button', { name: 'Show report' }).click();
  await page.locator('#report-summary').waitFor();
  assert.ok(await page.locator('#report-pages tbody tr').count() >= 1);
  await checkAccessibility('10-report');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'CSV' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /\.csv$/);
  const saved = join(ARTIFACTS, download.suggestedFilename());
  await download.saveAs(saved);
  const csv = readFileSync(saved, 'utf8');
  assert.match(csv.split('\n')[0], /urn/i);
  assert.ok(csv.split('\n').length > 2, 'the CSV has a row per school or setting');

  // Signing out forgets the token.
  await page.getByRole('link', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
});

test('a slow answer for a page the user has left does not replace the page they are on', async () => {
  // Hold the dashboard's answers until the user has moved on to a school's page.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  let heldCalls = 0;
  let requested;
  const dashboardAsked = new Promise((resolve) => { requested = resolve; });
  const listInstitutions = '**/v1/scc.v1.ProjectionService/ListInstitutions';
  await page.route(listInstitutions, async (route) => {
    heldCalls += 1;
    requested();
    const response = await route.fetch();
    await held;
    await route.fulfill({ response });
  });
  const dropped = page.waitForEvent('console', (message) => message.text().includes('a page left before it arrived'));
  await page.goto(`${consoleUrl}#/sign-in`);
  await page.getByLabel('Access token').fill('dev-hosi');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await dashboardAsked;
  await page.goto(`${consoleUrl}#/institutions/100105`);
  await page.getByRole('heading', { name: 'Elmwood Primary School', level: 1 }).waitFor();
  release();
  await dropped;
  assert.ok(heldCalls >= 1);
  assert.equal(await page.locator('#main-content h1').textContent(), 'Elmwood Primary School');
  assert.match(await page.title(), /^Elmwood Primary School/);
  await page.unroute(listInstitutions);
  assert.deepEqual(pageErrors, []);
});

test('a report reader sees that meetings happened, not their confidential notes (R-25)', async () => {
  await page.goto(`${consoleUrl}#/sign-in`);
  await page.getByLabel('Access token').fill('dev-reader');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as board-reader (Report reader)').waitFor();
  await page.goto(`${consoleUrl}#/institutions/100105`);
  await page.getByRole('heading', { name: 'Elmwood Primary School', level: 1 }).waitFor();
  assert.ok(await page.locator('.scc-redacted').count() >= 1, 'confidential notes are redacted');
  assert.equal(await page.getByText('Phonics lead absent').count(), 0);
  assert.equal(await page.locator('#decisions').count(), 0, 'a reader is offered no decisions');
  await checkAccessibility('11-institution-as-reader');
});

test('an officer records a 2024/25 inspection with no overall grade and sees it in the history', async () => {
  await page.goto(`${consoleUrl}#/sign-in`);
  await page.getByLabel('Access token').fill('dev-hosi');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as hosi (Head of School Improvement)').waitFor();
  await page.goto(`${consoleUrl}#/institutions/100105`);
  await page.getByRole('heading', { name: 'Elmwood Primary School', level: 1 }).waitFor();
  await page.locator('#ofsted').waitFor();
  const before = await page.locator('#ofsted-history tbody tr').count();
  const title = 'Record an Ofsted inspection with no overall grade (September 2024 to November 2025)';
  await page.getByRole('link', { name: title }).click();
  await page.getByRole('heading', { name: title }).waitFor();
  await checkAccessibility('12-ofsted-ungraded-form');
  await page.getByLabel('Inspection date').fill('2025-03-04');
  await page.getByLabel('Report published on').fill('2025-04-01');
  await page.getByLabel('Inspection type').fill('S5 Inspection');
  // Ofsted published no category, though leadership and management is Inadequate.
  await page.getByLabel('Category of concern Ofsted published').selectOption('OFSTED_CATEGORY_NONE');
  await page.getByLabel('Quality of education').selectOption('OFSTED_GRADE_REQUIRES_IMPROVEMENT');
  await page.getByLabel('Behaviour and attitudes').selectOption('OFSTED_GRADE_GOOD');
  await page.getByLabel('Personal development', { exact: true }).selectOption('OFSTED_GRADE_GOOD');
  await page.getByLabel('Leadership and management').selectOption('OFSTED_GRADE_INADEQUATE');
  await page.getByLabel('Effective', { exact: true }).check();
  await page.getByLabel('Why (kept in the audit trail)').fill('Backfilling the 2024/25 inspection');
  await page.getByRole('button', { name: 'Record' }).click();
  await page.getByText(`${title}: recorded.`).waitFor();
  assert.equal(await page.locator('#ofsted-history tbody tr').count(), before + 1);
  await page.locator('#ofsted-history').getByText('no overall grade (2024/25)').waitFor();
  // The published category is acted on; the disagreement with the derived one is shown.
  await page.locator('#category-warning').getByText('Special measures').waitFor();
  await checkAccessibility('13-ofsted-history');
});

test('an officer records an academy conversion, which ends the episode and links the academy', async () => {
  await page.goto(`${consoleUrl}#/sign-in`);
  await page.getByLabel('Access token').fill('dev-hosi');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as hosi (Head of School Improvement)').waitFor();
  // 100106: a maintained school under a formal warning notice.
  await page.goto(`${consoleUrl}#/institutions/100106`);
  await page.locator('#current-state', { hasText: 'Formal warning notice' }).waitFor();

  await page.getByRole('link', { name: 'Record an academy conversion' }).click();
  await page.getByRole('heading', { name: 'Record an academy conversion' }).waitFor();
  await checkAccessibility('14-conversion-form');

  // The academy's URN cannot be the school's own: the refusal is shown beside the field.
  await page.getByLabel('URN of the academy').fill('100106');
  await page.getByLabel('Academy Trust').fill('Oakfield Academy Trust');
  await page.getByRole('button', { name: 'Record' }).click();
  await page.locator('.govuk-form-group--error [name="conversion.successor_urn"]').waitFor();
  assert.match(await page.locator('.govuk-error-summary').textContent(), /own URN/);
  await checkAccessibility('15-conversion-field-error');

  await page.getByLabel('URN of the academy').fill('149106');
  await page.getByLabel('When it happened').fill('2026-09-01');
  await page.getByLabel('Why (kept in the audit trail)').fill('Converted under the academy order');
  await page.getByRole('button', { name: 'Record' }).click();
  await page.getByText('Record an academy conversion: recorded.').waitFor();
  assert.equal(await page.locator('#current-state').textContent(), 'Closed');
  const successor = page.getByRole('link', { name: 'successor, URN 149106' });
  assert.equal(await successor.getAttribute('href'), '#/institutions/149106');
  await page.getByText('ended by the conversion on 2026-09-01, not by a removal').waitFor();
  await page.locator('.moj-timeline__item').first().getByText('Converted to academy').waitFor();
  // A closed school takes no further workflow step: none is offered.
  assert.equal(await page.getByRole('link', { name: 'Record that the school complied with the warning notice' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: 'Record an academy conversion' }).count(), 0);
  await checkAccessibility('16-converted');
});
