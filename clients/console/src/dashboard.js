// The dashboard: schools and settings causing concern, filtered by state, Lead Officer, phase
// and overdue obligation, with counts.
import { afterOwnWrites, callAllPages } from './api.js';
import { html, show } from './html.js';
import {
  OBLIGATION_TYPES, PHASES, STATES, enumName, obligationName, stateKey, stateName,
} from './names.js';

function select(id, label, value, choices) {
  return html`<div class="govuk-form-group">
    <label class="govuk-label govuk-label--s" for="${id}">${label}</label>
    <select class="govuk-select" id="${id}" name="${id}">
      <option value="">Any</option>
      ${choices.map((c) => html`<option value="${c.value}"${c.value === value ? html` selected` : ''}>${c.text}</option>`)}
    </select></div>`;
}

function countCards(institutions) {
  const overdue = institutions.filter((i) => (i.obligations || []).some((o) => o.overdue)).length;
  const schools = institutions.filter((i) => i.details.kind !== 'INSTITUTION_KIND_EARLY_YEARS_SETTING').length;
  const card = (count, text, id) => html`<div class="govuk-grid-column-one-quarter">
    <div class="scc-count"><span class="scc-count__number" id="${id}">${count}</span>
    <span class="scc-count__label">${text}</span></div></div>`;
  return html`<div class="govuk-grid-row">
    ${card(institutions.length, 'shown', 'count-shown')}
    ${card(schools, 'schools and academies', 'count-schools')}
    ${card(institutions.length - schools, 'early-years settings', 'count-settings')}
    ${card(overdue, 'with an overdue obligation', 'count-overdue')}
  </div>`;
}

function byState(institutions) {
  const counts = new Map();
  for (const i of institutions) counts.set(stateKey(i.state), (counts.get(stateKey(i.state)) || 0) + 1);
  if (!counts.size) return '';
  return html`<table class="govuk-table govuk-!-margin-bottom-6">
    <caption class="govuk-table__caption govuk-table__caption--s">By flowchart state</caption>
    <thead class="govuk-table__head"><tr class="govuk-table__row">
      <th scope="col" class="govuk-table__header">State</th>
      <th scope="col" class="govuk-table__header govuk-table__header--numeric">Count</th></tr></thead>
    <tbody class="govuk-table__body">
      ${[...counts].map(([state, n]) => html`<tr class="govuk-table__row">
        <td class="govuk-table__cell">${stateName(state)}</td>
        <td class="govuk-table__cell govuk-table__cell--numeric">${n}</td></tr>`)}
    </tbody></table>`;
}

function table(institutions) {
  if (!institutions.length) {
    return html`<p class="govuk-body" id="no-results">No schools or settings match these filters.</p>`;
  }
  return html`<table class="govuk-table" data-module="moj-sortable-table" id="institutions">
    <caption class="govuk-table__caption govuk-table__caption--m">Schools and settings</caption>
    <thead class="govuk-table__head"><tr class="govuk-table__row">
      <th scope="col" class="govuk-table__header" aria-sort="ascending">Name</th>
      <th scope="col" class="govuk-table__header" aria-sort="none">Phase</th>
      <th scope="col" class="govuk-table__header" aria-sort="none">State</th>
      <th scope="col" class="govuk-table__header" aria-sort="none">Lead Officer</th>
      <th scope="col" class="govuk-table__header govuk-table__header--numeric" aria-sort="none">Days in SCC</th>
      <th scope="col" class="govuk-table__header govuk-table__header--numeric" aria-sort="none">Overdue</th>
    </tr></thead>
    <tbody class="govuk-table__body">
      ${institutions.map((i) => {
        const overdue = (i.obligations || []).filter((o) => o.overdue).length;
        return html`<tr class="govuk-table__row">
          <td class="govuk-table__cell" data-sort-value="${i.details.name}">
            <a class="govuk-link" href="#/institutions/${i.urn}">${i.details.name}</a>
            <span class="govuk-body-s scc-muted">${i.urn}</span></td>
          <td class="govuk-table__cell">${enumName(i.details.phase, 'PHASE_')}</td>
          <td class="govuk-table__cell"><strong class="govuk-tag govuk-tag--grey">${stateName(i.state)}</strong></td>
          <td class="govuk-table__cell">${i.leadOfficerName || 'None'}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric" data-sort-value="${i.daysInScc}">${i.daysInScc}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric" data-sort-value="${overdue}">${overdue
            ? html`<strong class="govuk-tag govuk-tag--red">${overdue}</strong>` : '0'}</td>
        </tr>`;
      })}
    </tbody></table>`;
}

// `query`: URLSearchParams of the filters (state, lo, phase, overdue, all).
// `mayRegister`: the caller may register an institution (an early-years setting, which GIAS
// does not list); `me`: the signed-in user, for "my schools".
export async function renderDashboard(query, initTable, mayRegister, me) {
  const filters = {
    state: query.get('state') || '',
    lo: query.get('lo') || '',
    phase: query.get('phase') || '',
    overdue: query.get('overdue') || '',
    all: query.get('all') === '1',
    q: (query.get('q') || '').trim(),
  };
  const request = { pageSize: 500 };
  // A search looks through every institution; otherwise the list is those causing concern.
  if (!filters.all && !filters.q) request.causingConcern = true;
  if (filters.state) request.states = [`FLOWCHART_STATE_${filters.state}`];
  if (filters.phase) request.phases = [filters.phase];
  if (filters.lo) request.leadOfficerId = filters.lo;
  if (filters.overdue) request.overdue = [filters.overdue];
  if (filters.q) request.query = filters.q;
  const [institutions, everyone] = await Promise.all([
    callAllPages('ProjectionService', 'ListInstitutions', afterOwnWrites(request), 'institutions'),
    callAllPages('ProjectionService', 'ListInstitutions', afterOwnWrites({ causingConcern: true, pageSize: 500 }), 'institutions'),
  ]);
  const officers = new Map();
  for (const i of everyone) if (i.leadOfficerId) officers.set(i.leadOfficerId, i.leadOfficerName || i.leadOfficerId);
  const active = [filters.q && `name or URN containing "${filters.q}"`, filters.state && stateName(filters.state), filters.lo && officers.get(filters.lo),
    filters.phase && enumName(filters.phase, 'PHASE_'), filters.overdue && `${obligationName(filters.overdue)} overdue`,
    filters.all && 'including those not causing concern'].filter(Boolean);

  show(html`
    <h1 class="govuk-heading-xl">Schools and settings causing concern</h1>
    <p class="govuk-body">
      ${me.role === 'ROLE_LEAD_OFFICER' ? html`<a class="govuk-link" href="#/?lo=${me.user}" id="my-schools">My schools</a> · ` : ''}
      <a class="govuk-link" href="#/due">Due in the next four weeks</a>
      ${mayRegister ? html` · <a class="govuk-link" href="#/register" id="register">Register an institution</a>
        (an early-years setting; schools and academies come from GIAS)` : ''}</p>
    <div class="govuk-grid-row">
      <div class="govuk-grid-column-one-quarter">
        <form id="filters" class="scc-filters" role="search" aria-label="Filter the list">
          <h2 class="govuk-heading-m">Filter</h2>
          <div class="govuk-form-group">
            <label class="govuk-label govuk-label--s" for="q">Name or URN</label>
            <input class="govuk-input" id="q" name="q" type="search" value="${filters.q}" spellcheck="false">
          </div>
          ${select('state', 'Flowchart state', filters.state, STATES.map((s) => ({ value: s, text: stateName(s) })))}
          ${select('lo', 'Lead Officer', filters.lo, [...officers].map(([id, name]) => ({ value: id, text: name })))}
          ${select('phase', 'Phase', filters.phase, PHASES.map((p) => ({ value: p, text: enumName(p, 'PHASE_') })))}
          ${select('overdue', 'Overdue obligation', filters.overdue,
            OBLIGATION_TYPES.map((o) => ({ value: o, text: obligationName(o) })))}
          <div class="govuk-form-group"><div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">
            <div class="govuk-checkboxes__item">
              <input class="govuk-checkboxes__input" id="all" name="all" type="checkbox" value="1"${filters.all ? html` checked` : ''}>
              <label class="govuk-label govuk-checkboxes__label" for="all">Include those not causing concern</label>
            </div></div></div>
          <div class="govuk-button-group">
            <button type="submit" class="govuk-button" data-module="govuk-button">Apply filters</button>
            <a class="govuk-link" href="#/">Clear filters</a>
          </div>
        </form>
      </div>
      <div class="govuk-grid-column-three-quarters">
        <p class="govuk-body" id="active-filters">${active.length ? `Filtered by: ${active.join('; ')}.` : 'Showing every school and setting causing concern.'}</p>
        ${countCards(institutions)}
        ${byState(institutions)}
        ${table(institutions)}
      </div>
    </div>`, 'Dashboard');

  document.getElementById('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(event.target)) if (value) params.set(key, value);
    location.hash = `#/?${params}`;
  });
  const sortable = document.getElementById('institutions');
  if (sortable) initTable(sortable);
}
