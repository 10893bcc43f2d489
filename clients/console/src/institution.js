// An institution: its status, the flowchart with the path taken, obligations due and overdue,
// action plan versions, the audit timeline, and the decisions the caller may record now.
import { call } from './api.js';
import { flowchart } from './flowchart.js';
import { FORMS } from './forms.js';
import { html, show } from './html.js';
import { categoryName, enumName, eventName, obligationName, roleName, rpcName, stateName } from './names.js';

// What the institution looks like now, its path and its history (newest first).
export async function loadInstitution(urn) {
  const [status, workflow, history] = await Promise.all([
    call('ProjectionService', 'GetInstitution', { urn }),
    call('AuditService', 'GetWorkflowState', { urn, includePath: true }),
    call('AuditService', 'GetHistory', { urn, pageSize: 1000, newestFirst: true }),
  ]);
  return { status, path: workflow.path || [], events: history.events || [] };
}

function row(key, value) {
  return html`<div class="govuk-summary-list__row">
    <dt class="govuk-summary-list__key">${key}</dt>
    <dd class="govuk-summary-list__value">${value || 'None'}</dd></div>`;
}

const institutionLink = (urn, text) => html`<a class="govuk-link" href="#/institutions/${urn}">${text}</a>`;

// The life of the institution: closure or conversion with the successor, predecessors (their
// history is on their own pages), the academy order, how the last episode of concern ended.
function lifeCycleRows(status) {
  const rows = [];
  const conversion = status.conversion;
  const closure = status.closure;
  if (conversion && conversion.successorUrn) {
    rows.push(row('Converted to an academy', html`on ${status.closedOn}:
      ${institutionLink(conversion.successorUrn, `successor, URN ${conversion.successorUrn}`)}
      (${conversion.trustName})`));
  } else if (status.closedOn) {
    rows.push(row('Closed on', html`${status.closedOn}${closure && closure.closureReason ? ` (${closure.closureReason})` : ''}`));
    if (closure && closure.successorUrn) {
      rows.push(row('Successor', institutionLink(closure.successorUrn,
        `URN ${closure.successorUrn}${closure.linkType ? ` (${closure.linkType})` : ''}`)));
    }
  }
  for (const p of status.predecessors || []) {
    rows.push(row('Predecessor', html`${institutionLink(p.predecessorUrn, `predecessor's history, URN ${p.predecessorUrn}`)}
      ${p.predecessorName ? ` (${p.predecessorName})` : ''}`));
  }
  if (status.academyOrderMadeOn) {
    rows.push(row('Academy order', status.academyOrderRevokedOn
      ? `made on ${status.academyOrderMadeOn}, revoked on ${status.academyOrderRevokedOn}`
      : `made on ${status.academyOrderMadeOn}, in force`));
  }
  const ended = { EPISODE_END_CLOSED: 'by the closure', EPISODE_END_CONVERTED_TO_ACADEMY: 'by the conversion' };
  if (ended[status.episodeEndedBy]) {
    rows.push(row('Episode of concern', `ended ${ended[status.episodeEndedBy]} on ${status.removedOn}, not by a removal`));
  }
  return rows;
}

// Each obligation links to the form that clears it, where the caller may use that form now.
function obligations(list, urn, offered) {
  if (!list.length) return html`<p class="govuk-body">Nothing is due.</p>`;
  const clear = (o) => (offered.includes(o.clearsWith)
    ? html`<br><a class="govuk-link govuk-body-s" href="#/institutions/${urn}/record/${o.clearsWith}">Clear it: ${FORMS[o.clearsWith].title.replace(/^./, (c) => c.toLowerCase())}</a>`
    : '');
  return html`<table class="govuk-table" id="obligations">
    <caption class="govuk-table__caption govuk-table__caption--m">Obligations due and overdue</caption>
    <thead class="govuk-table__head"><tr class="govuk-table__row">
      <th scope="col" class="govuk-table__header">Obligation</th>
      <th scope="col" class="govuk-table__header">Rule</th>
      <th scope="col" class="govuk-table__header">Due on</th>
      <th scope="col" class="govuk-table__header">Status</th></tr></thead>
    <tbody class="govuk-table__body">
      ${list.map((o) => html`<tr class="govuk-table__row">
        <td class="govuk-table__cell">${obligationName(o.type)}<br><span class="govuk-body-s">${o.description}</span>${clear(o)}</td>
        <td class="govuk-table__cell">${o.rule}</td>
        <td class="govuk-table__cell">${o.dueOn}</td>
        <td class="govuk-table__cell">${o.overdue ? html`<strong class="govuk-tag govuk-tag--red">Overdue</strong>`
          : html`<strong class="govuk-tag govuk-tag--blue">Due</strong>`}</td></tr>`)}
    </tbody></table>`;
}

function planVersions(events) {
  const versions = events.filter((e) => ['action_plan_agreed', 'action_plan_review_held',
    'statement_of_action_issued'].includes(e.type)).reverse();
  if (!versions.length) return html`<p class="govuk-body">No action plan has been agreed.</p>`;
  return html`<table class="govuk-table" id="plan-versions">
    <caption class="govuk-table__caption govuk-table__caption--m">Action plan versions</caption>
    <thead class="govuk-table__head"><tr class="govuk-table__row">
      <th scope="col" class="govuk-table__header">Version</th>
      <th scope="col" class="govuk-table__header">Agreed on</th>
      <th scope="col" class="govuk-table__header">How</th>
      <th scope="col" class="govuk-table__header">Progress</th>
      <th scope="col" class="govuk-table__header">Key issues</th></tr></thead>
    <tbody class="govuk-table__body">
      ${versions.map((e) => {
        const p = e.payload.actionPlanAgreed || e.payload.actionPlanReviewHeld || e.payload.statementOfActionIssued || {};
        const version = p.version || p.newVersion || 'Statement of Action';
        return html`<tr class="govuk-table__row">
          <td class="govuk-table__cell">${version}</td>
          <td class="govuk-table__cell">${e.effectiveDate}</td>
          <td class="govuk-table__cell">${eventName(e.type)}</td>
          <td class="govuk-table__cell">${enumName(p.progress, 'PROGRESS_JUDGEMENT_')}</td>
          <td class="govuk-table__cell">${((p.plan || {}).keyIssues || []).join('; ')}</td></tr>`;
      })}
    </tbody></table>`;
}

// Every inspection, oldest first, with the category acted on and whether Ofsted published it;
// the flags over the history; a warning when the published and derived categories disagree.
function ofstedHistory(ofsted) {
  const inspections = ofsted.inspections || [];
  const flags = [
    [ofsted.riOrWorse, 'RI or worse (R-3, R-15)', 'orange'],
    [ofsted.goodOrBetter, 'Good or better', 'green'],
    [ofsted.notMakingNecessaryImprovements, 'Below Good at the last two inspections (R-3(a), R-18)', 'red'],
    [ofsted.stuck, 'Stuck school (DfE): RISE targets it', 'red'],
    [ofsted.settingCausingConcern, 'Setting causing concern by its grade (R-21)', 'red'],
    [ofsted.academySeriousConcern, 'Academy in an Ofsted category: serious concern (R-20)', 'red'],
  ].filter(([on]) => on);
  return html`<h2 class="govuk-heading-m" id="ofsted">Ofsted inspections</h2>
    ${ofsted.categoryDisagreement ? html`<div class="govuk-warning-text" id="category-warning">
        <span class="govuk-warning-text__icon" aria-hidden="true">!</span>
        <strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>
          Ofsted published ${categoryName(ofsted.publishedCategory)}, but the grades suggest
          ${categoryName(ofsted.derivedCategory)}. The published category is acted on (R-13).</strong></div>` : ''}
    <dl class="govuk-summary-list" id="ofsted-category">
      ${row('Category of concern acted on', categoryName(ofsted.category))}
      ${row('Published by Ofsted', ofsted.publishedCategory && ofsted.publishedCategory !== 'OFSTED_CATEGORY_UNSPECIFIED'
        ? categoryName(ofsted.publishedCategory) : 'Not recorded: derived from the grades')}
      ${row('Derived from the grades', categoryName(ofsted.derivedCategory))}
      ${ofsted.rise ? row('RISE', `${enumName(ofsted.rise.kind, 'RISE_INVOLVEMENT_KIND_')} (${ofsted.riseRecordedOn})`) : ''}
    </dl>
    <p class="govuk-body" id="ofsted-flags">${flags.length ? flags.map(([, text, colour]) =>
      html`<strong class="govuk-tag govuk-tag--${colour}">${text}</strong> `) : 'No flags.'}</p>
    ${(ofsted.alerts || []).length ? html`<ul class="govuk-list govuk-list--bullet" id="ofsted-alerts">
      ${ofsted.alerts.map((a) => html`<li>${a}</li>`)}</ul>` : ''}
    ${inspections.length ? html`<table class="govuk-table" id="ofsted-history">
      <caption class="govuk-table__caption govuk-table__caption--s">Every inspection recorded, oldest first</caption>
      <thead class="govuk-table__head"><tr class="govuk-table__row">
        <th scope="col" class="govuk-table__header">Inspected</th>
        <th scope="col" class="govuk-table__header">Published</th>
        <th scope="col" class="govuk-table__header">Type</th>
        <th scope="col" class="govuk-table__header">Framework</th>
        <th scope="col" class="govuk-table__header">Judgements</th>
        <th scope="col" class="govuk-table__header">Category</th></tr></thead>
      <tbody class="govuk-table__body">
        ${inspections.map((i) => html`<tr class="govuk-table__row">
          <td class="govuk-table__cell">${i.outcome.inspectionDate}</td>
          <td class="govuk-table__cell">${i.outcome.publicationDate || ''}</td>
          <td class="govuk-table__cell">${i.outcome.inspectionType || ''}</td>
          <td class="govuk-table__cell">${i.framework}</td>
          <td class="govuk-table__cell">${i.summary}</td>
          <td class="govuk-table__cell">${categoryName(i.category)}${i.categoryPublished ? '' : ' (derived)'}</td></tr>`)}
      </tbody></table>` : html`<p class="govuk-body">No inspection recorded.</p>`}`;
}

// What corrections did to the events they name (R-24): the latest correction of each wins.
function correctionsOf(events) {
  const latest = {};
  for (const e of events) {
    const c = e.payload && e.payload.eventCorrected;
    if (c && (c.withdraw || c.newEffectiveDate || c.replacement)) latest[c.correctedEventId] = { ...c, on: e.effectiveDate };
  }
  return latest;
}

function correctionTag(c) {
  if (!c) return '';
  if (c.withdraw) return html` <strong class="govuk-tag govuk-tag--grey">Withdrawn ${c.on}: counts no more</strong>`;
  if (c.newEffectiveDate) return html` <strong class="govuk-tag govuk-tag--yellow">Re-dated to ${c.newEffectiveDate}</strong>`;
  return html` <strong class="govuk-tag govuk-tag--yellow">Corrected ${c.on}</strong>`;
}

function timeline(events) {
  const corrected = correctionsOf(events);
  return html`<h2 class="govuk-heading-m" id="audit-trail">Audit trail</h2>
    <div class="moj-timeline">
      ${events.map((e) => html`<div class="moj-timeline__item">
        <div class="moj-timeline__header">
          <h3 class="moj-timeline__title">${eventName(e.type)}${correctionTag(corrected[e.eventId])}</h3>
          <p class="moj-timeline__byline">by ${e.actor} (${roleName(e.role)})</p>
        </div>
        <p class="moj-timeline__date">
          <time datetime="${e.effectiveDate}">${e.effectiveDate}</time>,
          recorded ${String(e.recordedAt).replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}, version ${e.version}
        </p>
        <div class="moj-timeline__description">
          ${e.reason ? html`<p class="govuk-body">Why: ${e.reason}</p>` : ''}
          <p class="govuk-body-s scc-muted">Event ${e.eventId}</p>
          ${e.notesRedacted
            ? html`<p class="govuk-body scc-redacted"><strong class="govuk-tag govuk-tag--grey">Confidential</strong>
                Notes are confidential (R-25) and not shown to your role.</p>`
            : e.notes && e.notes.text ? html`<p class="govuk-body">Notes${e.notes.confidential ? ' (confidential)' : ''}: ${e.notes.text}</p>` : ''}
        </div>
      </div>`)}
    </div>`;
}

// The forms the caller may use now: the steps the flowchart allows, the facts, and a removal
// the server blocks (R-15), offered so that the officer sees why it is refused.
function offeredForms(status, permissions) {
  const allowed = new Set(status.allowedNextSteps || []);
  const facts = ['RecordVisit', 'RecordOfstedOutcome', 'RecordOfstedUngraded', 'RecordOfstedReportCard',
    'RecordOfstedMonitoring', 'RecordChildminderOutcome', 'RecordRiseInvolvement',
    'RecordNoteOfVisitResponse', 'RecordReviewSecured', 'RecordSecretaryOfStateWarningNotice'];
  const blocked = (status.obligations || []).find((o) => o.type === 'OBLIGATION_TYPE_REMOVAL_BLOCKED');
  const fits = (spec) => !spec.kinds || spec.kinds.includes(status.details.kind);
  // Life-cycle facts for this kind of institution; a closed one only links to a predecessor.
  const lifeCycle = (rpc) => FORMS[rpc].lifeCycle && (!status.closedOn || FORMS[rpc].afterClosure);
  return Object.keys(FORMS).filter((rpc) =>
    (allowed.has(rpc) || facts.includes(rpc) || lifeCycle(rpc) || (blocked && rpc === 'RemoveFromScc'))
    && permissions.has(FORMS[rpc].rpc || rpc) && fits(FORMS[rpc]));
}

function decisions(status, offered) {
  const blocked = (status.obligations || []).find((o) => o.type === 'OBLIGATION_TYPE_REMOVAL_BLOCKED');
  if (!offered.length) {
    return html`<p class="govuk-body">Your role records no decisions for this institution now.</p>`;
  }
  return html`<ul class="govuk-list" id="decisions">
    ${offered.map((rpc) => html`<li><a class="govuk-link" href="#/institutions/${status.urn}/record/${rpc}">${FORMS[rpc].title}</a>
      ${blocked && rpc === 'RemoveFromScc' ? html`<span class="govuk-body-s scc-muted">Blocked now (${blocked.rule})</span>` : ''}</li>`)}
  </ul>`;
}

export function renderInstitution({ status, path, events }, permissions, flash) {
  const d = status.details;
  const offered = offeredForms(status, permissions);
  const overdue = (status.obligations || []).filter((o) => o.overdue).length;
  show(html`
    <a href="#/" class="govuk-back-link">Back to the dashboard</a>
    ${flash ? html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert"
        aria-labelledby="banner-title" data-module="govuk-notification-banner">
        <div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="banner-title">Success</h2></div>
        <div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${flash}</p></div></div>` : ''}
    <span class="govuk-caption-l">${enumName(d.kind, 'INSTITUTION_KIND_')}, URN ${status.urn}</span>
    <h1 class="govuk-heading-l">${d.name}</h1>
    <p class="govuk-body"><strong class="govuk-tag" id="current-state">${stateName(status.state)}</strong>
      ${overdue ? html` <strong class="govuk-tag govuk-tag--red">${overdue} overdue</strong>` : ''}</p>
    <div class="govuk-grid-row">
      <div class="govuk-grid-column-two-thirds">
        <dl class="govuk-summary-list">
          ${row('Phase', enumName(d.phase, 'PHASE_'))}
          ${d.giasStatus && d.giasStatus !== 'Open' ? row('Status in GIAS', d.giasStatus) : ''}
          ${row('Headteacher', d.headteacherName)}
          ${d.trustName ? row('Academy trust', d.trustName) : ''}
          ${row('Religious character', d.religiousCharacter)}
          ${d.diocese ? row('Diocese', d.diocese) : ''}
          ${row('Pupils', d.numberOfPupils ? String(d.numberOfPupils) : '')}
          ${row('Lead Officer', status.leadOfficerName)}
          ${row('Learning Network Inspector', d.learningNetworkInspector)}
          ${row('Causing concern since', status.designatedOn)}
          ${row('Days in SCC', String(status.daysInScc))}
          ${row('Latest Ofsted outcome', status.latestOfstedSummary)}
          ${row('Action plan version', String(status.actionPlanVersion))}
          ${row('Last action plan review', status.lastReviewOn)}
          ${row('Visits this year', `${status.visitsThisYear} of ${status.visitsRequired} required`)}
          ${row('Academy Trust', d.trustName)}
          ${lifeCycleRows(status)}
        </dl>
      </div>
      <div class="govuk-grid-column-one-third">
        <h2 class="govuk-heading-m">Record a decision</h2>
        ${decisions(status, offered)}
      </div>
    </div>
    <h2 class="govuk-heading-m">Flowchart</h2>
    ${flowchart(d.kind, status.state, path)}
    ${ofstedHistory(status.ofsted || {})}
    ${obligations(status.obligations || [], status.urn, offered)}
    ${planVersions(events)}
    ${timeline(events)}`, d.name);
}
