#include "clients/import/ofsted_rows.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace scc::import {
namespace {

// Report-card evaluation areas: the MI's column, and "<column> - date of grade" beside it.
constexpr std::pair<const char*, v1::EvaluationArea> kAreas[] = {
    {"Inclusion", v1::EVALUATION_AREA_INCLUSION},
    {"Curriculum and teaching", v1::EVALUATION_AREA_CURRICULUM_AND_TEACHING},
    {"Achievement", v1::EVALUATION_AREA_ACHIEVEMENT},
    {"Attendance and behaviour", v1::EVALUATION_AREA_ATTENDANCE_AND_BEHAVIOUR},
    {"Personal development and wellbeing", v1::EVALUATION_AREA_PERSONAL_DEVELOPMENT_AND_WELLBEING},
    {"Children's welfare and wellbeing", v1::EVALUATION_AREA_CHILDRENS_WELFARE_AND_WELLBEING},
    {"Leadership and governance", v1::EVALUATION_AREA_LEADERSHIP_AND_GOVERNANCE},
    {"Early years (where applicable)", v1::EVALUATION_AREA_EARLY_YEARS},
    {"Post-16 provision (where applicable)", v1::EVALUATION_AREA_SIXTH_FORM},
};

// Key judgements of the graded and 2024/25 frameworks. Each list holds the MI's names for one
// judgement; the previous-inspection columns put "Previous " or "Latest OEIF " before them.
const std::vector<const char*> kQuality = {"Quality of education"};
const std::vector<const char*> kBehaviour = {"Behaviour and attitudes"};
const std::vector<const char*> kPersonal = {"Personal development"};
const std::vector<const char*> kLeadership = {"Effectiveness of leadership and management",
                                              "Leadership and management"};
const std::vector<const char*> kEarlyYears = {"Early years provision (where applicable)"};
const std::vector<const char*> kSixthForm = {"Sixth form provision (where applicable)"};
const std::vector<const char*> kSafeguarding = {"Safeguarding is effective?",
                                                "Safeguarding is effective"};

// One inspection's columns in a row: the latest (no prefix), or an earlier one.
struct Section {
  const char* prefix;  // "", "Previous ", "Latest OEIF "
  const char* what;    // for messages: "", "previous inspection", "latest OEIF inspection"
};
constexpr Section kLatest = {"", "inspection"};
constexpr Section kEarlier[] = {{"Previous ", "previous inspection"},
                                {"Latest OEIF ", "latest OEIF inspection"}};

// "Quality of education" under "Previous " is "Previous quality of education".
std::string Named(const Section& section, absl::string_view column) {
  if (section.prefix[0] == '\0') return std::string(column);
  std::string name(column);
  name[0] = absl::ascii_tolower(name[0]);
  return absl::StrCat(section.prefix, name);
}

v1::ReportCardGrade AreaGrade(const std::string& text) {
  const std::string g = Lower(text);
  if (g == "exceptional") return v1::REPORT_CARD_GRADE_EXCEPTIONAL;
  if (g == "strong standard" || g == "strong") return v1::REPORT_CARD_GRADE_STRONG_STANDARD;
  if (g == "expected standard" || g == "expected") return v1::REPORT_CARD_GRADE_EXPECTED_STANDARD;
  if (g == "needs attention") return v1::REPORT_CARD_GRADE_NEEDS_ATTENTION;
  if (g == "urgent improvement") return v1::REPORT_CARD_GRADE_URGENT_IMPROVEMENT;
  return v1::REPORT_CARD_GRADE_UNSPECIFIED;
}

// 1-4 or words; nullopt when not a grade. Empty, "not judged", 8 and 9 are "no judgement".
std::optional<v1::OfstedGrade> Grade(const std::string& text) {
  const std::string g = Lower(text);
  if (g.empty() || g == "8" || g == "9" || g == "not judged" || g == "not applicable" ||
      g == "null") {
    return v1::OFSTED_GRADE_UNSPECIFIED;
  }
  if (g == "1" || g == "outstanding") return v1::OFSTED_GRADE_OUTSTANDING;
  if (g == "2" || g == "good") return v1::OFSTED_GRADE_GOOD;
  if (g == "3" || g == "requires improvement") return v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT;
  if (g == "4" || g == "inadequate") return v1::OFSTED_GRADE_INADEQUATE;
  return std::nullopt;
}

// Safeguarding: effective / met (MET) or not (NOT_MET); nullopt when neither.
std::optional<v1::SafeguardingOutcome> Safeguarding(const std::string& text) {
  const std::string g = Lower(text);
  if (g.empty() || g == "9" || g == "not judged") return v1::SAFEGUARDING_OUTCOME_UNSPECIFIED;
  if (g == "yes" || g == "met" || g == "effective" || g == "1") return v1::SAFEGUARDING_OUTCOME_MET;
  if (g == "no" || g == "not met" || g == "not effective" || g == "2") {
    return v1::SAFEGUARDING_OUTCOME_NOT_MET;
  }
  return std::nullopt;
}

// The published category: nullopt when the text is not one. A column present but empty is
// published as none; a column absent leaves it unspecified (derived, docs/ofsted.md).
std::optional<v1::OfstedCategory> Category(const Row& row, const std::string& column) {
  if (!row.Has(column)) return v1::OFSTED_CATEGORY_UNSPECIFIED;
  const std::string c = Lower(row.Get(column));
  if (c.empty() || c == "none" || c == "no category" || c == "not applicable" || c == "9") {
    return v1::OFSTED_CATEGORY_NONE;
  }
  if (absl::StrContains(c, "special measures") || c == "sm") {
    return v1::OFSTED_CATEGORY_SPECIAL_MEASURES;
  }
  if (absl::StrContains(c, "serious weakness") || absl::StrContains(c, "significant improvement") ||
      c == "sw" || c == "swk" || c == "rsi") {
    return v1::OFSTED_CATEGORY_REQUIRES_SIGNIFICANT_IMPROVEMENT;
  }
  return std::nullopt;
}

v1::RegistrationOutcome Registration(const std::string& text) {
  const std::string g = Lower(text);
  if (g == "met") return v1::REGISTRATION_OUTCOME_MET;
  if (absl::StartsWith(g, "not met") && absl::StrContains(g, "enforcement")) {
    return v1::REGISTRATION_OUTCOME_NOT_MET_WITH_ENFORCEMENT;
  }
  if (absl::StartsWith(g, "not met")) return v1::REGISTRATION_OUTCOME_NOT_MET_WITH_ACTIONS;
  return v1::REGISTRATION_OUTCOME_UNSPECIFIED;
}

// What one section of a row says: an outcome, nothing (no judgement: the reason), or an error.
struct Reading {
  std::optional<v1::OfstedOutcomeRecorded> outcome;
  std::string error;
  std::string nothing;  // why there is no outcome, for the skip list
};

class RowReader {
 public:
  RowReader(const Row& row, const Section& section) : row_(row), section_(section) {}

  std::string Cell(const std::vector<const char*>& names) const {
    for (const char* n : names) {
      const std::string v = row_.Get(Named(section_, n));
      if (!v.empty()) return v;
    }
    return "";
  }
  std::string Cell(const char* name) const { return row_.Get(Named(section_, name)); }

  // Reads the key judgements; false (with `error_`) when one is not a grade.
  bool KeyJudgements(v1::KeyJudgements* k) {
    const std::pair<const std::vector<const char*>*, void (v1::KeyJudgements::*)(v1::OfstedGrade)>
        kJudgements[] = {
            {&kQuality, &v1::KeyJudgements::set_quality_of_education},
            {&kBehaviour, &v1::KeyJudgements::set_behaviour_and_attitudes},
            {&kPersonal, &v1::KeyJudgements::set_personal_development},
            {&kLeadership, &v1::KeyJudgements::set_leadership_and_management},
            {&kEarlyYears, &v1::KeyJudgements::set_early_years},
            {&kSixthForm, &v1::KeyJudgements::set_sixth_form},
        };
    for (const auto& [names, set] : kJudgements) {
      const std::string text = Cell(*names);
      const std::optional<v1::OfstedGrade> g = Grade(text);
      if (!g) {
        error_ = absl::StrCat(Named(section_, names->front()), " '", text, "' is not 1-4 or a grade");
        return false;
      }
      (k->*set)(*g);
    }
    const std::string safe = Cell(kSafeguarding);
    const std::optional<v1::SafeguardingOutcome> s = Safeguarding(safe);
    if (!s) {
      error_ = absl::StrCat(Named(section_, kSafeguarding.front()), " '", safe,
                            "' is not Yes or No");
      return false;
    }
    k->set_safeguarding(*s);
    return true;
  }

  bool Published(v1::OfstedCategory* category) {
    const std::string column = Named(section_, "Category of concern");
    const std::optional<v1::OfstedCategory> c = Category(row_, column);
    if (!c) {
      error_ = absl::StrCat(column, " '", row_.Get(column),
                            "' is not special measures, requires significant improvement "
                            "(serious weaknesses) or empty");
      return false;
    }
    *category = *c;
    return true;
  }

  // Report-card areas (the latest inspection only); false with `error_` on a bad cell.
  bool Areas(v1::ReportCard* card) {
    for (const auto& [column, area] : kAreas) {
      const std::string text = row_.Get(column);
      if (text.empty() || Lower(text) == "not applicable") continue;
      const v1::ReportCardGrade grade = AreaGrade(text);
      if (grade == v1::REPORT_CARD_GRADE_UNSPECIFIED) {
        error_ = absl::StrCat(column, " '", text, "' is not a report-card grade");
        return false;
      }
      const std::string date_column = absl::StrCat(column, " - date of grade");
      const std::optional<std::string> graded_on = row_.OptionalDate(date_column);
      if (!graded_on) {
        error_ = absl::StrCat(date_column, " '", row_.Get(date_column), "' is not a date");
        return false;
      }
      v1::AreaGrade* g = card->add_areas();
      g->set_area(area);
      g->set_grade(grade);
      g->set_graded_on(*graded_on);
    }
    return true;
  }

  // The judgement of this section into `o`: report card, graded, registration, ungraded
  // overall or monitoring.
  Reading Read(v1::OfstedOutcomeRecorded o) {
    Reading r;
    const std::string type = Lower(o.inspection_type());
    if (section_.prefix[0] == '\0') {
      v1::ReportCard card;
      if (!Areas(&card)) return Fail();
      if (card.areas_size() > 0) {
        const std::string safe = row_.Get("Safeguarding standards");
        const std::optional<v1::SafeguardingOutcome> s = Safeguarding(safe);
        if (!s || *s == v1::SAFEGUARDING_OUTCOME_UNSPECIFIED) {
          r.error = absl::StrCat("Safeguarding standards '", safe, "' is not Met or Not met");
          return r;
        }
        card.set_safeguarding(*s);
        v1::OfstedCategory category;
        if (!Published(&category)) return Fail();
        card.set_category(category);
        *o.mutable_report_card() = std::move(card);
        r.outcome = std::move(o);
        return r;
      }
    }
    const std::string overall_text = Cell("Overall effectiveness");
    if (const v1::RegistrationOutcome reg = Registration(overall_text);
        reg != v1::REGISTRATION_OUTCOME_UNSPECIFIED) {
      o.set_registration(reg);
      r.outcome = std::move(o);
      return r;
    }
    const std::optional<v1::OfstedGrade> overall = Grade(overall_text);
    if (!overall) {
      r.error = absl::StrCat(Named(section_, "Overall effectiveness"), " '", overall_text,
                             "' is not 1-4 or a grade");
      return r;
    }
    v1::KeyJudgements k;
    v1::OfstedCategory category;
    if (!KeyJudgements(&k) || !Published(&category)) return Fail();
    const bool any_key_judgement =
        k.quality_of_education() || k.behaviour_and_attitudes() || k.personal_development() ||
        k.leadership_and_management() || k.safeguarding();
    if (*overall != v1::OFSTED_GRADE_UNSPECIFIED) {
      v1::LegacyJudgement* j = o.mutable_legacy();
      j->set_overall(*overall);
      if (category != v1::OFSTED_CATEGORY_NONE && category != v1::OFSTED_CATEGORY_UNSPECIFIED &&
          *overall != v1::OFSTED_GRADE_INADEQUATE) {
        r.error = "a category of concern needs an Inadequate overall grade";
        return r;
      }
      if (category == v1::OFSTED_CATEGORY_SPECIAL_MEASURES ||
          category == v1::OFSTED_CATEGORY_REQUIRES_SIGNIFICANT_IMPROVEMENT) {
        j->set_category(category);
      }
      if (any_key_judgement) *j->mutable_key_judgements() = k;
    } else if (any_key_judgement) {
      // 2024/25: no overall grade; the key judgements and the category stand.
      *o.mutable_ungraded()->mutable_key_judgements() = std::move(k);
      o.mutable_ungraded()->set_category(category);
    } else if (absl::StrContains(type, "monitoring")) {
      o.mutable_monitoring()->set_finding(Cell("Outcome"));
    } else {
      r.nothing = absl::StrCat("no judgement in the ", section_.what, " columns");
      return r;
    }
    r.outcome = std::move(o);
    return r;
  }

 private:
  Reading Fail() const {
    Reading r;
    r.error = error_;
    return r;
  }

  const Row& row_;
  const Section& section_;
  std::string error_;
};

}  // namespace

absl::StatusOr<ImportPlan> PlanOfsted(const CsvTable& table, absl::CivilDay today) {
  const char* urn_column = table.Column("URN") >= 0 ? "URN" : "Provider URN";
  const char* date_column =
      table.Column("Inspection start date") >= 0 ? "Inspection start date" : "Inspection date";
  if (absl::Status s = RequireColumns(table.header, {urn_column, date_column}); !s.ok()) return s;
  const std::string today_text =
      absl::StrFormat("%04d-%02d-%02d", today.year(), today.month(), today.day());
  ImportPlan plan;
  for (const CsvRow& csv : table.rows) {
    const Row row(table, csv);
    auto error = [&](std::string reason) {
      plan.errors.push_back({csv.line, std::move(reason), ""});
    };
    const std::string urn = row.Get(urn_column);
    if (!ValidUrn(urn)) {
      error(absl::StrCat(urn_column, " '", urn, "' is not a URN"));
      continue;
    }
    // The latest inspection, then the earlier ones a row lists; each on its own date.
    struct Listed {
      const Section* section;
      std::string date_column;
    };
    // A report-card file lists a school not yet inspected under report cards with no latest
    // inspection date, and its last inspection under the previous framework.
    std::vector<Listed> listed;
    if (!row.Get(date_column).empty()) listed.push_back({&kLatest, date_column});
    for (const Section& earlier : kEarlier) {
      const std::string column = Named(earlier, "Inspection start date");
      if (!row.Get(column).empty()) listed.push_back({&earlier, column});
    }
    if (listed.empty()) {
      plan.skipped.push_back({csv.line, absl::StrCat(urn, ": no inspection listed"),
                              "no inspection listed"});
      continue;
    }
    int recorded_from_row = 0;
    std::vector<std::string> nothing;
    bool bad = false;
    for (const Listed& l : listed) {
      const std::string inspected = NormaliseDate(row.Get(l.date_column));
      if (inspected.empty()) {
        error(absl::StrCat(l.date_column, " '", row.Get(l.date_column), "' is not a date"));
        bad = true;
        break;
      }
      if (inspected > today_text) {
        error(absl::StrCat(l.date_column, " ", inspected, " is in the future"));
        bad = true;
        break;
      }
      const std::string publication_column = Named(*l.section, "Publication date");
      const std::optional<std::string> published = row.OptionalDate(publication_column);
      if (!published) {
        error(absl::StrCat(publication_column, " '", row.Get(publication_column),
                           "' is not a date"));
        bad = true;
        break;
      }
      v1::OfstedOutcomeRecorded o;
      o.set_inspection_date(inspected);
      o.set_publication_date(*published);
      o.set_inspection_type(row.First({Named(*l.section, "Inspection type"),
                                       Named(*l.section, "Inspection event type")}));
      Reading reading = RowReader(row, *l.section).Read(std::move(o));
      if (!reading.error.empty()) {
        error(std::move(reading.error));
        bad = true;
        break;
      }
      if (!reading.outcome) {
        nothing.push_back(std::move(reading.nothing));
        continue;
      }
      RowCommand command;
      command.line = csv.line;
      command.urn = urn;
      command.effective_date =
          published->empty() ? inspected : std::min(*published, today_text);
      *command.payload.mutable_ofsted_outcome_recorded() = *std::move(reading.outcome);
      command.request_id = absl::StrCat("import/ofsted/", urn, "/", inspected, "/",
                                        Fingerprint(command.payload));
      plan.commands.push_back(std::move(command));
      ++recorded_from_row;
    }
    if (!bad && recorded_from_row == 0) {
      plan.skipped.push_back(
          {csv.line, absl::StrCat(urn, ": ", nothing.empty() ? "no judgement" : nothing.front()),
           "no judgement"});
    }
  }
  return plan;
}

}  // namespace scc::import
