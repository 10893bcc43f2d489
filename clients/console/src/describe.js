// What an event decided, in the words of the form that records it: "Outcome: Continue",
// "Trigger: Pupil safety", "Compliance period ends on: 1 December 2024". Labels and option
// words come from the forms (forms.js), so an event reads as the officer who recorded it saw it.
import { FORMS, rpcOf } from './forms.js';
import { payloadOf } from './history.js';
import { html } from './html.js';
import { enumName, eventName, pathWords, sentence } from './names.js';
import { snakeCase } from './plan.js';

const PLAN_EVENTS = ['actionPlanAgreed', 'actionPlanReviewHeld', 'statementOfActionIssued', 'settingActionPlanAgreed'];

// The fields of every form that records `rpc`, by their path below the request's payload field.
function labelsFor(rpc, payloadField) {
  const labels = new Map();
  const add = (f, path) => {
    if (f.type === 'repeat') f.fields.forEach((sub) => add(sub, `${path}[].${sub.path}`));
    else labels.set(path, f);
  };
  for (const name of Object.keys(FORMS).filter((n) => rpcOf(n) === rpc)) {
    for (const f of FORMS[name].fields) {
      if (f.path.startsWith(`${payloadField}.`)) add(f, f.path.slice(payloadField.length + 1).replace(/\[\d+\]/g, '[]'));
    }
  }
  return labels;
}

const dateWords = (value) => {
  const m = String(value).match(/^(\d{4})-(\d{2})-(\d{2})$/);
  if (!m) return value;
  return new Date(Date.UTC(m[1], m[2] - 1, m[3])).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
};

function words(f, value) {
  if (f && f.options) {
    const option = f.options.find((o) => o.value === String(value));
    if (option) return option.text;
  }
  if (typeof value === 'string' && /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(value)) return sentence(value);
  if (value === true) return 'Yes';
  if (value === false) return 'No';
  return dateWords(value);
}

// Every (label, words) pair of a payload, in the order of its fields.
function lines(payload, labels) {
  const out = [];
  const walk = (value, path, shown) => {
    if (Array.isArray(value)) {
      if (!value.length) return;
      if (value.every((v) => typeof v !== 'object')) {
        const f = labels.get(path);
        out.push([f ? f.label : sentence(shown), value.map((v) => words(f, v)).join('; ')]);
      } else value.forEach((v) => walk(v, `${path}[]`, shown));
      return;
    }
    if (value && typeof value === 'object') {
      Object.entries(value).forEach(([k, v]) => walk(v, path ? `${path}.${k}` : k, k));
      return;
    }
    // What the JSON API prints for a field left unset says nothing.
    if (value === '' || value === undefined || value === null || value === 0 || value === false
      || /_UNSPECIFIED$/.test(String(value))) return;
    const f = labels.get(path);
    out.push([f ? f.label : sentence(shown), words(f, value)]);
  };
  walk(payload, '', '');
  return out;
}

// The words for one event of `events` (the whole history, for corrections to name what they
// correct); `commands` maps each RPC to what the command table says of it.
export function describe(event, events, commands) {
  const p = event.payload || {};
  if (p.eventCorrected) {
    const c = p.eventCorrected;
    const target = events.find((e) => e.eventId === c.correctedEventId);
    const what = target ? `${eventName(target.type).toLowerCase()} of ${target.effectiveDate}` : `event ${c.correctedEventId}`;
    if (c.withdraw) return html`<p class="govuk-body">Withdrew the record of the ${what}: recorded in error, it no longer counts.</p>`;
    if (c.newEffectiveDate) return html`<p class="govuk-body">Re-dated the ${what} to ${dateWords(c.newEffectiveDate)}.</p>`;
    if (c.replacement) return html`<p class="govuk-body">Replaced what the ${what} says.</p>`;
    return html`<p class="govuk-body">Annotated the ${what}.</p>`;
  }
  if (p.eventRedacted) {
    const r = p.eventRedacted;
    const target = events.find((e) => e.eventId === r.redactedEventId);
    const what = target ? `${eventName(target.type).toLowerCase()} of ${target.effectiveDate}` : `event ${r.redactedEventId}`;
    return html`<p class="govuk-body">Redacted personal data of the ${what}: ${(r.fields || []).map(pathWords).join(', ')}${
      r.retentionRule ? ` (retention schedule “${r.retentionRule}”)` : ''}. It is erased from the log for good.</p>`;
  }
  const key = Object.keys(p)[0];
  if (p.letterProduced) {  // the letter itself opens on its own page, print-ready
    const l = p.letterProduced;
    return html`<p class="govuk-body">${enumName(l.kind, 'LETTER_KIND_')} letter, reference ${l.reference}, to
      ${(l.recipients || []).join('; ')}. <a class="govuk-link" href="/letters/${event.urn}/${event.eventId}"
      target="_blank" rel="noopener">Open the letter (new tab)</a></p>`;
  }
  if (PLAN_EVENTS.includes(key)) {
    const m = p[key];
    const plan = m.plan || {};
    const progress = enumName(m.progress, 'PROGRESS_JUDGEMENT_').toLowerCase();
    const what = Object.keys(plan).length
      ? `${(plan.keyIssues || []).length} key issue(s), ${(plan.milestones || []).length} milestone(s), ${(plan.actions || []).length} action(s)`
      : 'the plan as it was';
    return html`<p class="govuk-body">Plan version ${m.version || m.newVersion || 1}: ${what}${progress ? `; progress ${progress}` : ''}.</p>`;
  }
  const rpc = [...commands].find(([, c]) => c.eventType === event.type);
  const labels = rpc ? labelsFor(rpc[0], rpc[1].payloadField) : new Map();
  const shown = lines(snakeCase(payloadOf(event)), labels).slice(0, 12);
  if (!shown.length) return '';
  return html`<ul class="govuk-list scc-decided">${shown.map(([k, v]) => html`<li><span class="scc-decided__key">${k}:</span> ${v}</li>`)}</ul>`;
}
