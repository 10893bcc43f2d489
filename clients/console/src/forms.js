// The forms for the main decisions. Each form names its RPC, and each field the path of the
// request it fills ("removal.evidence"), which is also how the server names a bad field, so a
// refusal can be shown next to the field it concerns.
import { PageLeft, call } from './api.js';
import { html, show } from './html.js';
import { enumName, rpcName, stateName } from './names.js';

const options = (prefix, values) =>
  values.map((v) => ({ value: `${prefix}${v}`, text: enumName(`${prefix}${v}`, prefix) }));

const CONCERN_TRIGGERS = options('CONCERN_TRIGGER_', [
  'OFSTED_BELOW_GOOD', 'LA_JUDGES_RI_OR_WORSE', 'LEADERSHIP_OR_GOVERNANCE', 'PUPIL_SAFETY',
  'LOW_ACHIEVEMENT_OR_DECLINE']);
const PROGRESS = options('PROGRESS_JUDGEMENT_', ['STRONG', 'SUFFICIENT', 'INSUFFICIENT']);
const PLAN = [
  { path: 'PLAN.key_issues', label: 'Key issues', type: 'lines', hint: 'One issue a line.' },
  { path: 'PLAN.vision', label: 'One-year vision', type: 'textarea' },
  { path: 'PLAN.milestones[0].description', label: 'First milestone', type: 'text' },
  { path: 'PLAN.milestones[0].due_on', label: 'Milestone due on', type: 'date' },
];
const plan = (at) => PLAN.map((f) => ({ ...f, path: f.path.replace('PLAN', at) }));
// The first trigger of a concern and its evidence (R-3, R-21).
const trigger = (at, choices) => [
  { path: `${at}.triggers[0].trigger`, label: 'Trigger', type: 'select', options: choices },
  { path: `${at}.triggers[0].evidence`, label: 'Evidence', type: 'textarea' },
];

const POWERS = options('INTERVENTION_POWER_', ['S63_ARRANGEMENTS', 'S64_ADDITIONAL_GOVERNORS',
  'S65_INTERIM_EXECUTIVE_BOARD', 'S66_SUSPEND_DELEGATED_BUDGET']);
const PARTIES = options('SCHOOL_PARTY_', ['GOVERNING_BODY', 'HEADTEACHER', 'DIOCESAN_AUTHORITY',
  'FOUNDATION_GOVERNOR_APPOINTER', 'OTHER']);
// The copies of a notice the Act requires (R-17): the governing body, and a church school's
// diocesan authority.
const copies = (at) => [0, 1].flatMap((i) => [
  { path: `${at}.copies[${i}].recipient`, label: i ? 'Second copy to' : 'Copy to', type: 'select', options: PARTIES,
    hint: i ? 'For a church school, its diocesan authority.' : 'The governing body receives a copy.' },
  { path: `${at}.copies[${i}].name`, label: i ? 'Second copy: name' : 'Copy: name', type: 'text' },
  { path: `${at}.copies[${i}].sent_on`, label: i ? 'Second copy given on' : 'Copy given on', type: 'date' },
]);

// Ofsted's scales and words (docs/ofsted.md).
const GRADES = options('OFSTED_GRADE_', ['OUTSTANDING', 'GOOD', 'REQUIRES_IMPROVEMENT', 'INADEQUATE']);
const CATEGORIES = [
  { value: 'OFSTED_CATEGORY_NONE', text: 'None' },
  { value: 'OFSTED_CATEGORY_REQUIRES_SIGNIFICANT_IMPROVEMENT', text: 'Requires significant improvement (formerly serious weaknesses)' },
  { value: 'OFSTED_CATEGORY_SPECIAL_MEASURES', text: 'Special measures' },
];
const CARD_GRADES = options('REPORT_CARD_GRADE_', ['EXCEPTIONAL', 'STRONG_STANDARD', 'EXPECTED_STANDARD',
  'NEEDS_ATTENTION', 'URGENT_IMPROVEMENT']);
const MET = options('SAFEGUARDING_OUTCOME_', ['MET', 'NOT_MET']);
const EFFECTIVE = [
  { value: 'SAFEGUARDING_OUTCOME_MET', text: 'Effective' },
  { value: 'SAFEGUARDING_OUTCOME_NOT_MET', text: 'Not effective' },
];
const AREAS = ['INCLUSION', 'CURRICULUM_AND_TEACHING', 'ACHIEVEMENT', 'ATTENDANCE_AND_BEHAVIOUR',
  'PERSONAL_DEVELOPMENT_AND_WELLBEING', 'LEADERSHIP_AND_GOVERNANCE', 'EARLY_YEARS', 'SIXTH_FORM',
  'CHILDRENS_WELFARE_AND_WELLBEING'].map((a) => `EVALUATION_AREA_${a}`);
// What every inspection has: its dates and type.
const inspection = (type) => [
  { path: 'outcome.inspection_date', label: 'Inspection date', type: 'date' },
  { path: 'outcome.publication_date', label: 'Report published on', type: 'date',
    hint: 'Starts the 10 working days for a Statement of Action (R-13).' },
  { path: 'outcome.inspection_type', label: 'Inspection type', type: 'text', hint: `For example, ${type}.` },
  { path: 'outcome.recommended_reviews', label: 'Reviews the report recommends', type: 'checkboxes',
    hint: 'A recommended review not secured is a ground for a formal warning notice (R-16).',
    options: options('RECOMMENDED_REVIEW_', ['PUPIL_PREMIUM', 'GOVERNANCE']) },
];
// The key judgements of the graded and 2024/25 frameworks, 1 to 4.
const keyJudgements = (at) => [
  ...[['quality_of_education', 'Quality of education'], ['behaviour_and_attitudes', 'Behaviour and attitudes'],
    ['personal_development', 'Personal development'], ['leadership_and_management', 'Leadership and management'],
    ['early_years', 'Early years provision (where present)'], ['sixth_form', 'Sixth form provision (where present)']]
    .map(([name, label]) => ({ path: `${at}.${name}`, label, type: 'select', options: GRADES })),
  { path: `${at}.safeguarding`, label: 'Safeguarding', type: 'radios', options: EFFECTIVE },
];

// The forms, by the name in their address (the RPC they call, unless `rpc` says another): the service, what the form is called, and its fields besides the date,
// reason and notes every command carries.
export const FORMS = {
  RaiseConcern: {
    service: 'DesignationService', title: 'Raise a concern', rule: 'R-3, R-4',
    fields: [
      ...trigger('concern', CONCERN_TRIGGERS),
      { path: 'concern.discussed_with_headteacher_on', label: 'Discussed with the headteacher on', type: 'date' },
    ],
  },
  DesignateSchool: {
    service: 'DesignationService', title: 'Designate as a school causing concern', rule: 'R-3 to R-5',
    fields: [
      ...trigger('designation', CONCERN_TRIGGERS),
      { path: 'designation.letter_sent_on', label: 'Letter to the headteacher and chair of governors sent on', type: 'date' },
      { path: 'designation.discussed_with_headteacher_on', label: 'Discussed with the headteacher on', type: 'date',
        hint: 'Leave empty if the concern recorded it.' },
    ],
  },
  AssignLeadOfficer: {
    service: 'DesignationService', title: 'Assign a Lead Officer', rule: 'R-5',
    fields: [
      { path: 'lead_officer.lead_officer_id', label: 'Lead Officer user id', type: 'text' },
      { path: 'lead_officer.lead_officer_name', label: 'Lead Officer name', type: 'text' },
      { path: 'lead_officer.kind', label: 'Kind of officer', type: 'select',
        options: options('LEAD_OFFICER_KIND_', ['LEARNING_NETWORK_INSPECTOR', 'BSIP', 'OTHER']) },
    ],
  },
  AgreeActionPlan: {
    service: 'DesignationService', title: 'Agree the action plan', rule: 'R-9',
    fields: plan('action_plan.plan'),
  },
  HoldActionPlanReview: {
    service: 'DesignationService', title: 'Record an action plan review', rule: 'R-10',
    confidentialNotes: true,
    fields: [
      { path: 'review.progress', label: 'Progress against the priorities', type: 'radios', options: PROGRESS },
      { path: 'review.attendees', label: 'Attendees', type: 'lines', hint: 'One a line.' },
      ...plan('review.plan'),
    ],
  },
  HoldMonitoringAndChallengeMeeting: {
    service: 'DesignationService', title: 'Record a Monitoring and Challenge Meeting', rule: 'R-11',
    confidentialNotes: true,
    fields: [
      { path: 'meeting.progress_towards_good', label: 'Progress towards securely Good', type: 'radios', options: PROGRESS },
      { path: 'meeting.quality_of_la_support', label: 'Quality of the LA\'s monitoring, challenge and support', type: 'textarea',
        hint: 'Confidential with the meeting\'s notes (R-25).' },
      { path: 'meeting.attendees', label: 'Attendees', type: 'lines', hint: 'One a line.' },
    ],
  },
  RecordSrgReviewOutcome: {
    service: 'DesignationService', title: 'Record the SRG review outcome', rule: 'R-6',
    fields: [
      { path: 'review.outcome', label: 'Outcome', type: 'radios',
        options: options('SRG_OUTCOME_', ['CONTINUE', 'REMOVE', 'ESCALATE']) },
    ],
  },
  RecordVisit: {
    service: 'InstitutionService', title: 'Record a visit', rule: 'R-1, R-2',
    fields: [
      { path: 'visit.kind', label: 'Kind of visit', type: 'select',
        options: options('VISIT_KIND_', ['SCHOOL_EFFECTIVENESS', 'LEAD_OFFICER_MONITORING', 'JOINT_HOSI',
          'EARLY_YEARS_ADVISORY', 'CHILDMINDING_QUALITY', 'ADDITIONAL']) },
      { path: 'visit.visitor', label: 'Visitor', type: 'text' },
      { path: 'visit.note_status', label: 'Note of visit', type: 'select',
        options: options('NOTE_OF_VISIT_STATUS_', ['PENDING', 'AGREED', 'DISPUTED']) },
      { path: 'visit.note_status_on', label: 'Note agreed or disputed on', type: 'date' },
    ],
  },
  // One form per Ofsted framework, all recorded by RecordOfstedOutcome (docs/ofsted.md).
  RecordOfstedOutcome: {
    service: 'InstitutionService', title: 'Record a graded Ofsted inspection (to August 2024)', rule: 'R-13, R-15',
    fields: [
      ...inspection('graded'),
      { path: 'outcome.legacy.overall', label: 'Overall effectiveness', type: 'select', options: GRADES },
      { path: 'outcome.legacy.category', label: 'Category of concern Ofsted published', type: 'select', options: CATEGORIES },
      ...keyJudgements('outcome.legacy.key_judgements'),
    ],
  },
  RecordOfstedUngraded: {
    rpc: 'RecordOfstedOutcome', service: 'InstitutionService',
    title: 'Record an Ofsted inspection with no overall grade (September 2024 to November 2025)', rule: 'R-13, R-15',
    fields: [
      ...inspection('graded'),
      { path: 'outcome.ungraded.category', label: 'Category of concern Ofsted published', type: 'select', options: CATEGORIES,
        hint: 'Inspectors still placed schools in special measures or requiring significant improvement.' },
      ...keyJudgements('outcome.ungraded.key_judgements'),
    ],
  },
  RecordOfstedReportCard: {
    rpc: 'RecordOfstedOutcome', service: 'InstitutionService', title: 'Record an Ofsted report card (from November 2025)',
    rule: 'R-13, R-15, R-21',
    fields: [
      ...inspection('report card'),
      { path: 'outcome.report_card.category', label: 'Category of concern Ofsted published', type: 'select', options: CATEGORIES },
      { path: 'outcome.report_card.safeguarding', label: 'Safeguarding standards', type: 'radios', options: MET },
      ...AREAS.map((area, i) => ({
        path: `outcome.report_card.areas[${i}].grade`, label: enumName(area, 'EVALUATION_AREA_'), type: 'select',
        options: CARD_GRADES, area, hint: i >= 6 ? 'Where applicable.' : undefined,
      })),
    ],
  },
  RecordOfstedMonitoring: {
    rpc: 'RecordOfstedOutcome', service: 'InstitutionService', title: 'Record an Ofsted monitoring inspection (no grade)',
    rule: 'R-13',
    fields: [
      ...inspection('monitoring'),
      { path: 'outcome.monitoring.finding', label: 'What the letter says', type: 'text',
        hint: 'For example, taking effective action. A monitoring inspection carries no grade.' },
    ],
  },
  RecordChildminderOutcome: {
    rpc: 'RecordOfstedOutcome', service: 'InstitutionService',
    title: 'Record a childminder\'s outcome (no children on roll)', rule: 'R-21',
    kinds: ['INSTITUTION_KIND_EARLY_YEARS_SETTING'],
    fields: [
      ...inspection('registered provider with no children on roll'),
      { path: 'outcome.registration', label: 'Outcome', type: 'radios',
        options: options('REGISTRATION_OUTCOME_', ['MET', 'NOT_MET_WITH_ACTIONS', 'NOT_MET_WITH_ENFORCEMENT']) },
    ],
  },
  RecordRiseInvolvement: {
    service: 'InstitutionService', title: 'Record RISE involvement', rule: 'R-18',
    kinds: ['INSTITUTION_KIND_MAINTAINED_SCHOOL', 'INSTITUTION_KIND_ACADEMY'],
    fields: [
      { path: 'involvement.kind', label: 'What RISE is doing', type: 'radios',
        options: options('RISE_INVOLVEMENT_KIND_', ['TARGETED_INTERVENTION', 'UNIVERSAL_SUPPORT',
          'DECISION_NOT_TO_INTERVENE', 'ENDED']) },
      { path: 'involvement.adviser', label: 'RISE adviser', type: 'text' },
      { path: 'involvement.details', label: 'Details', type: 'textarea' },
    ],
  },
  IssueWarningNotice: {
    service: 'InterventionService', title: 'Issue a formal warning notice (s60)', rule: 'R-16, R-17',
    fields: [
      { path: 'warning_notice.grounds', label: 'Statutory grounds', type: 'checkboxes',
        hint: 'Teachers\' pay and conditions is its own notice (s60A): use "Issue a pay and conditions warning notice".',
        options: options('WARNING_NOTICE_GROUND_', ['LOW_STANDARDS', 'MANAGEMENT_OR_GOVERNANCE_BREAKDOWN',
          'SAFETY_THREATENED']) },
      { path: 'warning_notice.reason', label: 'Why the notice is needed', type: 'select',
        options: options('WARNING_NOTICE_REASON_', ['NOT_ENGAGED', 'REVIEW_NOT_SECURED',
          'TWELVE_MONTHS_UNLIKELY_GOOD', 'SAFETY_CRISIS', 'OTHER']) },
      { path: 'warning_notice.matters_relied_upon', label: 'Matters the notice relies on', type: 'textarea' },
      { path: 'warning_notice.required_action', label: 'Action required', type: 'textarea' },
      { path: 'warning_notice.compliance_period_ends_on', label: 'Compliance period ends on', type: 'date',
        hint: 'The authority sets the period (Education and Adoption Act 2016).' },
      { path: 'warning_notice.action_minded_to_take', label: 'Action the authority is minded to take if the school does not comply', type: 'textarea' },
      ...copies('warning_notice'),
    ],
  },
  IssuePayAndConditionsWarningNotice: {
    service: 'InterventionService', title: 'Issue a pay and conditions warning notice (s60A)', rule: 'R-17',
    fields: [
      { path: 'warning_notice.matters_relied_upon', label: 'The failure to comply with teachers\' pay and conditions', type: 'textarea' },
      { path: 'warning_notice.required_action', label: 'Action required', type: 'textarea' },
      { path: 'warning_notice.compliance_period_ends_on', label: 'Compliance period ends on', type: 'date' },
      ...copies('warning_notice'),
    ],
  },
  RecordSecretaryOfStateWarningNotice: {
    service: 'InterventionService', title: 'Record a warning notice given by the Secretary of State', rule: 'R-17',
    kinds: ['INSTITUTION_KIND_MAINTAINED_SCHOOL'],
    fields: [
      { path: 'notice.grounds', label: 'Grounds', type: 'checkboxes',
        options: options('WARNING_NOTICE_GROUND_', ['LOW_STANDARDS', 'MANAGEMENT_OR_GOVERNANCE_BREAKDOWN',
          'SAFETY_THREATENED']) },
      { path: 'notice.compliance_period_ends_on', label: 'In force until', type: 'date',
        hint: 'The authority may not give a notice of its own until then; it ends one the authority gave.' },
      { path: 'notice.details', label: 'Details', type: 'textarea' },
    ],
  },
  RecordWarningNoticeComplied: {
    service: 'InterventionService', title: 'Record that the school complied with the warning notice', rule: 'R-18',
    fields: [],
  },
  RecordWarningNoticeNotComplied: {
    service: 'InterventionService', title: 'Record that the school did not comply with the warning notice', rule: 'R-18',
    fields: [],
  },
  IssueNoticeOfIntentionToIntervene: {
    service: 'InterventionService', title: 'Give written notice of the intention to use intervention powers', rule: 'R-18',
    fields: [
      { path: 'notice.proposed_powers', label: 'Powers the authority proposes to use', type: 'checkboxes', options: POWERS },
    ],
  },
  DecideNotToUseInterventionPowers: {
    service: 'InterventionService', title: 'Decide not to use intervention powers', rule: 'R-18',
    fields: [],
  },
  RecordInterventionConsultation: {
    service: 'InterventionService', title: 'Record the consultation before s63 or s65', rule: 'R-19',
    fields: [
      { path: 'consultation.power', label: 'The power consulted on', type: 'radios',
        options: POWERS.filter((p) => /S63|S65/.test(p.value)) },
      { path: 'consultation.consulted', label: 'Who was consulted', type: 'checkboxes', options: PARTIES,
        hint: 'Always the governing body; for a church school, its diocesan authority (or whoever appoints the foundation governors).' },
      { path: 'consultation.details', label: 'Details', type: 'textarea' },
    ],
  },
  ApplyIntervention: {
    service: 'InterventionService', title: 'Use an intervention power', rule: 'R-18, R-19',
    fields: [
      { path: 'intervention.power', label: 'Power', type: 'radios', options: POWERS },
      { path: 'intervention.arrangement', label: 'Arrangement (s63 only)', type: 'select',
        options: options('SECTION63_ARRANGEMENT_', ['ADVISORY_CONTRACT', 'COLLABORATE_WITH_SCHOOL',
          'COLLABORATE_WITH_FE_BODY', 'FEDERATION']) },
      { path: 'intervention.details', label: 'Details', type: 'textarea' },
    ],
  },
  EndIntervention: {
    service: 'InterventionService', title: 'End an intervention power', rule: 'R-19',
    fields: [
      { path: 'ending.power', label: 'Power that ends', type: 'radios', options: POWERS },
      { path: 'ending.details', label: 'Details', type: 'textarea', hint: 'For example, the IEB hands back to a new governing body.' },
    ],
  },
  DecideNotToIssueWarningNotice: {
    service: 'InterventionService', title: 'Decide not to issue a formal warning notice', rule: 'R-16',
    fields: [],
    hint: 'Give the particular reason (for example, the school is designated and cooperating fully) in "Why".',
  },
  RecordProgressReport: {
    service: 'DesignationService', title: 'Record the Lead Officer\'s progress report', rule: 'R-7',
    confidentialNotes: true,
    fields: [
      { path: 'report.judgement', label: 'Judgement', type: 'radios', options: PROGRESS },
      { path: 'report.progress_against_plan', label: 'Progress against the action plan', type: 'textarea' },
      { path: 'report.next_steps', label: 'Next steps', type: 'textarea' },
    ],
  },
  RecordNoteOfVisitResponse: {
    service: 'InstitutionService', title: 'Record the headteacher\'s response to a note of visit', rule: 'R-1',
    fields: [
      { path: 'response.visit_event_id', label: 'Visit (event id)', type: 'text',
        hint: 'The visit\'s event id, as the audit trail and the overdue note show it.' },
      { path: 'response.status', label: 'The headteacher', type: 'radios',
        options: [{ value: 'NOTE_OF_VISIT_STATUS_AGREED', text: 'Agreed the note' },
          { value: 'NOTE_OF_VISIT_STATUS_DISPUTED', text: 'Disputed the note' }] },
      { path: 'response.comment', label: 'Comment', type: 'textarea', hint: 'Required when the note is disputed.' },
    ],
  },
  RecordReviewSecured: {
    service: 'DesignationService', title: 'Record that a review Ofsted recommended was secured', rule: 'R-16',
    kinds: ['INSTITUTION_KIND_MAINTAINED_SCHOOL'],
    fields: [
      { path: 'review.review', label: 'Review', type: 'radios',
        options: options('RECOMMENDED_REVIEW_', ['PUPIL_PREMIUM', 'GOVERNANCE']) },
      { path: 'review.commissioned_from', label: 'Commissioned from', type: 'text' },
    ],
  },
  HoldQualityAssuranceMeeting: {
    service: 'DesignationService', title: 'Record the HoSI\'s quality-assurance meeting with the Lead Officer', rule: 'R-12',
    fields: [],
    hint: 'One meeting with the Lead Officer covers every school they lead.',
  },
  HoldSchoolProgressReviewTeamMeeting: {
    service: 'DesignationService', title: 'Record a School Progress Review Team meeting', rule: 'R-13',
    confidentialNotes: true,
    fields: [
      { path: 'meeting.progress', label: 'Progress', type: 'radios', options: PROGRESS },
      { path: 'meeting.attendees', label: 'Attendees', type: 'lines', hint: 'One a line.' },
    ],
  },
  ShortenStatementOfActionPeriod: {
    service: 'DesignationService', title: 'Shorten the period for the Statement of Action', rule: 'R-13',
    fields: [
      { path: 'period.due_on', label: 'Statement of Action now due on', type: 'date' },
    ],
  },
  RemoveFromScc: {
    service: 'DesignationService', title: 'Remove from the list of schools causing concern', rule: 'R-14, R-15',
    fields: [
      { path: 'removal.basis', label: 'Evidence of progress from', type: 'select',
        options: options('REMOVAL_BASIS_', ['SELF_REVIEW', 'LA_REVIEW', 'BPSI_REVIEW', 'HMI_REVIEW']) },
      { path: 'removal.review_date', label: 'Date of the review', type: 'date' },
      { path: 'removal.evidence', label: 'Evidence', type: 'textarea' },
      { path: 'removal.headteacher_agreed_on', label: 'Lead Officer and headteacher agreed on', type: 'date' },
      { path: 'removal.srg_confirmed_on', label: 'SRG confirmed on', type: 'date',
        hint: 'Leave empty if the last SRG review outcome was remove.' },
    ],
  },
  RecordSettingCausingConcern: {
    service: 'SettingService', title: 'Record a setting causing concern', rule: 'R-21',
    fields: trigger('concern', options('SETTING_CONCERN_TRIGGER_', ['OFSTED_RI_OR_INADEQUATE',
      'LEADERSHIP_AND_MANAGEMENT', 'POOR_LEARNING_ENVIRONMENT', 'POOR_QUALITY_OF_TEACHING',
      'SAFEGUARDING', 'EYFS_REQUIREMENTS_NOT_MET', 'DEVELOPMENT_NEEDS_NOT_SUPPORTED'])),
  },
  RemoveSettingFromList: {
    service: 'SettingService', title: 'Remove the setting from the list', rule: 'R-23',
    fields: [
      { path: 'removal.basis', label: 'Why', type: 'radios',
        options: options('SETTING_REMOVAL_BASIS_', ['PRACTICE_IMPROVED', 'OFSTED_GRADE_CHANGED']) },
    ],
  },
  // The life of an institution (docs/life-cycle.md): facts, dated by "When it happened". `kinds`
  // says which institutions each applies to; none is offered once the institution has closed
  // except the predecessor link.
  RecordClosure: {
    service: 'InstitutionService', title: 'Record that the institution closed', rule: 'life of an institution, R-15',
    lifeCycle: true,
    fields: [
      { path: 'closure.closure_reason', label: 'Reason for closure', type: 'text', hint: 'As GIAS gives it, for example Result of Amalgamation/Merger.' },
      { path: 'closure.successor_urn', label: 'URN of the successor', type: 'text', hint: 'Leave empty if none.' },
      { path: 'closure.link_type', label: 'Link to the successor', type: 'text', hint: 'For example, Successor - merged.' },
    ],
  },
  RecordAcademyConversion: {
    service: 'InstitutionService', title: 'Record an academy conversion', rule: 'life of an institution, R-15',
    lifeCycle: true, kinds: ['INSTITUTION_KIND_MAINTAINED_SCHOOL'],
    fields: [
      { path: 'conversion.successor_urn', label: 'URN of the academy', type: 'text' },
      { path: 'conversion.trust_name', label: 'Academy Trust', type: 'text' },
      { path: 'conversion.successor_name', label: 'Name of the academy', type: 'text', hint: 'Leave empty if unchanged.' },
    ],
  },
  RecordAcademyOrderMade: {
    service: 'InstitutionService', title: 'Record an academy order', rule: 'life of an institution',
    lifeCycle: true, kinds: ['INSTITUTION_KIND_MAINTAINED_SCHOOL'],
    fields: [{ path: 'order.details', label: 'Details', type: 'textarea', hint: 'For example, the sponsor.' }],
  },
  RecordAcademyOrderRevoked: {
    service: 'InstitutionService', title: 'Record that the academy order was revoked', rule: 'life of an institution',
    lifeCycle: true, kinds: ['INSTITUTION_KIND_MAINTAINED_SCHOOL'],
    fields: [{ path: 'revocation.details', label: 'Details', type: 'textarea' }],
  },
  RecordTrustChange: {
    service: 'InstitutionService', title: 'Record a change of trust', rule: 'R-20',
    lifeCycle: true, kinds: ['INSTITUTION_KIND_ACADEMY'],
    fields: [{ path: 'change.trust_name', label: 'New Academy Trust', type: 'text' }],
  },
  LinkPredecessor: {
    service: 'InstitutionService', title: 'Link to a predecessor', rule: 'life of an institution',
    lifeCycle: true, afterClosure: true,
    fields: [
      { path: 'link.predecessor_urn', label: 'URN of the predecessor', type: 'text' },
      { path: 'link.link_type', label: 'Link type', type: 'text', hint: 'For example, Predecessor.' },
      { path: 'link.predecessor_name', label: 'Name of the predecessor', type: 'text' },
    ],
  },
};

const COMMON = [
  { path: 'context.effective_date', label: 'When it happened', type: 'date', hint: 'Leave empty for today.' },
  { path: 'context.reason', label: 'Why (kept in the audit trail)', type: 'textarea',
    hint: 'Every decision records why it was taken (R-24); a fact such as a visit or an inspection needs none.' },
  { path: 'context.notes.text', label: 'Notes', type: 'textarea' },
];

const idOf = (path) => `f-${path.replace(/[^a-z0-9]+/gi, '-')}`;

function field(f) {
  const id = idOf(f.path);
  const hint = f.hint ? html`<div id="${id}-hint" class="govuk-hint">${f.hint}</div>` : '';
  const described = f.hint ? `${id}-hint` : '';
  const group = (inner, legend = false) => legend
    ? html`<div class="govuk-form-group" data-path="${f.path}"><fieldset class="govuk-fieldset"${described ? html` aria-describedby="${described}"` : ''}>
        <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${f.label}</legend>${hint}
        <p class="govuk-error-message" hidden></p>${inner}</fieldset></div>`
    : html`<div class="govuk-form-group" data-path="${f.path}">
        <label class="govuk-label" for="${id}">${f.label}</label>${hint}
        <p class="govuk-error-message" id="${id}-error" hidden></p>${inner}</div>`;
  const aria = described ? html` aria-describedby="${described}"` : '';
  switch (f.type) {
    case 'textarea':
    case 'lines':
      return group(html`<textarea class="govuk-textarea" id="${id}" name="${f.path}" rows="3"${aria}></textarea>`);
    case 'date':
      return group(html`<input class="govuk-input govuk-input--width-10" id="${id}" name="${f.path}" type="date"${aria}>`);
    case 'select':
      return group(html`<select class="govuk-select" id="${id}" name="${f.path}"${aria}>
        <option value="">Choose</option>
        ${f.options.map((o) => html`<option value="${o.value}">${o.text}</option>`)}</select>`);
    case 'radios':
    case 'checkboxes': {
      const kind = f.type === 'radios' ? 'radio' : 'checkbox';
      const css = f.type === 'radios' ? 'govuk-radios' : 'govuk-checkboxes';
      return group(html`<div class="${css} govuk-${f.type === 'radios' ? 'radios' : 'checkboxes'}--small" data-module="${css}">
        ${f.options.map((o, i) => html`<div class="${css}__item">
          <input class="${css}__input" id="${i ? `${id}-${i}` : id}" name="${f.path}" type="${kind}" value="${o.value}">
          <label class="govuk-label ${css}__label" for="${i ? `${id}-${i}` : id}">${o.text}</label></div>`)}
      </div>`, true);
    }
    default:
      return group(html`<input class="govuk-input" id="${id}" name="${f.path}" type="text"${aria}>`);
  }
}

// Sets `value` at a path such as "concern.triggers[0].evidence".
function setPath(target, path, value) {
  const parts = path.split('.').flatMap((p) => {
    const m = p.match(/^(\w+)\[(\d+)\]$/);
    return m ? [m[1], Number(m[2])] : [p];
  });
  let at = target;
  parts.slice(0, -1).forEach((part, i) => {
    if (at[part] === undefined) at[part] = typeof parts[i + 1] === 'number' ? [] : {};
    at = at[part];
  });
  at[parts[parts.length - 1]] = value;
}

function requestId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function buildRequest(form, spec, urn) {
  const request = { context: { urn, request_id: requestId() } };
  for (const f of [...spec.fields, ...COMMON]) {
    const inputs = [...form.querySelectorAll(`[name="${f.path}"]`)];
    let value;
    if (f.type === 'checkboxes') value = inputs.filter((i) => i.checked).map((i) => i.value);
    else if (f.type === 'radios') value = (inputs.find((i) => i.checked) || {}).value;
    else if (f.type === 'lines') value = inputs[0].value.split('\n').map((s) => s.trim()).filter(Boolean);
    else value = inputs[0].value.trim();
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    setPath(request, f.path, value);
    if (f.area) setPath(request, f.path.replace(/\.grade$/, '.area'), f.area);
  }
  // Report-card areas left ungraded leave holes: the server wants only the graded ones.
  const card = request.outcome && request.outcome.report_card;
  if (card && card.areas) card.areas = card.areas.filter(Boolean);
  const confidential = form.querySelector('[name="context.notes.confidential"]');
  if (confidential && confidential.checked && request.context.notes) request.context.notes.confidential = true;
  return request;
}

function errorSummary(items) {
  return html`<div class="govuk-error-summary" data-module="govuk-error-summary">
    <div role="alert">
      <h2 class="govuk-error-summary__title">There is a problem</h2>
      <div class="govuk-error-summary__body">
        <ul class="govuk-list govuk-error-summary__list">${items}</ul>
      </div>
    </div></div>`;
}

// Shows the server's refusal: field violations beside their fields and in the summary; a rule
// refusal (or any other error) at the top with the rule and the allowed next steps.
function showRefusal(form, error) {
  const items = [];
  for (const v of error.fieldViolations) {
    const group = [...form.querySelectorAll('[data-path]')].find((g) => g.dataset.path === v.field);
    if (group) {
      group.classList.add('govuk-form-group--error');
      const message = group.querySelector('.govuk-error-message');
      message.hidden = false;
      message.innerHTML = html`<span class="govuk-visually-hidden">Error:</span> ${v.description}`.text;
      const input = group.querySelector('input, select, textarea');
      input.classList.add(input.tagName === 'SELECT' ? 'govuk-select--error'
        : input.tagName === 'TEXTAREA' ? 'govuk-textarea--error' : 'govuk-input--error');
      if (message.id) input.setAttribute('aria-describedby', message.id);
      items.push(html`<li><a href="#${input.id}">${v.description.replace(/^./, (c) => c.toUpperCase())} (${v.field})</a></li>`);
    } else {
      items.push(html`<li>${v.field}: ${v.description}</li>`);
    }
  }
  if (!error.fieldViolations.length) {
    items.push(html`<li><span class="scc-refusal">${error.rule ? html`<strong class="govuk-tag govuk-tag--red">${error.rule}</strong> ` : ''}${error.message}</span>
      ${error.allowedNextSteps.length ? html`<p class="govuk-body govuk-!-margin-top-2 govuk-!-margin-bottom-0">Allowed next steps in the state ${stateName(error.state)}:
        ${error.allowedNextSteps.map(rpcName).join(', ')}.</p>` : ''}</li>`);
  }
  return errorSummary(items);
}

export function renderForm(institution, rpc, onDone) {
  const spec = FORMS[rpc];
  const name = institution.details.name;
  show(html`
    <a href="#/institutions/${institution.urn}" class="govuk-back-link">Back to ${name}</a>
    <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
      <div id="form-errors"></div>
      <span class="govuk-caption-l">${name} (${institution.urn})</span>
      <h1 class="govuk-heading-l">${spec.title}</h1>
      <p class="govuk-body">Rules: ${spec.rule}. State now: ${stateName(institution.state)}.</p>
      ${spec.hint ? html`<div class="govuk-inset-text">${spec.hint}</div>` : ''}
      <form id="decision-form" novalidate>
        ${spec.fields.map(field)}
        ${COMMON.map(field)}
        <div class="govuk-form-group"><div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">
          <div class="govuk-checkboxes__item">
            <input class="govuk-checkboxes__input" id="f-confidential" name="context.notes.confidential" type="checkbox"${spec.confidentialNotes ? html` checked` : ''}>
            <label class="govuk-label govuk-checkboxes__label" for="f-confidential">The notes are confidential (R-25)</label>
          </div></div></div>
        <div class="govuk-button-group">
          <button type="submit" class="govuk-button" data-module="govuk-button">Record</button>
          <a class="govuk-link" href="#/institutions/${institution.urn}">Cancel</a>
        </div>
      </form>
    </div></div>`, spec.title);
  const form = document.getElementById('decision-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await call(spec.service, spec.rpc || rpc, buildRequest(form, spec, institution.urn));
      onDone(`${spec.title}: recorded.`);
    } catch (error) {
      if (error instanceof PageLeft) return;
      form.querySelectorAll('.govuk-form-group--error').forEach((g) => g.classList.remove('govuk-form-group--error'));
      form.querySelectorAll('.govuk-error-message').forEach((m) => { m.hidden = true; });
      const box = document.getElementById('form-errors');
      box.innerHTML = (error.fieldViolations ? showRefusal(form, error) : errorSummary(html`<li>${error.message}</li>`)).text;
      document.title = `Error: ${spec.title} – Schools and settings causing concern`;
      const summary = box.querySelector('.govuk-error-summary');
      summary.setAttribute('tabindex', '-1');
      summary.focus();
      summary.addEventListener('click', (e) => {
        const link = e.target.closest('a[href^="#f-"]');
        if (!link) return;
        e.preventDefault();
        const input = document.getElementById(link.getAttribute('href').slice(1));
        if (input) input.focus();
      });
    } finally {
      button.disabled = false;
    }
  });
}
