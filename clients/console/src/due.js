// What falls due: every obligation due in the next weeks (and those overdue), soonest first —
// a Lead Officer's own by default — each linked to its institution's page.
import { afterOwnWrites, callAllPages } from './api.js';
import { html, show } from './html.js';
import { obligationName } from './names.js';

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export async function renderDue(query, me) {
  const weeks = Math.min(Math.max(Number(query.get('weeks')) || 4, 1), 52);
  const mine = me.role === 'ROLE_LEAD_OFFICER' && query.get('all') !== '1';
  const until = isoDay(new Date(Date.now() + weeks * 7 * 86400000));
  const request = { dueBefore: until, pageSize: 1000 };
  if (mine) request.leadOfficerId = me.user;
  const obligations = await callAllPages('ProjectionService', 'ListObligations', afterOwnWrites(request), 'obligations');
  show(html`
    <h1 class="govuk-heading-xl">Due in the next ${weeks} week${weeks === 1 ? '' : 's'}</h1>
    <p class="govuk-body">${mine ? 'For the schools you lead. ' : ''}Everything due by ${until}, and
      everything overdue, soonest first.
      ${me.role === 'ROLE_LEAD_OFFICER' ? html`<a class="govuk-link" href="#/due?weeks=${weeks}&amp;all=${mine ? 1 : 0}">${mine ? 'Show every school' : 'Show only mine'}</a>` : ''}</p>
    <form id="due-form" class="govuk-!-margin-bottom-6" novalidate>
      <div class="govuk-form-group">
        <label class="govuk-label govuk-label--s" for="weeks">Weeks ahead</label>
        <input class="govuk-input govuk-input--width-3" id="weeks" name="weeks" type="text" inputmode="numeric" value="${weeks}">
      </div>
      <button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Show</button>
    </form>
    ${obligations.length ? html`<table class="govuk-table" id="due">
      <caption class="govuk-table__caption govuk-table__caption--m">${obligations.length} obligation${obligations.length === 1 ? '' : 's'}</caption>
      <thead class="govuk-table__head"><tr class="govuk-table__row">
        <th scope="col" class="govuk-table__header">Due on</th>
        <th scope="col" class="govuk-table__header">School or setting</th>
        <th scope="col" class="govuk-table__header">Obligation</th>
        <th scope="col" class="govuk-table__header">Status</th></tr></thead>
      <tbody class="govuk-table__body">${obligations.map((o) => html`<tr class="govuk-table__row">
        <td class="govuk-table__cell">${o.dueOn}</td>
        <td class="govuk-table__cell"><a class="govuk-link" href="#/institutions/${o.urn}">${o.institutionName || o.urn}</a>
          ${o.urns && o.urns.length > 1 ? html`<span class="govuk-body-s scc-muted">and ${o.urns.length - 1} more the Lead Officer leads</span>` : ''}</td>
        <td class="govuk-table__cell">${obligationName(o.type)} (${o.rule})<br><span class="govuk-body-s">${o.description}</span></td>
        <td class="govuk-table__cell">${o.overdue ? html`<strong class="govuk-tag govuk-tag--red">Overdue</strong>`
          : html`<strong class="govuk-tag govuk-tag--blue">Due</strong>`}</td></tr>`)}
      </tbody></table>` : html`<p class="govuk-body" id="nothing-due">Nothing falls due.</p>`}`, 'Due soon');
  document.getElementById('due-form').addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/due?weeks=${encodeURIComponent(event.target.weeks.value.trim())}${mine ? '' : '&all=1'}`;
  });
}
