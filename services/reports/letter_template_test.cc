// Letter templates: what {{name}}, {{#name}} and {{^name}} render, and which mistakes in a template
// are caught, with their line numbers.
#include "services/reports/letter_template.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace scc::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The rendered text, or "error: <message>".
std::string Render(std::string_view text, const TemplateRecord& values = {}) {
  absl::StatusOr<std::string> out = RenderTemplate(text, values);
  if (!out.ok()) return absl::StrCat("error: ", out.status().message());
  return *out;
}

std::string CheckMessage(std::string_view text) {
  const absl::Status status = CheckTemplate(text);
  EXPECT_TRUE(status.ok() || status.code() == absl::StatusCode::kInvalidArgument) << status;
  return std::string(status.message());
}

TEST(LetterTemplateTest, TextWithoutTagsIsCopiedAsItIs) {
  EXPECT_EQ(Render(""), "");
  EXPECT_EQ(Render("Dear colleague,\n\n{ braces } and }} alone & <b>\n"),
            "Dear colleague,\n\n{ braces } and }} alone & <b>\n");
}

TEST(LetterTemplateTest, VariablesAreInsertedHtmlEscaped) {
  const TemplateRecord values = {{"school", "St Mary's & All Saints <Primary> \"Upper\""},
                                 {"head", "Ms Smith"}};
  EXPECT_EQ(Render("Dear {{head}},\n{{school}}", values),
            "Dear Ms Smith,\nSt Mary&#39;s &amp; All Saints &lt;Primary&gt; &quot;Upper&quot;");
  EXPECT_EQ(Render("{{head}}{{head}}", values), "Ms SmithMs Smith");
}

TEST(LetterTemplateTest, WhitespaceInsideTheBracesIsAllowed) {
  const TemplateRecord values = {{"name", "Ann"}, {"list", std::vector<TemplateRecord>{{}}}};
  EXPECT_EQ(
      Render("{{ name }}|{{\tname\t}}|{{# list }}x{{/ list }}|{{ ^ list }}y{{ / list }}", values),
      "Ann|Ann|x|");
}

TEST(LetterTemplateTest, SectionRepeatsForEachRecordOfAList) {
  const TemplateRecord values = {
      {"visits", std::vector<TemplateRecord>{{{"date", "1 May"}, {"officer", "Ann"}},
                                             {{"date", "3 June"}, {"officer", "Bo & Cy"}}}}};
  EXPECT_EQ(Render("Visits:{{#visits}} {{date}} ({{officer}});{{/visits}}", values),
            "Visits: 1 May (Ann); 3 June (Bo &amp; Cy);");
}

TEST(LetterTemplateTest, RecordFieldsShadowOuterNamesWhichStayVisible) {
  const TemplateRecord values = {{"name", "outer"},
                                 {"school", "Oak"},
                                 {"items", std::vector<TemplateRecord>{{{"name", "inner"}}, {}}}};
  EXPECT_EQ(Render("{{#items}}[{{name}} at {{school}}]{{/items}} {{name}}", values),
            "[inner at Oak][outer at Oak] outer");
}

TEST(LetterTemplateTest, NestedListsSeeEveryEnclosingRecord) {
  const TemplateRecord values = {
      {"authority", "SCC"},
      {"schools",
       std::vector<TemplateRecord>{
           {{"school", "Oak"},
            {"actions", std::vector<TemplateRecord>{{{"action", "a1"}}, {{"action", "a2"}}}}},
           {{"school", "Elm"}, {"actions", std::vector<TemplateRecord>{}}}}}};
  EXPECT_EQ(Render("{{#schools}}{{school}}:{{#actions}} {{action}}/{{school}}/{{authority}}"
                   "{{/actions}}{{^actions}} none{{/actions}};{{/schools}}",
                   values),
            "Oak: a1/Oak/SCC a2/Oak/SCC;Elm: none;");
}

TEST(LetterTemplateTest, SectionOverAStringRendersOnceIfItIsNotEmpty) {
  const TemplateRecord values = {{"notes", "See attached."}, {"empty", ""}};
  EXPECT_EQ(Render("{{#notes}}Notes: {{notes}}{{/notes}}", values), "Notes: See attached.");
  EXPECT_EQ(Render("a{{#empty}}never {{notes}}{{/empty}}b", values), "ab");
}

TEST(LetterTemplateTest, InvertedSectionRendersForMissingEmptyOrAnEmptyList) {
  const TemplateRecord values = {{"empty", ""},
                                 {"text", "x"},
                                 {"none", std::vector<TemplateRecord>{}},
                                 {"some", std::vector<TemplateRecord>{{}}}};
  EXPECT_EQ(Render("{{^missing}}1{{/missing}}{{^empty}}2{{/empty}}{{^none}}3{{/none}}"
                   "{{^text}}4{{/text}}{{^some}}5{{/some}}",
                   values),
            "123");
}

TEST(LetterTemplateTest, AMissingNameInASectionIsTreatedAsEmpty) {
  EXPECT_EQ(Render("a{{#missing}}{{also_missing}}{{/missing}}b"), "ab");
}

TEST(LetterTemplateTest, AnUnknownVariableIsAnErrorNamingItAndItsLine) {
  const TemplateRecord values = {{"name", "Ann"}};
  const std::string message = Render("Dear {{name}},\n\nYour {{shcool}} visit", values);
  EXPECT_EQ(message, "error: line 3: unknown variable 'shcool'");
  const absl::StatusOr<std::string> out = RenderTemplate("{{nope}}", values);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  // A record's field is not visible after its section.
  EXPECT_EQ(Render("{{#items}}{{field}}{{/items}}\n{{field}}",
                   {{"items", std::vector<TemplateRecord>{{{"field", "f"}}}}}),
            "error: line 2: unknown variable 'field'");
}

TEST(LetterTemplateTest, AListUsedAsAVariableIsAnError) {
  EXPECT_EQ(Render("\n{{items}}", {{"items", std::vector<TemplateRecord>{}}}),
            "error: line 2: 'items' is a list: use {{#items}}...{{/items}}");
}

TEST(LetterTemplateTest, UnbalancedSectionsAreErrorsWithLineNumbers) {
  EXPECT_EQ(CheckMessage("one\n{{#visits}}\ntwo\n"), "line 2: {{#visits}} is not closed");
  EXPECT_EQ(CheckMessage("{{#a}}\n{{^b}}\n{{/b}}\n"), "line 1: {{#a}} is not closed");
  EXPECT_EQ(CheckMessage("{{#a}}\n\n{{^b}}{{/a}}\n"), "line 3: {{/a}} closes {{^b}} from line 3");
  EXPECT_EQ(CheckMessage("x\ny\n{{/a}}"), "line 3: {{/a}} closes no section");
  EXPECT_EQ(CheckMessage("{{#a}}{{/a}}{{/a}}"), "line 1: {{/a}} closes no section");
  EXPECT_EQ(Render("{{#a}}\n{{/b}}", {{"a", "x"}}),
            "error: line 2: {{/b}} closes {{#a}} from line 1");
}

TEST(LetterTemplateTest, AnythingElseInsideBracesIsASyntaxErrorWithItsLine) {
  const struct {
    std::string text;
    std::string message;
  } cases[] = {
      {"{{}}", "line 1: bad tag {{}}"},
      {"{{  }}", "line 1: bad tag {{  }}"},
      {"\n{{Name}}", "line 2: bad tag {{Name}}"},
      {"\n\n{{{name}}}", "line 3: bad tag {{{name}}"},
      {"{{! a comment }}", "line 1: bad tag {{! a comment }}"},
      {"{{> partial}}", "line 1: bad tag {{> partial}}"},
      {"{{&name}}", "line 1: bad tag {{&name}}"},
      {"{{first name}}", "line 1: bad tag {{first name}}"},
      {"{{school.name}}", "line 1: bad tag {{school.name}}"},
      {"{{#}}", "line 1: bad tag {{#}}"},
      {"{{/}}", "line 1: bad tag {{/}}"},
      {"{{##a}}", "line 1: bad tag {{##a}}"},
      {"{{na\nme}}", "line 1: bad tag {{na\\nme}}"},
      {"{{=<% %>=}}", "line 1: bad tag {{=<% %>=}}"},
      {"a\nb {{name", "line 2: '{{' without '}}'"},
      {"{{#a}}\n{{/a}\n", "line 2: '{{' without '}}'"},
      {"{{ " + std::string(100, 'X') + " }}", "..."},
  };
  for (const auto& c : cases) {
    const std::string message = CheckMessage(c.text);
    EXPECT_THAT(message, StartsWith(c.message.substr(0, 5) == "line " ? c.message : "line "))
        << c.text;
    EXPECT_THAT(message, HasSubstr(c.message)) << c.text;
    EXPECT_EQ(Render(c.text, {{"name", "n"}, {"a", "x"}}), "error: " + message) << c.text;
  }
  EXPECT_THAT(CheckMessage("{{Name}}"),
              HasSubstr("expected {{name}}, {{#name}}, {{^name}} or {{/name}} with a name of "
                        "a-z, 0-9 and _"));
}

TEST(LetterTemplateTest, SectionsNestSixteenDeepButNoDeeper) {
  std::string sixteen;
  std::string seventeen = "{{#s}}";
  for (int i = 0; i < 16; ++i) absl::StrAppend(&sixteen, "{{#s", i, "}}\n");
  for (int i = 15; i >= 0; --i) absl::StrAppend(&sixteen, "{{/s", i, "}}");
  TemplateRecord values;
  for (int i = 0; i < 16; ++i) values[absl::StrCat("s", i)] = "y";
  EXPECT_TRUE(CheckTemplate(sixteen).ok()) << CheckTemplate(sixteen);
  EXPECT_EQ(Render(sixteen, values), "");  // every open tag on its own line: standalone
  for (int i = 0; i < 16; ++i) absl::StrAppend(&seventeen, "{{#t}}");
  EXPECT_EQ(CheckMessage("\n" + seventeen), "line 2: sections nested deeper than 16");
}

TEST(LetterTemplateTest, StandaloneSectionLinesLeaveNoBlankLines) {
  const TemplateRecord values = {
      {"name", "Ann"},
      {"actions", std::vector<TemplateRecord>{{{"action", "Review"}}, {{"action", "Visit"}}}}};
  EXPECT_EQ(Render("Dear {{name}},\n"
                   "  {{#actions}}  \n"
                   "- {{action}}\n"
                   "\t{{/actions}}\r\n"
                   "{{^actions}}\n"
                   "No actions.\n"
                   "{{/actions}}\n"
                   "Yours",
                   values),
            "Dear Ann,\n- Review\n- Visit\nYours");
  // A tag sharing its line with text or another tag is not standalone.
  EXPECT_EQ(Render("a {{#name}}\nb\n{{/name}} c\n{{#name}}{{/name}}\n", values), "a \nb\n c\n\n");
  // Line numbers still count the lines a standalone tag removes.
  EXPECT_EQ(Render("{{#actions}}\n{{/actions}}\n\n{{oops}}", values),
            "error: line 4: unknown variable 'oops'");
}

TEST(LetterTemplateTest, CheckTemplateAcceptsWellFormedTemplatesWithoutValues) {
  EXPECT_TRUE(CheckTemplate("").ok());
  EXPECT_TRUE(
      CheckTemplate("Dear {{ head }},\n{{#visits}}{{date}}{{^late}}ok{{/late}}{{/visits}}").ok());
}

TEST(LetterTemplateTest, TemplateValuesKnowWhatTheyHold) {
  const TemplateValue empty;
  EXPECT_FALSE(empty.is_list());
  EXPECT_TRUE(empty.empty());
  const TemplateValue text("x");
  EXPECT_EQ(text.text(), "x");
  EXPECT_TRUE(text.list().empty());
  const TemplateValue list(std::vector<TemplateRecord>{{{"a", "b"}}});
  EXPECT_TRUE(list.is_list());
  EXPECT_FALSE(list.empty());
  EXPECT_EQ(list.text(), "");
  EXPECT_EQ(list.list().at(0).at("a").text(), "b");
  EXPECT_TRUE(TemplateValue(static_cast<const char*>(nullptr)).empty());
}

}  // namespace
}  // namespace scc::reports
