#include "clients/import/gias_rows.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace scc::import {
namespace {

// How a type's phase is decided: from PhaseOfEducation, or by the type itself.
enum class PhaseFrom { kGias, kSpecial, kAlternativeProvision };

// Reasons a GIAS type is outside SCC (docs/import.md). The authority's statutory powers and its
// SCC process cover maintained schools; academies and free schools it follows through their
// trust. Early-years settings are not in GIAS (their Ofsted URN identifies them).
constexpr char kIndependent[] = "not maintained by the authority and not an academy";
constexpr char kNonMaintainedSpecial[] = "run by a charity and approved by the DfE, not maintained by the authority";
constexpr char kCtc[] = "an independent school under a DfE agreement";
constexpr char kCollege[] = "further education or post-16, not a school";
constexpr char kUniversity[] = "higher education, not a school";
constexpr char kWelsh[] = "outside England";
constexpr char kOverseas[] = "outside England";
constexpr char kSecure[] = "overseen by the Youth Custody Service";
constexpr char kOnline[] = "accredited by the DfE, not a school of the authority";
constexpr char kOtherDepartment[] = "funded by another government department, not the authority";
constexpr char kChildrensCentre[] = "not a school";
constexpr char kMiscellaneous[] = "not a school of the authority";

struct GiasType {
  int code;
  const char* name;  // TypeOfEstablishment (name) as GIAS spells it
  v1::InstitutionKind kind;  // UNSPECIFIED: outside SCC, for `skip`
  v1::EstablishmentType type;
  PhaseFrom phase;
  const char* skip;
};

constexpr auto kMaintained = v1::INSTITUTION_KIND_MAINTAINED_SCHOOL;
constexpr auto kAcademy = v1::INSTITUTION_KIND_ACADEMY;
constexpr auto kOutside = v1::INSTITUTION_KIND_UNSPECIFIED;
constexpr auto kNoType = v1::ESTABLISHMENT_TYPE_UNSPECIFIED;

// Every TypeOfEstablishment of GIAS, by code.
constexpr GiasType kTypes[] = {
    {1, "Community school", kMaintained, v1::ESTABLISHMENT_TYPE_COMMUNITY, PhaseFrom::kGias, nullptr},
    {2, "Voluntary aided school", kMaintained, v1::ESTABLISHMENT_TYPE_VOLUNTARY_AIDED, PhaseFrom::kGias, nullptr},
    {3, "Voluntary controlled school", kMaintained, v1::ESTABLISHMENT_TYPE_VOLUNTARY_CONTROLLED, PhaseFrom::kGias, nullptr},
    {5, "Foundation school", kMaintained, v1::ESTABLISHMENT_TYPE_FOUNDATION, PhaseFrom::kGias, nullptr},
    {6, "City technology college", kOutside, kNoType, PhaseFrom::kGias, kCtc},
    {7, "Community special school", kMaintained, v1::ESTABLISHMENT_TYPE_SPECIAL, PhaseFrom::kSpecial, nullptr},
    {8, "Non-maintained special school", kOutside, kNoType, PhaseFrom::kGias, kNonMaintainedSpecial},
    {10, "Other independent special school", kOutside, kNoType, PhaseFrom::kGias, kIndependent},
    {11, "Other independent school", kOutside, kNoType, PhaseFrom::kGias, kIndependent},
    {12, "Foundation special school", kMaintained, v1::ESTABLISHMENT_TYPE_SPECIAL, PhaseFrom::kSpecial, nullptr},
    {14, "Pupil referral unit", kMaintained, v1::ESTABLISHMENT_TYPE_PUPIL_REFERRAL_UNIT, PhaseFrom::kAlternativeProvision, nullptr},
    {15, "Local authority nursery school", kMaintained, v1::ESTABLISHMENT_TYPE_MAINTAINED_NURSERY, PhaseFrom::kGias, nullptr},
    {18, "Further education", kOutside, kNoType, PhaseFrom::kGias, kCollege},
    {24, "Secure units", kOutside, kNoType, PhaseFrom::kGias, kSecure},
    {25, "Offshore schools", kOutside, kNoType, PhaseFrom::kGias, kOverseas},
    {26, "Service children's education", kOutside, kNoType, PhaseFrom::kGias, kOverseas},
    {27, "Miscellaneous", kOutside, kNoType, PhaseFrom::kGias, kMiscellaneous},
    {28, "Academy sponsor led", kAcademy, v1::ESTABLISHMENT_TYPE_ACADEMY_SPONSOR_LED, PhaseFrom::kGias, nullptr},
    {29, "Higher education institutions", kOutside, kNoType, PhaseFrom::kGias, kUniversity},
    {30, "Welsh establishment", kOutside, kNoType, PhaseFrom::kGias, kWelsh},
    {31, "Sixth form centres", kOutside, kNoType, PhaseFrom::kGias, kCollege},
    {32, "Special post 16 institution", kOutside, kNoType, PhaseFrom::kGias, kCollege},
    {33, "Academy special sponsor led", kAcademy, v1::ESTABLISHMENT_TYPE_ACADEMY_SPONSOR_LED, PhaseFrom::kSpecial, nullptr},
    {34, "Academy converter", kAcademy, v1::ESTABLISHMENT_TYPE_ACADEMY_CONVERTER, PhaseFrom::kGias, nullptr},
    {35, "Free schools", kAcademy, v1::ESTABLISHMENT_TYPE_FREE_SCHOOL, PhaseFrom::kGias, nullptr},
    {36, "Free schools special", kAcademy, v1::ESTABLISHMENT_TYPE_FREE_SCHOOL, PhaseFrom::kSpecial, nullptr},
    {37, "British schools overseas", kOutside, kNoType, PhaseFrom::kGias, kOverseas},
    {38, "Free schools alternative provision", kAcademy, v1::ESTABLISHMENT_TYPE_FREE_SCHOOL, PhaseFrom::kAlternativeProvision, nullptr},
    {39, "Free schools 16 to 19", kAcademy, v1::ESTABLISHMENT_TYPE_FREE_SCHOOL, PhaseFrom::kGias, nullptr},
    {40, "University technical college", kAcademy, v1::ESTABLISHMENT_TYPE_FREE_SCHOOL, PhaseFrom::kGias, nullptr},
    {41, "Studio schools", kAcademy, v1::ESTABLISHMENT_TYPE_FREE_SCHOOL, PhaseFrom::kGias, nullptr},
    {42, "Academy alternative provision converter", kAcademy, v1::ESTABLISHMENT_TYPE_ACADEMY_CONVERTER, PhaseFrom::kAlternativeProvision, nullptr},
    {43, "Academy alternative provision sponsor led", kAcademy, v1::ESTABLISHMENT_TYPE_ACADEMY_SPONSOR_LED, PhaseFrom::kAlternativeProvision, nullptr},
    {44, "Academy special converter", kAcademy, v1::ESTABLISHMENT_TYPE_ACADEMY_CONVERTER, PhaseFrom::kSpecial, nullptr},
    {45, "Academy 16-19 converter", kAcademy, v1::ESTABLISHMENT_TYPE_ACADEMY_CONVERTER, PhaseFrom::kGias, nullptr},
    {46, "Academy 16 to 19 sponsor led", kAcademy, v1::ESTABLISHMENT_TYPE_ACADEMY_SPONSOR_LED, PhaseFrom::kGias, nullptr},
    {47, "Children's centre", kOutside, kNoType, PhaseFrom::kGias, kChildrensCentre},
    {48, "Children's centre linked site", kOutside, kNoType, PhaseFrom::kGias, kChildrensCentre},
    {49, "Online provider", kOutside, kNoType, PhaseFrom::kGias, kOnline},
    {56, "Institution funded by other government department", kOutside, kNoType, PhaseFrom::kGias, kOtherDepartment},
    {57, "Academy secure 16 to 19", kOutside, kNoType, PhaseFrom::kGias, kSecure},
};

// By code when the file has the code column, else by the name (any case).
const GiasType* FindType(const std::string& code, const std::string& name) {
  int number = 0;
  const bool by_code = !code.empty() && absl::SimpleAtoi(code, &number);
  for (const GiasType& t : kTypes) {
    if (by_code ? t.code == number : absl::EqualsIgnoreCase(t.name, name)) return &t;
  }
  return nullptr;
}

v1::Phase MapPhase(const std::string& phase, bool sixth_form, PhaseFrom from) {
  if (from == PhaseFrom::kSpecial) return v1::PHASE_SPECIAL;
  if (from == PhaseFrom::kAlternativeProvision) return v1::PHASE_PUPIL_REFERRAL_UNIT;
  if (phase == "primary" || phase == "middle deemed primary") return v1::PHASE_PRIMARY;
  if (phase == "secondary" || phase == "middle deemed secondary") {
    return sixth_form ? v1::PHASE_SECONDARY_WITH_SIXTH_FORM : v1::PHASE_SECONDARY;
  }
  if (phase == "16 plus") return v1::PHASE_SECONDARY_WITH_SIXTH_FORM;
  if (phase == "all-through" || phase == "all through") return v1::PHASE_ALL_THROUGH;
  if (phase == "nursery") return v1::PHASE_NURSERY;
  return v1::PHASE_UNSPECIFIED;
}

// GIAS writes "Does not apply", "None" or "Not applicable" where a school has no religious
// character or diocese; the server keeps those empty.
std::string Meaningful(const std::string& value) {
  const std::string l = Lower(value);
  if (l == "does not apply" || l == "none" || l == "not applicable" || l == "n/a") return "";
  return value;
}

// OpenDate as a date the server takes: GIAS has schools opened before 1900 (the server's first
// date), which count as opened on 1 January 1900. Empty when not a date.
std::string OpenedOn(const std::string& text) {
  const std::string date = NormaliseDate(text);
  int year = 0;
  if (!date.empty() || text.size() != 10 || !absl::SimpleAtoi(text.substr(6), &year) ||
      year >= 1900 || year < 1000) {
    return date;
  }
  // The day and month checked in a year that has every day.
  return NormaliseDate(text.substr(0, 6) + "2000").empty() ? "" : "1900-01-01";
}

// The columns used, found once in the header (-1 when absent).
struct Columns {
  explicit Columns(const std::vector<std::string>& header)
      : urn(ColumnIndex(header, "URN")),
        la_code(ColumnIndex(header, "LA (code)")),
        la_name(ColumnIndex(header, "LA (name)")),
        name(ColumnIndex(header, "EstablishmentName")),
        type_code(ColumnIndex(header, "TypeOfEstablishment (code)")),
        type_name(ColumnIndex(header, "TypeOfEstablishment (name)")),
        status(ColumnIndex(header, "EstablishmentStatus (name)")),
        open_date(ColumnIndex(header, "OpenDate")),
        close_date(ColumnIndex(header, "CloseDate")),
        phase(ColumnIndex(header, "PhaseOfEducation (name)")),
        low_age(ColumnIndex(header, "StatutoryLowAge")),
        high_age(ColumnIndex(header, "StatutoryHighAge")),
        sixth_form(ColumnIndex(header, "OfficialSixthForm (name)")),
        religious_character(ColumnIndex(header, "ReligiousCharacter (name)")),
        diocese(ColumnIndex(header, "Diocese (name)")),
        pupils(ColumnIndex(header, "NumberOfPupils")),
        trust(ColumnIndex(header, "Trusts (name)")),
        ukprn(ColumnIndex(header, "UKPRN")),
        postcode(ColumnIndex(header, "Postcode")),
        head_first(ColumnIndex(header, "HeadFirstName")),
        head_last(ColumnIndex(header, "HeadLastName")) {}
  int urn, la_code, la_name, name, type_code, type_name, status, open_date, close_date, phase,
      low_age, high_age, sixth_form, religious_character, diocese, pupils, trust, ukprn, postcode,
      head_first, head_last;
};

std::string Cell(const CsvRow& row, int column) {
  if (column < 0 || column >= static_cast<int>(row.fields.size())) return "";
  return std::string(absl::StripAsciiWhitespace(row.fields[column]));
}

bool Wanted(const GiasFilter& filter, const std::string& code, const std::string& name) {
  if (filter.local_authorities.empty()) return true;
  return std::any_of(filter.local_authorities.begin(), filter.local_authorities.end(),
                     [&](const std::string& la) {
                       const auto wanted = absl::StripAsciiWhitespace(la);
                       return absl::EqualsIgnoreCase(wanted, code) || absl::EqualsIgnoreCase(wanted, name);
                     });
}

}  // namespace

absl::StatusOr<GiasPlan> PlanInstitutions(CsvReader& reader, const GiasFilter& filter,
                                          absl::CivilDay today) {
  CsvRow header;
  if (!reader.Next(&header)) {
    if (!reader.status().ok()) return reader.status();
    return absl::InvalidArgumentError("the file is empty");
  }
  if (absl::Status s =
          RequireColumns(header.fields, {"URN", "EstablishmentName", "PhaseOfEducation (name)"});
      !s.ok()) {
    return s;
  }
  const Columns col(header.fields);
  if (col.type_code < 0 && col.type_name < 0) {
    return absl::InvalidArgumentError(
        "line 1: missing column TypeOfEstablishment (code) or TypeOfEstablishment (name)");
  }
  if (!filter.local_authorities.empty() && col.la_code < 0 && col.la_name < 0) {
    return absl::InvalidArgumentError(
        "line 1: the file has no LA (code) or LA (name) column to choose the authority's rows by");
  }
  const std::string today_text =
      absl::StrFormat("%04d-%02d-%02d", today.year(), today.month(), today.day());
  GiasPlan plan;
  CsvRow row;
  while (reader.Next(&row)) {
    ++plan.rows;
    const std::string la_code = Cell(row, col.la_code);
    const std::string la_name = Cell(row, col.la_name);
    if (!Wanted(filter, la_code, la_name)) {
      ++plan.other_authorities;
      continue;
    }
    if (filter.local_authorities.empty() && (!la_code.empty() || !la_name.empty())) {
      plan.authorities.emplace(la_code, la_name);
    }
    auto error = [&](std::string reason) { plan.errors.push_back({row.line, std::move(reason)}); };
    const std::string urn = Cell(row, col.urn);
    if (!ValidUrn(urn) || absl::StartsWith(urn, "EY")) {
      error(absl::StrCat("URN '", urn, "' is not 6 or 7 digits"));
      continue;
    }
    const std::string name = Cell(row, col.name);
    const std::string type_name = Cell(row, col.type_name);
    const std::string type_code = Cell(row, col.type_code);
    const GiasType* type = FindType(type_code, type_name);
    if (type == nullptr) {
      error(type_code.empty()
                ? absl::StrCat("TypeOfEstablishment (name) '", type_name,
                               "' is not an establishment type of GIAS")
                : absl::StrCat("TypeOfEstablishment (code) '", type_code, "' (", type_name,
                               ") is not an establishment type of GIAS"));
      continue;
    }
    if (type->skip != nullptr) {
      SkippedType& skipped = plan.skipped_types[type->name];
      skipped.reason = type->skip;
      ++skipped.count;
      plan.skipped.push_back({row.line, absl::StrCat(urn, " ", name, ": ", type->name, ", ", type->skip)});
      continue;
    }
    if (name.empty()) {
      error("EstablishmentName is empty");
      continue;
    }
    GiasEstablishment e;
    e.line = row.line;
    e.urn = urn;
    const std::string status = Cell(row, col.status);
    if (absl::StartsWithIgnoreCase(status, "closed")) {
      e.closed = true;
      e.closed_on = NormaliseDate(Cell(row, col.close_date));
      e.details.set_name(name);
      plan.establishments.push_back(std::move(e));
      continue;
    }
    const std::string phase_text = Cell(row, col.phase);
    const bool sixth_form = Lower(Cell(row, col.sixth_form)) == "has a sixth form";
    const v1::Phase phase = MapPhase(Lower(phase_text), sixth_form, type->phase);
    if (phase == v1::PHASE_UNSPECIFIED) {
      error(absl::StrCat("PhaseOfEducation '", phase_text, "' is not a phase of a ", type->name));
      continue;
    }
    const std::string open_text = Cell(row, col.open_date);
    const std::string opened = OpenedOn(open_text);
    if (!open_text.empty() && opened.empty()) {
      error(absl::StrCat("OpenDate '", open_text, "' is not a date (dd-mm-yyyy)"));
      continue;
    }
    const std::pair<const char*, int> kNumbers[] = {
        {"NumberOfPupils", col.pupils}, {"StatutoryLowAge", col.low_age},
        {"StatutoryHighAge", col.high_age}};
    int numbers[3] = {0, 0, 0};
    std::string bad_number;
    for (int i = 0; i < 3 && bad_number.empty(); ++i) {
      const std::string text = Cell(row, kNumbers[i].second);
      if (!text.empty() && (!absl::SimpleAtoi(text, &numbers[i]) || numbers[i] < 0)) {
        bad_number = absl::StrCat(kNumbers[i].first, " '", text, "' is not a whole number");
      }
    }
    if (!bad_number.empty()) {
      error(bad_number);
      continue;
    }
    // Registration dates from the opening; without one, from a date before any record.
    e.opened_on = opened.empty() ? "2000-01-01" : std::min(opened, today_text);
    v1::InstitutionDetails& d = e.details;
    d.set_name(name);
    d.set_kind(type->kind);
    d.set_establishment_type(type->type);
    d.set_phase(phase);
    d.set_trust_name(Cell(row, col.trust));
    d.set_local_authority(la_name);
    d.set_la_code(la_code);
    d.set_postcode(Cell(row, col.postcode));
    const std::string head = absl::StrCat(Cell(row, col.head_first), " ", Cell(row, col.head_last));
    d.set_headteacher_name(std::string(absl::StripAsciiWhitespace(head)));
    d.set_religious_character(Meaningful(Cell(row, col.religious_character)));
    d.set_diocese(Meaningful(Cell(row, col.diocese)));
    d.set_number_of_pupils(numbers[0]);
    d.set_statutory_low_age(numbers[1]);
    d.set_statutory_high_age(numbers[2]);
    d.set_gias_type_code(type->code);
    d.set_ukprn(Cell(row, col.ukprn));
    d.set_gias_status(status);
    plan.establishments.push_back(std::move(e));
  }
  if (!reader.status().ok()) return reader.status();
  return plan;
}

RowCommand Registration(const GiasEstablishment& establishment) {
  RowCommand command;
  command.line = establishment.line;
  command.urn = establishment.urn;
  command.effective_date = establishment.opened_on;
  *command.payload.mutable_institution_registered()->mutable_details() = establishment.details;
  command.request_id =
      absl::StrCat("import/gias/", establishment.urn, "/", Fingerprint(command.payload));
  return command;
}

}  // namespace scc::import
