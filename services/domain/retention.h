// Retention schedules (docs/data-protection.md; UK GDPR Art. 5(1)(e)): how long each kind of
// personal data in the SCC records is kept, counted from a trigger date, after which a
// retention run redacts it. Legal holds stop the clock for an institution. Pure; thread-safe.
//
// A schedule file has one rule per line, "<kind> <years> <from>", '#' starting a comment:
//   kinds: visit_notes (the notes of visits), meeting_notes (the notes of reviews, MCMs,
//          progress-review and settings meetings), other_notes (every other record's notes),
//          names (people's names), free_text (free-text fields)
//   from:  recorded (the record's own date), episode_end (the end of the SCC episode the
//          record belongs to: removal, closure or conversion), closure (the institution's
//          closure or conversion)
// A kind without a rule is kept.
#ifndef SCC_SERVICES_DOMAIN_RETENTION_H_
#define SCC_SERVICES_DOMAIN_RETENTION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "services/domain/evolve.h"

namespace scc::domain {

enum class RetentionTrigger { kRecorded, kEpisodeEnd, kClosure };

struct RetentionRule {
  std::string kind;  // visit_notes, meeting_notes, other_notes, names, free_text
  int years = 0;
  RetentionTrigger from = RetentionTrigger::kRecorded;
  std::string Describe() const;  // "names: 6 years from the end of the episode"
};

// INVALID_ARGUMENT naming the line for an unknown kind or trigger, a bad number or a kind given
// twice.
absl::StatusOr<std::vector<RetentionRule>> ParseRetentionSchedule(const std::string& text);

// The kind of the personal data at `path` of `event` (a section path, "notes" included).
std::string RetentionKind(const StoredEvent& event, const std::string& path);

// What one institution's stream says for retention: where its episodes ended, when it closed,
// and whether a legal hold is in force (corrections applied: a withdrawn removal ends nothing).
struct RetentionClock {
  std::vector<std::string> episode_ends;  // YYYY-MM-DD, in order
  std::string closed_on;
  std::string held_since;                 // a legal hold in force
};
RetentionClock ClockOf(const std::vector<StoredEvent>& stream);

// A field whose retention has run out.
struct ExpiredField {
  std::string path;
  const RetentionRule* rule = nullptr;
  std::string expired_on;  // YYYY-MM-DD
};

// The kept personal data of `event` whose rule has run out by `today` (none under a hold).
std::vector<ExpiredField> Expired(const StoredEvent& event, const RetentionClock& clock,
                                  const std::vector<RetentionRule>& rules, absl::CivilDay today);

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_RETENTION_H_
