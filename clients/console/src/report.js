// The termly progress report (R-7) and the settings updates for the SRG and the SSSPB (R-23):
// shown from the JSON rendering, and downloadable in every format the server renders.
import { ApiError, PageLeft, call } from './api.js';
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

const AUDIENCES = [
  ['REPORT_AUDIENCE_UNSPECIFIED', 'Termly progress report', 'Every school and setting, for a term: 2025-autumn'],
  ['REPORT_AUDIENCE_SRG_SETTINGS_UPDATE', 'Settings update for the School Review Group', 'Settings only, every half term: 2025-autumn-1'],
  ['REPORT_AUDIENCE_SSSPB_SETTINGS_UPDATE', 'Settings update for the Standards Partnership Board',
    'Settings only, four a year: 2025-autumn, 2026-spring, 2026-summer-1, 2026-summer-2'],
];

function summary(s, settingsOnly) {
  const of = (n, total) => `${n || 0} of ${total || 0}`;
  const rows = [
    ['Causing concern at the start', s.causing_concern_at_start],
    ['Causing concern at the end', s.causing_concern_at_end],
    [settingsOnly ? 'Listed in the period' : 'Designated during the term', s.designated_in_term],
    ['Removed', s.removed_in_term],
    ...(settingsOnly ? [] : [
      ['Formal warning notices', s.warning_notices],
      ['Interventions', s.interventions],
      ['Warning notice candidates (R-16)', s.warning_notice_candidates],
      ['Schools causing concern with an action plan (R-7)', of(s.schools_causing_concern_with_plan, s.schools_causing_concern)],
      ['Schools with a progress report this term (R-7)', of(s.schools_with_progress_report, s.schools_causing_concern)],
      ['Schools Good or better', `${of(s.schools_good_or_better, s.schools_inspected)} inspected`],
    ]),
    ['Settings causing concern with an action plan (R-21)', of(s.settings_causing_concern_with_plan, s.settings_causing_concern)],
    ['Settings Good or better', `${of(s.settings_good_or_better, s.settings_inspected)} inspected`],
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
  const audience = query.get('audience') || 'REPORT_AUDIENCE_UNSPECIFIED';
  const settingsOnly = audience !== 'REPORT_AUDIENCE_UNSPECIFIED';
  let body = html`<p class="govuk-body">Choose a report and its period.</p>`;
  let problem = '';
  if (term) {
    try {
      const file = await call('ReportService', 'GenerateTermReport', { term, audience, format: 'REPORT_FORMAT_JSON' });
      const report = JSON.parse(new TextDecoder().decode(decode(file.content)));
      body = html`
        <h2 class="govuk-heading-l" id="report-title">${report.title}: ${report.term}</h2>
        <p class="govuk-body">${report.authority}. ${report.first_day} to ${report.last_day}, as known at ${report.known_at}.
          <strong class="govuk-tag govuk-tag--grey">${report.protective_marking}</strong></p>
        <h3 class="govuk-heading-m">Download</h3>
        <div class="govuk-button-group" id="downloads">
          ${FORMATS.map(([format, name]) => html`<button type="button" class="govuk-button govuk-button--secondary"
              data-module="govuk-button" data-format="${format}" data-known-at="${report.known_at}">${name}</button>`)}
        </div>
        ${summary(report.summary || {}, settingsOnly)}
        ${pages(report.pages || [])}`;
    } catch (error) {
      if (!(error instanceof ApiError) || error.httpStatus !== 400 || !error.fieldViolations.length) throw error;
      problem = error.fieldViolations[0].description.replace(/^./, (c) => c.toUpperCase());
      body = '';
    }
  }
  show(html`
    ${problem ? html`<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert">
      <h2 class="govuk-error-summary__title">There is a problem</h2>
      <div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list">
        <li><a href="#term">${problem}</a></li></ul></div></div></div>` : ''}
    <h1 class="govuk-heading-xl">Reports</h1>
    <form id="report-form" class="govuk-!-margin-bottom-6" novalidate>
      <div class="govuk-form-group">
        <fieldset class="govuk-fieldset">
          <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Report</legend>
          <div class="govuk-radios govuk-radios--small" data-module="govuk-radios">
            ${AUDIENCES.map(([value, text, hint], i) => html`<div class="govuk-radios__item">
              <input class="govuk-radios__input" id="audience${i ? `-${i}` : ''}" name="audience" type="radio" value="${value}"
                aria-describedby="audience-${i}-hint"${value === audience ? html` checked` : ''}>
              <label class="govuk-label govuk-radios__label" for="audience${i ? `-${i}` : ''}">${text}</label>
              <div id="audience-${i}-hint" class="govuk-hint govuk-radios__hint">${hint}</div></div>`)}
          </div>
        </fieldset>
      </div>
      <div class="govuk-form-group${problem ? ' govuk-form-group--error' : ''}">
        <label class="govuk-label govuk-label--s" for="term">Period</label>
        <div id="term-hint" class="govuk-hint">The year the term starts in and the term, then 1 or 2 for a half term</div>
        ${problem ? html`<p id="term-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${problem}</p>` : ''}
        <input class="govuk-input govuk-input--width-10${problem ? ' govuk-input--error' : ''}" id="term" name="term" type="text" value="${term}"
          aria-describedby="term-hint${problem ? ' term-error' : ''}" spellcheck="false">
      </div>
      <button type="submit" class="govuk-button" data-module="govuk-button">Show report</button>
    </form>
    ${body}`, problem ? 'Error: Reports' : term ? `Report ${term}` : 'Reports');

  document.getElementById('report-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams({ term: event.target.term.value.trim(), audience: event.target.audience.value });
    location.hash = `#/reports?${params}`;
  });
  for (const button of document.querySelectorAll('#downloads button')) {
    button.addEventListener('click', async () => {
      let file;
      try {
        file = await call('ReportService', 'GenerateTermReport',
          { term, audience, format: button.dataset.format, knownAt: button.dataset.knownAt });
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
