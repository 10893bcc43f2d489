// A form for every command a person records. Each form is named by the RPC it calls (or names
// that RPC in `rpc`, for the Ofsted frameworks that share one); the server's command table,
// which WhoAmI returns with each permission, says which service carries it, which institutions
// and states it fits and which rule it cites, so the console keeps no copy of those facts.
// Statutory and irreversible decisions (`check`) go through "check your answers" and end on a
// confirmation page.
import { PageLeft, call } from './api.js';
import {
  answers, field, fillFields, markErrors, readFields, wireRepeats,
} from './fields.js';
import { html, show } from './html.js';
import { enumName, stateName } from './names.js';
import { currentPlan, snakeCase } from './plan.js';

const options = (prefix, values) =>
  values.map((v) => ({ value: `${prefix}${v}`, text: enumName(`${prefix}${v}`, prefix) }));

const CONCERN_TRIGGERS = options('CONCERN_TRIGGER_', [
  'OFSTED_BELOW_GOOD', 'LA_JUDGES_RI_OR_WORSE', 'LEADERSHIP_OR_GOVERNANCE', 'PUPIL_SAFETY',
  'LOW_ACHIEVEMENT_OR_DECLINE']);
const SETTING_TRIGGERS = options('SETTING_CONCERN_TRIGGER_', ['OFSTED_RI_OR_INADEQUATE',
  'LEADERSHIP_AND_MANAGEMENT', 'POOR_LEARNING_ENVIRONMENT', 'POOR_QUALITY_OF_TEACHING',
  'SAFEGUARDING', 'EYFS_REQUIREMENTS_NOT_MET', 'DEVELOPMENT_NEEDS_NOT_SUPPORTED']);
const PROGRESS = options('PROGRESS_JUDGEMENT_', ['STRONG', 'SUFFICIENT', 'INSUFFICIENT']);

// Every trigger of a concern with its evidence (R-3, R-20, R-21): as many as apply.
const triggers = (at, choices) => ({
  type: 'repeat', path: `${at}.triggers`, label: 'Triggers', item: 'trigger', min: 1,
  hint: 'Add each reason for concern with the evidence for it.',
  fields: [
    { path: 'trigger', label: 'Trigger', type: 'select', options: choices },
    { path: 'evidence', label: 'Evidence', type: 'textarea' },
  ],
});

// The action plan (R-9, R-21) and the Statement of Action's plan (R-13): key issues, the
// one-year vision, milestones, and the school's and the LA's actions.
const planFields = (at) => [
  { path: `${at}.key_issues`, label: 'Key issues', type: 'lines', hint: 'One issue a line: what the plan is to put right.' },
  { path: `${at}.vision`, label: 'One-year vision', type: 'textarea', hint: 'Where it wants to be in a year.' },
  {
    type: 'repeat', path: `${at}.milestones`, label: 'Milestones', item: 'milestone', min: 0,
    fields: [
      { path: 'description', label: 'Milestone', type: 'text' },
      { path: 'due_on', label: 'Due on', type: 'date' },
    ],
  },
  {
    type: 'repeat', path: `${at}.actions`, label: 'Actions', item: 'action', min: 1,
    hint: 'The school\'s actions and the LA\'s support, each with its owner, date and measure of success.',
    fields: [
      { path: 'description', label: 'Action', type: 'textarea' },
      { path: 'owner', label: 'Whose action', type: 'radios',
        options: [{ value: 'ACTION_OWNER_SCHOOL', text: 'The school\'s (or setting\'s)' }, { value: 'ACTION_OWNER_LA', text: 'The LA\'s' }] },
      { path: 'owner_name', label: 'Owner', type: 'text', hint: 'Who is responsible, for example the headteacher.' },
      { path: 'due_on', label: 'Due on', type: 'date' },
      { path: 'success_measure', label: 'Success measure', type: 'textarea' },
    ],
  },
];

const POWERS = options('INTERVENTION_POWER_', ['S63_ARRANGEMENTS', 'S64_ADDITIONAL_GOVERNORS',
  'S65_INTERIM_EXECUTIVE_BOARD', 'S66_SUSPEND_DELEGATED_BUDGET']);
const PARTIES = options('SCHOOL_PARTY_', ['GOVERNING_BODY', 'HEADTEACHER', 'DIOCESAN_AUTHORITY',
  'FOUNDATION_GOVERNOR_APPOINTER', 'OTHER']);
// The copies of a notice the Act requires (R-17): the governing body, and a church school's
// diocesan authority.
const copies = (at) => ({
  type: 'repeat', path: `${at}.copies`, label: 'Copies given', item: 'copy', min: 1,
  hint: 'The governing body receives a copy; for a church school, so does its diocesan authority.',
  fields: [
    { path: 'recipient', label: 'Copy to', type: 'select', options: PARTIES },
    { path: 'name', label: 'Name', type: 'text' },
    { path: 'sent_on', label: 'Given on', type: 'date' },
  ],
});

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

// An institution's details (registration, and updates from the console).
const details = (at) => [
  { path: `${at}.name`, label: 'Name', type: 'text' },
  { path: `${at}.kind`, label: 'Kind of institution', type: 'radios',
    options: options('INSTITUTION_KIND_', ['MAINTAINED_SCHOOL', 'ACADEMY', 'EARLY_YEARS_SETTING']),
    hint: 'Fixed once registered.' },
  { path: `${at}.establishment_type`, label: 'Type of establishment', type: 'select',
    options: options('ESTABLISHMENT_TYPE_', ['COMMUNITY', 'VOLUNTARY_AIDED', 'VOLUNTARY_CONTROLLED',
      'FOUNDATION', 'MAINTAINED_NURSERY', 'SPECIAL', 'PUPIL_REFERRAL_UNIT', 'ACADEMY_CONVERTER',
      'ACADEMY_SPONSOR_LED', 'FREE_SCHOOL', 'PVI_NURSERY', 'DOMESTIC_SETTING', 'CHILDMINDER',
      'INDEPENDENT_SCHOOL_EYFS']) },
  { path: `${at}.phase`, label: 'Phase', type: 'select',
    options: options('PHASE_', ['NURSERY', 'PRIMARY', 'SECONDARY', 'SECONDARY_WITH_SIXTH_FORM',
      'ALL_THROUGH', 'SPECIAL', 'PUPIL_REFERRAL_UNIT', 'EARLY_YEARS']),
    hint: 'Early years for an early-years setting.' },
  { path: `${at}.headteacher_name`, label: 'Headteacher (or manager)', type: 'text' },
  { path: `${at}.chair_of_governors_name`, label: 'Chair of governors', type: 'text' },
  { path: `${at}.trust_name`, label: 'Academy Trust', type: 'text', hint: 'Academies only.' },
  { path: `${at}.learning_network_inspector`, label: 'Learning Network Inspector', type: 'text', hint: 'Maintained schools only.' },
  { path: `${at}.religious_character`, label: 'Religious character', type: 'text', hint: 'For example, Church of England. Empty for none.' },
  { path: `${at}.diocese`, label: 'Diocese', type: 'text' },
  { path: `${at}.postcode`, label: 'Postcode', type: 'text' },
  { path: `${at}.number_of_pupils`, label: 'Number of pupils', type: 'text' },
];

// The forms, by the name in their address. Besides its fields, every command carries the date
// it happened, why, and notes (COMMON).
export const FORMS = {
  RegisterInstitution: {
    title: 'Register an institution',
    fields: [
      { path: 'context.urn', label: 'URN', type: 'text', hint: 'The DfE URN, or the Ofsted EY URN of an early-years setting.' },
      ...details('registered.details'),
    ],
    hint: 'Schools and academies come from the GIAS import; register an early-years setting here.',
  },
  UpdateInstitution: {
    title: 'Update the institution\'s details', fields: details('updated.details'), prefill: 'details',
  },
  RaiseConcern: {
    title: 'Raise a concern',
    fields: [
      triggers('concern', CONCERN_TRIGGERS),
      { path: 'concern.discussed_with_headteacher_on', label: 'Discussed with the headteacher on', type: 'date' },
    ],
  },
  DesignateSchool: {
    title: 'Designate as a school causing concern', check: true,
    next: 'Assign a Lead Officer, who agrees the action plan with the school (R-5, R-9).',
    fields: [
      triggers('designation', CONCERN_TRIGGERS),
      { path: 'designation.letter_sent_on', label: 'Letter to the headteacher and chair of governors sent on', type: 'date' },
      { path: 'designation.discussed_with_headteacher_on', label: 'Discussed with the headteacher on', type: 'date',
        hint: 'Leave empty if the concern recorded it.' },
    ],
  },
  DecideNotToDesignate: {
    title: 'Decide not to designate', check: true, fields: [],
    hint: 'The SRG discussed the concern and decided the school does not need to be on the list. Say why in "Why".',
  },
  AssignLeadOfficer: {
    title: 'Assign a Lead Officer',
    fields: [
      { path: 'lead_officer.lead_officer_id', label: 'Lead Officer', type: 'select', users: 'ROLE_LEAD_OFFICER',
        hint: 'Choosing another officer replaces the one assigned now.' },
      { path: 'lead_officer.kind', label: 'Kind of officer', type: 'select',
        options: options('LEAD_OFFICER_KIND_', ['LEARNING_NETWORK_INSPECTOR', 'BSIP', 'OTHER']) },
    ],
  },
  AgreeActionPlan: { title: 'Agree the action plan', fields: planFields('action_plan.plan') },
  HoldActionPlanReview: {
    title: 'Record an action plan review', confidentialNotes: true, prefill: 'plan:review.plan',
    hint: 'The review agrees the plan\'s next version: it starts as the current version; change what the review changed.',
    fields: [
      { path: 'review.progress', label: 'Progress against the priorities', type: 'radios', options: PROGRESS },
      { path: 'review.attendees', label: 'Attendees', type: 'lines', hint: 'One a line.' },
      ...planFields('review.plan'),
    ],
  },
  IssueStatementOfAction: {
    title: 'Issue the Statement of Action', prefill: 'plan:statement.plan',
    hint: 'It includes the action plan (plan version 1) and is sent to Ofsted (R-13).',
    fields: [
      { path: 'statement.action_period_ends_on', label: 'Period of the action it states ends on', type: 'date' },
      { path: 'statement.parents_informed', label: 'How parents are told and their views sought', type: 'textarea' },
      { path: 'statement.sent_to_ofsted_on', label: 'Sent to Ofsted on', type: 'date' },
      ...planFields('statement.plan'),
    ],
  },
  ShortenStatementOfActionPeriod: {
    title: 'Shorten the period for the Statement of Action',
    fields: [{ path: 'period.due_on', label: 'Statement of Action now due on', type: 'date' }],
  },
  HoldMonitoringAndChallengeMeeting: {
    title: 'Record a Monitoring and Challenge Meeting', confidentialNotes: true,
    fields: [
      { path: 'meeting.progress_towards_good', label: 'Progress towards securely Good', type: 'radios', options: PROGRESS },
      { path: 'meeting.quality_of_la_support', label: 'Quality of the LA\'s monitoring, challenge and support', type: 'textarea',
        hint: 'Confidential with the meeting\'s notes (R-25).' },
      { path: 'meeting.attendees', label: 'Attendees', type: 'lines', hint: 'One a line.' },
    ],
  },
  HoldSchoolProgressReviewTeamMeeting: {
    title: 'Record a School Progress Review Team meeting', confidentialNotes: true,
    fields: [
      { path: 'meeting.progress', label: 'Progress', type: 'radios', options: PROGRESS },
      { path: 'meeting.attendees', label: 'Attendees', type: 'lines', hint: 'One a line.' },
    ],
  },
  HoldQualityAssuranceMeeting: {
    title: 'Record the HoSI\'s quality-assurance meeting with the Lead Officer', fields: [],
    hint: 'One meeting with the Lead Officer covers every school they lead.',
  },
  RecordProgressReport: {
    title: 'Record the Lead Officer\'s progress report', confidentialNotes: true,
    fields: [
      { path: 'report.judgement', label: 'Judgement', type: 'radios', options: PROGRESS },
      { path: 'report.progress_against_plan', label: 'Progress against the action plan', type: 'textarea' },
      { path: 'report.next_steps', label: 'Next steps', type: 'textarea' },
    ],
  },
  RecordSrgReviewOutcome: {
    title: 'Record the SRG review outcome',
    fields: [{ path: 'review.outcome', label: 'Outcome', type: 'radios', options: options('SRG_OUTCOME_', ['CONTINUE', 'REMOVE', 'ESCALATE']) }],
  },
  RecordEngagementConcern: {
    title: 'Record a concern about engagement',
    hint: 'Engagement concerns are grounds to consider a formal warning notice (R-8, R-16).',
    fields: [
      { path: 'concern.kind', label: 'What happened', type: 'radios',
        options: options('ENGAGEMENT_CONCERN_KIND_', ['MISSED_MEETING', 'DOES_NOT_ACCEPT_POSITION',
          'DOES_NOT_USE_LEAD_OFFICER', 'DECLINED_SUPPORT', 'DECLINED_REVIEW', 'NO_PROGRESS_SHOWN']) },
      { path: 'concern.details', label: 'Details', type: 'textarea' },
    ],
  },
  RecordRagRating: {
    title: 'Record the RAG rating and capacity to improve',
    fields: [
      { path: 'rating.rating', label: 'RAG rating', type: 'radios', options: options('RAG_RATING_', ['RED', 'AMBER', 'GREEN']) },
      { path: 'rating.capacity', label: 'Capacity to improve', type: 'radios', options: options('CAPACITY_TO_IMPROVE_', ['SECURE', 'NOT_SECURE']) },
      { path: 'rating.good_but_vulnerable', label: 'Good but vulnerable to Requires Improvement', type: 'radios',
        options: [{ value: 'true', text: 'Yes: visits every half term (R-1)' }, { value: 'false', text: 'No' }] },
    ],
  },
  RemoveFromScc: {
    title: 'Remove from the list of schools causing concern', check: true,
    next: 'The school goes back to being monitored; its history stays on its page.',
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
  RecordVisit: {
    title: 'Record a visit',
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
  RecordNoteOfVisitResponse: {
    title: 'Record the headteacher\'s response to a note of visit',
    fields: [
      { path: 'response.visit_event_id', label: 'Which visit', type: 'select', visits: true,
        hint: 'The visits whose note awaits the headteacher\'s answer.' },
      { path: 'response.status', label: 'The note of visit', type: 'radios',
        options: [{ value: 'NOTE_OF_VISIT_STATUS_AGREED', text: 'Agreed the note' },
          { value: 'NOTE_OF_VISIT_STATUS_DISPUTED', text: 'Disputed the note' }] },
      { path: 'response.comment', label: 'Comment', type: 'textarea', hint: 'Required when the note is disputed: what is not accurate.' },
    ],
  },
  PlaceLegalHold: {
    title: 'Place a legal hold',
    hint: 'While the hold stands, no retention run redacts anything of this institution, whatever the schedules say (docs/data-protection.md).',
    fields: [{ path: 'hold.matter', label: 'What the records are held for', type: 'textarea',
      hint: 'For example: a complaint to the Local Government Ombudsman, a tribunal claim.' }],
  },
  LiftLegalHold: { title: 'Lift the legal hold', fields: [] },
  ProduceLetter: {
    title: 'Produce a letter',
    hint: 'The letter is written from the authority\'s template and this record, and kept in the audit trail as it was produced. Print it, or save it as a PDF, from the page that opens.',
    fields: [
      { path: 'letter.kind', label: 'Which letter', type: 'radios',
        options: [{ value: 'LETTER_KIND_DESIGNATION', text: 'Designation: to the headteacher and the chair of governors (R-5)' },
          { value: 'LETTER_KIND_WARNING_NOTICE', text: 'The formal warning notice in force (R-17)' },
          { value: 'LETTER_KIND_REMOVAL', text: 'Removal from the list (R-14)' }] },
    ],
  },
  // One form per Ofsted framework, all recorded by RecordOfstedOutcome (docs/ofsted.md).
  RecordOfstedOutcome: {
    title: 'Record a graded Ofsted inspection (to August 2024)',
    fields: [
      ...inspection('graded'),
      { path: 'outcome.legacy.overall', label: 'Overall effectiveness', type: 'select', options: GRADES },
      { path: 'outcome.legacy.category', label: 'Category of concern Ofsted published', type: 'select', options: CATEGORIES },
      ...keyJudgements('outcome.legacy.key_judgements'),
    ],
  },
  RecordOfstedUngraded: {
    rpc: 'RecordOfstedOutcome', title: 'Record an Ofsted inspection with no overall grade (September 2024 to November 2025)',
    fields: [
      ...inspection('graded'),
      { path: 'outcome.ungraded.category', label: 'Category of concern Ofsted published', type: 'select', options: CATEGORIES,
        hint: 'Inspectors still placed schools in special measures or requiring significant improvement.' },
      ...keyJudgements('outcome.ungraded.key_judgements'),
    ],
  },
  RecordOfstedReportCard: {
    rpc: 'RecordOfstedOutcome', title: 'Record an Ofsted report card (from November 2025)',
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
    rpc: 'RecordOfstedOutcome', title: 'Record an Ofsted monitoring inspection (no grade)',
    fields: [
      ...inspection('monitoring'),
      { path: 'outcome.monitoring.finding', label: 'What the letter says', type: 'text',
        hint: 'For example, taking effective action. A monitoring inspection carries no grade.' },
    ],
  },
  RecordChildminderOutcome: {
    rpc: 'RecordOfstedOutcome', title: 'Record a childminder\'s outcome (no children on roll)',
    kinds: ['INSTITUTION_KIND_EARLY_YEARS_SETTING'],
    fields: [
      ...inspection('registered provider with no children on roll'),
      { path: 'outcome.registration', label: 'Outcome', type: 'radios',
        options: options('REGISTRATION_OUTCOME_', ['MET', 'NOT_MET_WITH_ACTIONS', 'NOT_MET_WITH_ENFORCEMENT']) },
    ],
  },
  RecordRiseInvolvement: {
    title: 'Record RISE involvement',
    fields: [
      { path: 'involvement.kind', label: 'What RISE is doing', type: 'radios',
        options: options('RISE_INVOLVEMENT_KIND_', ['TARGETED_INTERVENTION', 'UNIVERSAL_SUPPORT',
          'DECISION_NOT_TO_INTERVENE', 'ENDED']) },
      { path: 'involvement.adviser', label: 'RISE adviser', type: 'text' },
      { path: 'involvement.details', label: 'Details', type: 'textarea' },
    ],
  },
  RecordReviewSecured: {
    title: 'Record that a review Ofsted recommended was secured',
    fields: [
      { path: 'review.review', label: 'Review', type: 'radios', options: options('RECOMMENDED_REVIEW_', ['PUPIL_PREMIUM', 'GOVERNANCE']) },
      { path: 'review.commissioned_from', label: 'Commissioned from', type: 'text' },
    ],
  },
  IssueWarningNotice: {
    title: 'Issue a formal warning notice (s60)', check: true,
    next: 'When the compliance period ends, record whether the school complied (R-18).',
    fields: [
      { path: 'warning_notice.grounds', label: 'Statutory grounds', type: 'checkboxes',
        hint: 'Teachers\' pay and conditions is its own notice (s60A): use "Issue a pay and conditions warning notice".',
        options: options('WARNING_NOTICE_GROUND_', ['LOW_STANDARDS', 'MANAGEMENT_OR_GOVERNANCE_BREAKDOWN', 'SAFETY_THREATENED']) },
      { path: 'warning_notice.reason', label: 'Why the notice is needed', type: 'select',
        options: options('WARNING_NOTICE_REASON_', ['NOT_ENGAGED', 'REVIEW_NOT_SECURED',
          'TWELVE_MONTHS_UNLIKELY_GOOD', 'SAFETY_CRISIS', 'OTHER']) },
      { path: 'warning_notice.matters_relied_upon', label: 'Matters the notice relies on', type: 'textarea' },
      { path: 'warning_notice.required_action', label: 'Action required', type: 'textarea' },
      { path: 'warning_notice.compliance_period_ends_on', label: 'Compliance period ends on', type: 'date',
        hint: 'The authority sets the period (Education and Adoption Act 2016).' },
      { path: 'warning_notice.action_minded_to_take', label: 'Action the authority is minded to take if the school does not comply', type: 'textarea' },
      copies('warning_notice'),
    ],
  },
  IssuePayAndConditionsWarningNotice: {
    title: 'Issue a pay and conditions warning notice (s60A)', check: true,
    next: 'When the compliance period ends, record whether the school complied (R-18).',
    fields: [
      { path: 'warning_notice.matters_relied_upon', label: 'The failure to comply with teachers\' pay and conditions', type: 'textarea' },
      { path: 'warning_notice.required_action', label: 'Action required', type: 'textarea' },
      { path: 'warning_notice.compliance_period_ends_on', label: 'Compliance period ends on', type: 'date' },
      copies('warning_notice'),
    ],
  },
  RecordSecretaryOfStateWarningNotice: {
    title: 'Record a warning notice given by the Secretary of State',
    fields: [
      { path: 'notice.grounds', label: 'Grounds', type: 'checkboxes',
        options: options('WARNING_NOTICE_GROUND_', ['LOW_STANDARDS', 'MANAGEMENT_OR_GOVERNANCE_BREAKDOWN', 'SAFETY_THREATENED']) },
      { path: 'notice.compliance_period_ends_on', label: 'In force until', type: 'date',
        hint: 'The authority may not give a notice of its own until then; it ends one the authority gave.' },
      { path: 'notice.details', label: 'Details', type: 'textarea' },
    ],
  },
  DecideNotToIssueWarningNotice: {
    title: 'Decide not to issue a formal warning notice', fields: [],
    hint: 'Give the particular reason (for example, the school is designated and cooperating fully) in "Why".',
  },
  RecordWarningNoticeComplied: { title: 'Record that the school complied with the warning notice', fields: [] },
  RecordWarningNoticeNotComplied: {
    title: 'Record that the school did not comply with the warning notice', check: true, fields: [],
    next: 'Decide whether to use intervention powers: give written notice of the intention, or decide not to (R-18).',
  },
  IssueNoticeOfIntentionToIntervene: {
    title: 'Give written notice of the intention to use intervention powers', check: true,
    fields: [{ path: 'notice.proposed_powers', label: 'Powers the authority proposes to use', type: 'checkboxes', options: POWERS }],
  },
  DecideNotToUseInterventionPowers: { title: 'Decide not to use intervention powers', check: true, fields: [] },
  RecordInterventionConsultation: {
    title: 'Record the consultation before s63 or s65',
    fields: [
      { path: 'consultation.power', label: 'The power consulted on', type: 'radios', options: POWERS.filter((p) => /S63|S65/.test(p.value)) },
      { path: 'consultation.consulted', label: 'Who was consulted', type: 'checkboxes', options: PARTIES,
        hint: 'Always the governing body; for a church school, its diocesan authority (or whoever appoints the foundation governors).' },
      { path: 'consultation.details', label: 'Details', type: 'textarea' },
    ],
  },
  ApplyIntervention: {
    title: 'Use an intervention power', check: true,
    fields: [
      { path: 'intervention.power', label: 'Power', type: 'radios', options: POWERS },
      { path: 'intervention.arrangement', label: 'Arrangement (s63 only)', type: 'select',
        options: options('SECTION63_ARRANGEMENT_', ['ADVISORY_CONTRACT', 'COLLABORATE_WITH_SCHOOL', 'COLLABORATE_WITH_FE_BODY', 'FEDERATION']) },
      { path: 'intervention.details', label: 'Details', type: 'textarea' },
    ],
  },
  EndIntervention: {
    title: 'End an intervention power', check: true,
    fields: [
      { path: 'ending.power', label: 'Power that ends', type: 'radios', options: POWERS },
      { path: 'ending.details', label: 'Details', type: 'textarea', hint: 'For example, the IEB hands back to a new governing body.' },
    ],
  },
  // Academies (R-20): the Trust is accountable; the LA raises concerns, informs the Trust and escalates.
  RaiseConcernWithAcademy: { title: 'Raise a concern with the academy', fields: [triggers('concern', CONCERN_TRIGGERS)] },
  InformTrust: {
    title: 'Inform the Academy Trust',
    fields: [{ path: 'trust.recommended_actions', label: 'Actions the LA recommends to the Trust', type: 'textarea' }],
  },
  RecordTrustPlanShared: {
    title: 'Record that the Trust shared its plan',
    fields: [{ path: 'plan.plan_summary', label: 'What the Trust\'s plan does', type: 'textarea' }],
  },
  EscalateAcademyConcern: {
    title: 'Escalate the concern beyond the Trust', check: true,
    fields: [
      { path: 'escalation.bodies', label: 'Escalated to', type: 'checkboxes',
        options: [{ value: 'ESCALATION_BODY_REGIONAL_DIRECTOR', text: 'Regional Director' },
          { value: 'ESCALATION_BODY_DFE_REGIONS_GROUP', text: 'DfE Regions Group (formerly the ESFA)' },
          { value: 'ESCALATION_BODY_REGIONAL_HMI', text: 'Regional HMI' },
          { value: 'ESCALATION_BODY_RISE', text: 'RISE' }] },
      { path: 'escalation.trust_informed_of_escalation_on', label: 'The Trust was told of the escalation on', type: 'date' },
      { path: 'escalation.attempts_to_agree_action', label: 'Attempts to agree action with the Trust', type: 'textarea' },
    ],
  },
  ResolveAcademyConcern: { title: 'Record that the concern is resolved', check: true, fields: [] },
  // Settings (R-21 - R-23).
  RecordSettingCausingConcern: { title: 'Record a setting causing concern', fields: [triggers('concern', SETTING_TRIGGERS)] },
  AgreeSettingActionPlan: {
    title: 'Agree the setting\'s action plan', prefill: 'plan:action_plan.plan',
    fields: [
      { path: 'action_plan.progress', label: 'Progress since the last version', type: 'radios', options: PROGRESS,
        hint: 'Leave empty for the first plan.' },
      ...planFields('action_plan.plan'),
    ],
  },
  RecordSettingSupportAction: {
    title: 'Record support for the setting',
    fields: [
      { path: 'action.kind', label: 'Support', type: 'radios',
        options: options('SETTING_SUPPORT_ACTION_KIND_', ['FOCUSED_VISITS', 'GOOD_PRACTICE_NETWORK',
          'BESPOKE_TRAINING', 'CLOSE_MONITORING', 'SENDCO_INCLUSION', 'SAFEGUARDING_PARTNERSHIP']) },
      { path: 'action.details', label: 'Details', type: 'textarea' },
    ],
  },
  HoldSettingsCausingConcernMeeting: {
    title: 'Record a settings-causing-concern meeting',
    fields: [{ path: 'meeting.attendees', label: 'Attendees', type: 'lines', hint: 'One a line.' }],
  },
  RemoveSettingFromList: {
    title: 'Remove the setting from the list', check: true,
    fields: [{ path: 'removal.basis', label: 'Why', type: 'radios', options: options('SETTING_REMOVAL_BASIS_', ['PRACTICE_IMPROVED', 'OFSTED_GRADE_CHANGED']) }],
  },
  // The life of an institution (docs/life-cycle.md): facts, dated by "When it happened". None
  // is offered once the institution has closed except the predecessor link.
  RecordClosure: {
    title: 'Record that the institution closed', lifeCycle: true, check: true,
    fields: [
      { path: 'closure.closure_reason', label: 'Reason for closure', type: 'text', hint: 'As GIAS gives it, for example Result of Amalgamation/Merger.' },
      { path: 'closure.successor_urn', label: 'URN of the successor', type: 'text', hint: 'Leave empty if none.' },
      { path: 'closure.link_type', label: 'Link to the successor', type: 'text', hint: 'For example, Successor - merged.' },
    ],
  },
  RecordAcademyConversion: {
    title: 'Record an academy conversion', lifeCycle: true, check: true,
    fields: [
      { path: 'conversion.successor_urn', label: 'URN of the academy', type: 'text' },
      { path: 'conversion.trust_name', label: 'Academy Trust', type: 'text' },
      { path: 'conversion.successor_name', label: 'Name of the academy', type: 'text', hint: 'Leave empty if unchanged.' },
    ],
  },
  RecordAcademyOrderMade: {
    title: 'Record an academy order', lifeCycle: true,
    fields: [{ path: 'order.details', label: 'Details', type: 'textarea', hint: 'For example, the sponsor.' }],
  },
  RecordAcademyOrderRevoked: {
    title: 'Record that the academy order was revoked', lifeCycle: true,
    fields: [{ path: 'revocation.details', label: 'Details', type: 'textarea' }],
  },
  RecordTrustChange: {
    title: 'Record a change of trust', lifeCycle: true,
    fields: [{ path: 'change.trust_name', label: 'New Academy Trust', type: 'text' }],
  },
  LinkPredecessor: {
    title: 'Link to a predecessor', lifeCycle: true, afterClosure: true,
    fields: [
      { path: 'link.predecessor_urn', label: 'URN of the predecessor', type: 'text' },
      { path: 'link.link_type', label: 'Link type', type: 'text', hint: 'For example, Predecessor.' },
      { path: 'link.predecessor_name', label: 'Name of the predecessor', type: 'text' },
    ],
  },
};

export const rpcOf = (name) => FORMS[name].rpc || name;

export const COMMON = [
  { path: 'context.effective_date', label: 'When it happened', type: 'date', hint: 'Leave empty for today.' },
  { path: 'context.reason', label: 'Why (kept in the audit trail)', type: 'textarea',
    hint: 'Every decision records why it was taken (R-24); a fact such as a visit or an inspection needs none.' },
  { path: 'context.notes.text', label: 'Notes', type: 'textarea' },
];

export function requestId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

// The request the form describes, and the dates in it that are not real dates.
export function buildRequest(form, fields, urn) {
  const request = { context: { urn, request_id: requestId() } };
  const problems = readFields(form, [...fields, ...COMMON], request);
  const card = request.outcome && request.outcome.report_card;
  if (card && card.areas) card.areas = card.areas.filter(Boolean);
  if (request.rating && request.rating.good_but_vulnerable !== undefined) {
    request.rating.good_but_vulnerable = request.rating.good_but_vulnerable === 'true';
  }
  const confidential = form.querySelector('[name="context.notes.confidential"]');
  if (confidential && confidential.checked && request.context.notes) request.context.notes.confidential = true;
  return { request, problems };
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

// The forms of the steps the flowchart allows now, as links, for a refusal to point to.
function nextSteps(error, urn, offered) {
  const forms = Object.keys(FORMS).filter((name) => error.allowedNextSteps.includes(rpcOf(name)) && offered.includes(name));
  if (!forms.length) return '';
  return html`<p class="govuk-body govuk-!-margin-top-2 govuk-!-margin-bottom-1">What you can record now${error.state ? ` (${stateName(error.state)})` : ''}:</p>
    <ul class="govuk-list govuk-list--bullet">${forms.map((name) => html`<li><a class="govuk-link" href="#/institutions/${urn}/record/${name}">${FORMS[name].title}</a></li>`)}</ul>`;
}

// The server's refusal, in the form's words: field problems beside their fields and in the
// summary; a rule refusal as the rule's sentence, its number and what can be recorded instead.
export function showRefusal(form, error, urn, offered) {
  const box = document.getElementById('form-errors');
  let items;
  if (error.fieldViolations && error.fieldViolations.length) {
    items = markErrors(form, error.fieldViolations).map((e) => html`<li>${e.href ? html`<a href="${e.href}">${e.text}</a>` : e.text}</li>`);
  } else {
    markErrors(form, []);
    const sentence = (error.description || error.message || '').replace(/^./, (c) => c.toUpperCase());
    items = [html`<li><span class="scc-refusal">${sentence}${/[.!?]$/.test(sentence) ? '' : '.'}
      ${error.rule ? html` <strong class="govuk-tag govuk-tag--red">${error.rule}</strong>` : ''}</span>
      ${error.allowedNextSteps && error.allowedNextSteps.length ? nextSteps(error, urn, offered) : ''}</li>`];
  }
  box.innerHTML = errorSummary(items).text;
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
}

// Sends one command with `button` disabled while it is on its way; the answer goes to
// `recorded`, a refusal to `refused`, and nothing to a page the officer has left.
export async function sendCommand(service, rpc, request, button, recorded, refused) {
  button.disabled = true;
  try {
    recorded(await call(service, rpc, request));
  } catch (error) {
    if (!(error instanceof PageLeft)) refused(error);
  } finally {
    button.disabled = false;
  }
}

// What a form starts from: the current action plan for a review or a new plan version, the
// institution's details for an update.
function prefillValues(spec, institution, events) {
  if (!spec.prefill) return null;
  const values = {};
  if (spec.prefill === 'details') {
    values.updated = { details: snakeCase(institution.details) };
    return values;
  }
  const [, at] = spec.prefill.split(':');
  const current = currentPlan(events);
  if (!current) return null;
  const parts = at.split('.');
  let target = values;
  parts.slice(0, -1).forEach((p) => { target[p] = target[p] || {}; target = target[p]; });
  target[parts[parts.length - 1]] = snakeCase(current.plan);
  return values;
}

function checkAnswers(spec, rows, name) {
  return html`<span class="govuk-caption-l">${name}</span>
    <h1 class="govuk-heading-l">Check your answers: ${spec.title.replace(/^./, (c) => c.toLowerCase())}</h1>
    <p class="govuk-body">This is a statutory or lasting decision. It is recorded with your name and role, and can
      only be corrected afterwards by another record, never deleted.</p>
    <dl class="govuk-summary-list" id="check-answers">
      ${rows.map((r) => html`<div class="govuk-summary-list__row">
        <dt class="govuk-summary-list__key">${r.key}</dt>
        <dd class="govuk-summary-list__value">${r.value}</dd>
        <dd class="govuk-summary-list__actions"><a class="govuk-link" href="${r.href}" data-change="${r.href}">Change<span class="govuk-visually-hidden"> ${r.key}</span></a></dd>
      </div>`)}
    </dl>
    <div class="govuk-button-group">
      <button type="button" class="govuk-button" data-module="govuk-button" id="confirm">Confirm and record</button>
      <a class="govuk-link" href="#" id="back-to-form">Change your answers</a>
    </div>`;
}

function confirmation(spec, institution, eventId) {
  return html`<div class="govuk-panel govuk-panel--confirmation">
      <h1 class="govuk-panel__title">${spec.title}: recorded</h1>
      <div class="govuk-panel__body">Reference<br><strong>${eventId}</strong></div>
    </div>
    <h2 class="govuk-heading-m">What happens next</h2>
    <p class="govuk-body">${spec.next || 'The record is in the audit trail of the institution\'s page, with your name and role.'}</p>
    <p class="govuk-body"><a class="govuk-link" href="#/institutions/${institution.urn}" id="back-to-institution">Back to ${institution.details.name}</a></p>`;
}

// Draws the form of `name` for `institution`; sends it (after "check your answers" where the
// form asks for it) and calls onDone(message) for an ordinary record.
// The visits of `events` whose note of visit awaits the headteacher's answer (R-1).
function awaitingAnswer(events) {
  const answered = new Set(events.filter((e) => e.payload.noteOfVisitResponseRecorded)
    .map((e) => e.payload.noteOfVisitResponseRecorded.visitEventId));
  return events.filter((e) => e.payload.visitRecorded && !answered.has(e.eventId)
    && e.payload.visitRecorded.noteStatus === 'NOTE_OF_VISIT_STATUS_PENDING')
    .map((e) => ({ value: e.eventId, text: `${e.effectiveDate}: visit by ${e.payload.visitRecorded.visitor}` }));
}

// A form's fields with each choice of users (`users`: a role) filled from the directory, and
// of visits (`visits`) from the institution's record `events`.
export async function withUsers(fields, events = []) {
  const roles = [...new Set(fields.filter((f) => f.users).map((f) => f.users))];
  const lists = Object.fromEntries(await Promise.all(roles.map(async (role) =>
    [role, (await call('AdminService', 'ListUsers', { role })).users || []])));
  return fields.map((f) => {
    if (f.users) {
      return { ...f, options: lists[f.users].map((u) => ({ value: u.user, text: u.name ? `${u.name} (${u.user})` : u.user })) };
    }
    return f.visits ? { ...f, options: awaitingAnswer(events) } : f;
  });
}

export async function renderForm(institution, events, name, commands, offered, onDone) {
  const spec = { ...FORMS[name], fields: await withUsers(FORMS[name].fields, events) };
  const command = commands.get(rpcOf(name));
  const title = institution.details.name;
  if (!command) {
    show(html`<a href="#/institutions/${institution.urn}" class="govuk-back-link">Back to ${title}</a>
      <h1 class="govuk-heading-l">${spec.title}</h1>
      <p class="govuk-body" id="not-permitted">Your role does not record this. Ask the Head of School Improvement.</p>`, spec.title);
    return;
  }
  show(html`
    <a href="#/institutions/${institution.urn}" class="govuk-back-link">Back to ${title}</a>
    <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
      <div id="form-errors"></div>
      <div id="form-page">
        ${institution.urn ? html`<span class="govuk-caption-l">${title} (${institution.urn})</span>` : ''}
        <h1 class="govuk-heading-l">${spec.title}</h1>
        ${institution.urn ? html`<p class="govuk-body">Rule: ${command.rule}. Now: ${stateName(institution.state)}.</p>` : ''}
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
            <button type="submit" class="govuk-button" data-module="govuk-button">${spec.check ? 'Continue' : 'Record'}</button>
            <a class="govuk-link" href="#/institutions/${institution.urn}">Cancel</a>
          </div>
        </form>
      </div>
      <div id="check-page" hidden></div>
    </div></div>`, spec.title);
  const form = document.getElementById('decision-form');
  const formPage = document.getElementById('form-page');
  const checkPage = document.getElementById('check-page');
  const values = prefillValues(spec, institution, events);
  if (values) fillFields(form, spec.fields, values);
  wireRepeats(form, spec.fields);

  const backToForm = (focusId) => {
    checkPage.hidden = true;
    formPage.hidden = false;
    document.title = `${spec.title} – Schools and settings causing concern`;
    const target = focusId && document.getElementById(focusId);
    (target || form.querySelector('input, select, textarea')).focus();
  };
  const refused = (error) => {
    backToForm();
    showRefusal(form, error, institution.urn, offered);
    document.title = `Error: ${spec.title} – Schools and settings causing concern`;
  };
  const send = (request, button) => sendCommand(command.service, rpcOf(name), request, button, (result) => {
    if (spec.check) {
      show(confirmation(spec, institution, (result.eventIds || [])[0] || ''), `${spec.title}: recorded`);
    } else {
      onDone(`${spec.title}: recorded.`, request);
    }
  }, refused);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const { request, problems } = buildRequest(form, spec.fields, institution.urn);
    if (problems.length) {
      refused({ fieldViolations: problems });
      return;
    }
    if (!spec.check) {
      send(request, form.querySelector('button[type=submit]'));
      return;
    }
    // The server checks the answers first (validate_only), so that what is shown to confirm is
    // what it will record.
    const button = form.querySelector('button[type=submit]');
    sendCommand(command.service, rpcOf(name), { ...request, context: { ...request.context, validate_only: true } },
      button, () => showCheck(request), refused);
  });
  const showCheck = (request) => {
    document.getElementById('form-errors').innerHTML = '';
    checkPage.innerHTML = checkAnswers(spec, answers(form, [...spec.fields, ...COMMON], request), title).text;
    formPage.hidden = true;
    checkPage.hidden = false;
    document.title = `Check your answers: ${spec.title} – Schools and settings causing concern`;
    const heading = checkPage.querySelector('h1');
    heading.setAttribute('tabindex', '-1');
    heading.focus();
    checkPage.querySelector('#back-to-form').addEventListener('click', (e) => { e.preventDefault(); backToForm(); });
    checkPage.querySelectorAll('[data-change]').forEach((a) => a.addEventListener('click', (e) => {
      e.preventDefault();
      backToForm(a.dataset.change.slice(1));
    }));
    const confirm = checkPage.querySelector('#confirm');
    confirm.addEventListener('click', () => send(request, confirm));
  };
}

