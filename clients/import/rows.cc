#include "clients/import/rows.h"

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace scc::import {

std::string Lower(absl::string_view s) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(s));
}

std::string Fingerprint(const v1::EventPayload& payload) {
  std::string bytes;
  payload.SerializeToString(&bytes);
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return absl::StrFormat("%016x", h);
}

bool ValidUrn(const std::string& urn) {
  if (urn.size() == 8 && absl::StartsWith(urn, "EY")) {
    return std::all_of(urn.begin() + 2, urn.end(), [](char c) { return absl::ascii_isdigit(c); });
  }
  return (urn.size() == 6 || urn.size() == 7) &&
         std::all_of(urn.begin(), urn.end(), [](char c) { return absl::ascii_isdigit(c); });
}

absl::Status RequireColumns(const std::vector<std::string>& header,
                            std::initializer_list<absl::string_view> names) {
  std::vector<std::string> missing;
  for (absl::string_view n : names) {
    if (ColumnIndex(header, n) < 0) missing.emplace_back(n);
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("line 1: missing column(s) ", absl::StrJoin(missing, ", ")));
}

namespace {

// Reads named cells of one row.
class Row {
 public:
  Row(const CsvTable& table, const CsvRow& row) : table_(table), row_(row) {}
  std::string Get(absl::string_view column) const {
    const int i = table_.Column(column);
    if (i < 0 || i >= static_cast<int>(row_.fields.size())) return "";
    return std::string(absl::StripAsciiWhitespace(row_.fields[i]));
  }
  // An optional date column: "" when empty, ISO when a date, nullopt when not a date.
  std::optional<std::string> OptionalDate(absl::string_view column) const {
    const std::string text = Get(column);
    if (text.empty()) return std::string();
    std::string date = NormaliseDate(text);
    if (date.empty()) return std::nullopt;
    return date;
  }
  std::string First(std::initializer_list<absl::string_view> columns) const {
    for (absl::string_view c : columns) {
      std::string v = Get(c);
      if (!v.empty()) return v;
    }
    return "";
  }

 private:
  const CsvTable& table_;
  const CsvRow& row_;
};

v1::ReportCardGrade MapAreaGrade(const std::string& text) {
  const std::string g = Lower(text);
  if (g == "exceptional") return v1::REPORT_CARD_GRADE_EXCEPTIONAL;
  if (g == "strong standard" || g == "strong") return v1::REPORT_CARD_GRADE_STRONG_STANDARD;
  if (g == "expected standard" || g == "expected") return v1::REPORT_CARD_GRADE_EXPECTED_STANDARD;
  if (g == "needs attention") return v1::REPORT_CARD_GRADE_NEEDS_ATTENTION;
  if (g == "urgent improvement") return v1::REPORT_CARD_GRADE_URGENT_IMPROVEMENT;
  return v1::REPORT_CARD_GRADE_UNSPECIFIED;
}

}  // namespace

std::string NormaliseDate(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  int d = 0, m = 0, y = 0;
  if (text.size() == 10 && text[4] == '-' && absl::SimpleAtoi(text.substr(0, 4), &y) &&
      absl::SimpleAtoi(text.substr(5, 2), &m) && absl::SimpleAtoi(text.substr(8, 2), &d)) {
  } else if (text.size() == 10 && (text[2] == '/' || text[2] == '-') && text[5] == text[2] &&
             absl::SimpleAtoi(text.substr(0, 2), &d) && absl::SimpleAtoi(text.substr(3, 2), &m) &&
             absl::SimpleAtoi(text.substr(6, 4), &y)) {
  } else {
    return "";
  }
  const absl::CivilDay day(y, m, d);
  if (day.year() != y || day.month() != m || day.day() != d || y < 1900) return "";
  return absl::StrFormat("%04d-%02d-%02d", y, m, d);
}

absl::StatusOr<ImportPlan> PlanOfsted(const CsvTable& table, absl::CivilDay today) {
  if (absl::Status s = RequireColumns(table.header, {"URN", "Inspection start date"}); !s.ok()) return s;
  const std::string today_text = absl::StrFormat("%04d-%02d-%02d", today.year(), today.month(), today.day());
  const std::pair<const char*, v1::EvaluationArea> kAreas[] = {
      {"Inclusion", v1::EVALUATION_AREA_INCLUSION},
      {"Curriculum and teaching", v1::EVALUATION_AREA_CURRICULUM_AND_TEACHING},
      {"Achievement", v1::EVALUATION_AREA_ACHIEVEMENT},
      {"Attendance and behaviour", v1::EVALUATION_AREA_ATTENDANCE_AND_BEHAVIOUR},
      {"Personal development and wellbeing", v1::EVALUATION_AREA_PERSONAL_DEVELOPMENT_AND_WELLBEING},
      {"Leadership and governance", v1::EVALUATION_AREA_LEADERSHIP_AND_GOVERNANCE},
      {"Early years (where applicable)", v1::EVALUATION_AREA_EARLY_YEARS},
      {"Post-16 provision (where applicable)", v1::EVALUATION_AREA_SIXTH_FORM},
  };
  ImportPlan plan;
  for (const CsvRow& csv : table.rows) {
    const Row row(table, csv);
    auto error = [&](std::string reason) { plan.errors.push_back({csv.line, std::move(reason)}); };
    const std::string urn = row.Get("URN");
    if (!ValidUrn(urn)) {
      error(absl::StrCat("URN '", urn, "' is not a URN"));
      continue;
    }
    const std::string inspected = NormaliseDate(row.Get("Inspection start date"));
    if (inspected.empty()) {
      error(absl::StrCat("Inspection start date '", row.Get("Inspection start date"),
                         "' is not a date"));
      continue;
    }
    if (inspected > today_text) {
      error(absl::StrCat("Inspection start date ", inspected, " is in the future"));
      continue;
    }
    const std::optional<std::string> published_date = row.OptionalDate("Publication date");
    if (!published_date) {
      error(absl::StrCat("Publication date '", row.Get("Publication date"), "' is not a date"));
      continue;
    }
    const std::string& published = *published_date;
    RowCommand command;
    command.line = csv.line;
    command.urn = urn;
    command.effective_date = published.empty() ? inspected : std::min(published, today_text);
    auto* o = command.payload.mutable_ofsted_outcome_recorded();
    o->set_inspection_date(inspected);
    o->set_publication_date(published);
    o->set_inspection_type(row.Get("Inspection type"));
    bool bad = false;
    for (const auto& [column, area] : kAreas) {
      const std::string grade_text = row.Get(column);
      if (grade_text.empty() || Lower(grade_text) == "not applicable") continue;
      const v1::ReportCardGrade grade = MapAreaGrade(grade_text);
      if (grade == v1::REPORT_CARD_GRADE_UNSPECIFIED) {
        error(absl::StrCat(column, " '", grade_text, "' is not a report-card grade"));
        bad = true;
        break;
      }
      auto* g = o->mutable_report_card()->add_areas();
      g->set_area(area);
      g->set_grade(grade);
    }
    if (bad) continue;
    const std::string category = Lower(row.First({"Category of concern", "Latest OEIF category of concern"}));
    if (o->has_report_card()) {
      const std::string safeguarding = Lower(row.Get("Safeguarding standards"));
      if (safeguarding != "met" && safeguarding != "not met") {
        error(absl::StrCat("Safeguarding standards '", row.Get("Safeguarding standards"),
                           "' is not Met or Not met"));
        continue;
      }
      o->mutable_report_card()->set_safeguarding(safeguarding == "met"
                                                     ? v1::SAFEGUARDING_OUTCOME_MET
                                                     : v1::SAFEGUARDING_OUTCOME_NOT_MET);
    } else {
      const std::string overall = Lower(row.First({"Latest OEIF overall effectiveness", "Overall effectiveness"}));
      v1::OfstedGrade grade = v1::OFSTED_GRADE_UNSPECIFIED;
      if (overall == "1" || overall == "outstanding") grade = v1::OFSTED_GRADE_OUTSTANDING;
      if (overall == "2" || overall == "good") grade = v1::OFSTED_GRADE_GOOD;
      if (overall == "3" || overall == "requires improvement") grade = v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT;
      if (overall == "4" || overall == "inadequate") grade = v1::OFSTED_GRADE_INADEQUATE;
      if (overall.empty() || overall == "8" || overall == "9" || overall == "not judged") {
        plan.skipped.push_back({csv.line, absl::StrCat(urn, ": no graded judgement")});
        continue;
      }
      if (grade == v1::OFSTED_GRADE_UNSPECIFIED) {
        error(absl::StrCat("overall effectiveness '", overall, "' is not 1-4 or a grade"));
        continue;
      }
      o->mutable_legacy()->set_overall(grade);
      if (absl::StrContains(category, "special measures") || category == "sm") {
        o->mutable_legacy()->set_category(v1::OFSTED_CATEGORY_SPECIAL_MEASURES);
      } else if (absl::StrContains(category, "serious weakness") || category == "sw" || category == "swk") {
        o->mutable_legacy()->set_category(v1::OFSTED_CATEGORY_SERIOUS_WEAKNESSES);
      }
      if (o->legacy().category() != v1::OFSTED_CATEGORY_UNSPECIFIED &&
          grade != v1::OFSTED_GRADE_INADEQUATE) {
        error("a category of concern needs an Inadequate overall grade");
        continue;
      }
    }
    command.request_id = absl::StrCat("import/ofsted/", urn, "/", inspected, "/",
                                      Fingerprint(command.payload));
    plan.commands.push_back(std::move(command));
  }
  return plan;
}

}  // namespace scc::import
