#include "tests/bench/scc_workload.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/domain/dates.h"
#include "services/domain/domain_test_util.h"

namespace scc::bench {

SccWorkload::SccWorkload(int institutions, std::string run_id)
    : run_id_(std::move(run_id)), steps_(institutions, 0) {}

v1::BulkCommand SccWorkload::Next(int index) {
  namespace t = domain::testing;
  const uint32_t step = steps_[index]++;
  v1::BulkCommand command;
  v1::CommandContext& context = *command.mutable_context();
  context.set_urn(absl::StrCat(300000 + index));
  context.set_request_id(absl::StrCat(run_id_, "-", index, "-", step));
  context.set_reason("Recorded by the termly SCC cycle");
  static const char* const kCycleDates[] = {"2024-09-01", "2024-09-20", "2024-10-01",
                                            "2024-10-05", "2024-10-20"};
  v1::EventPayload& payload = *command.mutable_payload();
  switch (step) {
    case 0: payload = t::Register(); break;
    case 1: payload = t::RaiseConcern(); break;
    case 2: payload = t::Designate(); break;
    case 3: payload = t::AssignLeadOfficer(); break;
    case 4: payload = t::AgreePlan(); break;
    default:
      payload = step % 3 == 0 ? t::Review() : step % 3 == 1 ? t::Mcm() : t::Visit();
      break;
  }
  const uint32_t cycle = sizeof(kCycleDates) / sizeof(kCycleDates[0]);
  context.set_effective_date(step < cycle ? kCycleDates[step]
                                          : domain::FormatDate(absl::CivilDay(2024, 12, 10) +
                                                               (step - cycle)));
  return command;
}

}  // namespace scc::bench
