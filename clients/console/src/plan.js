// The action plan (R-9, R-10, R-13, R-21) as the history holds it: every version with what it
// says, the current version on the institution page, and what changed between versions.
import { counting } from './history.js';
import { html } from './html.js';
import { enumName, eventName } from './names.js';

// "keyIssues" -> "key_issues", all the way down: the form's paths are the request's names.
export function snakeCase(value) {
  if (Array.isArray(value)) return value.map(snakeCase);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeCase(v)]));
}

// Every plan version that counts, oldest first: { version, on, how, progress, plan }.
export function planVersions(events) {
  const versions = [];
  for (const e of counting(events)) {
    const p = e.payload;
    const message = p.actionPlanAgreed || p.actionPlanReviewHeld || p.statementOfActionIssued || p.settingActionPlanAgreed;
    if (!message) continue;
    const previous = versions[versions.length - 1];
    const version = message.version || message.newVersion || (previous ? previous.version + 1 : 1);
    // A review that wrote no plan of its own kept the version before it as it was.
    const withheld = (e.withheld || []).some((f) => f.endsWith('.plan'));
    const unchanged = !withheld && !Object.keys(message.plan || {}).length && previous;
    versions.push({
      withheld: withheld || Boolean(unchanged && previous.withheld),
      version: Number(version), on: e.effectiveDate, how: eventName(e.type), eventId: e.eventId,
      progress: enumName(message.progress, 'PROGRESS_JUDGEMENT_'), plan: unchanged ? previous.plan : message.plan || {},
    });
  }
  return versions;
}

export function currentPlan(events) {
  const versions = planVersions(events);
  return versions.length ? versions[versions.length - 1] : null;
}

const actionText = (a) => `${a.description || ''}${a.ownerName ? ` (${a.ownerName})` : ''}`;

// What changed from one version's plan to the next, in sentences.
export function planChanges(before, after) {
  const changes = [];
  const list = (name, a, b, key, words) => {
    const was = new Map((a || []).map((x) => [key(x), x]));
    const now = new Map((b || []).map((x) => [key(x), x]));
    for (const [k, x] of now) {
      if (!was.has(k)) changes.push(`${name} added: ${words(x)}`);
      else if (JSON.stringify(was.get(k)) !== JSON.stringify(x)) changes.push(`${name} changed: ${words(x)}`);
    }
    for (const [k, x] of was) if (!now.has(k)) changes.push(`${name} removed: ${words(x)}`);
  };
  list('Key issue', (before.keyIssues || []).map((t) => ({ t })), (after.keyIssues || []).map((t) => ({ t })), (x) => x.t, (x) => x.t);
  if ((before.vision || '') !== (after.vision || '')) changes.push(`Vision now: ${after.vision || 'none'}`);
  list('Milestone', before.milestones, after.milestones, (m) => m.description, (m) => `${m.description}${m.dueOn ? `, due ${m.dueOn}` : ''}`);
  list('Action', before.actions, after.actions, (a) => a.description, (a) => `${actionText(a)}${a.dueOn ? `, due ${a.dueOn}` : ''}`);
  return changes;
}

function actionsTable(caption, actions, id) {
  if (!actions.length) return '';
  return html`<table class="govuk-table" id="${id}">
    <caption class="govuk-table__caption govuk-table__caption--s">${caption}</caption>
    <thead class="govuk-table__head"><tr class="govuk-table__row">
      <th scope="col" class="govuk-table__header">Action</th>
      <th scope="col" class="govuk-table__header">Owner</th>
      <th scope="col" class="govuk-table__header">Due</th>
      <th scope="col" class="govuk-table__header">Success measure</th></tr></thead>
    <tbody class="govuk-table__body">${actions.map((a) => html`<tr class="govuk-table__row">
      <td class="govuk-table__cell">${a.description}</td><td class="govuk-table__cell">${a.ownerName || ''}</td>
      <td class="govuk-table__cell">${a.dueOn || ''}</td><td class="govuk-table__cell">${a.successMeasure || ''}</td></tr>`)}
    </tbody></table>`;
}

// The current plan in full, what its last review changed, and every version before it.
export function planSection(events) {
  const versions = planVersions(events);
  if (!versions.length) {
    return html`<h2 class="govuk-heading-m" id="action-plan">Action plan</h2>
      <p class="govuk-body">No action plan has been agreed.</p>`;
  }
  const current = versions[versions.length - 1];
  const plan = current.plan;
  const actions = plan.actions || [];
  const changes = versions.length > 1 ? planChanges(versions[versions.length - 2].plan, plan) : [];
  return html`<h2 class="govuk-heading-m" id="action-plan">Action plan: version ${current.version}</h2>
    <p class="govuk-body">${current.how} on ${current.on}${current.progress ? `; progress judged ${current.progress.toLowerCase()}` : ''}.</p>
    ${current.withheld ? html`<p class="govuk-body scc-redacted" id="plan-withheld"><strong class="govuk-tag govuk-tag--grey">Confidential</strong>
      The action plan is confidential (R-25): it is shown to the officers who work with this
      institution, and to its headteacher and chair of governors.</p>` : html`
    <dl class="govuk-summary-list" id="current-plan">
      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Key issues</dt>
        <dd class="govuk-summary-list__value"><ul class="govuk-list govuk-list--bullet">${(plan.keyIssues || []).map((k) => html`<li>${k}</li>`)}</ul></dd></div>
      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">One-year vision</dt>
        <dd class="govuk-summary-list__value">${plan.vision || 'None'}</dd></div>
      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Milestones</dt>
        <dd class="govuk-summary-list__value">${(plan.milestones || []).length ? html`<ul class="govuk-list">${plan.milestones.map((m) => html`<li>${m.description}${m.dueOn ? `, due ${m.dueOn}` : ''}</li>`)}</ul>` : 'None'}</dd></div>
    </dl>
    ${actionsTable('The school\'s (or setting\'s) actions', actions.filter((a) => a.owner !== 'ACTION_OWNER_LA'), 'plan-school-actions')}
    ${actionsTable('The LA\'s actions', actions.filter((a) => a.owner === 'ACTION_OWNER_LA'), 'plan-la-actions')}
    ${changes.length ? html`<h3 class="govuk-heading-s">What version ${current.version} changed from version ${versions[versions.length - 2].version}</h3>
      <ul class="govuk-list govuk-list--bullet" id="plan-changes">${changes.map((c) => html`<li>${c}</li>`)}</ul>` : ''}`}
    <table class="govuk-table" id="plan-versions">
      <caption class="govuk-table__caption govuk-table__caption--s">Every version</caption>
      <thead class="govuk-table__head"><tr class="govuk-table__row">
        <th scope="col" class="govuk-table__header">Version</th>
        <th scope="col" class="govuk-table__header">Agreed on</th>
        <th scope="col" class="govuk-table__header">How</th>
        <th scope="col" class="govuk-table__header">Progress</th></tr></thead>
      <tbody class="govuk-table__body">${[...versions].reverse().map((v) => html`<tr class="govuk-table__row">
        <td class="govuk-table__cell">${v.version}</td><td class="govuk-table__cell">${v.on}</td>
        <td class="govuk-table__cell">${v.how}</td><td class="govuk-table__cell">${v.progress}</td></tr>`)}
      </tbody></table>`;
}
