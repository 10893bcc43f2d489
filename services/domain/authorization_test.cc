// The authorization matrix and the reach of the Lead Officer and Early Years Standards Team
// roles, with no I/O; docs/authorization.md must be the matrix the code enforces.
#include "services/domain/authorization.h"

#include <fstream>
#include <set>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/domain/domain_test_util.h"
#include "services/domain/errors.h"

namespace scc::domain {
namespace {

using ::testing::HasSubstr;
using testing::AssignLeadOfficer;
using testing::Register;
using testing::Workflow;

Command As(const std::string& user, v1::Role role, const v1::EventPayload& payload) {
  Command command;
  command.context.set_urn(testing::kUrn);
  command.actor = user;
  command.role = role;
  command.payload = payload;
  return command;
}

// A maintained school whose named Learning Network Inspector is `lni`, designated and with
// `lead_officer` assigned (none when empty).
InstitutionState School(const std::string& lni, const std::string& lead_officer) {
  Workflow w;
  v1::EventPayload registration = Register();
  registration.mutable_institution_registered()->mutable_details()->set_learning_network_inspector(lni);
  w.Must(registration, "2024-09-01");
  w.Must(testing::RaiseConcern(), "2024-09-25");
  w.Must(testing::Designate(), "2024-10-01");
  if (!lead_officer.empty()) w.Must(AssignLeadOfficer(lead_officer), "2024-10-07");
  return w.state();
}

TEST(AuthorizationTest, DocumentMatchesTheCode) {
  std::ifstream in(AUTHORIZATION_DOC);
  ASSERT_TRUE(in) << "cannot read " << AUTHORIZATION_DOC;
  std::stringstream text;
  text << in.rdbuf();
  const std::string table = AuthorizationMarkdown();
  EXPECT_NE(text.str().find(table), std::string::npos)
      << "docs/authorization.md is out of date; replace its table with:\n" << table;
}

TEST(AuthorizationTest, DocumentSaysWhoReadsConfidentialContent) {
  std::ifstream in(AUTHORIZATION_DOC);
  std::stringstream text;
  text << in.rdbuf();
  const std::string table = ConfidentialityMarkdown();
  EXPECT_NE(text.str().find(table), std::string::npos)
      << "docs/authorization.md is out of date; replace its Confidential content table with:\n"
      << table;
}

TEST(AuthorizationTest, DocumentSaysHowCorrectionsAreAuthorized) {
  std::ifstream in(AUTHORIZATION_DOC);
  std::stringstream text;
  text << in.rdbuf();
  const std::string table = CorrectionMarkdown();
  EXPECT_NE(text.str().find(table), std::string::npos)
      << "docs/authorization.md is out of date; replace its CorrectEvent table with:\n" << table;
}

TEST(AuthorizationTest, EveryRecordedKindCanBeCorrectedByItsCommandsRoles) {
  const std::vector<v1::EventPayload::KindCase> kinds = CorrectableKinds();
  // Less CorrectEvent and RedactEvent, plus the reassignment.
  EXPECT_EQ(kinds.size(), Commands().size() - 1);
  for (v1::EventPayload::KindCase kind : kinds) {
    ASSERT_NE(RecordingCommand(kind), nullptr) << EventKindName(kind);
  }
  EXPECT_STREQ(RecordingCommand(v1::EventPayload::kLeadOfficerReassigned)->rpc,
               "AssignLeadOfficer");
  EXPECT_EQ(EventKindName(v1::EventPayload::kWarningNoticeIssued), "WarningNoticeIssued");
}

// A correction of `corrected` (an event of the school's stream) by `user` in `role`.
Command Correction(const std::string& user, v1::Role role, const StoredEvent& corrected) {
  Command command = As(user, role, testing::Correct(corrected.metadata.event_id(), nullptr));
  command.corrected = corrected;
  return command;
}

TEST(AuthorizationTest, ACorrectionIsAuthorizedAsTheCommandThatRecordedTheEvent) {
  Workflow w;
  v1::EventPayload registration = Register();
  registration.mutable_institution_registered()->mutable_details()->set_learning_network_inspector(
      "lo-ann");
  w.Must(registration, "2024-09-01");
  w.Must(testing::RaiseConcern(), "2024-09-25");
  w.Must(testing::Designate(), "2024-10-01");
  w.Must(AssignLeadOfficer("lo-ann"), "2024-10-07");
  w.Must(AssignLeadOfficer("lo-raj"), "2024-10-08");
  w.Must(testing::Visit(), "2024-10-09");
  w.Must(testing::AgreePlan(), "2024-10-20");
  w.Must(testing::WarningNotice("2025-12-15"), "2025-10-01");
  const std::vector<StoredEvent> events = w.events();
  const StoredEvent &assigned = events[3], &reassigned = events[4], &visit = events[5],
                    &notice = events[7];
  ASSERT_TRUE(reassigned.payload.has_lead_officer_reassigned());
  const InstitutionState& school = w.state();
  const v1::Role lo = v1::ROLE_LEAD_OFFICER;

  // A Lead Officer may not call AssignLeadOfficer, so may not correct an assignment either.
  for (const StoredEvent* e : {&assigned, &reassigned}) {
    const absl::Status denied = AuthorizeCommandScope(school, Correction("lo-ann", lo, *e));
    EXPECT_TRUE(absl::IsPermissionDenied(denied)) << denied;
    EXPECT_THAT(denied.message(),
                HasSubstr("may not correct " + EventKindName(e->payload.kind_case()) + " events"));
    EXPECT_THAT(denied.message(), HasSubstr("lead_officer may not call AssignLeadOfficer"));
  }
  // The warning notice is the head of school improvement's alone (the compliance date too).
  for (v1::Role role : {v1::ROLE_SRG_MEMBER, v1::ROLE_SERVICE_ACCOUNT, lo,
                        v1::ROLE_EARLY_YEARS_STANDARDS_TEAM}) {
    const absl::Status denied = AuthorizeCommandScope(school, Correction("x", role, notice));
    EXPECT_TRUE(absl::IsPermissionDenied(denied)) << RoleName(role);
    EXPECT_THAT(denied.message(), HasSubstr("may not call IssueWarningNotice"));
  }
  EXPECT_TRUE(AuthorizeCommandScope(
                  school, Correction("hosi", v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, notice))
                  .ok());
  EXPECT_TRUE(AuthorizeCommandScope(school, Correction("srg", v1::ROLE_SRG_MEMBER, assigned)).ok());

  // And with the same reach: her own school's visit, not another's.
  EXPECT_TRUE(AuthorizeCommandScope(school, Correction("lo-ann", lo, visit)).ok());
  const absl::Status other = AuthorizeCommandScope(school, Correction("lo-bob", lo, visit));
  EXPECT_TRUE(absl::IsPermissionDenied(other));
  EXPECT_THAT(other.message(), HasSubstr("does not lead"));
  EXPECT_THAT(other.message(),
              HasSubstr("CorrectEvent of VisitRecorded, authorized as RecordVisit"));
  // The Early Years Standards Team corrects settings' records only.
  const absl::Status ey = AuthorizeCommandScope(
      school, Correction("ey", v1::ROLE_EARLY_YEARS_STANDARDS_TEAM, visit));
  EXPECT_TRUE(absl::IsPermissionDenied(ey));
  EXPECT_THAT(ey.message(), HasSubstr("early-years settings only"));
  Workflow setting;
  setting.Must(Register(v1::INSTITUTION_KIND_EARLY_YEARS_SETTING), "2024-09-01");
  setting.Must(testing::Visit(), "2024-09-02");
  EXPECT_TRUE(AuthorizeCommandScope(setting.state(),
                                    Correction("ey", v1::ROLE_EARLY_YEARS_STANDARDS_TEAM,
                                               setting.events().back()))
                  .ok());
}

TEST(AuthorizationTest, MatrixNamesEveryCommandAndEachRpcOnce) {
  const std::vector<std::string> rpcs = MatrixRpcs();
  const std::set<std::string> unique(rpcs.begin(), rpcs.end());
  EXPECT_EQ(unique.size(), rpcs.size());
  for (const CommandSpec* spec : Commands()) EXPECT_TRUE(unique.count(spec->rpc)) << spec->rpc;
  for (const char* read : {"GetHistory", "Watch", "ReadEvents", "VerifyLog", "SearchAudit",
                           "GenerateTermReport", "GetServerStatus", "RebuildProjections"}) {
    EXPECT_TRUE(unique.count(read)) << read;
  }
}

TEST(AuthorizationTest, ReachOfEachKindOfRole) {
  EXPECT_EQ(ReachOf(v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, "IssueWarningNotice"), Reach::kAll);
  EXPECT_EQ(ReachOf(v1::ROLE_LEAD_OFFICER, "AgreeActionPlan"), Reach::kLedInstitutions);
  EXPECT_EQ(ReachOf(v1::ROLE_LEAD_OFFICER, "DesignateSchool"), Reach::kNone);
  EXPECT_EQ(ReachOf(v1::ROLE_EARLY_YEARS_STANDARDS_TEAM, "RecordVisit"), Reach::kSettings);
  EXPECT_EQ(ReachOf(v1::ROLE_EARLY_YEARS_STANDARDS_TEAM, "RaiseConcern"), Reach::kNone);
  // Read-only roles record nothing.
  for (const CommandSpec* spec : Commands()) {
    EXPECT_EQ(ReachOf(v1::ROLE_AUDITOR, spec->rpc), Reach::kNone) << spec->rpc;
    EXPECT_EQ(ReachOf(v1::ROLE_REPORT_READER, spec->rpc), Reach::kNone) << spec->rpc;
  }
  EXPECT_EQ(ReachOf(v1::ROLE_AUDITOR, "ReadEvents"), Reach::kAll);
  EXPECT_EQ(ReachOf(v1::ROLE_REPORT_READER, "GenerateTermReport"), Reach::kAll);
  EXPECT_EQ(ReachOf(v1::ROLE_REPORT_READER, "Watch"), Reach::kNone);
  EXPECT_EQ(ReachOf(v1::ROLE_LEAD_OFFICER, "ReadEvents"), Reach::kNone);
  EXPECT_EQ(ReachOf(v1::ROLE_AUDITOR, "RebuildProjections"), Reach::kNone);
  EXPECT_EQ(ReachOf(v1::ROLE_SERVICE_ACCOUNT, "RebuildProjections"), Reach::kAll);
  // Unknown RPCs and roles are refused.
  EXPECT_EQ(ReachOf(v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, "DropEverything"), Reach::kNone);
  EXPECT_EQ(ReachOf(v1::ROLE_UNSPECIFIED, "GetHistory"), Reach::kNone);
  EXPECT_EQ(ReachOf(static_cast<v1::Role>(99), "GetHistory"), Reach::kNone);
}

TEST(AuthorizationTest, AuthorizeCallNamesRoleRpcAndUser) {
  EXPECT_TRUE(AuthorizeCall("hosi", v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, "ApplyIntervention").ok());
  const absl::Status denied = AuthorizeCall("board", v1::ROLE_REPORT_READER, "ReadEvents");
  EXPECT_TRUE(absl::IsPermissionDenied(denied));
  EXPECT_THAT(denied.message(), HasSubstr("role report_reader may not call ReadEvents"));
  EXPECT_THAT(denied.message(), HasSubstr("board"));
}

TEST(AuthorizationTest, LeadOfficerWritesOnlyForTheInstitutionsTheyLead) {
  const v1::Role lo = v1::ROLE_LEAD_OFFICER;
  // Its Lead Officer, or its named LNI, may write; anybody else may not.
  EXPECT_TRUE(AuthorizeCommandScope(School("lo-lni", "lo-ann"), As("lo-ann", lo, testing::Visit())).ok());
  EXPECT_TRUE(AuthorizeCommandScope(School("lo-ann", ""), As("lo-ann", lo, testing::Visit())).ok());
  const absl::Status denied =
      AuthorizeCommandScope(School("lo-lni", "lo-raj"), As("lo-ann", lo, testing::AgreePlan()));
  EXPECT_TRUE(absl::IsPermissionDenied(denied));
  EXPECT_THAT(denied.message(), HasSubstr("Lead Officer lo-ann does not lead 100001"));
  EXPECT_THAT(denied.message(), HasSubstr("lo-raj"));
  EXPECT_THAT(denied.message(), HasSubstr("AgreeActionPlan"));
  EXPECT_TRUE(absl::IsPermissionDenied(
      AuthorizeCommandScope(School("", ""), As("lo-ann", lo, testing::RaiseConcern()))));
  // A reassignment moves the reach with it.
  InstitutionState reassigned = School("lo-lni", "lo-ann");
  reassigned.mutable_episode()->mutable_lead_officer()->set_lead_officer_id("lo-raj");
  EXPECT_TRUE(absl::IsPermissionDenied(
      AuthorizeCommandScope(reassigned, As("lo-ann", lo, testing::Review()))));
  // Not registered: Decide answers NOT_FOUND, not a denial that would hide it.
  EXPECT_TRUE(AuthorizeCommandScope(InstitutionState(), As("lo-ann", lo, testing::Visit())).ok());
  // Other roles are not limited.
  EXPECT_TRUE(AuthorizeCommandScope(School("", ""), As("hosi", v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT,
                                                       testing::AgreePlan()))
                  .ok());
}

TEST(AuthorizationTest, EarlyYearsTeamWritesOnlyForSettings) {
  const v1::Role ey = v1::ROLE_EARLY_YEARS_STANDARDS_TEAM;
  Workflow setting;
  setting.Must(Register(v1::INSTITUTION_KIND_EARLY_YEARS_SETTING), "2024-09-01");
  EXPECT_TRUE(AuthorizeCommandScope(setting.state(), As("ey", ey, testing::Visit())).ok());
  const absl::Status denied =
      AuthorizeCommandScope(School("", ""), As("ey", ey, testing::Visit()));
  EXPECT_TRUE(absl::IsPermissionDenied(denied));
  EXPECT_THAT(denied.message(), HasSubstr("early-years settings only"));
  // A registration is judged by the kind it registers.
  const InstitutionState none;
  EXPECT_TRUE(AuthorizeCommandScope(
                  none, As("ey", ey, Register(v1::INSTITUTION_KIND_EARLY_YEARS_SETTING)))
                  .ok());
  EXPECT_TRUE(absl::IsPermissionDenied(
      AuthorizeCommandScope(none, As("ey", ey, Register(v1::INSTITUTION_KIND_ACADEMY)))));
}

TEST(AuthorizationTest, ScopeRefusesARoleTheTableRefuses) {
  EXPECT_TRUE(absl::IsPermissionDenied(AuthorizeCommandScope(
      School("", ""), As("auditor", v1::ROLE_AUDITOR, testing::Visit()))));
}

}  // namespace
}  // namespace scc::domain
