// The web console in Debian's Chromium, driven by playwright-core, against the real sccd loaded
// with the demo authority by scc-demo-load. Officers run whole cycles through the forms alone —
// a maintained school from its first concern to its removal (with a refused removal, check your
// answers, a plan written and reviewed in the plan editor by keyboard, a withdrawal from the
// audit trail), an academy from concern to resolution, a setting from registration to removal —
// and read the report and the authority's pages. The API is used only to check results. axe-core
// checks every page and every form's error state (serious or critical violations fail the test)
// and each page's screenshot is saved to $ARTIFACTS.
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
      '--term-calendar', env('TERM_CALENDAR'), '--no-access-log', '--report-authority', 'Demo Borough Council',
      '--today', '2026-12-01',
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

async function signInAs(tokenValue, who) {
  await page.goto(`${consoleUrl}#/sign-in`);
  await page.getByLabel('Access token').fill(tokenValue);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${who}`).waitFor();
}

async function openInstitution(urn, name) {
  await page.goto(`${consoleUrl}#/institutions/${urn}`);
  await page.getByRole('heading', { name, level: 1 }).waitFor();
}

// The form of `title`, from the institution page's list of decisions.
async function openForm(title) {
  await page.locator('#decisions').getByRole('link', { name: title, exact: true }).click();
  await page.getByRole('heading', { name: title, level: 1 }).waitFor();
}

// The GOV.UK date input: day, month and year in the group the label names.
async function fillDate(label, iso, scope = page) {
  const group = scope.getByRole('group', { name: label, exact: true });
  const [y, m, d] = iso.split('-');
  await group.getByLabel('Day').fill(String(Number(d)));
  await group.getByLabel('Month').fill(String(Number(m)));
  await group.getByLabel('Year').fill(y);
}

const item = (name) => page.getByRole('group', { name, exact: true });

async function record(reason, flash) {
  if (reason) await page.getByLabel('Why (kept in the audit trail)').fill(reason);
  await page.getByRole('button', { name: 'Record' }).click();
  await page.locator('.govuk-notification-banner--success').getByText(flash).waitFor();
}

// "Check your answers", then the confirmation page, then back to the institution.
async function confirmAnswers(name, reason) {
  if (reason) await page.getByLabel('Why (kept in the audit trail)').fill(reason);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: /^Check your answers/ }).waitFor();
  await checkAccessibility(`${name}-check-answers`);
  await page.getByRole('button', { name: 'Confirm and record' }).click();
  await page.locator('.govuk-panel--confirmation').waitFor();
  await checkAccessibility(`${name}-confirmation`);
  await page.locator('#back-to-institution').click();
  await page.locator('#current-state').waitFor();
}

async function api(service, method, body, bearer = 'dev-hosi') {
  const response = await fetch(`${consoleUrl}v1/scc.v1.${service}/${method}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` },
    body: JSON.stringify(body),
  });
  return response.json();
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
  await page.getByText('Signed in as Helen Osborne (Head of School Improvement)').waitFor();
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

  // A search by name looks through every institution, on the server.
  await page.goto(`${consoleUrl}#/`);
  await page.getByLabel('Name or URN').fill('juniper primary');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.getByText('Filtered by: name or URN containing "juniper primary".').waitFor();
  const names = await page.locator('#institutions tbody tr td:first-child a').allTextContents();
  assert.deepEqual(names.map((n) => n.trim()), ['Juniper Primary School']);
  await checkAccessibility('04-dashboard-search');
  // What falls due in the next four weeks, soonest first.
  await page.getByRole('link', { name: 'Due soon' }).click();
  await page.getByRole('heading', { name: 'Due in the next 4 weeks' }).waitFor();
  const dues = await page.locator('#due tbody tr td:first-child').allTextContents();
  assert.ok(dues.length > 0 && dues.every((d, i) => i === 0 || dues[i - 1] <= d), 'soonest first');
  await checkAccessibility('04-due-soon');
  await page.goto(`${consoleUrl}#/?state=ACTION_PLAN_ACTIVE`);
  await page.getByText('Filtered by: Action plan active.').waitFor();

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

  // Record an action plan review: the form starts from the current plan.
  // The overdue review links to the form that clears it, as the list of decisions does.
  await page.locator('#obligations').getByRole('link', { name: 'Record an action plan review' }).waitFor();
  await openForm('Record an action plan review');
  assert.match(await page.getByLabel('Key issues').inputValue(), /\S/, 'the review starts from the current plan');
  const actionsBefore = await page.locator('[data-path$="plan.actions"] .scc-repeat__item').count();
  assert.ok(actionsBefore >= 1, 'the current plan\'s actions are in the form');
  await checkAccessibility('06-review-form');
  await page.getByLabel('Sufficient', { exact: true }).check();
  await page.getByLabel('Attendees').fill('Headteacher\nChair of governors\nAnn Okafor');
  await page.getByLabel('Key issues').fill('Quality of teaching of reading\nAttendance of disadvantaged pupils');
  await page.getByLabel('One-year vision').fill('Reading at KS2 in line with national by July');
  await page.getByLabel('Notes', { exact: true }).fill('Phonics lead back; cover ended');
  await record('Half-termly review', 'Record an action plan review: recorded.');
  assert.equal(await page.locator('#plan-versions tbody tr').count(), versionsBefore + 1);
  // The review kept the plan's actions and shows what it changed.
  assert.equal(await page.locator('#plan-school-actions tbody tr, #plan-la-actions tbody tr').count(), actionsBefore);
  await page.locator('#plan-changes').getByText('Key issue added: Attendance of disadvantaged pupils').waitFor();
  await page.locator('#plan-changes').getByText('Vision now: Reading at KS2 in line with national by July').waitFor();
  await page.locator('.moj-timeline__item').first().getByRole('heading', { name: 'Action plan review held' }).waitFor();
  await checkAccessibility('07-review-recorded');

  // Removal is refused: the latest Ofsted outcome is Requires Improvement, in words.
  await openForm('Remove from the list of schools causing concern');
  await page.getByLabel('Evidence of progress from').selectOption('REMOVAL_BASIS_LA_REVIEW');
  await fillDate('Date of the review', '2026-10-01');
  await page.getByLabel('Evidence', { exact: true }).fill('Reading improved two terms running');
  await fillDate('Lead Officer and headteacher agreed on', '2026-10-05');
  await fillDate('SRG confirmed on', '2026-10-12');
  await page.getByLabel('Why (kept in the audit trail)').fill('Reading improved two terms running');
  await page.getByRole('button', { name: 'Continue' }).click();
  const summary = page.locator('.govuk-error-summary');
  await summary.waitFor();
  const refusal = await summary.textContent();
  assert.match(refusal, /This school's latest inspection \(\d{4}-\d{2}-\d{2}\) was Requires Improvement: record a later inspection judged Good or better first/);
  assert.match(refusal, /R-15/);
  assert.doesNotMatch(refusal, /R-15 R-15|allowed next steps:|AssignLeadOfficer/);
  await summary.getByText('What you can record now').waitFor();
  await summary.getByRole('link', { name: 'Record an action plan review' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('govuk-error-summary')), true,
    'the error summary takes the focus');
  await checkAccessibility('08-removal-refused');

  // A missing field, and a date that is no date, are shown next to their fields in plain English.
  await page.getByLabel('Evidence', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('.govuk-form-group--error [name="removal.evidence"]').waitFor();
  assert.match(await summary.textContent(), /Enter evidence/);
  await page.getByRole('group', { name: 'Date of the review', exact: true }).getByLabel('Day').fill('31');
  await page.getByRole('group', { name: 'Date of the review', exact: true }).getByLabel('Month').fill('2');
  await page.getByRole('button', { name: 'Continue' }).click();
  await summary.getByText('Date of the review must be a real date').waitFor();
  await checkAccessibility('09-removal-field-error');

  // The termly report: view, then download the CSV; then the SRG's settings update.
  await page.getByRole('link', { name: 'Reports' }).click();
  await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
  await page.getByLabel('Termly progress report').check();
  await page.getByLabel('Period').fill('2025-autumn');
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
  // A half term is not a term for the termly report: the refusal is shown on the field.
  await page.getByLabel('Period').fill('2025-autumn-1');
  await page.getByRole('button', { name: 'Show report' }).click();
  await page.locator('.govuk-error-summary').getByText(/for a whole term/).waitFor();
  await checkAccessibility('10-report-period-refused');
  await page.getByLabel('Settings update for the School Review Group').check();
  await page.getByRole('button', { name: 'Show report' }).click();
  await page.getByRole('heading', { name: /^Settings causing concern: update for the School Review Group/ }).waitFor();
  await checkAccessibility('10-report-settings-update');

  // The authority's pages, from its configuration.
  for (const [link, heading, name] of [['Help', 'Help', '10-help'],
    ['Accessibility statement', 'Accessibility statement for Schools and settings causing concern', '10-accessibility'],
    ['Privacy notice', 'Privacy notice', '10-privacy']]) {
    await page.locator('.govuk-footer').getByRole('link', { name: link }).click();
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    await checkAccessibility(name);
  }
  assert.equal(await page.locator('#authority-name').textContent(), 'Demo Borough Council');

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
  await page.getByText('Signed in as Bola Reader (Report reader)').waitFor();
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
  await page.getByText('Signed in as Helen Osborne (Head of School Improvement)').waitFor();
  await page.goto(`${consoleUrl}#/institutions/100105`);
  await page.getByRole('heading', { name: 'Elmwood Primary School', level: 1 }).waitFor();
  await page.locator('#ofsted').waitFor();
  const before = await page.locator('#ofsted-history tbody tr').count();
  const title = 'Record an Ofsted inspection with no overall grade (September 2024 to November 2025)';
  await page.getByRole('link', { name: title }).click();
  await page.getByRole('heading', { name: title }).waitFor();
  await checkAccessibility('12-ofsted-ungraded-form');
  await fillDate('Inspection date', '2025-03-04');
  await fillDate('Report published on', '2025-04-01');
  await page.getByLabel('Inspection type').fill('S5 Inspection');
  // Ofsted published no category, though leadership and management is Inadequate.
  await page.getByLabel('Category of concern Ofsted published').selectOption('OFSTED_CATEGORY_NONE');
  await page.getByLabel('Quality of education').selectOption('OFSTED_GRADE_REQUIRES_IMPROVEMENT');
  await page.getByLabel('Behaviour and attitudes').selectOption('OFSTED_GRADE_GOOD');
  await page.getByLabel('Personal development', { exact: true }).selectOption('OFSTED_GRADE_GOOD');
  await page.getByLabel('Leadership and management').selectOption('OFSTED_GRADE_INADEQUATE');
  await page.getByLabel('Effective', { exact: true }).check();
  await record('Backfilling the 2024/25 inspection', `${title}: recorded.`);
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
  await page.getByText('Signed in as Helen Osborne (Head of School Improvement)').waitFor();
  // 100106: a maintained school under a formal warning notice.
  await page.goto(`${consoleUrl}#/institutions/100106`);
  await page.locator('#current-state', { hasText: 'Formal warning notice' }).waitFor();

  await openForm('Record an academy conversion');
  await checkAccessibility('14-conversion-form');

  // The academy's URN cannot be the school's own: the refusal is shown beside the field.
  await page.getByLabel('URN of the academy').fill('100106');
  await page.getByLabel('Academy Trust').fill('Oakfield Academy Trust');
  await page.getByLabel('Why (kept in the audit trail)').fill('Converted under the academy order');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('.govuk-form-group--error [name="conversion.successor_urn"]').waitFor();
  assert.match(await page.locator('.govuk-error-summary').textContent(), /own URN/);
  await checkAccessibility('15-conversion-field-error');

  await page.getByLabel('URN of the academy').fill('149106');
  await fillDate('When it happened', '2026-09-01');
  await confirmAnswers('15b-conversion', 'Converted under the academy order');
  assert.equal(await page.locator('#current-state').textContent(), 'Closed');
  const successor = page.getByRole('link', { name: 'successor, URN 149106' });
  assert.equal(await successor.getAttribute('href'), '#/institutions/149106');
  await page.getByText('ended by the conversion on 2026-09-01, not by a removal').waitFor();
  await page.locator('.moj-timeline__item').first().getByRole('heading', { name: 'Converted to academy' }).waitFor();
  // A closed school takes no further workflow step: none is offered.
  assert.equal(await page.getByRole('link', { name: 'Record that the school complied with the warning notice' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: 'Record an academy conversion' }).count(), 0);
  await checkAccessibility('16-converted');
});

test('a maintained school\'s whole cycle runs through the forms, from concern to removal', async () => {
  await signInAs('dev-hosi', 'Helen Osborne (Head of School Improvement)');
  await openInstitution('100113', 'Millbrook Primary School');
  assert.equal(await page.locator('#current-state').textContent(), 'Monitored');
  const visitsBefore = (await api('ProjectionService', 'GetInstitution', { urn: '100113' })).visitsThisYear || 0;

  // An inspection judged Requires Improvement (2024/25: no overall grade).
  await openForm('Record an Ofsted inspection with no overall grade (September 2024 to November 2025)');
  await fillDate('Inspection date', '2025-06-10');
  await fillDate('Report published on', '2025-07-01');
  await page.getByLabel('Category of concern Ofsted published').selectOption('OFSTED_CATEGORY_NONE');
  for (const label of ['Behaviour and attitudes', 'Leadership and management']) {
    await page.getByLabel(label).selectOption('OFSTED_GRADE_GOOD');
  }
  await page.getByLabel('Personal development', { exact: true }).selectOption('OFSTED_GRADE_GOOD');
  await page.getByLabel('Quality of education').selectOption('OFSTED_GRADE_REQUIRES_IMPROVEMENT');
  await page.getByLabel('Effective', { exact: true }).check();
  await record('', 'recorded.');

  // A concern with two triggers, each with its evidence ("add another").
  await openForm('Raise a concern');
  await item('Trigger 1').getByLabel('Trigger', { exact: true }).selectOption('CONCERN_TRIGGER_OFSTED_BELOW_GOOD');
  await item('Trigger 1').getByLabel('Evidence').fill('Ofsted: quality of education requires improvement');
  await page.getByRole('button', { name: 'Add another trigger' }).click();
  await item('Trigger 2').getByLabel('Trigger', { exact: true }).selectOption('CONCERN_TRIGGER_LOW_ACHIEVEMENT_OR_DECLINE');
  await item('Trigger 2').getByLabel('Evidence').fill('KS2 reading fell two years running');
  await fillDate('Discussed with the headteacher on', '2026-11-02');
  await fillDate('When it happened', '2026-11-05');
  await checkAccessibility('20-concern-form');
  await record('Reading has declined since the inspection', 'Raise a concern: recorded.');
  assert.equal(await page.locator('#current-state').textContent(), 'At risk (for the SRG)');
  await page.locator('#facts').getByText('Low achievement or decline: KS2 reading fell two years running').waitFor();

  // Designation: its evidence missing first (the error is on the field), then check your answers.
  await openForm('Designate as a school causing concern');
  await item('Trigger 1').getByLabel('Trigger', { exact: true }).selectOption('CONCERN_TRIGGER_OFSTED_BELOW_GOOD');
  await fillDate('Letter to the headteacher and chair of governors sent on', '2026-11-20');
  await fillDate('When it happened', '2026-11-20');
  await page.getByLabel('Why (kept in the audit trail)').fill('SRG: designate');
  // The answers are checked by the server before they are shown to confirm.
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('.govuk-error-summary').getByRole('link', { name: 'Enter evidence' }).waitFor();
  assert.equal(await page.locator('#check-page').isHidden(), true);
  await checkAccessibility('21-designation-error');
  await item('Trigger 1').getByLabel('Evidence').fill('Ofsted RI; reading in decline');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('#check-answers').getByText('Ofsted below good').waitFor();
  await page.locator('#back-to-form').click();  // "Change your answers" goes back to the form
  await confirmAnswers('22-designation');
  assert.equal(await page.locator('#current-state').textContent(), 'Designated');

  await openForm('Assign a Lead Officer');
  // The Lead Officer is chosen from the directory, by name.
  await page.getByLabel('Lead Officer', { exact: true }).selectOption({ label: 'Ann Okafor (lo-ann)' });
  await page.getByLabel('Kind of officer').selectOption('LEAD_OFFICER_KIND_LEARNING_NETWORK_INSPECTOR');
  await fillDate('When it happened', '2026-11-23');
  await record('The school\'s LNI', 'Assign a Lead Officer: recorded.');

  // The plan editor, by keyboard alone: key issues, vision, a milestone with its date, two
  // actions (the second added with the keyboard), then Record.
  await openForm('Agree the action plan');
  await page.getByLabel('Key issues').focus();
  const type = async (text) => page.keyboard.type(text);
  const tab = async (n = 1) => { for (let i = 0; i < n; i += 1) await page.keyboard.press('Tab'); };
  const focused = () => page.evaluate(() => document.activeElement.name || document.activeElement.textContent.trim());
  await type('Reading in key stage 2');
  await tab(); await type('Reading at the national average by July');
  await tab(); assert.equal(await focused(), 'action_plan.plan.milestones[0].description');
  await type('Phonics screening at 85%');
  await tab(); assert.equal(await focused(), 'action_plan.plan.milestones[0].due_on.day');
  await type('30'); await tab(); await type('6'); await tab(); await type('2027');
  await tab(); assert.equal(await focused(), 'Remove milestone 1');
  await tab(); assert.equal(await focused(), 'Add another milestone');
  await tab(); assert.equal(await focused(), 'action_plan.plan.actions[0].description');
  await type('Daily phonics for every pupil in Years 1 and 2');
  await tab(); await page.keyboard.press('Space');  // the school's action
  await tab(); await type('Headteacher');
  await tab(); await type('31'); await tab(); await type('3'); await tab(); await type('2027');
  await tab(); await type('Phonics check at 85%');
  await tab(); assert.equal(await focused(), 'Add another action');
  await page.keyboard.press('Enter');
  assert.equal(await focused(), 'action_plan.plan.actions[1].description', 'focus moves to the new action');
  await type('Reading leader coached by an NLE');
  await tab(); await page.keyboard.press('ArrowDown');  // the LA's action
  await tab(); await type('Lead Officer');
  await tab(); await type('28'); await tab(); await type('2'); await tab(); await type('2027');
  await tab(); await type('Leaders monitor reading accurately');
  await checkAccessibility('23-plan-editor');
  await fillDate('When it happened', '2026-11-25');
  await page.getByLabel('Why (kept in the audit trail)').focus();
  await type('Agreed with the headteacher and chair');
  await page.getByRole('button', { name: 'Record' }).focus();
  await page.keyboard.press('Enter');
  await page.getByText('Agree the action plan: recorded.').waitFor();
  await page.getByRole('heading', { name: 'Action plan: version 1' }).waitFor();
  await page.locator('#plan-school-actions').getByText('Daily phonics for every pupil in Years 1 and 2').waitFor();
  await page.locator('#plan-la-actions').getByText('Reading leader coached by an NLE').waitFor();
  await page.locator('#current-plan').getByText('Phonics screening at 85%, due 2027-06-30').waitFor();
  await checkAccessibility('24-plan-agreed');

  // A review starts from version 1: remove the LA's action, and the page says what changed.
  await openForm('Record an action plan review');
  await page.getByLabel('Strong', { exact: true }).check();
  await page.getByRole('button', { name: 'Remove action 2' }).click();
  await fillDate('When it happened', '2026-11-27');
  await record('Half-termly review', 'Record an action plan review: recorded.');
  await page.getByRole('heading', { name: 'Action plan: version 2' }).waitFor();
  await page.locator('#plan-changes').getByText(/^Action removed: Reading leader coached by an NLE/).waitFor();
  assert.equal(await page.locator('#plan-school-actions tbody tr').count(), 1);

  // A visit recorded on the wrong school is withdrawn from the audit trail.
  await openForm('Record a visit');
  await page.getByLabel('Kind of visit').selectOption('VISIT_KIND_LEAD_OFFICER_MONITORING');
  await page.getByLabel('Visitor').fill('Ann Okafor');
  await record('', 'Record a visit: recorded.');
  const visitItem = page.locator('.moj-timeline__item').first();
  await visitItem.getByRole('heading', { name: 'Visit recorded' }).waitFor();
  await visitItem.locator('.scc-decided').getByText('Lead officer monitoring').waitFor();
  await visitItem.getByRole('link', { name: /^Correct this record/ }).click();
  await page.getByRole('heading', { name: 'Correct a record', level: 1 }).waitFor();
  await checkAccessibility('25-correction-form');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('.govuk-error-summary').getByText('Select what is wrong with it?').waitFor();
  await checkAccessibility('25-correction-error');
  await page.getByLabel(/recorded in error/).check();
  await page.getByLabel('Why (kept in the audit trail)').fill('Recorded on the wrong school');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Check your answers: withdraw a record' }).waitFor();
  await checkAccessibility('26-withdrawal-check-answers');
  await page.getByRole('button', { name: 'Withdraw the record' }).click();
  await page.getByText(/was withdrawn\./).waitFor();
  await page.locator('.moj-timeline__item').first().getByText(/^Withdrew the record of the visit recorded/).waitFor();
  await page.locator('.moj-timeline__item', { has: page.getByRole('heading', { name: /^Visit recorded/ }) })
    .getByText(/^Withdrawn /).waitFor();

  // Removal: refused while the latest inspection is Requires Improvement, then allowed once a
  // later one is Good.
  const removal = async () => {
    await openForm('Remove from the list of schools causing concern');
    await page.getByLabel('Evidence of progress from').selectOption('REMOVAL_BASIS_HMI_REVIEW');
    await fillDate('Date of the review', '2026-11-25');
    await page.getByLabel('Evidence', { exact: true }).fill('Good inspection; reading recovered');
    await fillDate('Lead Officer and headteacher agreed on', '2026-11-26');
    await fillDate('SRG confirmed on', '2026-11-27');
    await fillDate('When it happened', '2026-11-30');
  };
  await removal();
  await page.getByLabel('Why (kept in the audit trail)').fill('Reading recovered');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('.govuk-error-summary').getByText(/record a later inspection judged Good or better first/).waitFor();
  await page.getByRole('link', { name: 'Back to Millbrook Primary School' }).click();
  await openForm('Record an Ofsted inspection with no overall grade (September 2024 to November 2025)');
  await fillDate('Inspection date', '2025-11-05');
  await page.getByLabel('Category of concern Ofsted published').selectOption('OFSTED_CATEGORY_NONE');
  for (const label of ['Quality of education', 'Behaviour and attitudes', 'Leadership and management']) {
    await page.getByLabel(label).selectOption('OFSTED_GRADE_GOOD');
  }
  await page.getByLabel('Personal development', { exact: true }).selectOption('OFSTED_GRADE_GOOD');
  await page.getByLabel('Effective', { exact: true }).check();
  await record('', 'recorded.');
  await removal();
  await confirmAnswers('27-removal', 'Reading recovered; Good inspection');
  assert.equal(await page.locator('#current-state').textContent(), 'Removed from the list');
  const status = await api('ProjectionService', 'GetInstitution', { urn: '100113' });
  assert.equal(status.state, 'FLOWCHART_STATE_REMOVED');
  assert.equal(status.visitsThisYear || 0, visitsBefore, 'the withdrawn visit counts no more');
  await checkAccessibility('28-removed');
});

test('an academy\'s concern runs through the forms, from concern to resolution (R-20)', async () => {
  await signInAs('dev-hosi', 'Helen Osborne (Head of School Improvement)');
  await openInstitution('140103', 'Oakfield Park Primary Academy');
  assert.equal(await page.locator('#decisions').getByRole('link', { name: 'Issue a formal warning notice (s60)' }).count(), 0,
    'no warning notice for an academy');
  await openForm('Raise a concern with the academy');
  await item('Trigger 1').getByLabel('Trigger', { exact: true }).selectOption('CONCERN_TRIGGER_LEADERSHIP_OR_GOVERNANCE');
  await item('Trigger 1').getByLabel('Evidence').fill('Three headteachers in two years');
  await record('Raised at the termly visit', 'Raise a concern with the academy: recorded.');
  await openForm('Inform the Academy Trust');
  await page.getByLabel('Actions the LA recommends to the Trust').fill('A substantive head and a governance review');
  await record('Concerns not addressed by the school', 'Inform the Academy Trust: recorded.');
  await openForm('Record that the Trust shared its plan');
  await page.getByLabel('What the Trust\'s plan does').fill('Executive head from a partner academy');
  await record('Plan received from the CEO', 'Record that the Trust shared its plan: recorded.');
  await openForm('Escalate the concern beyond the Trust');
  await checkAccessibility('30-escalation-form');
  await page.getByLabel('Regional Director').check();
  await page.getByLabel('Regional HMI').check();
  await fillDate('The Trust was told of the escalation on', '2026-11-30');
  await page.getByLabel('Attempts to agree action with the Trust').fill('Two meetings with the CEO');
  await confirmAnswers('31-escalation', 'The Trust\'s plan has not been carried out');
  assert.equal(await page.locator('#current-state').textContent(), 'Escalated');
  await page.locator('#facts').getByText('Regional director, Regional HMI').waitFor();
  await openForm('Record that the concern is resolved');
  await confirmAnswers('32-resolved', 'New head in post; the RD is satisfied');
  assert.equal(await page.locator('#current-state').textContent(), 'Resolved');
});

test('the Early Years team registers a setting and runs its cycle through the forms (R-21 - R-23)', async () => {
  await signInAs('dev-early-years', 'Esther Young (Early Years Standards Team)');
  await page.getByRole('link', { name: 'Register an institution' }).click();
  await page.getByRole('heading', { name: 'Register an institution', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Record' }).click();
  await page.locator('.govuk-error-summary').getByText('Enter name').waitFor();
  await checkAccessibility('40-register-error');
  await page.getByLabel('URN').fill('EY499001');
  await page.getByLabel('Name', { exact: true }).fill('Little Acorns Day Nursery');
  await page.getByLabel('Early years setting').check();
  await page.getByLabel('Type of establishment').selectOption('ESTABLISHMENT_TYPE_PVI_NURSERY');
  await page.getByLabel('Phase').selectOption('PHASE_EARLY_YEARS');
  await page.getByLabel('Headteacher (or manager)').fill('Priya Shah');
  await record('', 'Register an institution: recorded.');
  await page.getByRole('heading', { name: 'Little Acorns Day Nursery', level: 1 }).waitFor();
  assert.equal(await page.locator('#facts').getByText('Chair of governors').count(), 0, 'a setting has no governors');
  assert.equal(await page.locator('#facts').getByText('Lead Officer').count(), 0, 'nor a Lead Officer');

  await openForm('Record a setting causing concern');
  await item('Trigger 1').getByLabel('Trigger', { exact: true }).selectOption('SETTING_CONCERN_TRIGGER_SAFEGUARDING');
  await item('Trigger 1').getByLabel('Evidence').fill('Staff unsure how to report a concern');
  await record('Advisory Teacher\'s visit', 'Record a setting causing concern: recorded.');
  await page.locator('#obligations').getByRole('link', { name: 'Agree the setting\'s action plan' }).waitFor();
  await openForm('Agree the setting\'s action plan');
  await page.getByLabel('Key issues').fill('Safeguarding procedures known by every member of staff');
  await item('Action 1').getByLabel('Action', { exact: true }).fill('Safeguarding training for all staff');
  await item('Action 1').getByLabel('The school\'s (or setting\'s)').check();
  await item('Action 1').getByLabel('Owner').fill('Setting manager');
  await fillDate('Due on', '2027-01-29', item('Action 1'));
  await record('Agreed with the manager', 'Agree the setting\'s action plan: recorded.');
  await page.getByRole('heading', { name: 'Action plan: version 1' }).waitFor();
  await openForm('Record support for the setting');
  await page.getByLabel('Safeguarding partnership').check();
  await record('LADO and MASH involved', 'Record support for the setting: recorded.');
  await openForm('Record a settings-causing-concern meeting');
  await page.getByLabel('Attendees').fill('Standards Lead\nAdvisory Teacher');
  await record('Termly meeting', 'Record a settings-causing-concern meeting: recorded.');
  assert.equal(await page.locator('#current-state').textContent(), 'Support active');
  await checkAccessibility('41-setting-support-active');
  await openForm('Remove the setting from the list');
  await page.getByLabel('Practice improved').check();
  await confirmAnswers('42-setting-removed', 'Two good monitoring visits');
  assert.equal(await page.locator('#current-state').textContent(), 'Removed from the list');
  const status = await api('ProjectionService', 'GetInstitution', { urn: 'EY499001' });
  assert.equal(status.actionPlanVersion, 1);
});

test('the head of school improvement redacts a name from a record, which says so in the audit trail', async () => {
  await signInAs('dev-hosi', 'Helen Osborne (Head of School Improvement)');
  await page.goto(`${consoleUrl}#/institutions/100103`);
  await page.locator('#current-state').waitFor();
  const link = page.locator('#audit-trail ~ .moj-timeline a', { hasText: 'Redact personal data' }).first();
  const eventId = (await link.getAttribute('href')).split('/').pop();
  await link.click();
  await page.getByRole('heading', { name: 'Redact personal data', level: 1 }).waitFor();
  await checkAccessibility('14-redact-form');
  await page.getByRole('button', { name: 'Redact for good' }).click();
  await page.locator('.govuk-error-summary').getByText('tick the personal data that must go').waitFor();
  const first = page.locator('[name="redaction.fields"]').first();
  const path = await first.getAttribute('value');
  await first.check();
  await page.getByLabel('Why (kept in the audit trail)').fill('The record names a pupil');
  await page.getByRole('button', { name: 'Redact for good' }).click();
  await page.locator('.govuk-notification-banner--success').getByText('was redacted.').waitFor();
  await page.locator('.scc-redacted', { hasText: 'Personal data erased from the log' }).first().waitFor();
  await page.getByText('Redacted personal data of the').first().waitFor();
  const verified = await api('AuditService', 'VerifyLog', {}, 'dev-auditor');
  assert.equal(verified.ok, true, JSON.stringify(verified));
  const history = await api('AuditService', 'GetHistory', { urn: '100103', pageSize: 1000 });
  const redacted = history.events.find((e) => e.eventId === eventId);
  assert.deepEqual(redacted.redacted, [path]);
  assert.ok(!(redacted.redactable || []).includes(path));
  await checkAccessibility('15-redacted-in-the-audit-trail');
});

test('every command a person records has a form', async () => {
  await signInAs('dev-hosi', 'Helen Osborne (Head of School Improvement)');
  const forms = await page.evaluate(async () => Object.values((await import('/forms.js')).FORMS).map((f) => f.rpc)
    .concat(Object.keys((await import('/forms.js')).FORMS)));
  const who = await api('AdminService', 'WhoAmI', {});
  const ey = await api('AdminService', 'WhoAmI', {}, 'dev-early-years');
  const commands = [...who.permissions, ...ey.permissions].filter((p) => p.command).map((p) => p.rpc)
    .filter((rpc) => rpc !== 'CorrectEvent' && rpc !== 'RedactEvent');  // from the audit trail
  const missing = [...new Set(commands)].filter((rpc) => !forms.includes(rpc));
  assert.deepEqual(missing, []);
});

// Each form once, on an institution whose state offers it: the form, then its error state (or
// its check-your-answers page) when sent empty, each checked by axe and saved as a screenshot.
test('every form and its error state pass axe', async () => {
  await signInAs('dev-hosi', 'Helen Osborne (Head of School Improvement)');
  const checked = new Set();
  for (const urn of ['100101', '100102', '100103', '100104', '100107', '100108', '100111', '140102',
    '140103', 'EY400006', 'EY400019']) {
    await page.goto(`${consoleUrl}#/institutions/${urn}`);
    await page.locator('#current-state').waitFor();
    const links = await page.locator('#decisions a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    for (const href of links) {
      const name = href.split('/').pop();
      if (checked.has(name)) continue;
      checked.add(name);
      await page.goto(`${consoleUrl}${href}`);
      await page.locator('#decision-form').waitFor();
      await checkAccessibility(`50-form-${name}`);
      await page.locator('#decision-form button[type=submit]').click();
      const outcome = page.locator('.govuk-error-summary, #check-page:not([hidden]) h1, .govuk-notification-banner--success');
      await outcome.first().waitFor();
      await checkAccessibility(`50-form-${name}-sent-empty`);
    }
  }
  assert.ok(checked.size >= 45, `forms checked: ${[...checked].join(', ')}`);
});
