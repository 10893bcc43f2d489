// Redacting personal data from a record (rectification, docs/data-protection.md): the officer
// ticks the names or free text of one record that must go, says why, confirms on a warning
// page, and RedactEvent erases them from the log for good. The record stays in the audit trail
// (it happened), the redaction is a record of its own, and VerifyLog still proves the chain.
import { field } from './fields.js';
import { COMMON, requestId, sendCommand, showRefusal } from './forms.js';
import { html, show } from './html.js';
import { eventName, pathWords } from './names.js';

const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

// The value at a server path ("visit_recorded.visitor", "…attendees[1]", "notes") of an event
// as the JSON API gives it.
export function valueAt(event, path) {
  if (path === 'notes') return (event.notes || {}).text || '';
  let value = event.payload;
  for (const part of path.split('.')) {
    const [, name, index] = part.match(/^(\w+)(?:\[(\d+)\])?$/) || [];
    value = value && value[camel(name || '')];
    if (index !== undefined) value = value && value[Number(index)];
  }
  return typeof value === 'string' ? value : '';
}

export function renderRedaction(institution, events, eventId, commands, offered, onDone) {
  const event = events.find((e) => e.eventId === eventId);
  const back = html`<a href="#/institutions/${institution.urn}" class="govuk-back-link">Back to ${institution.details.name}</a>`;
  if (!event || !(event.redactable || []).length) {
    show(html`${back}<h1 class="govuk-heading-l">Nothing to redact</h1>
      <p class="govuk-body">${institution.details.name} has no record ${eventId} with personal data that could be redacted.</p>`,
    'Nothing to redact');
    return;
  }
  const fields = { path: 'redaction.fields', label: 'What must go', type: 'checkboxes',
    hint: 'Only names and free text can be redacted; what the record decided stays.',
    options: event.redactable.map((p) => ({ value: p, text: `${pathWords(p)}: “${valueAt(event, p)}”` })) };
  const reason = COMMON.find((f) => f.path === 'context.reason');
  show(html`${back}
    <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
      <div id="form-errors"></div>
      <span class="govuk-caption-l">${institution.details.name} (${institution.urn})</span>
      <h1 class="govuk-heading-l">Redact personal data</h1>
      <div class="govuk-inset-text" id="redacted-record">
        <p class="govuk-body"><strong>${eventName(event.type)}</strong>, ${event.effectiveDate}, by ${event.actor}.</p>
      </div>
      <div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span>
        <strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>
          What you redact is erased from the log for good and cannot be put back. The record stays in the
          audit trail, and the redaction is recorded with your name and your reason.</strong></div>
      <form id="decision-form" novalidate>
        ${field(fields)}
        ${field({ ...reason, hint: 'For example: the note names a pupil; a correction the person asked for (UK GDPR Art. 16).' })}
        <div class="govuk-button-group">
          <button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button">Redact for good</button>
          <a class="govuk-link" href="#/institutions/${institution.urn}">Cancel</a>
        </div>
      </form>
    </div></div>`, 'Redact personal data');
  const form = document.getElementById('decision-form');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const chosen = [...form.querySelectorAll('[name="redaction.fields"]:checked')].map((i) => i.value);
    const why = form.querySelector('[name="context.reason"]').value.trim();
    const problems = [];
    if (!chosen.length) problems.push({ field: 'redaction.fields', description: 'is required: tick the personal data that must go' });
    if (!why) problems.push({ field: 'context.reason', description: 'is required: say why it must go' });
    if (problems.length) {
      showRefusal(form, { fieldViolations: problems }, institution.urn, offered);
      return;
    }
    const request = {
      context: { urn: institution.urn, request_id: requestId(), reason: why },
      redaction: { redacted_event_id: eventId, fields: chosen },
    };
    sendCommand(commands.get('RedactEvent').service, 'RedactEvent', request, form.querySelector('button[type=submit]'),
      () => onDone(`Personal data of the ${eventName(event.type).toLowerCase()} of ${event.effectiveDate} was redacted.`),
      (error) => showRefusal(form, error, institution.urn, offered));
  });
}
