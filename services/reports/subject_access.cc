#include "services/reports/subject_access.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/util/json_util.h"
#include "services/codec/event_codec.h"
#include "services/domain/personal_data.h"
#include "services/reports/letter_template.h"
#include "storage/status_macros.h"

namespace scc::reports {
namespace {

constexpr char kAnotherPerson[] = "[another person]";
constexpr char kWithheld[] = "[withheld: not about the person]";

bool SameName(absl::string_view a, absl::string_view b) {
  return !a.empty() &&
         absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(a), absl::StripAsciiWhitespace(b));
}

bool Names(absl::string_view text, const Person& person) {
  return !person.name.empty() &&
         absl::StrContains(absl::AsciiStrToLower(text), absl::AsciiStrToLower(person.name));
}

// "lead_officer_assigned.lead_officer_name" -> "lead officer name".
std::string FieldWords(const std::string& path) {
  std::string last = path.substr(path.rfind('.') + 1);
  last = last.substr(0, last.find('['));
  return absl::StrReplaceAll(last, {{"_", " "}});
}

constexpr char kPage[] = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Subject access: {{person}}</title>
<style>body{font-family:Arial,sans-serif;margin:2em;max-width:60em}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #b1b4b6;padding:.4em;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;margin:0}</style></head><body>
<p>{{authority}}</p>
<h1>The records about {{person}}</h1>
<p>Subject access request {{id}}, received on {{received_on}}, due by {{due_on}}.
{{records_count}} records of the schools and settings causing concern service hold data about
this person. Other people's names are replaced by “[another person]”; text that is not about
the person is withheld.</p>
<table><thead><tr><th>Date</th><th>Institution</th><th>Record</th><th>Found as</th><th>What it holds</th></tr></thead>
<tbody>
{{#records}}
<tr><td>{{date}}</td><td>{{urn}}</td><td>{{type}}</td><td>{{found_as}}</td><td><pre>{{content}}</pre></td></tr>
{{/records}}
</tbody></table>
{{^records}}<p>No record holds data about this person.</p>{{/records}}
</body></html>
)";

}  // namespace

std::vector<std::string> FoundAs(const domain::StoredEvent& event, const Person& person) {
  std::vector<std::string> found;
  const auto add = [&](std::string why) {
    if (std::find(found.begin(), found.end(), why) == found.end()) found.push_back(std::move(why));
  };
  if (!person.user_id.empty() && event.metadata.actor() == person.user_id) add("recorded it");
  for (const domain::PersonalValue& v : domain::PersonalDataIn(event.payload)) {
    switch (v.kind) {
      case v1::PERSONAL_DATA_NAME:
        if (SameName(v.value, person.name)) add(FieldWords(v.path));
        break;
      case v1::PERSONAL_DATA_USER_ID:
        if (!person.user_id.empty() && v.value == person.user_id) add(FieldWords(v.path));
        break;
      default:
        if (Names(v.value, person)) add(absl::StrCat("named in ", FieldWords(v.path)));
        break;
    }
  }
  if (Names(event.metadata.notes().text(), person)) add("named in notes");
  if (Names(event.metadata.reason(), person)) add("named in the reason");
  return found;
}

void RedactOthers(v1::Event& event, const Person& person) {
  for (const domain::PersonalValue& v : domain::PersonalDataIn(event.payload())) {
    const bool theirs = v.kind == v1::PERSONAL_DATA_NAME    ? SameName(v.value, person.name)
                        : v.kind == v1::PERSONAL_DATA_USER_ID ? v.value == person.user_id
                                                              : Names(v.value, person);
    if (theirs) continue;
    const char* replacement = v.kind == v1::PERSONAL_DATA_FREE_TEXT ? kWithheld : kAnotherPerson;
    // The path came from this payload, so it names a marked field of it.
    domain::PutPersonalData(*event.mutable_payload(), v.path, replacement).IgnoreError();
  }
  if (!event.notes().text().empty() && !Names(event.notes().text(), person)) {
    event.mutable_notes()->set_text(kWithheld);
  }
  if (!event.reason().empty() && !Names(event.reason(), person)) event.set_reason(kWithheld);
  if (event.actor() != person.user_id) event.set_actor("[an officer]");
}

absl::StatusOr<v1::SubjectAccessExport> BuildSubjectAccessExport(
    const storage::EventLog& log, const v1::SubjectAccessRequest& request,
    const std::string& authority, absl::Time deadline) {
  const Person person{request.received().person_name(), request.received().user_id()};
  v1::SubjectAccessExport out;
  *out.mutable_request() = request;
  domain::StoredEvent event;
  uint64_t read = 0;
  // Everything is shown to the officer who answers (the head of school improvement); what is
  // about other people is then replaced.
  const domain::Reader answering{v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, true};
  RETURN_IF_ERROR(log.Scan(0, log.NextPosition(), [&](const storage::RecordView& recorded) {
    if (++read % 65536 == 0 && absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "the export read ", read, " records in the time allowed; ask for a longer deadline"));
    }
    RETURN_IF_ERROR(codec::DecodeInto(recorded, &event));
    if (event.payload.has_subject_access_request_received() ||
        event.payload.has_subject_access_request_answered()) {
      return absl::OkStatus();  // the requests themselves are the service's, not the file
    }
    std::vector<std::string> found = FoundAs(event, person);
    if (found.empty()) return absl::OkStatus();
    v1::SubjectAccessRecord* record = out.add_records();
    record->set_urn(std::string(codec::UrnView(recorded.stream)));
    record->set_event_id(event.metadata.event_id());
    record->set_type(std::string(recorded.type));
    record->set_effective_date(event.metadata.effective_date());
    for (std::string& why : found) record->add_found_as(std::move(why));
    *record->mutable_event() = codec::ToApiEvent(recorded.Copy(), event, answering);
    RedactOthers(*record->mutable_event(), person);
    return absl::OkStatus();
  }));
  out.set_records_read(read);
  std::stable_sort(out.mutable_records()->begin(), out.mutable_records()->end(),
                   [](const v1::SubjectAccessRecord& a, const v1::SubjectAccessRecord& b) {
                     return a.effective_date() < b.effective_date();
                   });

  google::protobuf::util::JsonPrintOptions json;
  json.add_whitespace = true;
  std::string as_json;
  if (!google::protobuf::util::MessageToJsonString(out, &as_json, json).ok()) {
    return absl::InternalError("the export could not be written as JSON");
  }
  out.set_json(std::move(as_json));
  std::vector<TemplateRecord> rows;
  for (const v1::SubjectAccessRecord& r : out.records()) {
    std::string content;
    if (!google::protobuf::util::MessageToJsonString(r.event().payload(), &content, json).ok()) {
      content = "(not shown)";
    }
    if (!r.event().notes().text().empty()) absl::StrAppend(&content, "\nNotes: ", r.event().notes().text());
    rows.push_back({{"date", r.effective_date()},
                    {"urn", r.urn().empty() ? "—" : r.urn()},
                    {"type", absl::StrReplaceAll(r.type(), {{"_", " "}})},
                    {"found_as", absl::StrJoin(r.found_as(), "; ")},
                    {"content", content}});
  }
  ASSIGN_OR_RETURN(*out.mutable_html(),
                   RenderTemplate(kPage, {{"authority", authority},
                                          {"person", person.name},
                                          {"id", request.id()},
                                          {"received_on", request.received().received_on()},
                                          {"due_on", request.received().due_on()},
                                          {"records_count", absl::StrCat(out.records_size())},
                                          {"records", rows}}));
  return out;
}

}  // namespace scc::reports
