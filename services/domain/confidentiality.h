// what is confidential in an event and who may read it. The confidential fields are
// marked in the contract ((scc.v1.confidential) in proto/scc/v1/options.proto): the school's
// plan (action plans, Statements of Action) and the LA's record of a meeting (progress
// judgements, attendees, the MCM's view of the LA's support). A meeting's notes (reviews, MCMs,
// progress-review meetings) are confidential whatever the caller says, and so are notes flagged
// confidential; they count as the LA's record. Who may read each kind, and for which
// institutions, is one table (confidentiality.cc; docs/authorization.md is rendered from it):
// the HoSI, the SRG and auditors everywhere; a Lead Officer, the Early Years team, a
// headteacher or chair only where they work (WorksWith in authorization.h), a school's people
// the plan only; report readers and other systems none of it. Pure functions; thread-safe.
#ifndef SCC_SERVICES_DOMAIN_CONFIDENTIALITY_H_
#define SCC_SERVICES_DOMAIN_CONFIDENTIALITY_H_

#include <string>
#include <vector>

#include "scc/v1/common.pb.h"
#include "scc/v1/events.pb.h"
#include "scc/v1/options.pb.h"

namespace scc::domain {

// Who reads, and whether they work with the institution the content is about (WorksWith).
struct Reader {
  v1::Role role = v1::ROLE_UNSPECIFIED;
  bool works_with = false;
};

// Whether `reader` may see content of `kind` (CONFIDENTIALITY_UNSPECIFIED: anyone may).
bool MayRead(const Reader& reader, v1::Confidentiality kind);

// Whether the notes of an event with this payload are confidential whatever the command says:
// an action-plan review, an MCM or a progress-review meeting, or a correction that replaces
// the record of one.
bool NotesAlwaysConfidential(const v1::EventPayload& payload);

// What WithholdFrom left out.
struct Withheld {
  bool notes = false;               // the text of confidential notes
  std::vector<std::string> fields;  // marked payload fields, e.g. "action_plan_agreed.plan"
};

// Removes from an event's `notes` and `payload` what `reader` may not see: the text of
// confidential notes (leaving confidential set) and every marked field of a kind they may not
// read, also inside a correction's replacement ("event_corrected.replacement.…").
Withheld WithholdFrom(const Reader& reader, v1::Notes& notes, v1::EventPayload& payload);

// The table as Markdown (kind of content, then one column per role, cells "yes", "no", "led
// only", "settings only", "own school"), and the marked fields of each kind: the confidential
// content section of docs/authorization.md.
std::string ConfidentialityMarkdown();

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_CONFIDENTIALITY_H_
