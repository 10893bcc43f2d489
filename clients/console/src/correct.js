// Correcting a record from the audit trail (R-24): withdraw it (recorded in error), re-date it,
// or replace what it says — each a new record with a reason; nothing is edited or deleted. A
// withdrawal goes through "check your answers" first.
import { describe } from './describe.js';
import { answers, field, fillFields, wireRepeats } from './fields.js';
import {
  COMMON, FORMS, buildRequest, rpcOf, sendCommand, showRefusal, withUsers,
} from './forms.js';
import { payloadOf } from './history.js';
import { html, show } from './html.js';
import { eventName } from './names.js';
import { snakeCase } from './plan.js';

const leaves = (value, path = '') => (value && typeof value === 'object'
  ? Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k))
  : [path.replace(/\[\d+\]|\.\d+/g, '')]);

// The form that records events of `type`, with its fields moved under the correction's
// replacement; for a kind several forms share (the Ofsted frameworks), the one that fits the
// event best.
function replacementFields(event, commands) {
  const entry = [...commands].find(([, c]) => c.eventType === event.type);
  if (!entry) return null;
  const [rpc, command] = entry;
  const names = Object.keys(FORMS).filter((n) => rpcOf(n) === rpc);
  if (!names.length) return null;
  const have = new Set(leaves(snakeCase(payloadOf(event))).map((l) => `${command.payloadField}.${l}`));
  const fit = (name) => FORMS[name].fields.filter((f) => [...have].some((h) => h.startsWith(f.path.replace(/\[\d+\]/g, '')))).length;
  const name = names.sort((a, b) => fit(b) - fit(a))[0];
  const at = `correction.replacement.${event.type}`;
  return FORMS[name].fields.map((f) => ({ ...f, path: f.path.replace(command.payloadField, at) }));
}

export async function renderCorrection(institution, events, eventId, commands, offered, onDone) {
  const event = events.find((e) => e.eventId === eventId);
  const back = html`<a href="#/institutions/${institution.urn}" class="govuk-back-link">Back to ${institution.details.name}</a>`;
  if (!event) {
    show(html`${back}<h1 class="govuk-heading-l">Record not found</h1>
      <p class="govuk-body">${institution.details.name} has no record ${eventId}.</p>`, 'Record not found');
    return;
  }
  const replacement = await withUsers(replacementFields(event, commands) || []);
  const choice = { path: 'choice', label: 'What is wrong with it?', type: 'radios', options: [
    { value: 'withdraw', text: 'It was recorded in error (for example, on the wrong school): withdraw it' },
    { value: 'redate', text: 'It happened on another day: re-date it' },
    ...(replacement.length ? [{ value: 'replace', text: 'What it says is wrong: replace it' }] : []),
  ] };
  const newDate = { path: 'correction.new_effective_date', label: 'The day it really happened', type: 'date' };
  const reason = COMMON.filter((f) => f.path !== 'context.effective_date');
  show(html`${back}
    <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
      <div id="form-errors"></div>
      <div id="form-page">
        <span class="govuk-caption-l">${institution.details.name} (${institution.urn})</span>
        <h1 class="govuk-heading-l">Correct a record</h1>
        <div class="govuk-inset-text" id="corrected-record">
          <p class="govuk-body"><strong>${eventName(event.type)}</strong>, ${event.effectiveDate}, by ${event.actor}.</p>
          ${describe(event, events, commands)}
        </div>
        <p class="govuk-body">The record stays in the audit trail; the correction is a new record with your reason (R-24).</p>
        <form id="decision-form" novalidate>
          ${field(choice)}
          <div id="redate-fields" hidden>${field(newDate)}</div>
          <div id="replace-fields" hidden>${replacement.map(field)}</div>
          ${reason.map(field)}
          <div class="govuk-button-group">
            <button type="submit" class="govuk-button" data-module="govuk-button">Continue</button>
            <a class="govuk-link" href="#/institutions/${institution.urn}">Cancel</a>
          </div>
        </form>
      </div>
      <div id="check-page" hidden></div>
    </div></div>`, 'Correct a record');
  const form = document.getElementById('decision-form');
  const formPage = document.getElementById('form-page');
  const checkPage = document.getElementById('check-page');
  if (replacement.length) {
    fillFields(form, replacement, { correction: { replacement: { [event.type]: snakeCase(payloadOf(event)) } } });
    wireRepeats(form, replacement);
  }
  const chosen = () => (form.querySelector('[name="choice"]:checked') || {}).value || '';
  form.addEventListener('change', () => {
    document.getElementById('redate-fields').hidden = chosen() !== 'redate';
    document.getElementById('replace-fields').hidden = chosen() !== 'replace';
  });
  const refused = (error) => {
    checkPage.hidden = true;
    formPage.hidden = false;
    showRefusal(form, error, institution.urn, offered);
    document.title = 'Error: Correct a record – Schools and settings causing concern';
  };
  const send = (request, button) => sendCommand(commands.get('CorrectEvent').service, 'CorrectEvent', request, button,
    () => onDone(`The ${eventName(event.type).toLowerCase()} of ${event.effectiveDate} was ${
      request.correction.withdraw ? 'withdrawn' : request.correction.new_effective_date ? 're-dated' : 'corrected'}.`),
    refused);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const how = chosen();
    if (!how) {
      refused({ fieldViolations: [{ field: 'choice', description: 'is required' }] });
      return;
    }
    const fields = how === 'redate' ? [newDate] : how === 'replace' ? replacement : [];
    const { request, problems } = buildRequest(form, fields, institution.urn);
    if (problems.length) {
      refused({ fieldViolations: problems });
      return;
    }
    request.correction = { ...(request.correction || {}), corrected_event_id: eventId };
    if (how === 'withdraw') request.correction.withdraw = true;
    if (how !== 'withdraw') {
      send(request, form.querySelector('button[type=submit]'));
      return;
    }
    const rows = [{ key: 'Record', value: `${eventName(event.type)}, ${event.effectiveDate}`, href: '#f-choice' },
      { key: 'Correction', value: 'Withdraw it: recorded in error', href: '#f-choice' },
      ...answers(form, reason, request)];
    document.getElementById('form-errors').innerHTML = '';
    checkPage.innerHTML = html`<h1 class="govuk-heading-l">Check your answers: withdraw a record</h1>
      <p class="govuk-body">The record will no longer count in any state, list, obligation or report from today.
        It stays in the audit trail, marked withdrawn.</p>
      <dl class="govuk-summary-list" id="check-answers">${rows.map((r) => html`<div class="govuk-summary-list__row">
        <dt class="govuk-summary-list__key">${r.key}</dt><dd class="govuk-summary-list__value">${r.value}</dd></div>`)}</dl>
      <div class="govuk-button-group">
        <button type="button" class="govuk-button govuk-button--warning" data-module="govuk-button" id="confirm">Withdraw the record</button>
        <a class="govuk-link" href="#" id="back-to-form">Change your answers</a>
      </div>`.text;
    formPage.hidden = true;
    checkPage.hidden = false;
    document.title = 'Check your answers: withdraw a record – Schools and settings causing concern';
    const heading = checkPage.querySelector('h1');
    heading.setAttribute('tabindex', '-1');
    heading.focus();
    checkPage.querySelector('#back-to-form').addEventListener('click', (ev) => {
      ev.preventDefault();
      checkPage.hidden = true;
      formPage.hidden = false;
      form.querySelector('input').focus();
    });
    const confirm = checkPage.querySelector('#confirm');
    confirm.addEventListener('click', () => send(request, confirm));
  });
}
