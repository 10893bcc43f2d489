// RenderICalendar and ParseICalendar: what a subscribed calendar sees, byte for byte, and back.
#include "services/reports/icalendar.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace scc::reports {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

absl::Time Stamp() {
  return absl::FromCivil(absl::CivilSecond(2026, 12, 2, 18, 0, 0), absl::UTCTimeZone());
}

CalendarEntry Entry(std::string uid, absl::CivilDay day, std::string summary,
                    std::string description = "", std::string url = "") {
  return CalendarEntry{std::move(uid), day, std::move(summary), std::move(description),
                       std::move(url)};
}

// The physical lines, without their CRLFs; fails the test if one ends otherwise.
std::vector<std::string> PhysicalLines(const std::string& feed) {
  EXPECT_TRUE(feed.size() >= 2 && feed.substr(feed.size() - 2) == "\r\n");
  std::vector<std::string> lines = absl::StrSplit(feed, "\r\n");
  lines.pop_back();  // after the last CRLF
  for (const std::string& line : lines) {
    EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos) << line;
  }
  return lines;
}

// The content lines, unfolded.
std::vector<std::string> ContentLines(const std::string& feed) {
  std::vector<std::string> out;
  for (const std::string& line : PhysicalLines(feed)) {
    if (!line.empty() && line[0] == ' ') {
      out.back() += line.substr(1);
    } else {
      out.push_back(line);
    }
  }
  return out;
}

// Whether `s` is complete, well-formed UTF-8.
bool IsUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    if (c < 0x80) {
      n = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
    }
    if (n == 0 || s.size() - i < n) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

TEST(ICalendarTest, RendersTheCalendarAndOneAllDayEventPerEntry) {
  const std::string feed =
      RenderICalendar("SCC obligations",
                      {Entry("obligation-7@scc", absl::CivilDay(2026, 12, 3), "Visit report due",
                             "Send the report.", "https://scc.example/obligations/7")},
                      Stamp());
  EXPECT_EQ(feed,
            "BEGIN:VCALENDAR\r\n"
            "VERSION:2.0\r\n"
            "PRODID:-//SCC workflow server//EN\r\n"
            "CALSCALE:GREGORIAN\r\n"
            "METHOD:PUBLISH\r\n"
            "X-WR-CALNAME:SCC obligations\r\n"
            "NAME:SCC obligations\r\n"
            "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"
            "X-PUBLISHED-TTL:PT1H\r\n"
            "BEGIN:VEVENT\r\n"
            "UID:obligation-7@scc\r\n"
            "DTSTAMP:20261202T180000Z\r\n"
            "DTSTART;VALUE=DATE:20261203\r\n"
            "DTEND;VALUE=DATE:20261204\r\n"
            "SUMMARY:Visit report due\r\n"
            "DESCRIPTION:Send the report.\r\n"
            "URL:https://scc.example/obligations/7\r\n"
            "TRANSP:TRANSPARENT\r\n"
            "END:VEVENT\r\n"
            "END:VCALENDAR\r\n");
}

TEST(ICalendarTest, AnEmptyFeedIsStillACalendar) {
  EXPECT_THAT(
      ContentLines(RenderICalendar("Empty", {}, Stamp())),
      ElementsAre("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//SCC workflow server//EN",
                  "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:Empty", "NAME:Empty",
                  "REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H", "END:VCALENDAR"));
}

TEST(ICalendarTest, EmptyDescriptionAndUrlAreLeftOut) {
  const std::vector<std::string> lines = ContentLines(RenderICalendar(
      "c", {Entry("a@scc", absl::CivilDay(2026, 1, 5), "Only a summary")}, Stamp()));
  for (const std::string& line : lines) {
    EXPECT_THAT(line, ::testing::Not(StartsWith("DESCRIPTION"))) << line;
    EXPECT_THAT(line, ::testing::Not(StartsWith("URL"))) << line;
  }
  EXPECT_THAT(lines, ::testing::Contains("SUMMARY:Only a summary"));
  EXPECT_THAT(lines, ::testing::Contains("TRANSP:TRANSPARENT"));
}

TEST(ICalendarTest, DtendIsTheDayAfterAcrossMonthsYearsAndLeapDays) {
  const std::string feed =
      RenderICalendar("c",
                      {Entry("a", absl::CivilDay(2026, 12, 31), "New Year's Eve"),
                       Entry("b", absl::CivilDay(2028, 2, 28), "Before a leap day"),
                       Entry("c", absl::CivilDay(2027, 2, 28), "End of February")},
                      Stamp());
  const std::vector<std::string> lines = ContentLines(feed);
  EXPECT_THAT(lines, ::testing::Contains("DTSTART;VALUE=DATE:20261231"));
  EXPECT_THAT(lines, ::testing::Contains("DTEND;VALUE=DATE:20270101"));
  EXPECT_THAT(lines, ::testing::Contains("DTEND;VALUE=DATE:20280229"));
  EXPECT_THAT(lines, ::testing::Contains("DTEND;VALUE=DATE:20270301"));
}

TEST(ICalendarTest, TextEscapesBackslashSemicolonCommaAndNewlines) {
  const std::string feed =
      RenderICalendar("Name, with; specials\\",
                      {Entry("uid;1,x@scc", absl::CivilDay(2026, 3, 1), "a\\b;c,d",
                             "line one\nline two\r\nline three\rend")},
                      Stamp());
  const std::vector<std::string> lines = ContentLines(feed);
  EXPECT_THAT(lines, ::testing::Contains("X-WR-CALNAME:Name\\, with\\; specials\\\\"));
  EXPECT_THAT(lines, ::testing::Contains("UID:uid\\;1\\,x@scc"));
  EXPECT_THAT(lines, ::testing::Contains("SUMMARY:a\\\\b\\;c\\,d"));
  EXPECT_THAT(lines, ::testing::Contains("DESCRIPTION:line one\\nline two\\nline three\\nend"));
}

TEST(ICalendarTest, ControlCharactersAreDroppedAndInvalidUtf8IsReplaced) {
  const std::string feed = RenderICalendar(
      "c",
      {Entry("u", absl::CivilDay(2026, 3, 1), std::string("a\x01\tb\177c\0d", 8),
             "bad \xC3 byte \xE2\x82 and \xF0\x9F\x98\x80 fine, overlong \xC0\xAF")},
      Stamp());
  const std::vector<std::string> lines = ContentLines(feed);
  EXPECT_THAT(lines, ::testing::Contains("SUMMARY:a\tbcd"));
  EXPECT_THAT(lines, ::testing::Contains("DESCRIPTION:bad \xEF\xBF\xBD byte \xEF\xBF\xBD\xEF\xBF"
                                         "\xBD and \xF0\x9F\x98\x80 fine\\, overlong "
                                         "\xEF\xBF\xBD\xEF\xBF\xBD"));
  EXPECT_TRUE(IsUtf8(feed));
}

TEST(ICalendarTest, UrlsArePercentEncodedWhereTheyCouldBreakTheLine) {
  const std::string feed =
      RenderICalendar("c",
                      {Entry("u", absl::CivilDay(2026, 3, 1), "s", "",
                             "https://scc.example/a b\r\nDTSTART:19700101?q=caf\xC3\xA9;x,y")},
                      Stamp());
  EXPECT_THAT(
      ContentLines(feed),
      ::testing::Contains("URL:https://scc.example/a%20b%0D%0ADTSTART:19700101?q=caf%C3%A9;x,y"));
}

TEST(ICalendarTest, LongLinesFoldWithoutSplittingACharacter) {
  // Characters of 1, 2, 3 and 4 octets, at every offset against the 75-octet boundary.
  const std::vector<std::string> characters = {"a", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x93\x85"};
  std::vector<CalendarEntry> entries;
  for (int shift = 0; shift < 8; ++shift) {
    for (const std::string& c : characters) {
      std::string text(shift, 'x');
      for (int i = 0; i < 60; ++i) absl::StrAppend(&text, c, i % 7 == 0 ? "," : "");
      entries.push_back(Entry(absl::StrCat("fold-", shift, "-", c.size(), "@scc"),
                              absl::CivilDay(2026, 5, 1 + shift), text, text + "\n" + text));
    }
  }
  const std::string feed = RenderICalendar(std::string(200, 'n'), entries, Stamp());
  int folded = 0;
  for (const std::string& line : PhysicalLines(feed)) {
    EXPECT_LE(line.size(), 75u) << line;
    EXPECT_TRUE(IsUtf8(line)) << "a character split at the end of: " << line;
    if (!line.empty() && line[0] == ' ') {
      ++folded;
      EXPECT_NE(line.substr(0, 2), "  ") << "a fold adds exactly one space";
    }
  }
  EXPECT_GT(folded, 100);
  absl::StatusOr<std::vector<CalendarEntry>> parsed = ParseICalendar(feed);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, entries);
}

TEST(ICalendarTest, LinesOfExactlySeventyFiveOctetsAreNotFolded) {
  const std::string summary(75 - std::string("SUMMARY:").size(), 's');
  const std::vector<std::string> lines = PhysicalLines(
      RenderICalendar("c", {Entry("u", absl::CivilDay(2026, 3, 1), summary)}, Stamp()));
  EXPECT_THAT(lines, ::testing::Contains("SUMMARY:" + summary));
  const std::vector<std::string> longer = PhysicalLines(
      RenderICalendar("c", {Entry("u", absl::CivilDay(2026, 3, 1), summary + "t")}, Stamp()));
  EXPECT_THAT(longer, ::testing::Contains("SUMMARY:" + summary));
  EXPECT_THAT(longer, ::testing::Contains(" t"));
}

TEST(ICalendarTest, RenderThenParseGivesTheEntriesBack) {
  const std::vector<CalendarEntry> entries = {
      Entry("obligation-1@scc", absl::CivilDay(2026, 9, 1), "Termly visit",
            "Agenda:\n- data; outcomes, actions\n- C:\\path\\to\\file\n\nEnd.",
            "https://scc.example/o/1?a=1&b=2"),
      Entry("obligation-2@scc", absl::CivilDay(2027, 1, 31), "Ünïcödé – “quotes” 📅", ""),
      Entry("obligation-3@scc", absl::CivilDay(2000, 2, 29), "", "only a description"),
      Entry("obligation-4@scc", absl::CivilDay(1, 1, 1), "year one"),
      Entry("obligation-5@scc", absl::CivilDay(9999, 12, 30), "  leading and trailing  "),
  };
  const std::string feed = RenderICalendar("Round trip", entries, Stamp());
  absl::StatusOr<std::vector<CalendarEntry>> parsed = ParseICalendar(feed);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, entries);
}

TEST(ICalendarTest, RenderingIsDeterministic) {
  const std::vector<CalendarEntry> entries = {
      Entry("b@scc", absl::CivilDay(2026, 9, 2), "second"),
      Entry("a@scc", absl::CivilDay(2026, 9, 1), "first"),
  };
  const std::string feed = RenderICalendar("c", entries, Stamp());
  EXPECT_EQ(feed, RenderICalendar("c", entries, Stamp()));
  absl::StatusOr<std::vector<CalendarEntry>> parsed = ParseICalendar(feed);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, entries) << "entries keep their order";
}

TEST(ICalendarTest, ParsesFeedsWrittenByOtherProducers) {
  // LF line endings, lower-case names, a tab fold, quoted parameters holding ':' and ';', a
  // DATE-TIME start, and components and properties the parser does not read.
  const std::string feed =
      "begin:vcalendar\n"
      "version:2.0\n"
      "BEGIN:VTIMEZONE\n"
      "TZID:Europe/London\n"
      "END:VTIMEZONE\n"
      "BEGIN:VEVENT\n"
      "UID:meeting-1@elsewhere\n"
      "DTSTART;TZID=Europe/London:20261105T093000\n"
      "SUMMARY;LANGUAGE=en-GB;ALTREP=\"cid:a;b:c\":Governors\\, termly\n"
      "description:Room 4\\NBring\n"
      "\tthe pack\n"
      "X-CUSTOM;A=1,\"2\",3:ignored\n"
      "BEGIN:VALARM\n"
      "UID:not-the-event-uid\n"
      "SUMMARY:not the event summary\n"
      "END:VALARM\n"
      "END:VEVENT\n"
      "BEGIN:VEVENT\n"
      "UID:deadline@elsewhere\n"
      "DTSTART:20261201T000000Z\n"
      "URL:https://example.org/x\n"
      "END:VEVENT\n"
      "END:VCALENDAR\n"
      "\n";
  absl::StatusOr<std::vector<CalendarEntry>> parsed = ParseICalendar(feed);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(*parsed, ElementsAre(Entry("meeting-1@elsewhere", absl::CivilDay(2026, 11, 5),
                                         "Governors, termly", "Room 4\nBringthe pack"),
                                   Entry("deadline@elsewhere", absl::CivilDay(2026, 12, 1), "", "",
                                         "https://example.org/x")));
}

TEST(ICalendarTest, MalformedInputIsAnErrorNamingTheLine) {
  const std::string head = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\n";  // lines 1 to 3
  const std::string tail = "END:VEVENT\r\nEND:VCALENDAR\r\n";
  const struct {
    std::string text;
    std::string message;
  } cases[] = {
      {"", "line 1: no BEGIN:VCALENDAR"},
      {"BEGIN:VEVENT\r\n", "line 1: expected BEGIN:VCALENDAR"},
      {" folded\r\n", "line 1: a continuation line with no line before it"},
      {"BEGIN:VCALENDAR\r\n\r\n folded\r\n", "line 3: a continuation line"},
      {"BEGIN:VCALENDAR\r\nVERSION 2.0\r\nEND:VCALENDAR\r\n", "line 2: no ':' after VERSION"},
      {"BEGIN:VCALENDAR\r\n:value\r\nEND:VCALENDAR\r\n", "line 2: expected a property name"},
      {"BEGIN:VCALENDAR\r\nX;=1:v\r\n", "line 2: a bad parameter name in X"},
      {"BEGIN:VCALENDAR\r\nX;P:v\r\n", "line 2: no '=' after the parameter P"},
      {"BEGIN:VCALENDAR\r\nX;P=\"open:v\r\n", "line 2: an unterminated quoted value of P"},
      {"BEGIN:VCALENDAR\r\nX;P=a\"b:v\r\n", "line 2: a '\"' inside the value of P"},
      {"BEGIN:VCALENDAR\r\n", "line 1: BEGIN:VCALENDAR on line 1 is not closed"},
      {head, "line 3: BEGIN:VEVENT on line 2 is not closed"},
      {head + "END:VTODO\r\n", "line 4: END:'VTODO' does not close BEGIN:VEVENT on line 2"},
      {head + "BEGIN:VCALENDAR\r\n", "line 4: a VCALENDAR inside a VCALENDAR"},
      {head + "BEGIN:VEVENT\r\n", "line 4: a VEVENT inside VEVENT"},
      {head + "BEGIN:V EVENT\r\n", "line 4: BEGIN:'V EVENT' is not a component"},
      {"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\n",
       "line 3: content after END:VCALENDAR"},
      {head + tail, "line 4: the VEVENT from line 2 has no DTSTART"},
      {"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260101\r\n" + tail,
       "line 4: the VEVENT from line 2 has no UID"},
      {head + "UID:v\r\n" + tail, "line 4: a second UID in the VEVENT from line 2"},
      {head + "DTSTART;VALUE=DATE:2026-01-01\r\n" + tail, "line 4: DTSTART '2026-01-01' is not"},
      {head + "DTSTART;VALUE=DATE:20260101T000000Z\r\n" + tail, "is not a date (YYYYMMDD)"},
      {head + "DTSTART;VALUE=PERIOD:20260101\r\n" + tail, "neither DATE nor DATE-TIME"},
      {head + "DTSTART:20260230\r\n" + tail, "line 4: DTSTART '20260230' is not a valid date"},
      {head + "DTSTART:20261301\r\n" + tail, "is not a valid date"},
      {head + "DTSTART:2026010x\r\n" + tail, "is not a valid date"},
      {head + "DTSTART:20260101T09300Z\r\n" + tail, "is not a date or date-time"},
      {head + "SUMMARY:bad \\x escape\r\n" + tail, "line 4: a bad escape '\\\\x' in SUMMARY"},
      {head + "DESCRIPTION:ends in \\\r\n" + tail, "line 4: a '\\' at the end of DESCRIPTION"},
      {head + "SUMMARY:folded\r\n and \\\r\n q\r\n" + tail, "line 4: a bad escape"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<std::vector<CalendarEntry>> parsed = ParseICalendar(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(parsed.status().message());
    EXPECT_THAT(message, HasSubstr(c.message)) << c.text;
    EXPECT_THAT(message, StartsWith("line ")) << c.text;
  }
}

TEST(ICalendarTest, ParsingNeverCrashesOnTruncatedOrMutatedFeeds) {
  const std::string feed = RenderICalendar(
      "c",
      {Entry("u1@scc", absl::CivilDay(2026, 3, 1), "S\xC3\xA9;, \\ summary " + std::string(80, 'x'),
             "d\ne", "https://x.example/"),
       Entry("u2@scc", absl::CivilDay(2026, 3, 2), "t")},
      Stamp());
  ASSERT_TRUE(ParseICalendar(feed).ok());
  // Only the last CRLF may go.
  for (size_t n = 0; n + 2 < feed.size(); ++n) {
    absl::StatusOr<std::vector<CalendarEntry>> parsed = ParseICalendar(feed.substr(0, n));
    EXPECT_FALSE(parsed.ok()) << "a feed cut after " << n << " octets";
  }
  // Each byte replaced by some octets that matter to the grammar, deterministically.
  constexpr char kSpecials[] = "\r\n \t:;,=\"\\aZ9-T\xC3\xFF\0";
  const std::string specials(kSpecials, sizeof(kSpecials) - 1);
  uint32_t seed = 1;
  int failures = 0;
  for (size_t i = 0; i < feed.size(); ++i) {
    for (char special : specials) {
      std::string mutated = feed;
      mutated[i] = special;
      seed = seed * 1103515245 + 12345;
      if (seed % 3 == 0) mutated.insert(i, 1, special);
      if (!ParseICalendar(mutated).ok()) ++failures;
    }
  }
  EXPECT_GT(failures, 0);
}

}  // namespace
}  // namespace scc::reports
