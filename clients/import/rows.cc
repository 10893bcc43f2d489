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
namespace {

struct TypeMapping {
  const char* contains;
  v1::InstitutionKind kind;
  v1::EstablishmentType type;
};

// Most specific first.
constexpr TypeMapping kTypes[] = {
    {"academy sponsor led", v1::INSTITUTION_KIND_ACADEMY, v1::ESTABLISHMENT_TYPE_ACADEMY_SPONSOR_LED},
    {"academy", v1::INSTITUTION_KIND_ACADEMY, v1::ESTABLISHMENT_TYPE_ACADEMY_CONVERTER},
    {"free school", v1::INSTITUTION_KIND_ACADEMY, v1::ESTABLISHMENT_TYPE_FREE_SCHOOL},
    {"studio school", v1::INSTITUTION_KIND_ACADEMY, v1::ESTABLISHMENT_TYPE_FREE_SCHOOL},
    {"university technical college", v1::INSTITUTION_KIND_ACADEMY, v1::ESTABLISHMENT_TYPE_FREE_SCHOOL},
    {"special", v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, v1::ESTABLISHMENT_TYPE_SPECIAL},
    {"pupil referral unit", v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, v1::ESTABLISHMENT_TYPE_PUPIL_REFERRAL_UNIT},
    {"nursery school", v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, v1::ESTABLISHMENT_TYPE_MAINTAINED_NURSERY},
    {"voluntary aided", v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, v1::ESTABLISHMENT_TYPE_VOLUNTARY_AIDED},
    {"voluntary controlled", v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, v1::ESTABLISHMENT_TYPE_VOLUNTARY_CONTROLLED},
    {"foundation", v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, v1::ESTABLISHMENT_TYPE_FOUNDATION},
    {"community", v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, v1::ESTABLISHMENT_TYPE_COMMUNITY},
};

v1::Phase MapPhase(const std::string& phase, bool sixth_form, v1::EstablishmentType type) {
  if (phase == "primary" || phase == "middle deemed primary") return v1::PHASE_PRIMARY;
  if (phase == "secondary" || phase == "middle deemed secondary") {
    return sixth_form ? v1::PHASE_SECONDARY_WITH_SIXTH_FORM : v1::PHASE_SECONDARY;
  }
  if (phase == "16 plus") return v1::PHASE_SECONDARY_WITH_SIXTH_FORM;
  if (phase == "all-through" || phase == "all through") return v1::PHASE_ALL_THROUGH;
  if (phase == "nursery") return v1::PHASE_NURSERY;
  if (type == v1::ESTABLISHMENT_TYPE_SPECIAL) return v1::PHASE_SPECIAL;
  if (type == v1::ESTABLISHMENT_TYPE_PUPIL_REFERRAL_UNIT) return v1::PHASE_PUPIL_REFERRAL_UNIT;
  return v1::PHASE_UNSPECIFIED;
}

}  // namespace

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

std::string Row::Get(absl::string_view column) const {
  const int i = table_.Column(column);
  if (i < 0 || i >= static_cast<int>(row_.fields.size())) return "";
  return std::string(absl::StripAsciiWhitespace(row_.fields[i]));
}

std::optional<std::string> Row::OptionalDate(absl::string_view column) const {
  const std::string text = Get(column);
  if (text.empty()) return std::string();
  std::string date = NormaliseDate(text);
  if (date.empty()) return std::nullopt;
  return date;
}

std::string Row::First(std::initializer_list<absl::string_view> columns) const {
  for (absl::string_view c : columns) {
    std::string v = Get(c);
    if (!v.empty()) return v;
  }
  return "";
}

absl::Status RequireColumns(const CsvTable& table, std::initializer_list<absl::string_view> names) {
  std::vector<std::string> missing;
  for (absl::string_view n : names) {
    if (table.Column(n) < 0) missing.emplace_back(n);
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("line 1: missing column(s) ", absl::StrJoin(missing, ", ")));
}

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

absl::StatusOr<ImportPlan> PlanInstitutions(const CsvTable& table, absl::CivilDay today) {
  if (absl::Status s = RequireColumns(table, {"URN", "EstablishmentName", "TypeOfEstablishment (name)",
                                              "PhaseOfEducation (name)"});
      !s.ok()) {
    return s;
  }
  const std::string today_text = absl::StrFormat("%04d-%02d-%02d", today.year(), today.month(), today.day());
  ImportPlan plan;
  for (const CsvRow& csv : table.rows) {
    const Row row(table, csv);
    auto error = [&](std::string reason) { plan.errors.push_back({csv.line, std::move(reason)}); };
    const std::string urn = row.Get("URN");
    if (!ValidUrn(urn)) {
      error(absl::StrCat("URN '", urn, "' is not 6 or 7 digits"));
      continue;
    }
    const std::string status = Lower(row.Get("EstablishmentStatus (name)"));
    if (absl::StartsWith(status, "closed")) {
      plan.skipped.push_back({csv.line, absl::StrCat(urn, " is closed"), "closed"});
      continue;
    }
    const std::string name = row.Get("EstablishmentName");
    if (name.empty()) {
      error("EstablishmentName is empty");
      continue;
    }
    const std::string type_text = Lower(row.Get("TypeOfEstablishment (name)"));
    const TypeMapping* type = nullptr;
    for (const TypeMapping& t : kTypes) {
      if (absl::StrContains(type_text, t.contains)) {
        type = &t;
        break;
      }
    }
    if (type == nullptr) {
      error(absl::StrCat("TypeOfEstablishment '", row.Get("TypeOfEstablishment (name)"),
                         "' is not a maintained school or academy"));
      continue;
    }
    const bool sixth_form = Lower(row.Get("OfficialSixthForm (name)")) == "has a sixth form";
    const v1::Phase phase = MapPhase(Lower(row.Get("PhaseOfEducation (name)")), sixth_form, type->type);
    if (phase == v1::PHASE_UNSPECIFIED) {
      error(absl::StrCat("PhaseOfEducation '", row.Get("PhaseOfEducation (name)"),
                         "' is not a phase this server knows"));
      continue;
    }
    const std::optional<std::string> opened_date = row.OptionalDate("OpenDate");
    if (!opened_date) {
      error(absl::StrCat("OpenDate '", row.Get("OpenDate"), "' is not a date"));
      continue;
    }
    const std::string& opened = *opened_date;
    RowCommand command;
    command.line = csv.line;
    command.urn = urn;
    // Registration dates from the opening; without one, from a date before any record.
    command.effective_date = opened.empty() ? "2000-01-01" : std::min(opened, today_text);
    auto* d = command.payload.mutable_institution_registered()->mutable_details();
    d->set_name(name);
    d->set_kind(type->kind);
    d->set_establishment_type(type->type);
    d->set_phase(phase);
    d->set_trust_name(row.Get("Trusts (name)"));
    d->set_local_authority(row.Get("LA (name)"));
    d->set_postcode(row.Get("Postcode"));
    const std::string head = absl::StrCat(row.Get("HeadFirstName"), " ", row.Get("HeadLastName"));
    d->set_headteacher_name(std::string(absl::StripAsciiWhitespace(head)));
    command.request_id = absl::StrCat("import/gias/", urn, "/", Fingerprint(command.payload));
    plan.commands.push_back(std::move(command));
  }
  return plan;
}

}  // namespace scc::import
