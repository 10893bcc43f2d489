// R-25 (with ): what is confidential in an event and who may read it. The notes of
// action-plan reviews and monitoring-and-challenge meetings are confidential whatever the
// caller says, and so is an MCM's assessment of the LA's support; only the roles that work
// with the institution, and auditors, may read confidential notes. Pure functions; thread-safe.
#ifndef SCC_SERVICES_DOMAIN_CONFIDENTIALITY_H_
#define SCC_SERVICES_DOMAIN_CONFIDENTIALITY_H_

#include "scc/v1/common.pb.h"
#include "scc/v1/events.pb.h"

namespace scc::domain {

// Whether `role` may read confidential notes.
bool MayReadConfidential(v1::Role role);

// Whether an event with this payload has confidential notes whatever the command says: an
// action-plan review or an MCM, or a correction that replaces the record of one.
bool NotesAlwaysConfidential(const v1::EventPayload& payload);

// Removes from an event's `notes` and `payload` what `reader` may not see: the text of
// confidential notes (leaving confidential set) and the MCM's assessment of the LA's support,
// also in a correction's replacement. Returns whether anything was removed.
bool RedactFor(v1::Role reader, v1::Notes& notes, v1::EventPayload& payload);

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_CONFIDENTIALITY_H_
