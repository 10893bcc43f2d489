// The console's entry point: signs in (the council's identity provider, or an access token),
// then routes #/ (dashboard),
// #/institutions/URN, #/institutions/URN/record/FORM (a decision's form),
// #/institutions/URN/correct/EVENT (a correction), #/register, #/due (what falls due),
// #/reports, #/calendar (the user's calendar feed) and #/pages/NAME (the authority's help,
// accessibility statement and privacy notice). A headteacher or chair of governors goes
// straight to their own school's page.
import { initAll } from './govuk/govuk-frontend.min.js';
import { SortableTable } from './moj/moj-frontend.min.js';
import { ApiError, PageLeft, call, signInWithToken, signOut, startPage } from './api.js';
import { renderCalendar } from './calendar.js';
import { renderDashboard } from './dashboard.js';
import { renderDue } from './due.js';
import { renderCorrection } from './correct.js';
import { renderRedaction } from './redact.js';
import { FORMS, renderForm } from './forms.js';
import { html, show } from './html.js';
import { loadInstitution, offeredForms, renderInstitution } from './institution.js';
import { roleName } from './names.js';
import { renderReport } from './report.js';

document.body.classList.add('js-enabled', 'govuk-frontend-supported');

let identity = null;  // CallerIdentity of the signed-in user
let site = {};  // GET /site.json

async function whoAmI() {
  if (!identity) identity = await call('AdminService', 'WhoAmI', {});
  return identity;
}

// The signed-in user, or null when the browser has no session.
async function signedIn() {
  try {
    return await whoAmI();
  } catch (error) {
    if (error instanceof ApiError && error.httpStatus === 401) return null;
    throw error;
  }
}

// The command RPCs the caller may call, each with what the command table says of it and how
// far the caller's permission reaches.
function commands() {
  return new Map((identity.permissions || []).filter((p) => p.command)
    .map((p) => [p.rpc, { ...p.command, reach: p.reach }]));
}

// The authority's name and brand colour (GET /site.json), in the header and footer.
async function brand() {
  site = await fetch('/site.json').then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  if (site.authority) {
    document.getElementById('authority-name').textContent = site.authority;
    document.getElementById('footer-authority').textContent = `Run by ${site.authority}`;
  }
  if (site.brandColour) document.documentElement.style.setProperty('--scc-brand-colour', site.brandColour);
}

const PAGES = { help: 'Help', accessibility: 'Accessibility statement', privacy: 'Privacy notice' };

// One of the authority's pages, from its configuration (sccd --console-pages).
async function renderPage(name) {
  const response = await fetch(`/pages/${name}.html`);
  const text = response.ok ? await response.text() : '';
  const main = document.getElementById('main-content');
  main.innerHTML = text || html`<h1 class="govuk-heading-l">${PAGES[name]}</h1>
    <p class="govuk-body">The authority has not published this page yet.</p>`.text;
  document.title = `${PAGES[name]} – Schools and settings causing concern`;
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

function renderSignIn(problem) {
  show(html`
    <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
      ${problem ? html`<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert">
        <h2 class="govuk-error-summary__title">There is a problem</h2>
        <div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list">
          <li><a href="#token">${problem}</a></li></ul></div></div></div>` : ''}
      <h1 class="govuk-heading-xl">Sign in</h1>
      ${site.identityProvider ? html`
        <p class="govuk-body">Sign in with the account you use for your council's (or your school's) other services.</p>
        <a href="/auth/login" role="button" draggable="false" class="govuk-button govuk-button--start" id="sign-in-provider">
          Sign in with your council account</a>
        <h2 class="govuk-heading-m">Or sign in with an access token</h2>` : ''}
      <form id="sign-in" novalidate>
        <div class="govuk-form-group${problem ? ' govuk-form-group--error' : ''}">
          <label class="govuk-label govuk-label--s" for="token">Access token</label>
          <div id="token-hint" class="govuk-hint">The token your administrator issued to you. The server
            opens a session for this browser with it; the console does not keep it. The session ends when you
            sign out or leave it unused.</div>
          ${problem ? html`<p id="token-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${problem}</p>` : ''}
          <input class="govuk-input govuk-input--width-20${problem ? ' govuk-input--error' : ''}" id="token" name="token"
            type="password" autocomplete="current-password" spellcheck="false"
            aria-describedby="token-hint${problem ? ' token-error' : ''}">
        </div>
        <button type="submit" class="govuk-button${site.identityProvider ? ' govuk-button--secondary' : ''}" data-module="govuk-button">Sign in with the token</button>
      </form>
    </div></div>`, problem ? 'Error: Sign in' : 'Sign in');
  document.getElementById('sign-in').addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = event.target.token.value.trim();
    if (!value) {
      renderSignIn('Enter your access token');
      return;
    }
    identity = null;
    try {
      await signInWithToken(value);
      if (location.hash === '#/') route();
      else location.hash = '#/';  // the hashchange routes
    } catch (error) {
      renderSignIn(error instanceof ApiError && error.httpStatus === 401
        ? 'The access token was not recognised' : `Signing in failed: ${error.message}`);
    }
  });
}

function header() {
  const signedIn = identity !== null;
  const nav = document.getElementById('service-navigation');
  const current = ['reports', 'due', 'calendar'].find((name) => location.hash.startsWith(`#/${name}`)) || 'dashboard';
  const schoolSide = signedIn && identity.urns && identity.urns.length > 0;
  const item = (name, href, text) => html`<li class="govuk-service-navigation__item${current === name ? ' govuk-service-navigation__item--active' : ''}">
    <a class="govuk-service-navigation__link" href="${href}"${current === name ? html` aria-current="page"` : ''}>${text}</a></li>`;
  nav.innerHTML = signedIn ? html`
    ${item('dashboard', '#/', schoolSide ? 'Your school' : 'Dashboard')}
    ${item('due', '#/due', 'Due soon')}
    ${schoolSide ? '' : item('reports', '#/reports', 'Reports')}
    ${item('calendar', '#/calendar', 'Calendar')}
    <li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" href="#/sign-out">Sign out</a></li>`.text : '';
  document.getElementById('signed-in-as').textContent = signedIn
    ? `Signed in as ${identity.name || identity.user} (${roleName(identity.role)})` : '';
}

const FLASH_KEY = 'scc-flash';

async function route() {
  startPage();
  const [path, queryText] = location.hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(queryText || '');
  if (path === '/sign-out') {
    await signOut();
    identity = null;
    header();
    location.hash = '#/sign-in';
    return;
  }
  const page = path.match(/^\/pages\/(\w+)$/);
  if (page && PAGES[page[1]]) {
    await signedIn().catch(() => null);
    header();
    await renderPage(page[1]);
    return;
  }
  try {
    show(html`<p class="govuk-body scc-loading" role="status">Loading…</p>`, 'Loading');
    if (path === '/sign-in' || !(await signedIn())) {
      identity = null;
      header();
      renderSignIn();
      return;
    }
    header();
    const record = path.match(/^\/institutions\/([^/]+)\/record\/(\w+)$/);
    const correct = path.match(/^\/institutions\/([^/]+)\/correct\/([\w-]+)$/);
    const redact = path.match(/^\/institutions\/([^/]+)\/redact\/([\w-]+)$/);
    const institution = path.match(/^\/institutions\/([^/]+)$/);
    const backTo = (urn) => (message) => {
      sessionStorage.setItem(FLASH_KEY, message);
      location.hash = `#/institutions/${urn}`;
    };
    if (record && FORMS[record[2]]) {
      const { status, events } = await loadInstitution(record[1]);
      await renderForm(status, events, record[2], commands(), offeredForms(status, commands(), identity), backTo(record[1]));
    } else if (correct) {
      const { status, events } = await loadInstitution(correct[1]);
      await renderCorrection(status, events, correct[2], commands(), offeredForms(status, commands(), identity), backTo(correct[1]));
    } else if (redact && commands().has('RedactEvent')) {
      const { status, events } = await loadInstitution(redact[1]);
      renderRedaction(status, events, redact[2], commands(), offeredForms(status, commands(), identity), backTo(redact[1]));
    } else if (path === '/register' && commands().has('RegisterInstitution')) {
      const blank = { urn: '', state: 'FLOWCHART_STATE_UNSPECIFIED', details: { name: 'A new institution' } };
      await renderForm(blank, [], 'RegisterInstitution', commands(), [], (message, request) => backTo(request.context.urn)(message));
    } else if (institution) {
      const flash = sessionStorage.getItem(FLASH_KEY);
      sessionStorage.removeItem(FLASH_KEY);
      const mayListReads = (identity.permissions || []).some((p) => p.rpc === 'ListFileReads');
      renderInstitution(await loadInstitution(institution[1], mayListReads), commands(), identity, flash);
    } else if (path === '/due') {
      await renderDue(query, identity);
    } else if (path === '/reports') {
      await renderReport(query);
    } else if (path === '/calendar') {
      await renderCalendar(identity);
    } else if (identity.urns && identity.urns.length === 1) {
      location.hash = `#/institutions/${identity.urns[0]}`;  // a school's users: their school
      return;
    } else {
      await renderDashboard(query, (table) => new SortableTable(table), commands().has('RegisterInstitution'), identity);
    }
    initAll({ scope: document.getElementById('main-content') });
  } catch (error) {
    if (error instanceof PageLeft) {  // a later route() draws the page now shown
      console.debug(`scc: dropped the answer for ${path}, a page left before it arrived`);
      return;
    }
    if (error instanceof ApiError && error.httpStatus === 401) {
      identity = null;
      header();
      renderSignIn('Your session has ended; sign in again');
      return;
    }
    show(html`<h1 class="govuk-heading-l">Sorry, there is a problem</h1>
      <p class="govuk-body" id="problem">${error.message}</p>
      <p class="govuk-body"><a class="govuk-link" href="#/">Go to the dashboard</a></p>`, 'Problem');
  }
}

window.addEventListener('hashchange', () => {
  if (location.hash === '' || location.hash.startsWith('#/')) route();
});
brand().then(route);
