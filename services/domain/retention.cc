#include "services/domain/retention.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/domain/dates.h"
#include "services/domain/errors.h"
#include "services/domain/personal_data.h"

namespace scc::domain {
namespace {

constexpr const char* kKinds[] = {"visit_notes", "meeting_notes", "other_notes", "names",
                                  "free_text"};

std::optional<RetentionTrigger> ParseTrigger(absl::string_view word) {
  if (word == "recorded") return RetentionTrigger::kRecorded;
  if (word == "episode_end") return RetentionTrigger::kEpisodeEnd;
  if (word == "closure") return RetentionTrigger::kClosure;
  return std::nullopt;
}

bool EndsAnEpisode(const v1::EventPayload& p) {
  return p.has_scc_removed() || p.has_setting_removed_from_list() || p.has_institution_closed() ||
         p.has_converted_to_academy() || p.has_academy_concern_resolved();
}

}  // namespace

std::string RetentionRule::Describe() const {
  const char* trigger = from == RetentionTrigger::kRecorded     ? "the record's date"
                        : from == RetentionTrigger::kEpisodeEnd ? "the end of the episode"
                                                                : "the institution's closure";
  return absl::StrCat(kind, ": ", years, years == 1 ? " year" : " years", " from ", trigger);
}

absl::StatusOr<std::vector<RetentionRule>> ParseRetentionSchedule(const std::string& text) {
  std::vector<RetentionRule> rules;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    const std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    const std::string where = absl::StrCat("line ", number);
    RetentionRule rule;
    if (words.size() != 3) {
      return InvalidField(where, "want '<kind> <years> <from>', e.g. 'names 6 episode_end'");
    }
    rule.kind = std::string(words[0]);
    if (std::find(std::begin(kKinds), std::end(kKinds), rule.kind) == std::end(kKinds)) {
      return InvalidField(where, absl::StrCat("unknown kind '", rule.kind,
                                              "' (visit_notes, meeting_notes, other_notes, names, "
                                              "free_text)"));
    }
    if (!absl::SimpleAtoi(words[1], &rule.years) || rule.years < 0 || rule.years > 200) {
      return InvalidField(where, absl::StrCat("'", words[1], "' is not a number of years"));
    }
    const std::optional<RetentionTrigger> from = ParseTrigger(words[2]);
    if (!from) {
      return InvalidField(where, absl::StrCat("unknown trigger '", words[2],
                                              "' (recorded, episode_end, closure)"));
    }
    rule.from = *from;
    for (const RetentionRule& earlier : rules) {
      if (earlier.kind == rule.kind) {
        return InvalidField(where, absl::StrCat("'", rule.kind, "' has a rule already"));
      }
    }
    rules.push_back(rule);
  }
  return rules;
}

namespace {

// RetentionKind, with the event's personal data found once (`values`: PersonalDataIn).
std::string KindOf(const StoredEvent& event, const std::string& path,
                   const std::vector<PersonalValue>& values) {
  if (path == "notes") {
    const v1::EventPayload& p = event.payload;
    if (p.has_visit_recorded()) return "visit_notes";
    if (p.has_action_plan_review_held() || p.has_monitoring_and_challenge_meeting_held() ||
        p.has_school_progress_review_team_meeting_held() ||
        p.has_settings_causing_concern_meeting_held()) {
      return "meeting_notes";
    }
    return "other_notes";
  }
  for (const PersonalValue& v : values) {
    if (v.path == path) return v.kind == v1::PERSONAL_DATA_NAME ? "names" : "free_text";
  }
  return "free_text";  // a path the payload does not hold (sections hold set values only)
}

}  // namespace

std::string RetentionKind(const StoredEvent& event, const std::string& path) {
  return KindOf(event, path, PersonalDataIn(event.payload));
}

RetentionClock ClockOf(const std::vector<StoredEvent>& stream) {
  RetentionClock clock;
  ForEachCounting(stream, "", [&](const StoredEvent* counted, const StoredEvent&) {
    if (counted == nullptr) return;
    const v1::EventPayload& p = counted->payload;
    const std::string& on = counted->metadata.effective_date();
    if (EndsAnEpisode(p)) clock.episode_ends.push_back(on);
    if (p.has_institution_closed() || p.has_converted_to_academy()) clock.closed_on = on;
    if (p.has_legal_hold_placed()) clock.held_since = on;
    if (p.has_legal_hold_lifted()) clock.held_since.clear();
  });
  std::sort(clock.episode_ends.begin(), clock.episode_ends.end());
  return clock;
}

std::vector<ExpiredField> Expired(const StoredEvent& event, const RetentionClock& clock,
                                  const std::vector<RetentionRule>& rules, absl::CivilDay today) {
  std::vector<ExpiredField> out;
  if (!clock.held_since.empty()) return out;
  const std::string& on = event.metadata.effective_date();
  if (event.metadata.section_paths().empty()) return out;
  const std::vector<PersonalValue> values = PersonalDataIn(event.payload);
  for (const std::string& path : event.metadata.section_paths()) {
    if (std::find(event.redacted.begin(), event.redacted.end(), path) != event.redacted.end()) {
      continue;
    }
    const std::string kind = KindOf(event, path, values);
    const auto rule = std::find_if(rules.begin(), rules.end(),
                                   [&](const RetentionRule& r) { return r.kind == kind; });
    if (rule == rules.end()) continue;
    std::string from;
    switch (rule->from) {
      case RetentionTrigger::kRecorded:
        from = on;
        break;
      case RetentionTrigger::kEpisodeEnd: {
        const auto end = std::lower_bound(clock.episode_ends.begin(), clock.episode_ends.end(), on);
        if (end != clock.episode_ends.end()) from = *end;
        break;
      }
      case RetentionTrigger::kClosure:
        from = clock.closed_on;
        break;
    }
    const std::optional<absl::CivilDay> start = ParseDate(from);
    if (!start) continue;  // the clock has not started: the episode runs, the school is open
    const absl::CivilDay expires = AddMonths(*start, 12 * rule->years);
    if (expires > today) continue;
    out.push_back({path, &*rule, FormatDate(expires)});
  }
  return out;
}

}  // namespace scc::domain
