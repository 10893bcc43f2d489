// Field-by-field checks of any request, by reflection: text lengths, control characters,
// dates (fields named *_on or *_date), known enum values and list lengths, each violation named
// by its path ("designation.triggers[0].evidence"). Commands and queries have their own
// limits. Pure; thread-safe.
//
// Text: no control characters (NUL, escape, U+007F-U+009F...); free text (notes, reasons,
// evidence, plans, descriptions) may also hold line breaks (LF or CR LF) and tabs.
// Dates: real calendar days, from 1900-01-01. In a command, a date of something that happened
// is not after today; a planned date (an action's due_on, a warning notice's
// compliance_period_ends_on) is at most kPlanningYears after today.
#ifndef SCC_SERVICES_DOMAIN_FIELDS_H_
#define SCC_SERVICES_DOMAIN_FIELDS_H_

#include <cstddef>
#include <string>

#include "absl/time/civil_time.h"
#include "google/protobuf/message.h"
#include "services/domain/errors.h"

namespace scc::domain {

struct FieldLimits {
  size_t max_text;      // characters of any text field not named below
  size_t max_reason;    // "reason" fields
  size_t max_notes;     // "text" fields (notes)
  int max_repeated;     // entries of any list
  size_t max_document;  // "html" fields: a letter as the server wrote it
};

// What a command may carry (free text of meetings and plans).
inline constexpr FieldLimits kCommandLimits{10000, 2000, 20000, 200, 200000};
// What a query may carry (URNs, ids, filters, page tokens).
inline constexpr FieldLimits kQueryLimits{256, 256, 256, 1000, 256};

inline constexpr int kPlanningYears = 5;
// The latest planned date a request may carry on `today`: kPlanningYears after it.
absl::CivilDay LatestPlannedDate(absl::CivilDay today);

// Adds a violation to `v` for every set field of `m` (under `prefix`) that breaks `limits`.
void CheckFields(const google::protobuf::Message& m, const std::string& prefix,
                 const FieldLimits& limits, Violations& v);

// CheckFields with kCommandLimits, and the dates bounded by `today` as above.
void CheckCommandFields(const google::protobuf::Message& m, const std::string& prefix,
                        absl::CivilDay today, Violations& v);

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_FIELDS_H_
