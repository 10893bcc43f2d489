// The authority's letters from the templates shipped in deploy/letters, and a template with a
// typo, which stops the server at start.
#include "services/reports/letters.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace scc::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::InstitutionState School() {
  v1::InstitutionState s;
  s.set_registered(true);
  s.set_urn("100001");
  s.set_state(v1::FLOWCHART_STATE_DESIGNATED);
  v1::InstitutionDetails& d = *s.mutable_details();
  d.set_name("Riverside <Primary> & Nursery");
  d.set_kind(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL);
  d.set_headteacher_name("Jo Bloggs");
  d.set_chair_of_governors_name("Pat Chair");
  v1::SccEpisode& e = *s.mutable_episode();
  e.set_designated_on("2026-10-02");
  e.add_triggers()->set_trigger(v1::CONCERN_TRIGGER_OFSTED_BELOW_GOOD);
  e.mutable_lead_officer()->set_lead_officer_name("Ann Okafor");
  return s;
}

absl::StatusOr<LetterBook> Book() { return LetterBook::Load(SCC_LETTERS_DIR, "Demo Borough Council"); }

TEST(LettersTest, TheDesignationLetterNamesTheSchoolReasonsAndLeadOfficerEscaped) {
  absl::StatusOr<LetterBook> book = Book();
  ASSERT_TRUE(book.ok()) << book.status();
  v1::LetterProduced letter;
  letter.set_kind(v1::LETTER_KIND_DESIGNATION);
  ASSERT_TRUE(book->Write(School(), absl::CivilDay(2026, 10, 5), "2026-10-30", letter).ok());
  EXPECT_THAT(letter.html(), HasSubstr("Riverside &lt;Primary&gt; &amp; Nursery"));
  EXPECT_THAT(letter.html(), Not(HasSubstr("<Primary>")));
  EXPECT_THAT(letter.html(), HasSubstr("Ann Okafor"));
  EXPECT_THAT(letter.html(), HasSubstr("2 October 2026"));
  EXPECT_THAT(letter.html(), HasSubstr("30 October 2026"));
  EXPECT_THAT(letter.html(), HasSubstr("Ofsted judged the school less than good"));
  EXPECT_THAT(letter.html(), HasSubstr("size: A4"));
  EXPECT_THAT(letter.html(), Not(HasSubstr("{{")));
  EXPECT_EQ(letter.reference(), "SCC/100001/2026-10-05");
  EXPECT_THAT(letter.recipients(), ::testing::ElementsAre("Headteacher: Jo Bloggs",
                                                          "Chair of governors: Pat Chair"));
  EXPECT_EQ(letter.template_sha256().size(), 64u);
}

TEST(LettersTest, TheWarningNoticeCarriesItsStatutoryContentForSection60And60A) {
  absl::StatusOr<LetterBook> book = Book();
  ASSERT_TRUE(book.ok()) << book.status();
  v1::InstitutionState s = School();
  s.mutable_episode()->set_warning_notice_issued_on("2026-11-02");
  v1::WarningNoticeIssued& w = *s.mutable_episode()->mutable_warning_notice();
  w.add_grounds(v1::WARNING_NOTICE_GROUND_LOW_STANDARDS);
  w.set_matters_relied_upon("Results have fallen for three years.");
  w.set_required_action("Appoint a new senior leader for English.");
  w.set_compliance_period_ends_on("2026-11-23");
  w.set_action_minded_to_take("Appoint additional governors (s64).");
  v1::NoticeCopy& copy = *w.add_copies();
  copy.set_recipient(v1::SCHOOL_PARTY_DIOCESAN_AUTHORITY);
  copy.set_name("Diocese of London");
  v1::LetterProduced letter;
  letter.set_kind(v1::LETTER_KIND_WARNING_NOTICE);
  ASSERT_TRUE(book->Write(s, absl::CivilDay(2026, 11, 2), "", letter).ok());
  for (const char* part : {"section 60", "unacceptably low", "Results have fallen",
                           "Appoint a new senior leader", "23 November 2026",
                           "Appoint additional governors", "Diocese of London"}) {
    EXPECT_THAT(letter.html(), HasSubstr(part)) << part;
  }
  EXPECT_THAT(letter.recipients(), ::testing::Contains(HasSubstr("Diocese of London")));

  s.mutable_episode()->set_warning_notice_section_60a(true);
  w.clear_grounds();
  w.add_grounds(v1::WARNING_NOTICE_GROUND_PAY_AND_CONDITIONS);
  ASSERT_TRUE(book->Write(s, absl::CivilDay(2026, 11, 2), "", letter).ok());
  EXPECT_THAT(letter.html(), HasSubstr("section 60A"));
  EXPECT_THAT(letter.html(), HasSubstr("section 122 of the Education Act 2002"));
}

TEST(LettersTest, ATemplateWithATypoStopsTheLoadNamingFileAndLine) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("letters-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const char* name : {"designation.html", "warning-notice.html", "removal.html"}) {
    std::filesystem::copy_file(std::filesystem::path(SCC_LETTERS_DIR) / name, dir / name,
                               std::filesystem::copy_options::overwrite_existing);
  }
  std::ofstream(dir / "removal.html") << "<p>Dear {{headteacher_name}}</p>\n<p>{{removed_onn}}</p>\n";
  absl::StatusOr<LetterBook> book = LetterBook::Load(dir.string(), "Demo");
  EXPECT_THAT(book.status().message(), HasSubstr("removal.html: line 2"));
  EXPECT_THAT(book.status().message(), HasSubstr("removed_onn"));
  std::ofstream(dir / "authority.txt") << "name: Demo Borough Council\nmotto: none\n";
  std::ofstream(dir / "removal.html") << "<p>{{removed_on}}</p>\n";
  EXPECT_THAT(LetterBook::Load(dir.string(), "Demo").status().message(),
              HasSubstr("authority.txt:2"));
  std::filesystem::remove_all(dir);
}

TEST(LettersTest, DatesReadAsAPersonWritesThem) {
  EXPECT_EQ(LongDate("2026-12-02"), "2 December 2026");
  EXPECT_EQ(LongDate(""), "");
}

}  // namespace
}  // namespace scc::reports
