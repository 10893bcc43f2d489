// The HTTP/JSON API of sccd (docs/http-api.md): one POST per RPC, as the browser's session
// (an HttpOnly cookie no script can read, docs/sign-in.md); errors as ApiError carrying the
// rule, the allowed next steps and the field violations the server attached.

// Opens a session with an access token: the server checks it and sets the session cookie; the
// token itself is forgotten here. Resolves to the CallerIdentity.
export async function signInWithToken(value) {
  const response = await fetch('/auth/token', { method: 'POST', headers: { Authorization: `Bearer ${value}` } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body.error || {});
  return body;
}

// Ends the session on the server (and so its cookie).
export async function signOut() {
  await fetch('/auth/logout', { method: 'POST' }).catch(() => null);
  sessionStorage.clear();
}

export class ApiError extends Error {
  constructor(httpStatus, error) {
    super(error.message || `HTTP ${httpStatus}`);
    this.httpStatus = httpStatus;
    this.status = error.status || '';
    this.fieldViolations = [];
    this.rule = '';
    this.description = '';  // the rule's refusal as a sentence, without the rule or the state
    this.allowedNextSteps = [];
    this.state = '';
    for (const detail of error.details || []) {
      const type = detail['@type'] || '';
      if (type.endsWith('google.rpc.BadRequest')) {
        this.fieldViolations.push(...(detail.fieldViolations || []));
      } else if (type.endsWith('google.rpc.PreconditionFailure')) {
        const violation = (detail.violations || [])[0];
        if (violation) {
          this.rule = violation.type || violation.subject || '';
          this.description = violation.description || '';
        }
      } else if (type.endsWith('google.rpc.ErrorInfo')) {
        const metadata = detail.metadata || {};
        if (metadata.rule) this.rule = metadata.rule;
        if (metadata.state) this.state = metadata.state;
        if (metadata.allowed_next_steps) {
          this.allowedNextSteps = metadata.allowed_next_steps.split(',').map((s) => s.trim()).filter(Boolean);
        }
      }
    }
  }
}

// Thrown by call() when the user moved to another page while the answer was on its way: the
// answer belongs to a page no longer shown, and drawing it would replace the page they are on.
export class PageLeft extends Error {
  constructor() {
    super('The page was left before its answer arrived');
  }
}

let pageNumber = 0;  // which page the console shows; startPage() moves it on

// Called by the router each time it begins drawing a page.
export function startPage() {
  pageNumber += 1;
}

// Read-your-writes: the log position of the last command this console recorded (a CommandResult's
// global_position, kept in memory only). Reads of the read model made with afterOwnWrites wait
// until the projection has applied it (QueryOptions.min_position), so the page drawn after a
// record shows what was recorded even when the projection is a moment behind the log.
let lastWritten = 0n;

function noteWritten(position) {
  const at = BigInt(position);
  if (at > lastWritten) lastWritten = at;
}

// `request` for a projection read (GetInstitution, ListInstitutions, ListObligations), with
// options.min_position set to the last position this console wrote, when it wrote anything.
export function afterOwnWrites(request = {}) {
  if (lastWritten === 0n) return request;
  return { ...request, options: { ...(request.options || {}), minPosition: lastWritten.toString() } };
}

// Calls `service`.`method` (e.g. 'AuditService', 'GetHistory') with `request`; resolves to the
// response message, or rejects with ApiError (or PageLeft, when a new page started meanwhile).
export async function call(service, method, request = {}) {
  const startedOn = pageNumber;
  const response = await fetch(`/v1/scc.v1.${service}/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(request),
  });
  const body = await response.json().catch(() => ({}));
  if (response.ok && body.globalPosition && !body.validatedOnly) noteWritten(body.globalPosition);
  if (startedOn !== pageNumber) throw new PageLeft();
  if (!response.ok) throw new ApiError(response.status, body.error || {});
  return body;
}

// Every page of a paginated list: `field` holds the items.
export async function callAllPages(service, method, request, field) {
  const items = [];
  let pageToken = '';
  do {
    const page = await call(service, method, { ...request, pageToken });
    items.push(...(page[field] || []));
    pageToken = page.nextPageToken || '';
  } while (pageToken);
  return items;
}
