// The termly progress report (R-7, R-23): shown from its JSON rendering, and downloadable in
// every format the server renders.
import { PageLeft, call } from './api.js';
import { html, show } from './html.js';
import { stateName } from './names.js';

const FORMATS = [
  ['REPORT_FORMAT_HTML', 'HTML page'], ['REPORT_FORMAT_CSV', 'CSV'],
  ['REPORT_FORMAT_MARKDOWN', 'Markdown'], ['REPORT_FORMAT_JSON', 'JSON'],
];

function decode(base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return bytes;
}

function summary(s) {
  const rows = [
    ['Causing concern at the start of term', s.causing_concern_at_start],
    ['Causing concern at the end of term', s.causing_concern_at_end],
    ['Designated during the term', s.designated_in_term],
    ['Removed during the term', s.removed_in_term],
    ['Formal warning notices', s.warning_notices],
    ['Interventions', s.interventions],
    ['Warning notice candidates (R-16)', s.warning_notice_candidates],
    ['Schools Good or better', `${s.schools_good_or_better} of ${s.schools_inspected} inspected`],
    ['Settings Good or better', `${s.settings_good_or_better} of ${s.settings_inspected} inspected`],
  ];
  return html`<dl class="govuk-summary-list" id="report-summary">
    ${rows.map(([k, v]) => html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${k}</dt>
      <dd class="govuk-summary-list__value">${v}</dd></div>`)}</dl>`;
}

function pages(list) {
  return html`<table class="govuk-table" id="report-pages">
    <caption class="govuk-table__caption govuk-table__caption--m">Progress of each school and setting</caption>
    <thead class="govuk-table__head"><tr class="govuk-table__row">
      <th scope="col" class="govuk-table__header">Name</th>
      <th scope="col" class="govuk-table__header">State</th>
      <th scope="col" class="govuk-table__header">Lead Officer</th>
      <th scope="col" class="govuk-table__header govuk-table__header--numeric">Days in SCC</th>
      <th scope="col" class="govuk-table__header">Overdue</th></tr></thead>
    <tbody class="govuk-table__body">
      ${list.map((p) => html`<tr class="govuk-table__row">
        <td class="govuk-table__cell"><a class="govuk-link" href="#/institutions/${p.urn}">${p.name}</a></td>
        <td class="govuk-table__cell">${stateName(p.state)}</td>
        <td class="govuk-table__cell">${p.lead_officer || 'None'}</td>
        <td class="govuk-table__cell govuk-table__cell--numeric">${p.days_in_scc}</td>
        <td class="govuk-table__cell">${(p.overdue || []).join('; ') || 'None'}</td></tr>`)}
    </tbody></table>`;
}

export async function renderReport(query) {
  const term = query.get('term') || '';
  let body = html`<p class="govuk-body">Choose a term to see its report.</p>`;
  if (term) {
    const file = await call('ReportService', 'GenerateTermReport', { term, format: 'REPORT_FORMAT_JSON' });
    const report = JSON.parse(new TextDecoder().decode(decode(file.content)));
    body = html`
      <h2 class="govuk-heading-l" id="report-title">${report.term}</h2>
      <p class="govuk-body">${report.first_day} to ${report.last_day}, as known at ${report.known_at}.</p>
      <h3 class="govuk-heading-m">Download</h3>
      <div class="govuk-button-group" id="downloads">
        ${FORMATS.map(([format, name]) => html`<button type="button" class="govuk-button govuk-button--secondary"
            data-module="govuk-button" data-format="${format}" data-known-at="${report.known_at}">${name}</button>`)}
      </div>
      ${summary(report.summary || {})}
      ${pages(report.pages || [])}`;
  }
  show(html`
    <h1 class="govuk-heading-xl">Termly progress report</h1>
    <form id="report-form" class="govuk-!-margin-bottom-6">
      <div class="govuk-form-group">
        <label class="govuk-label govuk-label--s" for="term">Term</label>
        <div id="term-hint" class="govuk-hint">The year it starts in and the term, for example 2025-autumn</div>
        <input class="govuk-input govuk-input--width-10" id="term" name="term" type="text" value="${term}"
          aria-describedby="term-hint" spellcheck="false">
      </div>
      <button type="submit" class="govuk-button" data-module="govuk-button">Show report</button>
    </form>
    ${body}`, term ? `Report ${term}` : 'Reports');

  document.getElementById('report-form').addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/reports?term=${encodeURIComponent(event.target.term.value.trim())}`;
  });
  for (const button of document.querySelectorAll('#downloads button')) {
    button.addEventListener('click', async () => {
      let file;
      try {
        file = await call('ReportService', 'GenerateTermReport',
          { term, format: button.dataset.format, knownAt: button.dataset.knownAt });
      } catch (error) {
        if (error instanceof PageLeft) return;  // the user went to another page meanwhile
        throw error;
      }
      const url = URL.createObjectURL(new Blob([decode(file.content)], { type: file.contentType }));
      const link = document.createElement('a');
      link.href = url;
      link.download = file.filename;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    });
  }
}
