// How the console names the API's enum values and event types for people.

const STATE_NAMES = {
  MONITORED: 'Monitored',
  AT_RISK: 'At risk (for the SRG)',
  DESIGNATED: 'Designated',
  LO_ASSIGNED: 'Lead Officer assigned',
  ACTION_PLAN_ACTIVE: 'Action plan active',
  OFSTED_CATEGORY: 'Ofsted category',
  WARNING_NOTICE: 'Formal warning notice',
  ELIGIBLE_FOR_INTERVENTION: 'Eligible for intervention',
  INTERVENTION: 'Intervention',
  REMOVED: 'Removed from the list',
  CONCERN_RAISED_WITH_SCHOOL: 'Concern raised with school',
  TRUST_INFORMED: 'Trust informed',
  TRUST_PLAN_SHARED: 'Trust plan shared',
  ESCALATED: 'Escalated',
  RESOLVED: 'Resolved',
  CAUSING_CONCERN: 'Causing concern',
  SUPPORT_ACTIVE: 'Support active',
  CLOSED: 'Closed',
};

export const STATES = Object.keys(STATE_NAMES);

// "FLOWCHART_STATE_AT_RISK" or "AT_RISK" -> "AT_RISK".
export function stateKey(value) {
  return String(value || '').replace(/^FLOWCHART_STATE_/, '');
}

export function stateName(value) {
  const key = stateKey(value);
  return STATE_NAMES[key] || sentence(key);
}

// "PHASE_SECONDARY_WITH_SIXTH_FORM" with prefix "PHASE_" -> "Secondary with sixth form".
export function enumName(value, prefix) {
  const bare = String(value || '').replace(prefix, '');
  if (!bare || bare === 'UNSPECIFIED') return '';
  return sentence(bare);
}

const ABBREVIATIONS = /\b(la|lo|srg|scc|bpsi|hmi|hosi|esfa|eyfs|ri|sm|sw|mcm|ieb|fe|rise|ks\d)\b/g;

// "LA_REVIEW" -> "LA review": words in lower case, the rulebook's abbreviations kept.
export function sentence(words) {
  const text = String(words).toLowerCase().replaceAll('_', ' ')
    .replace(ABBREVIATIONS, (a) => a.toUpperCase());
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const ROLE_NAMES = {
  ROLE_HEAD_OF_SCHOOL_IMPROVEMENT: 'Head of School Improvement',
  ROLE_LEAD_OFFICER: 'Lead Officer',
  ROLE_SRG_MEMBER: 'SRG member',
  ROLE_EARLY_YEARS_STANDARDS_TEAM: 'Early Years Standards Team',
  ROLE_AUDITOR: 'Auditor',
  ROLE_REPORT_READER: 'Report reader',
  ROLE_SERVICE_ACCOUNT: 'Service account',
  ROLE_HEADTEACHER: 'Headteacher',
  ROLE_CHAIR_OF_GOVERNORS: 'Chair of governors',
};

export function roleName(role) {
  return ROLE_NAMES[role] || enumName(role, 'ROLE_');
}

// "srg_designated" -> "Srg designated", with the common abbreviations kept.
export function eventName(type) {
  return sentence(type).replace(/\bofsted\b/gi, 'Ofsted').replace(/\brag\b/gi, 'RAG');
}

// "RaiseConcern" -> "Raise concern".
export function rpcName(rpc) {
  return sentence(rpc.replace(/([a-z])([A-Z])/g, '$1_$2')).replace(/\bofsted\b/gi, 'Ofsted');
}

// The category of concern in the law's current words; the old name reads the same.
const CATEGORY_NAMES = {
  OFSTED_CATEGORY_NONE: 'None',
  OFSTED_CATEGORY_SERIOUS_WEAKNESSES: 'Requires significant improvement (formerly serious weaknesses)',
  OFSTED_CATEGORY_REQUIRES_SIGNIFICANT_IMPROVEMENT: 'Requires significant improvement (formerly serious weaknesses)',
  OFSTED_CATEGORY_SPECIAL_MEASURES: 'Special measures',
};

export function categoryName(value) {
  return CATEGORY_NAMES[value] || 'None';
}

export const PHASES = [
  'PHASE_NURSERY', 'PHASE_PRIMARY', 'PHASE_SECONDARY', 'PHASE_SECONDARY_WITH_SIXTH_FORM',
  'PHASE_ALL_THROUGH', 'PHASE_SPECIAL', 'PHASE_PUPIL_REFERRAL_UNIT', 'PHASE_EARLY_YEARS',
];

export const OBLIGATION_TYPES = [
  'OBLIGATION_TYPE_LEAD_OFFICER_MISSING', 'OBLIGATION_TYPE_ACTION_PLAN_MISSING',
  'OBLIGATION_TYPE_STATEMENT_OF_ACTION_MISSING', 'OBLIGATION_TYPE_ACTION_PLAN_REVIEW',
  'OBLIGATION_TYPE_MONITORING_AND_CHALLENGE_MEETING', 'OBLIGATION_TYPE_SRG_REVIEW',
  'OBLIGATION_TYPE_QUALITY_ASSURANCE_MEETING', 'OBLIGATION_TYPE_PROGRESS_REVIEW_TEAM_MEETING',
  'OBLIGATION_TYPE_VISITS', 'OBLIGATION_TYPE_WARNING_NOTICE_CANDIDATE',
  'OBLIGATION_TYPE_REMOVAL_BLOCKED', 'OBLIGATION_TYPE_COMPLIANCE_PERIOD_ENDED',
  'OBLIGATION_TYPE_SETTINGS_MEETING', 'OBLIGATION_TYPE_INTERVENTION_DECISION',
  'OBLIGATION_TYPE_PROGRESS_REPORT', 'OBLIGATION_TYPE_SRG_DECISION', 'OBLIGATION_TYPE_NOTE_OF_VISIT',
  'OBLIGATION_TYPE_WARNING_NOTICE_PROMPT', 'OBLIGATION_TYPE_SETTING_ACTION_PLAN_MISSING',
];

export function obligationName(type) {
  return enumName(type, 'OBLIGATION_TYPE_');
}

// A path in words: "Visitor", "Attendees (2nd)", "Notes".
export function pathWords(path) {
  const last = path.split('.').pop();
  const [, name, index] = last.match(/^(\w+)(?:\[(\d+)\])?$/) || [null, last];
  const words = name.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());
  return index === undefined ? words : `${words} (number ${Number(index) + 1})`;
}
