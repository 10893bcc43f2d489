// An institution: every fact the server holds that applies to its kind, the flowchart with the
// path taken, obligations due and overdue (each linked to the form that clears it), the action
// plan, the audit trail in words (each record correctable), and the decisions the caller may
// record now.
import { afterOwnWrites, call } from './api.js';
import { describe } from './describe.js';
import { flowchart } from './flowchart.js';
import { FORMS, rpcOf } from './forms.js';
import { correctionsOf } from './history.js';
import { html, show } from './html.js';
import { categoryName, enumName, eventName, obligationName, pathWords, roleName, stateName } from './names.js';
import { planSection } from './plan.js';

// What the institution looks like now, its path and its history (newest first).
// `withReads`: also the latest reads of the file (the read audit), for roles that may see it.
export async function loadInstitution(urn, withReads = false) {
  const [status, workflow, history, directory, reads] = await Promise.all([
    call('ProjectionService', 'GetInstitution', afterOwnWrites({ urn })),
    call('AuditService', 'GetWorkflowState', { urn, includePath: true }),
    call('AuditService', 'GetHistory', { urn, pageSize: 1000, newestFirst: true }),
    call('AdminService', 'ListUsers', {}),
    withReads ? call('AuditService', 'ListFileReads', { urn, pageSize: 25 }) : null,
  ]);
  const names = new Map((directory.users || []).map((u) => [u.user, u.name || u.user]));
  return { status, path: workflow.path || [], events: history.events || [], names, reads };
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
    ? html`<br><a class="govuk-link govuk-body-s" href="#/institutions/${urn}/record/${o.clearsWith}">${FORMS[o.clearsWith].title}</a>`
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

function correctionTag(c) {
  if (!c) return '';
  if (c.withdraw) return html` <strong class="govuk-tag govuk-tag--grey">Withdrawn ${c.on}: counts no more</strong>`;
  if (c.newEffectiveDate) return html` <strong class="govuk-tag govuk-tag--yellow">Re-dated to ${c.newEffectiveDate}</strong>`;
  return html` <strong class="govuk-tag govuk-tag--yellow">Corrected ${c.on}</strong>`;
}

// What R-25 left out of a record for this reader (the server's field paths), in words.
const WITHHELD = {
  plan: 'the action plan', plan_summary: 'the Trust\'s plan', parents_informed: 'how parents are told',
  progress: 'the progress judgement', progress_towards_good: 'the progress judgement', judgement: 'the progress judgement',
  attendees: 'who attended', quality_of_la_support: 'the view of the LA\'s support',
  progress_against_plan: 'progress against the plan', next_steps: 'the next steps',
};
function withheldWords(paths) {
  const words = [...new Set(paths.map((p) => WITHHELD[p.split('.').pop()] || p.split('.').pop().replaceAll('_', ' ')))];
  return words.join(', ');
}

function timeline(events, commands, urn, mayCorrect, names) {
  const corrected = correctionsOf(events);
  return html`<h2 class="govuk-heading-m" id="audit-trail">Audit trail</h2>
    <div class="moj-timeline">
      ${events.map((e) => html`<div class="moj-timeline__item">
        <div class="moj-timeline__header">
          <h3 class="moj-timeline__title">${eventName(e.type)}${correctionTag(corrected[e.eventId])}</h3>
          <p class="moj-timeline__byline">by ${names.get(e.actor) || e.actor} (${roleName(e.role)})</p>
        </div>
        <p class="moj-timeline__date">
          <time datetime="${e.effectiveDate}">${e.effectiveDate}</time>,
          recorded ${String(e.recordedAt).replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}, version ${e.version}
        </p>
        <div class="moj-timeline__description">
          ${describe(e, events, commands)}
          ${e.reason ? html`<p class="govuk-body">Why: ${e.reason}</p>` : ''}
          ${e.notesRedacted
            ? html`<p class="govuk-body scc-redacted"><strong class="govuk-tag govuk-tag--grey">Confidential</strong>
                Notes are confidential (R-25) and not shown to your role.</p>`
            : e.notes && e.notes.text ? html`<p class="govuk-body">Notes${e.notes.confidential ? ' (confidential)' : ''}: ${e.notes.text}</p>` : ''}
          ${(e.redacted || []).length
            ? html`<p class="govuk-body scc-redacted"><strong class="govuk-tag govuk-tag--grey">Redacted</strong>
                Personal data erased from the log: ${e.redacted.map(pathWords).join(', ')}.</p>` : ''}
          ${(e.withheld || []).length
            ? html`<p class="govuk-body scc-redacted"><strong class="govuk-tag govuk-tag--grey">Confidential</strong>
                Not shown to you (R-25): ${withheldWords(e.withheld)}.</p>` : ''}
          <p class="govuk-body-s scc-muted">Event ${e.eventId}${mayCorrect(e) && !(corrected[e.eventId] && corrected[e.eventId].withdraw)
            ? html` · <a class="govuk-link" href="#/institutions/${urn}/correct/${e.eventId}">Correct this record<span class="govuk-visually-hidden">: ${eventName(e.type)} of ${e.effectiveDate}</span></a>` : ''}${
            commands.has('RedactEvent') && (e.redactable || []).length
              ? html` · <a class="govuk-link" href="#/institutions/${urn}/redact/${e.eventId}">Redact personal data<span class="govuk-visually-hidden">: ${eventName(e.type)} of ${e.effectiveDate}</span></a>` : ''}</p>
        </div>
      </div>`)}
    </div>`;
}

// The forms the caller may use now for this institution: its kind, the caller's reach (a Lead
// Officer the schools they lead, the Early Years team settings), the steps the flowchart allows
// and the facts; a removal the server blocks (R-15) is offered so the officer sees why.
export function offeredForms(status, commands, identity) {
  const allowed = new Set(status.allowedNextSteps || []);
  const kind = status.details.kind;
  const blocked = (status.obligations || []).find((o) => o.type === 'OBLIGATION_TYPE_REMOVAL_BLOCKED');
  const reaches = (command) => command.reach !== 'REACH_LED_INSTITUTIONS' || status.leadOfficerId === identity.user;
  return Object.keys(FORMS).filter((name) => {
    const spec = FORMS[name];
    const command = commands.get(rpcOf(name));
    if (!command || name === 'RegisterInstitution' || !reaches(command)) return false;
    if (!(command.appliesTo || []).includes(kind) || (spec.kinds && !spec.kinds.includes(kind))) return false;
    if (status.closedOn) return Boolean(spec.afterClosure) || (command.fact && !spec.lifeCycle && name !== 'UpdateInstitution');
    if (command.fact) return true;
    return allowed.has(rpcOf(name)) || (blocked && name === 'RemoveFromScc');
  });
}

// The forms offered, grouped: the process's next steps, the facts recorded at any time, and the
// life of the institution.
function decisions(status, offered, commands) {
  const blocked = (status.obligations || []).find((o) => o.type === 'OBLIGATION_TYPE_REMOVAL_BLOCKED');
  if (!offered.length) {
    return html`<p class="govuk-body">Your role records no decisions for this institution now.</p>`;
  }
  const fact = (name) => commands.get(rpcOf(name)).fact;
  const groups = [
    ['Next steps', offered.filter((name) => !fact(name))],
    ['Record a fact', offered.filter((name) => fact(name) && !FORMS[name].lifeCycle)],
    ['Life of the institution', offered.filter((name) => FORMS[name].lifeCycle)],
  ].filter(([, names]) => names.length);
  return html`<div id="decisions">${groups.map(([heading, names]) => html`
    <h3 class="govuk-heading-s">${heading}</h3>
    <ul class="govuk-list">
      ${names.map((name) => html`<li><a class="govuk-link" href="#/institutions/${status.urn}/record/${name}">${FORMS[name].title}</a>
        ${blocked && name === 'RemoveFromScc' ? html`<span class="govuk-body-s scc-muted">Blocked now (${blocked.rule})</span>` : ''}</li>`)}
    </ul>`)}</div>`;
}

// Every fact the server holds on the institution, as summary-list rows, only those that apply
// to its kind: a setting has no Lead Officer or governors, an academy no LNI or warning notice.
function factRows(status) {
  const d = status.details;
  const kind = d.kind;
  const school = kind === 'INSTITUTION_KIND_MAINTAINED_SCHOOL';
  const academy = kind === 'INSTITUTION_KIND_ACADEMY';
  const setting = kind === 'INSTITUTION_KIND_EARLY_YEARS_SETTING';
  const words = (values, prefix) => (values || []).map((v) => enumName(v, prefix)).join(', ');
  const triggerRows = (list, prefix) => (list || []).map((t) => html`<li>${enumName(t.trigger, prefix)}: ${t.evidence}</li>`);
  const triggers = setting ? triggerRows(status.settingTriggers, 'SETTING_CONCERN_TRIGGER_')
    : triggerRows(status.triggers, 'CONCERN_TRIGGER_');
  const rag = status.rag || {};
  const warned = status.warningNoticeIssuedOn;
  const rows = [
    row('Type', enumName(d.establishmentType, 'ESTABLISHMENT_TYPE_')),
    row('Phase', enumName(d.phase, 'PHASE_')),
    d.giasStatus && d.giasStatus !== 'Open' ? row('Status in GIAS', d.giasStatus) : '',
    row(setting ? 'Manager' : 'Headteacher', d.headteacherName),
    setting ? '' : row('Chair of governors', d.chairOfGovernorsName),
    academy ? row('Academy Trust', d.trustName) : '',
    school ? row('Religious character', d.religiousCharacter) : '',
    school && d.diocese ? row('Diocese', d.diocese) : '',
    setting ? '' : row('Pupils', d.numberOfPupils ? String(d.numberOfPupils) : ''),
    row('Postcode', d.postcode),
    school ? row('Learning Network Inspector', d.learningNetworkInspector) : '',
    status.legalHoldSince ? row('Legal hold', `Since ${status.legalHoldSince}: ${status.legalHoldMatter}`) : '',
    setting ? '' : row('Lead Officer', status.leadOfficerName ? `${status.leadOfficerName} (${status.leadOfficerId})` : ''),
    row(setting ? 'On the list since' : 'Causing concern since', status.designatedOn),
    status.causingConcern || status.removedOn ? row('Days in SCC', String(status.daysInScc || 0)) : '',
    row('Triggers and evidence', triggers.length ? html`<ul class="govuk-list">${triggers}</ul>` : ''),
    setting ? '' : row('RAG rating and capacity to improve', rag.rating ? `${enumName(rag.rating, 'RAG_RATING_')}; capacity ${enumName(rag.capacity, 'CAPACITY_TO_IMPROVE_').toLowerCase()}${rag.goodButVulnerable ? '; Good but vulnerable' : ''}` : ''),
    row('Latest Ofsted outcome', status.latestOfstedSummary),
    row('Action plan version', String(status.actionPlanVersion || 0)),
    row('Last action plan review', status.lastReviewOn),
    school ? row('Last Monitoring and Challenge Meeting', status.lastMcmOn) : '',
    school ? row('Last SRG review', status.lastSrgReviewOn ? `${status.lastSrgReviewOn}: ${enumName(status.lastSrgOutcome, 'SRG_OUTCOME_')}` : '') : '',
    school ? row('Last progress report', status.lastProgressReportOn) : '',
    school && status.categoryEnteredOn ? row('In an Ofsted category since', status.categoryEnteredOn) : '',
    school && (status.statementOfActionIssuedOn || status.statementOfActionDueOn) ? row('Statement of Action',
      status.statementOfActionIssuedOn ? `issued ${status.statementOfActionIssuedOn}` : `due by ${status.statementOfActionDueOn}`) : '',
    school && warned ? row(status.warningNoticeSection60a ? 'Pay and conditions warning notice (s60A)' : 'Formal warning notice (s60)',
      `given ${warned}; compliance period ends ${status.compliancePeriodEndsOn}; ${enumName(status.warningNoticeOutcome, 'WARNING_NOTICE_OUTCOME_').toLowerCase() || 'pending'}`) : '',
    school && status.warningNoticeNotIssuedOn ? row('Decided not to issue a warning notice', status.warningNoticeNotIssuedOn) : '',
    school && status.secretaryOfStateNoticeUntil ? row('Secretary of State warning notice in force until', status.secretaryOfStateNoticeUntil) : '',
    school && status.eligibleForInterventionOn ? row('Eligible for intervention since', status.eligibleForInterventionOn) : '',
    school && status.section63AvailableUntil ? row('Section 63 available until', status.section63AvailableUntil) : '',
    school && (status.consultedFor || []).length ? row('Consulted before', words(status.consultedFor, 'INTERVENTION_POWER_')) : '',
    school && (status.interventions || []).length ? row('Intervention powers in force', words(status.interventions, 'INTERVENTION_POWER_')) : '',
    school && (status.reviewsNotSecured || []).length ? row('Recommended reviews not secured', words(status.reviewsNotSecured, 'RECOMMENDED_REVIEW_')) : '',
    academy ? row('Academy Trust informed', status.trustInformed ? 'Yes' : 'No') : '',
    academy && (status.escalatedTo || []).length ? row('Escalated to', words(status.escalatedTo, 'ESCALATION_BODY_')) : '',
    row('Removed from the list on', status.removedOn),
    row('Visits this year', `${status.visitsThisYear || 0} of ${status.visitsRequired || 0} required`),
  ];
  return [...rows, ...lifeCycleRows(status)];
}

const LETTERS = {
  LETTER_KIND_DESIGNATION: 'Designation letter',
  LETTER_KIND_WARNING_NOTICE: 'Formal warning notice',
  LETTER_KIND_REMOVAL: 'Removal letter',
};

// The letters produced for the institution, newest first, each opening print-ready in a new tab.
function letters(events) {
  const withdrawn = new Set(events.filter((e) => e.payload.eventCorrected && e.payload.eventCorrected.withdraw)
    .map((e) => e.payload.eventCorrected.correctedEventId));
  const produced = events.filter((e) => e.payload.letterProduced).sort((a, b) => Number(b.version) - Number(a.version));
  if (!produced.length) return '';
  return html`<h2 class="govuk-heading-m">Letters</h2>
    <ul class="govuk-list" id="letters">${produced.map((e) => html`<li>
      <a class="govuk-link" href="/letters/${e.urn}/${e.eventId}" target="_blank" rel="noopener">${LETTERS[e.payload.letterProduced.kind] || 'Letter'}
        of ${e.effectiveDate} (opens in a new tab)</a>
      ${withdrawn.has(e.eventId) ? html`<strong class="govuk-tag govuk-tag--grey">Withdrawn</strong>` : ''}
      <span class="govuk-body-s scc-muted">${(e.payload.letterProduced.recipients || []).join('; ')}</span></li>`)}</ul>`;
}

// What each audited read shows of a file, in words.
const READS = {
  GetInstitution: 'its status', GetHistory: 'its audit trail', GetWorkflowState: 'its flowchart state',
  GetLetter: 'a letter', GenerateTermReport: 'its page of the termly report',
};

// The read audit: who viewed this file lately (the newest 25; auditors list more with sccctl).
function fileReads(reads, urn, names) {
  if (!reads) return '';
  const rows = reads.reads || [];
  return html`<h2 class="govuk-heading-m" id="file-reads">Who has viewed this file</h2>
    <p class="govuk-body">Every view of this institution's file is recorded (docs/data-protection.md).
      ${rows.length ? `The latest ${rows.length}:` : 'No views are recorded yet.'}</p>
    ${rows.length ? html`<table class="govuk-table" id="file-reads-table">
      <thead class="govuk-table__head"><tr class="govuk-table__row">
        <th scope="col" class="govuk-table__header">When</th><th scope="col" class="govuk-table__header">Who</th>
        <th scope="col" class="govuk-table__header">Role</th><th scope="col" class="govuk-table__header">What</th>
        <th scope="col" class="govuk-table__header">From</th></tr></thead>
      <tbody class="govuk-table__body">${rows.map((r) => html`<tr class="govuk-table__row">
        <td class="govuk-table__cell">${String(r.at).replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}</td>
        <td class="govuk-table__cell">${names.get(r.user) || r.user}</td>
        <td class="govuk-table__cell">${roleName(r.role)}</td>
        <td class="govuk-table__cell">${READS[r.rpc] || r.rpc}</td>
        <td class="govuk-table__cell">${r.peer}</td></tr>`)}</tbody></table>` : ''}
    ${reads.nextPageToken ? html`<p class="govuk-body-s scc-muted">Older views: <code>sccctl list-file-reads --data '{"urn": "${urn}"}'</code></p>` : ''}`;
}

export function renderInstitution({ status, path, events, names, reads }, commands, identity, flash) {
  const d = status.details;
  const offered = offeredForms(status, commands, identity);
  const overdue = (status.obligations || []).filter((o) => o.overdue).length;
  const correct = commands.get('CorrectEvent');
  const mayCorrect = (e) => {
    if (!correct || e.type === 'event_corrected') return false;
    const recording = [...commands].find(([, c]) => c.eventType === (e.type === 'lead_officer_reassigned' ? 'lead_officer_assigned' : e.type));
    return Boolean(recording) && (correct.reach !== 'REACH_LED_INSTITUTIONS' || status.leadOfficerId === identity.user);
  };
  show(html`
    ${identity.urns && identity.urns.length ? '' : html`<a href="#/" class="govuk-back-link">Back to the dashboard</a>`}
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
        <dl class="govuk-summary-list" id="facts">${factRows(status)}</dl>
      </div>
      <div class="govuk-grid-column-one-third">
        <h2 class="govuk-heading-m">Record a decision</h2>
        ${decisions(status, offered, commands)}
      </div>
    </div>
    <h2 class="govuk-heading-m">Flowchart</h2>
    ${flowchart(d.kind, status.state, path)}
    ${ofstedHistory(status.ofsted || {})}
    ${obligations(status.obligations || [], status.urn, offered)}
    ${planSection(events)}
    ${letters(events)}
    ${timeline(events, commands, status.urn, mayCorrect, names)}
    ${fileReads(reads, status.urn, names)}`, d.name);
}
