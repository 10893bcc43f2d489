// What the domain stamps on a recorded event and what it hides from readers: the pure
// functions the command handler and the event codec call.
#include "services/domain/event_metadata.h"

#include "gtest/gtest.h"
#include "services/domain/domain_test_util.h"

namespace scc::domain {
namespace {

namespace t = testing;

Command CommandWith(const v1::EventPayload& payload, bool confidential) {
  Command command;
  command.payload = payload;
  command.actor = "ann@la.gov.uk";
  command.role = v1::ROLE_LEAD_OFFICER;
  command.context.set_urn(t::kUrn);
  command.context.set_request_id("req-1");
  command.context.set_reason("typo in the visitor's name");
  command.context.mutable_notes()->set_text("the head was candid");
  command.context.mutable_notes()->set_confidential(confidential);
  command.context.set_correlation_id("corr-7");
  command.context.set_causation_id("cause-3");
  return command;
}

TEST(StampEventTest, NamesTheCallerFromCredentialsAndCarriesTheContext) {
  Command command = CommandWith(t::Visit(), /*confidential=*/false);
  command.context.set_effective_date("2026-11-02");
  const v1::EventMetadata m = StampEvent(command, command.payload, "id-0", "hash", t::kToday);
  EXPECT_EQ(m.event_id(), "id-0");
  EXPECT_EQ(m.actor(), "ann@la.gov.uk");
  EXPECT_EQ(m.role(), v1::ROLE_LEAD_OFFICER);
  EXPECT_EQ(m.effective_date(), "2026-11-02");
  EXPECT_EQ(m.reason(), "typo in the visitor's name");
  EXPECT_EQ(m.notes().text(), "the head was candid");
  EXPECT_FALSE(m.notes().confidential());
  EXPECT_EQ(m.correlation_id(), "corr-7");
  EXPECT_EQ(m.causation_id(), "cause-3");
  EXPECT_EQ(m.command_hash(), "hash");
}

TEST(StampEventTest, ACommandWithoutAnEffectiveDateTakesEffectToday) {
  const Command command = CommandWith(t::Visit(), false);
  EXPECT_EQ(StampEvent(command, command.payload, "id", "h", t::kToday).effective_date(),
            "2026-11-23");
}

TEST(StampEventTest, NotesOfReviewsAndMeetingsAreConfidentialWhateverTheCommandSays) {
  for (const v1::EventPayload& payload : {t::Review(), t::Mcm()}) {
    const Command command = CommandWith(payload, /*confidential=*/false);
    EXPECT_TRUE(StampEvent(command, payload, "id", "h", t::kToday).notes().confidential())
        << payload.ShortDebugString();
  }
  const v1::EventPayload mcm = t::Mcm();
  const v1::EventPayload correction = t::Correct("mcm-id", &mcm);
  EXPECT_TRUE(StampEvent(CommandWith(correction, false), correction, "id", "h", t::kToday)
                  .notes()
                  .confidential());
  const v1::EventPayload visit = t::Visit();
  EXPECT_FALSE(StampEvent(CommandWith(visit, false), visit, "id", "h", t::kToday)
                   .notes()
                   .confidential());
  EXPECT_TRUE(StampEvent(CommandWith(visit, true), visit, "id", "h", t::kToday)
                  .notes()
                  .confidential());
}

}  // namespace
}  // namespace scc::domain
