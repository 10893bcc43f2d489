// Generated SCC event logs for benchmarks: maintained schools with registrations, an SCC
// episode for a third of them, then visits, reviews, Ofsted outcomes and SRG reviews, dated a
// fixed number of days apart from 2024-09-02.
#ifndef SCC_TESTS_BENCH_GENERATED_LOG_H_
#define SCC_TESTS_BENCH_GENERATED_LOG_H_

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/codec/event_codec.h"
#include "services/domain/dates.h"
#include "storage/event_log.h"

namespace scc::bench {

inline void Die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T Must(absl::StatusOr<T> v) {
  if (!v.ok()) Die(v.status().ToString());
  return *std::move(v);
}

inline storage::EventData Encode(const v1::EventPayload& payload, const std::string& date,
                          const std::string& id) {
  v1::EventMetadata m;
  m.set_event_id(id);
  m.set_actor("bench");
  m.set_role(v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT);
  m.set_effective_date(date);
  m.set_reason("generated");
  return {codec::EventType(payload), payload.SerializeAsString(), m.SerializeAsString()};
}

// One institution's stream: registration, then (for a third of them) an SCC cycle, then visits,
// reviews and SRG reviews until it has `count` events. Dates advance a few days per event.
inline std::vector<storage::EventData> Stream(int index, uint64_t count, int spacing_days) {
  std::vector<storage::EventData> events;
  absl::CivilDay day(2024, 9, 2);
  auto add = [&](const v1::EventPayload& p) {
    events.push_back(Encode(p, domain::FormatDate(day), absl::StrCat(index, "-", events.size())));
    day += spacing_days;
  };
  v1::EventPayload p;
  auto* details = p.mutable_institution_registered()->mutable_details();
  details->set_name(absl::StrCat("School ", index));
  details->set_kind(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL);
  details->set_phase(v1::PHASE_PRIMARY);
  add(p);
  const bool scc = index % 3 == 0;
  if (scc && count > 6) {
    v1::Trigger t;
    t.set_trigger(v1::CONCERN_TRIGGER_LA_JUDGES_RI_OR_WORSE);
    t.set_evidence("generated");
    p.Clear();
    *p.mutable_concern_raised()->add_triggers() = t;
    add(p);
    p.Clear();
    *p.mutable_srg_designated()->add_triggers() = t;
    p.mutable_srg_designated()->set_letter_sent_on(domain::FormatDate(day));
    add(p);
    p.Clear();
    p.mutable_lead_officer_assigned()->set_lead_officer_id(absl::StrCat("lo-", index % 40));
    p.mutable_lead_officer_assigned()->set_lead_officer_name("Officer");
    add(p);
    p.Clear();
    p.mutable_action_plan_agreed()->set_version(1);
    p.mutable_action_plan_agreed()->mutable_plan()->add_key_issues("Reading");
    add(p);
  }
  uint32_t version = 1;
  while (events.size() < count) {
    p.Clear();
    switch (events.size() % 4) {
      case 0:
        if (scc) {
          p.mutable_action_plan_review_held()->set_reviewed_version(version);
          p.mutable_action_plan_review_held()->set_new_version(++version);
          break;
        }
        [[fallthrough]];
      case 1:
        p.mutable_visit_recorded()->set_kind(v1::VISIT_KIND_SCHOOL_EFFECTIVENESS);
        p.mutable_visit_recorded()->set_visitor("lni");
        break;
      case 2:
        p.mutable_ofsted_outcome_recorded()->set_inspection_date(domain::FormatDate(day - 5));
        p.mutable_ofsted_outcome_recorded()->mutable_legacy()->set_overall(
            index % 5 == 0 ? v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT : v1::OFSTED_GRADE_GOOD);
        break;
      default:
        if (scc) {
          p.mutable_srg_review_outcome_recorded()->set_outcome(v1::SRG_OUTCOME_CONTINUE);
        } else {
          p.mutable_rag_rating_recorded()->set_rating(v1::RAG_RATING_GREEN);
          p.mutable_rag_rating_recorded()->set_capacity(v1::CAPACITY_TO_IMPROVE_SECURE);
        }
        break;
    }
    add(p);
  }
  return events;
}

inline void Generate(storage::EventLog& log, int institutions, uint64_t total, int spacing_days) {
  const uint64_t per = std::max<uint64_t>(1, total / institutions);
  for (int i = 0; i < institutions; ++i) {
    std::vector<storage::EventData> stream = Stream(i, per, spacing_days);
    for (size_t from = 0; from < stream.size(); from += 500) {
      std::vector<storage::EventData> chunk(stream.begin() + from,
                                            stream.begin() + std::min(stream.size(), from + 500));
      Must(log.Append(codec::StreamName(absl::StrCat(100000 + i)), storage::ExpectedVersion::Any(),
                      std::move(chunk), ""));
    }
    if (i % (institutions / 10 + 1) == 0) {
      std::fprintf(stderr, "\r[bench] generating %d institutions: %d%%", institutions,
                   i * 100 / institutions);
    }
  }
  std::fprintf(stderr, "\r[bench] generated %llu events for %d institutions\n",
               static_cast<unsigned long long>(log.NextPosition()), institutions);
}

}  // namespace scc::bench

#endif  // SCC_TESTS_BENCH_GENERATED_LOG_H_
