// The one mapping from a published Ofsted outcome of any framework (graded, ungraded overall,
// report card, monitoring, childminder registration) to what the rules ask: RI-or-worse (R-3,
// ), Good-or-better (R-15, KPIs), the category of concern the workflow acts on (R-13:
// the published one; a derived one only when the record has none) and, over the whole history,
// "not making necessary improvements" (R-3(a), R-18) and the DfE's "stuck schools".
// docs/ofsted.md explains each. Pure functions; thread-safe once the mapping is installed.
#ifndef SCC_SERVICES_DOMAIN_OFSTED_H_
#define SCC_SERVICES_DOMAIN_OFSTED_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "scc/v1/events.pb.h"

namespace scc::domain {

enum class OfstedFramework {
  kNone,             // no judgement recorded
  kGraded,           // overall effectiveness (to August 2024; early years graded inspections)
  kUngradedOverall,  // key judgements only (September 2024 - November 2025)
  kReportCard,       // report cards (from 10 November 2025)
  kMonitoring,       // no grade
  kRegistration,     // childminders with no children on roll: met / not met
};

// Where RI-or-worse and Good-or-better begin in each framework's scale (1 = best). The
// rulebook's defaults; an LA may change them with a mapping file (ParseOfstedMapping).
// Safeguarding not met / not effective and a category of concern are always RI-or-worse.
struct OfstedMapping {
  int graded_ri_or_worse_from = 3;          // Requires Improvement
  int graded_good_or_better_up_to = 2;      // Good
  int ungraded_ri_or_worse_from = 3;        // any key judgement Requires Improvement
  int ungraded_good_or_better_up_to = 2;    // every key judgement Good or better
  int report_card_ri_or_worse_from = 4;     // any area needs attention
  int report_card_good_or_better_up_to = 3; // every area expected standard or better
};

// Reads a mapping file: lines `key = value`, `#` comments, blank lines. Keys are the field
// names above with dots ("graded.ri_or_worse_from"); values are grades in words
// ("requires improvement", "needs attention") or numbers. Unknown keys, bad values and
// thresholds that overlap are INVALID_ARGUMENT naming the line.
absl::StatusOr<OfstedMapping> ParseOfstedMapping(absl::string_view text);

// The mapping Classify uses without one: the defaults until sccd installs the one it was given
// (once, at startup, before any thread reads it).
void InstallOfstedMapping(const OfstedMapping& mapping);
const OfstedMapping& InstalledOfstedMapping();

struct OfstedSummary {
  OfstedFramework framework = OfstedFramework::kNone;
  bool graded = false;  // carries a judgement (not a monitoring inspection)
  bool ri_or_worse = false;
  bool good_or_better = false;
  // What the workflow acts on: the published category, or the derived one when the record has
  // none (NONE when there is nothing to derive from).
  v1::OfstedCategory category = v1::OFSTED_CATEGORY_NONE;
  v1::OfstedCategory published_category = v1::OFSTED_CATEGORY_UNSPECIFIED;  // as recorded
  v1::OfstedCategory derived_category = v1::OFSTED_CATEGORY_NONE;           // from the grades
  bool category_disagreement = false;  // published and derived differ: shown, not resolved
  bool ri_equivalent = false;  // "Requires Improvement or equivalent" in the DfE's sense
  std::string label;  // e.g. "Requires Improvement", "Report card: lowest urgent improvement"
};

OfstedSummary Classify(const v1::OfstedOutcomeRecorded& outcome, const OfstedMapping& mapping);
OfstedSummary Classify(const v1::OfstedOutcomeRecorded& outcome);  // the installed mapping

// Over an institution's inspections (oldest first), the graded ones only.
struct OfstedHistoryFlags {
  bool not_making_necessary_improvements = false;  // the two most recent below Good
  bool stuck = false;  // latest RI or equivalent and the one before below Good (DfE)
};
OfstedHistoryFlags HistoryFlags(
    const google::protobuf::RepeatedPtrField<v1::OfstedOutcomeRecorded>& history,
    const OfstedMapping& mapping);

// Words for officers: "graded", "requires significant improvement (formerly serious
// weaknesses)".
std::string FrameworkName(OfstedFramework framework);
std::string CategoryName(v1::OfstedCategory category);

// Whether two records describe the same inspection (one entry in the history).
bool SameInspection(const v1::OfstedOutcomeRecorded& a, const v1::OfstedOutcomeRecorded& b);

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_OFSTED_H_
