#include "services/reports/letters.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/domain/dates.h"
#include "storage/sha256.h"
#include "storage/status_macros.h"

namespace scc::reports {
namespace {

struct TemplateFile {
  v1::LetterKind kind;
  const char* file;
};
constexpr TemplateFile kTemplateFiles[] = {
    {v1::LETTER_KIND_DESIGNATION, "designation.html"},
    {v1::LETTER_KIND_WARNING_NOTICE, "warning-notice.html"},
    {v1::LETTER_KIND_REMOVAL, "removal.html"},
};

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Each reason in words a headteacher reads.
std::string ReasonOf(v1::ConcernTrigger t) {
  switch (t) {
    case v1::CONCERN_TRIGGER_OFSTED_BELOW_GOOD:
      return "Ofsted judged the school less than good (inadequate or requires improvement, or "
             "below good at two successive inspections).";
    case v1::CONCERN_TRIGGER_LA_JUDGES_RI_OR_WORSE:
      return "The local authority judges that the school would be found to require improvement "
             "or worse if it were inspected now.";
    case v1::CONCERN_TRIGGER_LEADERSHIP_OR_GOVERNANCE:
      return "There has been a breakdown of leadership or governance, or leadership is judged "
             "to require improvement or worse.";
    case v1::CONCERN_TRIGGER_PUPIL_SAFETY:
      return "The safety of pupils or staff is threatened, including unsatisfactory "
             "safeguarding.";
    case v1::CONCERN_TRIGGER_LOW_ACHIEVEMENT_OR_DECLINE:
      return "Pupils' achievement is low or declining, with no evidence yet of the capacity to "
             "reverse it.";
    default:
      return "";
  }
}

std::string ReasonOf(v1::SettingConcernTrigger t) {
  switch (t) {
    case v1::SETTING_CONCERN_TRIGGER_OFSTED_RI_OR_INADEQUATE:
      return "Ofsted judged the setting requires improvement or inadequate.";
    case v1::SETTING_CONCERN_TRIGGER_LEADERSHIP_AND_MANAGEMENT:
      return "There are concerns about the setting's leadership and management.";
    case v1::SETTING_CONCERN_TRIGGER_POOR_LEARNING_ENVIRONMENT:
      return "The learning environment is poor.";
    case v1::SETTING_CONCERN_TRIGGER_POOR_QUALITY_OF_TEACHING:
      return "The quality of teaching is poor.";
    case v1::SETTING_CONCERN_TRIGGER_SAFEGUARDING:
      return "There are concerns about safeguarding.";
    case v1::SETTING_CONCERN_TRIGGER_EYFS_REQUIREMENTS_NOT_MET:
      return "The requirements of the Early Years Foundation Stage are not met.";
    case v1::SETTING_CONCERN_TRIGGER_DEVELOPMENT_NEEDS_NOT_SUPPORTED:
      return "Children's development needs are not being supported.";
    default:
      return "";
  }
}

// The statutory grounds as section 60(2) and 60A of the Education and Inspections Act 2006
// put them.
std::string GroundOf(v1::WarningNoticeGround g) {
  switch (g) {
    case v1::WARNING_NOTICE_GROUND_LOW_STANDARDS:
      return "the standards of performance of pupils at the school are unacceptably low, and "
             "are likely to remain so unless the authority exercises its powers";
    case v1::WARNING_NOTICE_GROUND_MANAGEMENT_OR_GOVERNANCE_BREAKDOWN:
      return "there has been a serious breakdown in the way the school is managed or governed "
             "which is prejudicing, or likely to prejudice, such standards of performance";
    case v1::WARNING_NOTICE_GROUND_SAFETY_THREATENED:
      return "the safety of pupils or staff of the school is threatened (whether by a breakdown "
             "of discipline or otherwise)";
    case v1::WARNING_NOTICE_GROUND_PAY_AND_CONDITIONS:
      return "the governing body has failed to comply, or secure compliance, with a provision "
             "of an order under section 122 of the Education Act 2002 (teachers' pay and "
             "conditions) that applies to a teacher at the school";
    default:
      return "";
  }
}

std::string CopyOf(const v1::NoticeCopy& c) {
  std::string who;
  switch (c.recipient()) {
    case v1::SCHOOL_PARTY_GOVERNING_BODY: who = "The governing body"; break;
    case v1::SCHOOL_PARTY_HEADTEACHER: who = "The headteacher"; break;
    case v1::SCHOOL_PARTY_DIOCESAN_AUTHORITY: who = "The appropriate diocesan authority"; break;
    case v1::SCHOOL_PARTY_FOUNDATION_GOVERNOR_APPOINTER:
      who = "The person who appoints the foundation governors";
      break;
    default: who = "Other"; break;
  }
  return c.name().empty() ? who : absl::StrCat(who, ": ", c.name());
}

TemplateValue List(const std::vector<std::string>& values, const std::string& field) {
  std::vector<TemplateRecord> records;
  for (const std::string& v : values) {
    if (!v.empty()) records.push_back(TemplateRecord{{field, TemplateValue(v)}});
  }
  return TemplateValue(std::move(records));
}

std::string KindWord(v1::InstitutionKind kind) {
  switch (kind) {
    case v1::INSTITUTION_KIND_ACADEMY: return "academy";
    case v1::INSTITUTION_KIND_EARLY_YEARS_SETTING: return "setting";
    default: return "school";
  }
}

std::string RemovalReason(const v1::InstitutionState& s) {
  if (s.details().kind() == v1::INSTITUTION_KIND_EARLY_YEARS_SETTING) {
    return "Practice at the setting has improved, with evidence, or its latest Ofsted inspection "
           "judged it good or better.";
  }
  return "The Lead Officer and the headteacher agree that the school has made enough progress "
         "against the key issues in its action plan, and that the progress is sustained.";
}

}  // namespace

std::string LongDate(const std::string& iso) {
  const std::optional<absl::CivilDay> day = domain::ParseDate(iso);
  if (!day) return iso;
  static constexpr const char* kMonths[] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};
  return absl::StrFormat("%d %s %d", day->day(), kMonths[day->month() - 1], day->year());
}

absl::StatusOr<LetterBook> LetterBook::Load(const std::string& dir,
                                            const std::string& authority_name) {
  LetterBook book;
  book.authority_.name = authority_name;
  const std::string authority_file = absl::StrCat(dir, "/authority.txt");
  if (absl::StatusOr<std::string> text = ReadFile(authority_file); text.ok()) {
    int number = 0;
    for (absl::string_view line : absl::StrSplit(*text, '\n')) {
      ++number;
      line = absl::StripAsciiWhitespace(line);
      if (line.empty() || line[0] == '#') continue;
      const size_t colon = line.find(':');
      if (colon == absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat(authority_file, ":", number, ": want 'key: value'"));
      }
      const std::string key(absl::StripAsciiWhitespace(line.substr(0, colon)));
      const std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
      LetterAuthority& a = book.authority_;
      if (key == "name") {
        a.name = value;
      } else if (key == "address") {
        a.address_lines.push_back(value);
      } else if (key == "phone") {
        a.phone = value;
      } else if (key == "email") {
        a.email = value;
      } else if (key == "signatory_name") {
        a.signatory_name = value;
      } else if (key == "signatory_title") {
        a.signatory_title = value;
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            authority_file, ":", number, ": unknown key '", key,
            "' (name, address, phone, email, signatory_name, signatory_title)"));
      }
    }
  }
  v1::InstitutionState sample;
  sample.set_urn("100000");
  for (const TemplateFile& f : kTemplateFiles) {
    const std::string path = absl::StrCat(dir, "/", f.file);
    ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    if (absl::Status syntax = CheckTemplate(text); !syntax.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", syntax.message()));
    }
    if (absl::StatusOr<std::string> tried =
            RenderTemplate(text, book.Values(sample, f.kind, absl::CivilDay(2026, 1, 1), ""));
        !tried.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", tried.status().message()));
    }
    const storage::Sha256Digest digest = storage::Sha256({text});
    book.templates_[f.kind] = Template{
        path, std::move(text),
        absl::BytesToHexString(
            absl::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()))};
  }
  return book;
}

TemplateRecord LetterBook::Values(const v1::InstitutionState& s, v1::LetterKind kind,
                                  absl::CivilDay dated, const std::string& action_plan_due_on) const {
  const v1::InstitutionDetails& d = s.details();
  const v1::SccEpisode& e = s.episode();
  const std::string date = domain::FormatDate(dated);
  TemplateRecord v{
      {"authority_name", TemplateValue(authority_.name)},
      {"authority_address_lines", List(authority_.address_lines, "line")},
      {"authority_phone", TemplateValue(authority_.phone)},
      {"authority_email", TemplateValue(authority_.email)},
      {"signatory_name", TemplateValue(authority_.signatory_name)},
      {"signatory_title", TemplateValue(authority_.signatory_title)},
      {"letter_date", TemplateValue(LongDate(date))},
      {"reference", TemplateValue(absl::StrCat("SCC/", s.urn(), "/", date))},
      {"institution_name", TemplateValue(d.name())},
      {"urn", TemplateValue(s.urn())},
      {"institution_kind", TemplateValue(KindWord(d.kind()))},
      {"is_setting", TemplateValue(d.kind() == v1::INSTITUTION_KIND_EARLY_YEARS_SETTING ? "yes" : "")},
      {"headteacher_name", TemplateValue(d.headteacher_name())},
      {"chair_of_governors_name", TemplateValue(d.chair_of_governors_name())},
      {"trust_name", TemplateValue(d.kind() == v1::INSTITUTION_KIND_ACADEMY ? d.trust_name() : "")},
      {"diocese", TemplateValue(d.diocese())},
      {"lead_officer_name", TemplateValue(e.lead_officer().lead_officer_name())},
      {"lead_officer_email", TemplateValue("")},
  };
  switch (kind) {
    case v1::LETTER_KIND_DESIGNATION: {
      std::vector<std::string> reasons;
      for (const v1::Trigger& t : e.triggers()) reasons.push_back(ReasonOf(t.trigger()));
      for (const v1::SettingTrigger& t : e.setting_triggers()) {
        reasons.push_back(ReasonOf(t.trigger()));
      }
      if (!e.category_entered_on().empty() && reasons.empty()) {
        reasons.push_back("Ofsted placed the school in a category of concern.");
      }
      v["designated_on"] = TemplateValue(LongDate(e.designated_on()));
      v["reasons"] = List(reasons, "reason");
      v["action_plan_due_on"] = TemplateValue(LongDate(action_plan_due_on));
      v["designated_by"] = TemplateValue(
          d.kind() == v1::INSTITUTION_KIND_EARLY_YEARS_SETTING ? "the Early Years Standards Team"
          : !e.category_entered_on().empty() && e.triggers_size() == 0
              ? "the local authority, following Ofsted's judgement"
              : "the School Review Group");
      break;
    }
    case v1::LETTER_KIND_WARNING_NOTICE: {
      const v1::WarningNoticeIssued& w = e.warning_notice();
      std::vector<std::string> grounds, copies;
      for (int g : w.grounds()) grounds.push_back(GroundOf(static_cast<v1::WarningNoticeGround>(g)));
      for (const v1::NoticeCopy& c : w.copies()) copies.push_back(CopyOf(c));
      v["notice_date"] = TemplateValue(LongDate(e.warning_notice_issued_on()));
      v["section"] = TemplateValue(e.warning_notice_section_60a() ? "section 60A" : "section 60");
      v["is_section_60a"] = TemplateValue(e.warning_notice_section_60a() ? "yes" : "");
      v["grounds"] = List(grounds, "ground");
      v["matters_relied_upon"] = TemplateValue(w.matters_relied_upon());
      v["required_action"] = TemplateValue(w.required_action());
      v["compliance_period_ends_on"] = TemplateValue(LongDate(w.compliance_period_ends_on()));
      v["action_minded_to_take"] = TemplateValue(w.action_minded_to_take());
      v["copies"] = List(copies, "recipient");
      break;
    }
    case v1::LETTER_KIND_REMOVAL:
      v["removed_on"] = TemplateValue(LongDate(e.removed_on()));
      v["removal_reason"] = TemplateValue(RemovalReason(s));
      break;
    default:
      break;
  }
  return v;
}

absl::Status LetterBook::Write(const v1::InstitutionState& state, absl::CivilDay dated,
                               const std::string& action_plan_due_on,
                               v1::LetterProduced& letter) const {
  auto it = templates_.find(letter.kind());
  if (it == templates_.end()) return absl::OkStatus();  // the shape check names the kind
  const TemplateRecord values = Values(state, letter.kind(), dated, action_plan_due_on);
  ASSIGN_OR_RETURN(std::string html, RenderTemplate(it->second.text, values));
  letter.set_html(std::move(html));
  letter.clear_recipients();
  const v1::InstitutionDetails& d = state.details();
  const bool setting = d.kind() == v1::INSTITUTION_KIND_EARLY_YEARS_SETTING;
  if (letter.kind() == v1::LETTER_KIND_WARNING_NOTICE) {
    letter.add_recipients("The governing body");
    for (const v1::NoticeCopy& c : state.episode().warning_notice().copies()) {
      letter.add_recipients(absl::StrCat("Copy: ", CopyOf(c)));
    }
  } else {
    letter.add_recipients(absl::StrCat(setting ? "Manager" : "Headteacher",
                                       d.headteacher_name().empty() ? "" : ": ",
                                       d.headteacher_name()));
    if (!setting) {
      letter.add_recipients(absl::StrCat("Chair of governors",
                                         d.chair_of_governors_name().empty() ? "" : ": ",
                                         d.chair_of_governors_name()));
    }
  }
  letter.set_reference(absl::StrCat("SCC/", state.urn(), "/", domain::FormatDate(dated)));
  letter.set_template_sha256(it->second.sha256);
  return absl::OkStatus();
}

}  // namespace scc::reports
