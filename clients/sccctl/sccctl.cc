// sccctl: the SCC workflow server from the command line. One sub-command per RPC of every
// service (commands and queries), requests from flags and/or protobuf JSON, readable output by
// default and --json for scripts, and exit codes that tell failures apart.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <random>
#include <sstream>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/cpp/channel.h"
#include "clients/cpp/scc_client.h"
#include "clients/import/csv.h"
#include "clients/import/gias_rows.h"
#include "clients/import/importer.h"
#include "clients/import/links_rows.h"
#include "clients/import/ofsted_rows.h"
#include "clients/import/rows.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "scc/v1/admin.grpc.pb.h"
#include "scc/v1/audit.grpc.pb.h"
#include "scc/v1/bulk.pb.h"
#include "scc/v1/data_protection.pb.h"
#include "scc/v1/projections.grpc.pb.h"
#include "scc/v1/reports.grpc.pb.h"
#include "scc/v1/workflow.grpc.pb.h"

namespace {

namespace pb = google::protobuf;
namespace v1 = scc::v1;

// Exit codes (see --help).
enum Exit : int {
  kOk = 0,
  kOtherError = 1,
  kBadUsage = 2,
  kRefused = 3,
  kNotFound = 4,
  kPermission = 5,
  kUnavailable = 6,
};

constexpr char kGlossary[] = R"(
Terms: SCC = School (or setting) Causing Concern. LA = local authority. SRG = School Review
Group (designates and reviews SCCs half-termly). HoSI = Head of School Improvement. LO = Lead
Officer (owns the SCC Action Plan). MCM = Monitoring and Challenge Meeting (HoSI, LO, HT, CoG).
HT / CoG = headteacher / Chair of Governors. SM / SW = special measures / requires significant
improvement, formerly serious weaknesses (Ofsted categories). SoA = Statement of Action. RAG = red/amber/green rating. R-n = rule n of
the rulebook; a refusal names it with the allowed next steps.

Requests: flags fill the common fields (--urn, --effective-date, --reason, ...); --data gives
the rest as protobuf JSON (inline, @file, or - for stdin), e.g.
  sccctl designate-school --urn 100101 --data '{"designation": {"triggers": [{"trigger":
    "CONCERN_TRIGGER_LA_JUDGES_RI_OR_WORSE", "evidence": "..."}], "letterSentOn": "2026-10-10"}}'

Exit codes: 0 ok, 1 other error, 2 bad usage or invalid request, 3 refused by the workflow
(rule, conflict or reused request id), 4 not found, 5 not authenticated or not permitted,
6 server unavailable or too slow.)";

std::string Kebab(const std::string& camel) {
  std::string out;
  for (char c : camel) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c)) && !out.empty()) out.push_back('-');
    out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string NewRequestId() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  const uint64_t a = rng(), b = rng();
  return absl::StrFormat("%08x-%04x-4%03x-%04x-%012x", a >> 32, (a >> 16) & 0xFFFF, a & 0xFFF,
                         0x8000 | ((b >> 48) & 0x3FFF), b & 0xFFFFFFFFFFFFull);
}

std::string StateName(int state) {
  std::string name = v1::FlowchartState_Name(static_cast<v1::FlowchartState>(state));
  return absl::StartsWith(name, "FLOWCHART_STATE_") ? name.substr(16) : name;
}

std::string ReadData(const std::string& data) {
  if (data == "-") {
    std::stringstream in;
    in << std::cin.rdbuf();
    return in.str();
  }
  if (absl::StartsWith(data, "@")) {
    std::ifstream in(data.substr(1));
    if (!in) throw CLI::ValidationError("--data", "cannot read " + data.substr(1));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  return data;
}

// --- output -----------------------------------------------------------------------------------

std::string Json(const pb::Message& m) {
  pb::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string out;
  if (!pb::util::MessageToJsonString(m, &out, options).ok()) out = m.DebugString();
  return out;
}

void PrintEvents(const pb::RepeatedPtrField<v1::Event>& events) {
  // The event id is what a correction names (CorrectEvent, R-24).
  std::printf("%-8s %-10s %-9s %-40s %-14s %-36s %s\n", "POSITION", "DATE", "URN", "EVENT",
              "ACTOR", "EVENT ID", "REASON");
  for (const v1::Event& e : events) {
    std::printf("%-8llu %-10s %-9s %-40s %-14s %-36s %s\n",
                static_cast<unsigned long long>(e.global_position()), e.effective_date().c_str(),
                e.urn().c_str(), e.type().c_str(), e.actor().c_str(), e.event_id().c_str(),
                e.reason().c_str());
  }
}

void PrintObligations(const pb::RepeatedPtrField<v1::Obligation>& obligations) {
  std::printf("%-10s %-8s %-9s %-6s %s\n", "DUE", "OVERDUE", "URN", "RULE", "WHAT");
  for (const v1::Obligation& o : obligations) {
    std::printf("%-10s %-8s %-9s %-6s %s\n", o.due_on().c_str(), o.overdue() ? "yes" : "",
                o.urn().c_str(), o.rule().c_str(), o.description().c_str());
  }
}

// Readable output for the responses people read most; JSON for the rest.
void PrintHuman(const pb::Message& m) {
  if (const auto* f = dynamic_cast<const v1::ReportFile*>(&m)) {
    std::fwrite(f->content().data(), 1, f->content().size(), stdout);
  } else if (const auto* r = dynamic_cast<const v1::CommandResult*>(&m)) {
    std::printf("%s %d event(s) for %s: version %llu, global position %llu, state %s\n",
                r->replayed() ? "already recorded (retry answered):" : "recorded",
                r->event_ids_size(), r->urn().c_str(),
                static_cast<unsigned long long>(r->version()),
                static_cast<unsigned long long>(r->global_position()),
                StateName(r->state()).c_str());
  } else if (const auto* s = dynamic_cast<const v1::InstitutionStatus*>(&m)) {
    std::printf("%s  %s\n", s->urn().c_str(), s->details().name().c_str());
    std::printf("  state            %s%s (as of %s)\n", StateName(s->state()).c_str(),
                s->causing_concern() ? ", causing concern" : "", s->as_of().c_str());
    if (s->causing_concern()) {
      std::printf("  designated       %s (%d days)\n", s->designated_on().c_str(), s->days_in_scc());
    }
    if (!s->lead_officer_id().empty()) {
      std::printf("  lead officer     %s (%s)\n", s->lead_officer_name().c_str(),
                  s->lead_officer_id().c_str());
    }
    if (s->action_plan_version() > 0) {
      std::printf("  action plan      version %u, last review %s\n", s->action_plan_version(),
                  s->last_review_on().empty() ? "none" : s->last_review_on().c_str());
    }
    std::printf("  last MCM / SRG   %s / %s\n", s->last_mcm_on().empty() ? "-" : s->last_mcm_on().c_str(),
                s->last_srg_review_on().empty() ? "-" : s->last_srg_review_on().c_str());
    std::printf("  latest Ofsted    %s\n",
                s->latest_ofsted_summary().empty() ? "none recorded" : s->latest_ofsted_summary().c_str());
    std::printf("  visits           %d of %d this academic year\n", s->visits_this_year(),
                s->visits_required());
    std::printf("  next steps       %s\n", absl::StrJoin(s->allowed_next_steps(), ", ").c_str());
    if (!s->closed_on().empty()) {
      std::printf("  closed on        %s%s\n", s->closed_on().c_str(),
                  s->conversion().successor_urn().empty()
                      ? ""
                      : absl::StrCat(" (converted to academy ", s->conversion().successor_urn(),
                                     ", ", s->conversion().trust_name(), ")").c_str());
    }
    for (const v1::PredecessorLinked& p : s->predecessors()) {
      std::printf("  predecessor      %s\n", p.predecessor_urn().c_str());
    }
    if (s->ofsted().inspections_size() > 0) {
      auto category = [](v1::OfstedCategory c) {
        return c == v1::OFSTED_CATEGORY_SPECIAL_MEASURES                   ? "special measures"
               : c == v1::OFSTED_CATEGORY_REQUIRES_SIGNIFICANT_IMPROVEMENT ? "requires significant improvement"
                                                                           : "none";
      };
      std::printf("\n%-11s %-26s %-64s %s\n", "INSPECTED", "FRAMEWORK", "JUDGEMENT", "CATEGORY");
      for (const v1::OfstedInspection& i : s->ofsted().inspections()) {
        std::printf("%-11s %-26s %-64.64s %s%s\n", i.outcome().inspection_date().c_str(),
                    i.framework().c_str(), i.summary().c_str(), category(i.category()),
                    i.category_published() ? "" : " (derived)");
      }
      for (const std::string& alert : s->ofsted().alerts()) std::printf("  ! %s\n", alert.c_str());
    }
    if (s->obligations_size() > 0) {
      std::printf("\n");
      PrintObligations(s->obligations());
    }
  } else if (const auto* l = dynamic_cast<const v1::ListInstitutionsResponse*>(&m)) {
    std::printf("%-9s %-40s %-26s %-12s %6s %7s\n", "URN", "NAME", "STATE", "LEAD OFFICER",
                "DAYS", "OVERDUE");
    for (const v1::InstitutionStatus& s : l->institutions()) {
      const int overdue = static_cast<int>(std::count_if(
          s.obligations().begin(), s.obligations().end(),
          [](const v1::Obligation& o) { return o.overdue(); }));
      std::printf("%-9s %-40.40s %-26s %-12s %6d %7d\n", s.urn().c_str(),
                  s.details().name().c_str(), StateName(s.state()).c_str(),
                  s.lead_officer_id().c_str(), s.days_in_scc(), overdue);
    }
    std::printf("%d of %u%s\n", l->institutions_size(), l->total(),
                l->next_page_token().empty()
                    ? ""
                    : absl::StrCat("; next page: --page-token ", l->next_page_token()).c_str());
  } else if (const auto* o = dynamic_cast<const v1::ListObligationsResponse*>(&m)) {
    PrintObligations(o->obligations());
    std::printf("%d of %u%s\n", o->obligations_size(), o->total(),
                o->next_page_token().empty()
                    ? ""
                    : absl::StrCat("; next page: --page-token ", o->next_page_token()).c_str());
  } else if (const auto* w = dynamic_cast<const v1::WorkflowState*>(&m)) {
    std::printf("%s  %s: %s (version %llu)\nallowed next steps: %s\n", w->urn().c_str(),
                w->details().name().c_str(), StateName(w->state()).c_str(),
                static_cast<unsigned long long>(w->version()),
                absl::StrJoin(w->allowed_next_steps(), ", ").c_str());
  } else if (const auto* h = dynamic_cast<const v1::GetHistoryResponse*>(&m)) {
    PrintEvents(h->events());
  } else if (const auto* a = dynamic_cast<const v1::SearchAuditResponse*>(&m)) {
    PrintEvents(a->events());
  } else if (const auto* e = dynamic_cast<const v1::ReadEventsResponse*>(&m)) {
    PrintEvents(e->events());
  } else {
    std::printf("%s\n", Json(m).c_str());
  }
}

// Prints a failed call with its rich details; returns the exit code for it.
int Report(const grpc::Status& status) {
  std::fprintf(stderr, "sccctl: %s\n", status.error_message().c_str());
  google::rpc::Status details;
  if (details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      if (absl::EndsWith(any.type_url(), "google.rpc.BadRequest")) {
        google::rpc::BadRequest bad;
        bad.ParseFromString(any.value());
        for (const auto& v : bad.field_violations()) {
          std::fprintf(stderr, "  field %s: %s\n", v.field().c_str(), v.description().c_str());
        }
      } else if (absl::EndsWith(any.type_url(), "google.rpc.ErrorInfo")) {
        google::rpc::ErrorInfo info;
        info.ParseFromString(any.value());
        for (const auto& [key, value] : info.metadata()) {
          std::fprintf(stderr, "  %s: %s\n", key.c_str(), value.c_str());
        }
      }
    }
  }
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      return kBadUsage;
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::ALREADY_EXISTS:
      return kRefused;
    case grpc::StatusCode::NOT_FOUND:
      return kNotFound;
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return kPermission;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return kUnavailable;
    default:
      return kOtherError;
  }
}

// --- the sub-commands ---------------------------------------------------------------------------

struct Global {
  std::string server = "127.0.0.1:50051";
  scc::client::ChannelSecurity tls;
  std::shared_ptr<grpc::Channel> channel;  // opened once the flags are parsed
  std::string token;
  bool json = false;
  double timeout_seconds = 30;
};

// The flags every sub-command may take; each applies where the request has such a field.
struct RequestFlags {
  std::string data;
  std::string urn, request_id, effective_date, reason, notes, as_of, known_at, page_token;
  bool confidential = false;
  std::optional<uint64_t> expected_version, min_position;
  uint32_t page_size = 0;
  // Other top-level fields of the request, by name (strings, enums, timestamps).
  std::map<std::string, std::string> fields;
};

const pb::FieldDescriptor* Field(const pb::Message& m, const char* name) {
  return m.GetDescriptor()->FindFieldByName(name);
}

void SetString(pb::Message* m, const char* name, const std::string& value) {
  if (value.empty()) return;
  if (const pb::FieldDescriptor* f = Field(*m, name);
      f != nullptr && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING && !f->is_repeated()) {
    m->GetReflection()->SetString(m, f, value);
  }
}

pb::Message* SubMessage(pb::Message* m, const char* name) {
  const pb::FieldDescriptor* f = Field(*m, name);
  if (f == nullptr || f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) {
    return nullptr;
  }
  return m->GetReflection()->MutableMessage(m, f);
}

// Builds the request: JSON first, then the flags on top.
std::unique_ptr<pb::Message> BuildRequest(const pb::MethodDescriptor& method,
                                          const RequestFlags& flags) {
  std::unique_ptr<pb::Message> request(
      pb::MessageFactory::generated_factory()->GetPrototype(method.input_type())->New());
  if (!flags.data.empty()) {
    const std::string json = ReadData(flags.data);
    pb::util::JsonParseOptions options;
    const auto parsed = pb::util::JsonStringToMessage(json, request.get(), options);
    if (!parsed.ok()) {
      throw CLI::ValidationError("--data", std::string(parsed.message().data(), parsed.message().size()));
    }
  }
  if (pb::Message* context = SubMessage(request.get(), "context")) {
    auto* c = static_cast<v1::CommandContext*>(context);
    if (!flags.urn.empty()) c->set_urn(flags.urn);
    if (!flags.request_id.empty()) c->set_request_id(flags.request_id);
    if (c->request_id().empty()) c->set_request_id(NewRequestId());
    if (!flags.effective_date.empty()) c->set_effective_date(flags.effective_date);
    if (!flags.reason.empty()) c->set_reason(flags.reason);
    if (!flags.notes.empty()) c->mutable_notes()->set_text(flags.notes);
    if (flags.confidential) c->mutable_notes()->set_confidential(true);
    if (flags.expected_version) c->set_expected_version(*flags.expected_version);
  } else {
    SetString(request.get(), "urn", flags.urn);
  }
  if (pb::Message* options = SubMessage(request.get(), "options")) {
    auto* o = static_cast<v1::QueryOptions*>(options);
    if (!flags.as_of.empty()) o->set_as_of(flags.as_of);
    if (!flags.known_at.empty()) {
      if (!pb::util::TimeUtil::FromString(flags.known_at, o->mutable_known_at())) {
        throw CLI::ValidationError("--known-at", "want an RFC 3339 instant, e.g. 2026-01-15T09:00:00Z");
      }
    }
    if (flags.min_position) o->set_min_position(*flags.min_position);
  }
  for (const auto& [name, value] : flags.fields) {
    if (value.empty()) continue;
    const pb::FieldDescriptor* f = request->GetDescriptor()->FindFieldByName(name);
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
      request->GetReflection()->SetString(request.get(), f, value);
    } else if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM) {
      // "html" for REPORT_FORMAT_HTML, "srg-settings-update" for
      // REPORT_AUDIENCE_SRG_SETTINGS_UPDATE: the prefix may be left out, in any case, with '-'.
      const pb::EnumValueDescriptor* v = f->enum_type()->FindValueByName(value);
      const std::string wanted =
          absl::StrCat("_", absl::AsciiStrToUpper(absl::StrReplaceAll(value, {{"-", "_"}})));
      for (int i = 0; v == nullptr && i < f->enum_type()->value_count(); ++i) {
        const pb::EnumValueDescriptor* candidate = f->enum_type()->value(i);
        if (absl::EndsWith(candidate->name(), wanted)) v = candidate;
      }
      if (v == nullptr) throw CLI::ValidationError("--" + Kebab(name), "unknown value " + value);
      request->GetReflection()->SetEnum(request.get(), f, v);
    } else if (f->message_type() == pb::Timestamp::descriptor()) {
      auto* t = static_cast<pb::Timestamp*>(request->GetReflection()->MutableMessage(request.get(), f));
      if (!pb::util::TimeUtil::FromString(value, t)) {
        throw CLI::ValidationError("--" + Kebab(name), "want an RFC 3339 instant, e.g. 2026-01-15T09:00:00Z");
      }
    }
  }
  SetString(request.get(), "page_token", flags.page_token);
  if (const pb::FieldDescriptor* f = Field(*request, "page_size"); f != nullptr && flags.page_size > 0) {
    request->GetReflection()->SetUInt32(request.get(), f, flags.page_size);
  }
  return request;
}

std::unique_ptr<grpc::ClientContext> NewContext(const Global& g) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!g.token.empty()) context->AddMetadata("authorization", "Bearer " + g.token);
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(g.timeout_seconds * 1000)));
  return context;
}

// One unary call by its path ("/package.Service/Method"), serialised request in, serialised
// response out.
grpc::Status CallByPath(const Global& g, const std::string& path, const std::string& request,
                        std::string* response) {
  grpc::GenericStub stub(g.channel);
  grpc::Slice slice(request);
  grpc::ByteBuffer in(&slice, 1), out;
  grpc::Status status;
  absl::Notification done;
  auto context = NewContext(g);
  stub.UnaryCall(context.get(), path, grpc::StubOptions(), &in, &out, [&](grpc::Status s) {
    status = std::move(s);
    done.Notify();
  });
  done.WaitForNotification();
  if (!status.ok()) return status;
  std::vector<grpc::Slice> slices;
  out.Dump(&slices);
  for (const grpc::Slice& s : slices) response->append(reinterpret_cast<const char*>(s.begin()), s.size());
  return status;
}

// `health`: the standard gRPC health check (no token needed); exit 0 when SERVING. With a
// token it also reads the data volume from GetServerStatus: its free space, and a "degraded"
// line while the log refuses writes (reads are still served, so it still exits 0).
int Health(const Global& g) {
  std::string response;
  const grpc::Status status = CallByPath(g, "/grpc.health.v1.Health/Check", "", &response);
  if (!status.ok()) return Report(status);
  // HealthCheckResponse{status: SERVING} is field 1, varint 1.
  const bool serving = response == std::string("\x08\x01", 2);
  std::printf("%s\n", serving ? "SERVING" : "NOT_SERVING");
  if (!serving || g.token.empty()) return serving ? kOk : kUnavailable;
  std::string status_bytes;
  const grpc::Status asked =
      CallByPath(g, "/scc.v1.AdminService/GetServerStatus",
                 v1::GetServerStatusRequest().SerializeAsString(), &status_bytes);
  v1::ServerStatus server_status;
  if (!asked.ok() || !server_status.ParseFromString(status_bytes)) {
    std::printf("data volume: unknown (GetServerStatus: %s)\n",
                asked.ok() ? "the response does not decode" : asked.error_message().c_str());
    return kOk;
  }
  const v1::DataVolume& volume = server_status.data_volume();
  const v1::EventLogHome& home = server_status.log_home();
  constexpr double kMiB = 1 << 20;
  if (home.kind() == "postgresql") {
    // The volume is the database server's; what matters here is who writes.
    std::printf("event log: in PostgreSQL; %s\n",
                home.writer() ? "this node writes it"
                              : absl::StrCat("node ", home.writer_node().empty()
                                                          ? std::string("(none yet)")
                                                          : home.writer_node(),
                                             " writes it; commands go there")
                                    .c_str());
  } else {
    std::printf("data volume: %.1f MiB free of %.1f MiB\n", volume.free_bytes() / kMiB,
                volume.size_bytes() / kMiB);
  }
  if (volume.writes_refused() && home.writer()) {
    std::printf("degraded: %s, writes refused (%s)\n", volume.writes_refused_reason().c_str(),
                volume.last_write_error().c_str());
  }
  return kOk;
}

int CallUnary(const Global& g, const pb::MethodDescriptor& method, const pb::Message& request) {
  std::string response_bytes;
  const grpc::Status status = CallByPath(
      g, absl::StrCat("/", method.service()->full_name(), "/", method.name()),
      request.SerializeAsString(), &response_bytes);
  if (!status.ok()) return Report(status);
  std::unique_ptr<pb::Message> response(
      pb::MessageFactory::generated_factory()->GetPrototype(method.output_type())->New());
  if (!response->ParseFromString(response_bytes)) {
    std::fprintf(stderr, "sccctl: the response does not decode\n");
    return kOtherError;
  }
  if (g.json) {
    std::printf("%s\n", Json(*response).c_str());
  } else {
    PrintHuman(*response);
  }
  return kOk;
}

// `watch`: follows the feed until interrupted, one line (or JSON object) per event.
int Watch(const Global& g, const v1::WatchRequest& request) {
  auto stub = v1::AuditService::NewStub(g.channel);
  grpc::ClientContext context;
  if (!g.token.empty()) context.AddMetadata("authorization", "Bearer " + g.token);
  auto stream = stub->Watch(&context, request);
  v1::WatchResponse message;
  while (stream->Read(&message)) {
    if (message.has_heartbeat()) continue;
    const v1::Event& e = message.event();
    if (g.json) {
      pb::util::JsonPrintOptions options;
      options.preserve_proto_field_names = true;
      std::string line;
      (void)pb::util::MessageToJsonString(e, &line, options);
      std::printf("%s\n", line.c_str());
    } else {
      std::printf("%-8llu %-10s %-9s %-40s %s\n", static_cast<unsigned long long>(e.global_position()),
                  e.effective_date().c_str(), e.urn().c_str(), e.type().c_str(), e.actor().c_str());
    }
    std::fflush(stdout);
  }
  const grpc::Status status = stream->Finish();
  return status.ok() ? kOk : Report(status);
}

// A progress bar on a terminal for imports of 50 commands or more; nothing otherwise.
scc::import::Progress ProgressBar(size_t commands) {
  if (!isatty(STDERR_FILENO) || commands < 50) return nullptr;
  return [](size_t done, size_t total) {
    constexpr int kWidth = 40;
    const int filled = static_cast<int>(done * kWidth / total);
    std::fprintf(stderr, "\rimporting [%s%s] %zu/%zu", std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, ' ').c_str(), done, total);
    if (done == total) std::fprintf(stderr, "\n");
  };
}

// Reads and parses a CSV file (Windows-1252 or UTF-8); prints why and returns nullopt when it
// cannot.
std::optional<scc::import::CsvTable> ReadTable(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "sccctl: cannot read %s\n", path.c_str());
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<scc::import::CsvTable> table = scc::import::ParseCsv(scc::import::ToUtf8(text.str()));
  if (!table.ok()) {
    std::fprintf(stderr, "sccctl: %s: %s\n", path.c_str(), std::string(table.status().message()).c_str());
    return std::nullopt;
  }
  return *std::move(table);
}

scc::client::SccClient ImportClient(const Global& g) {
  scc::client::SccClient client(g.channel, g.token);
  client.set_deadline(std::chrono::milliseconds(static_cast<int64_t>(g.timeout_seconds * 1000)));
  return client;
}

// Sends the plan with a progress bar on a terminal, then prints each row in error and each row
// skipped as file:line.
scc::import::ImportReport RunPlan(const scc::client::SccClient& client,
                                  const scc::import::ImportPlan& plan, const std::string& path) {
  const scc::import::ImportReport report =
      scc::import::RunImport(client, plan, ProgressBar(plan.commands.size()));
  for (const auto& problem : report.errors) {
    std::fprintf(stderr, "%s:%d: %s\n", path.c_str(), problem.line, problem.reason.c_str());
  }
  for (const auto& skipped : report.skipped) {
    if (skipped.kind == scc::import::kNotRegisteredHere) continue;  // counted in the summary
    std::fprintf(stderr, "%s:%d: skipped: %s\n", path.c_str(), skipped.line, skipped.reason.c_str());
  }
  return report;
}

// `import ofsted FILE`: one command per inspection a row lists, idempotent, with a progress bar.
int ImportOfsted(const Global& g, const std::string& path) {
  const std::optional<scc::import::CsvTable> table = ReadTable(path);
  if (!table) return kBadUsage;
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  absl::StatusOr<scc::import::ImportPlan> plan = scc::import::PlanOfsted(*table, today);
  if (!plan.ok()) {
    std::fprintf(stderr, "sccctl: %s: %s\n", path.c_str(), std::string(plan.status().message()).c_str());
    return kBadUsage;
  }
  // A national file: the rows of institutions this server does not hold are skipped.
  const scc::client::SccClient client = ImportClient(g);
  if (const absl::Status held = scc::import::SkipUnregistered(client, &*plan); !held.ok()) {
    std::fprintf(stderr, "sccctl: %s\n", std::string(held.message()).c_str());
    return kUnavailable;
  }
  const scc::import::ImportReport report = RunPlan(client, *plan, path);
  std::printf("%s: %zu rows, %d recorded, %d already recorded, %zu skipped, %zu with errors\n",
              path.c_str(), table->rows.size(), report.recorded, report.already_recorded,
              report.skipped.size(), report.errors.size());
  // The summary table: what was new, what the server had, what was left out and why.
  std::map<std::string, int> skipped_by_reason;
  for (const auto& skipped : report.skipped) {
    ++skipped_by_reason[skipped.kind.empty() ? skipped.reason : skipped.kind];
  }
  std::printf("  %-34s %6d\n", "recorded (inspections)", report.recorded);
  std::printf("  %-34s %6d\n", "unchanged (already recorded)", report.already_recorded);
  std::printf("  %-34s %6zu\n", "skipped", report.skipped.size());
  for (const auto& [reason, count] : skipped_by_reason) {
    std::printf("    %-32s %6d\n", reason.c_str(), count);
  }
  std::printf("  %-34s %6zu\n", "errors (listed above as file:line)", report.errors.size());
  return report.errors.empty() ? kOk : kBadUsage;
}

// `import institutions FILE [--la CODE|NAME]...`: the GIAS establishment export, streamed;
// registrations, updates of what changed, and a summary table (docs/import.md).
int ImportInstitutions(const Global& g, const std::string& path,
                       const std::vector<std::string>& authorities) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "sccctl: cannot read %s\n", path.c_str());
    return kBadUsage;
  }
  const bool terminal = isatty(STDERR_FILENO);
  if (terminal) std::fprintf(stderr, "reading %s ...\n", path.c_str());
  scc::import::CsvReader reader(in);
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  absl::StatusOr<scc::import::GiasPlan> plan =
      scc::import::PlanInstitutions(reader, {authorities}, today);
  if (!plan.ok()) {
    std::fprintf(stderr, "sccctl: %s: %s\n", path.c_str(), std::string(plan.status().message()).c_str());
    return kBadUsage;
  }
  if (plan->authorities.size() > 1) {
    std::vector<std::string> seen;
    for (const auto& [code, name] : plan->authorities) {
      if (seen.size() == 5) {
        seen.push_back("...");
        break;
      }
      seen.push_back(absl::StrCat(code, " ", name));
    }
    std::fprintf(stderr,
                 "sccctl: %s: the file holds establishments of %zu local authorities (%s); "
                 "choose yours with --la CODE or --la NAME, e.g. --la %s\n",
                 path.c_str(), plan->authorities.size(), absl::StrJoin(seen, ", ").c_str(),
                 plan->authorities.begin()->first.c_str());
    return kBadUsage;
  }
  if (terminal) {
    std::fprintf(stderr, "%d rows read, %zu establishments of the authority in SCC\n", plan->rows,
                 plan->establishments.size());
  }
  absl::StatusOr<scc::import::InstitutionImportReport> report = scc::import::RunInstitutionImport(
      ImportClient(g), *plan, ProgressBar(plan->establishments.size()));
  if (!report.ok()) {
    std::fprintf(stderr, "sccctl: %s: %s\n", path.c_str(), std::string(report.status().message()).c_str());
    return kUnavailable;
  }
  for (const auto& problem : report->errors) {
    std::fprintf(stderr, "%s:%d: %s\n", path.c_str(), problem.line, problem.reason.c_str());
  }
  std::vector<scc::import::RowProblem> skipped = plan->skipped;
  skipped.insert(skipped.end(), report->closed.begin(), report->closed.end());
  std::stable_sort(skipped.begin(), skipped.end(),
                   [](const auto& a, const auto& b) { return a.line < b.line; });
  for (const auto& s : skipped) {
    std::fprintf(stderr, "%s:%d: skipped: %s\n", path.c_str(), s.line, s.reason.c_str());
  }
  for (const auto& closed : report->closed_in_gias) {
    std::printf("%s:%d: %s\n", path.c_str(), closed.line, closed.reason.c_str());
  }
  std::vector<std::string> changes;
  for (const auto& [what, count] : report->changes) changes.push_back(absl::StrCat(what, " ", count));
  auto line = [](const std::string& what, size_t count, const std::string& detail) {
    std::printf("  %-46s %6zu%s\n", what.c_str(), count, detail.empty() ? "" : ("  " + detail).c_str());
  };
  std::printf("%s: %d rows\n", path.c_str(), plan->rows);
  line("registered", report->registered, "");
  line("updated", report->updated, changes.empty() ? "" : absl::StrCat("(", absl::StrJoin(changes, ", "), ")"));
  line("unchanged", report->unchanged, "");
  if (!authorities.empty()) line("skipped: other local authorities", plan->other_authorities, "");
  line("skipped: closed", report->closed.size(), "");
  for (const auto& [type, skipped] : plan->skipped_types) {
    line(absl::StrCat("skipped: ", type), skipped.count, skipped.reason);
  }
  line("closed in GIAS: record the closure", report->closed_in_gias.size(), "");
  line("errors", report->errors.size(), "");
  return report->errors.empty() ? kOk : kBadUsage;
}

// Every institution the server holds, as the links plan needs to know it (ListInstitutions,
// page by page), including every event in the log when the import starts: an establishment
// import just before is seen whole.
absl::StatusOr<scc::import::KnownInstitutions> KnownInstitutions(
    const Global& g, const scc::client::SccClient& client) {
  scc::import::KnownInstitutions known;
  v1::ListInstitutionsRequest request;
  request.set_page_size(500);
  {
    v1::ServerStatus server;
    const std::unique_ptr<grpc::ClientContext> context = client.NewContext();
    const grpc::Status status =
        v1::AdminService::NewStub(g.channel)->GetServerStatus(context.get(), {}, &server);
    if (status.ok() && server.next_position() > 0) {
      request.mutable_options()->set_min_position(server.next_position() - 1);
    }
  }
  if (absl::Status s = scc::import::ForEachInstitution(
          client, request,
          [&known](v1::InstitutionStatus& s) { known[s.urn()] = scc::import::Known(s); });
      !s.ok()) {
    return s;
  }
  return known;
}

// `import links FILE`: the GIAS links file as closures, conversions and predecessor links of
// the institutions the server holds; a second import records nothing.
int ImportLinks(const Global& g, const std::string& path) {
  const std::optional<scc::import::CsvTable> table = ReadTable(path);
  if (!table) return kBadUsage;
  const scc::client::SccClient client = ImportClient(g);
  absl::StatusOr<scc::import::KnownInstitutions> known = KnownInstitutions(g, client);
  if (!known.ok()) {
    std::fprintf(stderr, "sccctl: %s\n", std::string(known.status().message()).c_str());
    return kUnavailable;
  }
  absl::StatusOr<scc::import::LinksPlan> plan = scc::import::PlanLinks(*table, *known);
  if (!plan.ok()) {
    std::fprintf(stderr, "sccctl: %s: %s\n", path.c_str(), std::string(plan.status().message()).c_str());
    return kBadUsage;
  }
  const scc::import::ImportReport report = RunPlan(client, plan->plan, path);
  std::string skipped;
  for (const auto& [reason, count] : plan->skipped_by_reason) {
    absl::StrAppend(&skipped, skipped.empty() ? " (" : "; ", count, " ", reason);
  }
  if (!skipped.empty()) skipped += ")";
  std::printf("%s: %zu rows, %d recorded, %zu unchanged, %zu skipped%s, %zu with errors\n",
              path.c_str(), table->rows.size(), report.recorded,
              plan->unchanged.size() + report.already_recorded, report.skipped.size(),
              skipped.c_str(), report.errors.size());
  return report.errors.empty() ? kOk : kBadUsage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{absl::StrCat(
      "sccctl: record and query Schools and Settings Causing Concern on an sccd server.\n"
      "Every command below is an RPC of the server's API (proto/scc/v1).",
      kGlossary)};
  app.require_subcommand(1);
  app.set_config("--config", "", "read options from this file (TOML or INI)");
  Global g;
  app.add_option("--server", g.server, "sccd address")->envname("SCC_SERVER")->capture_default_str();
  app.add_option("--token", g.token, "bearer token")->envname("SCC_TOKEN");
  app.add_option("--tls-ca", g.tls.ca_file,
                 "use TLS; PEM file of the CA that signs sccd's certificate")
      ->envname("SCC_TLS_CA");
  app.add_option("--tls-cert", g.tls.cert_file, "client certificate (PEM) for mutual TLS")
      ->envname("SCC_TLS_CERT");
  app.add_option("--tls-key", g.tls.key_file, "private key (PEM) of --tls-cert")
      ->envname("SCC_TLS_KEY");
  app.add_flag("--json", g.json, "print responses as protobuf JSON");
  app.add_option("--timeout", g.timeout_seconds, "seconds to wait for an answer")->capture_default_str();

  RequestFlags flags;
  std::map<CLI::App*, const pb::MethodDescriptor*> unary;
  // Touch one message of each API file so the linker keeps its descriptors in the pool.
  for (const pb::Descriptor* d : {v1::RegisterInstitutionRequest::descriptor(),
                                  v1::GetWorkflowStateRequest::descriptor(),
                                  v1::GetInstitutionRequest::descriptor(),
                                  v1::GenerateTermReportRequest::descriptor(),
                                  v1::GetServerStatusRequest::descriptor(),
                                  v1::SubmitCommandsRequest::descriptor(),
                                  v1::RunRetentionRequest::descriptor()}) {
    (void)d;
  }
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  for (const char* service_name : {"scc.v1.InstitutionService", "scc.v1.DesignationService",
                                   "scc.v1.InterventionService", "scc.v1.AcademyService",
                                   "scc.v1.SettingService", "scc.v1.BulkService",
                                   "scc.v1.ProjectionService",
                                   "scc.v1.AuditService", "scc.v1.ReportService",
                                   "scc.v1.AdminService", "scc.v1.DataProtectionService"}) {
    const pb::ServiceDescriptor* service = pool->FindServiceByName(service_name);
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor* method = service->method(i);
      if (method->server_streaming()) continue;  // Watch has its own sub-command
      std::vector<std::string> fields;
      for (int f = 0; f < method->input_type()->field_count(); ++f) {
        fields.push_back(method->input_type()->field(f)->name());
      }
      CLI::App* sub = app.add_subcommand(
          Kebab(method->name()),
          absl::StrCat(service->name(), ".", method->name(), " (", method->input_type()->name(),
                       ": ", absl::StrJoin(fields, ", "), ")"));
      sub->fallthrough();
      sub->add_option("--data", flags.data, "request as protobuf JSON, @file, or - for stdin");
      const bool command = method->input_type()->FindFieldByName("context") != nullptr;
      if (command || method->input_type()->FindFieldByName("urn") != nullptr) {
        sub->add_option("--urn,urn", flags.urn, "the institution (DfE URN, or EY URN of a setting)");
      }
      // Short names for what people type most.
      static const std::map<std::string, std::string> kAliases = {
          {"GetHistory", "history"}, {"VerifyLog", "verify"}, {"GetInstitution", "show"},
          {"ListInstitutions", "list"}, {"ListObligations", "obligations"},
          {"GenerateTermReport", "report"}, {"GetServerStatus", "status"},
          {"BackupLog", "backup"}};
      if (auto alias = kAliases.find(method->name()); alias != kAliases.end()) {
        sub->alias(alias->second);
      }
      if (command) {
        sub->add_option("--request-id", flags.request_id,
                        "idempotency key (default: a new UUID; reuse it to retry safely)");
        sub->add_option("--effective-date", flags.effective_date, "when it happened (YYYY-MM-DD; default today)");
        sub->add_option("--reason", flags.reason, "why (kept in the audit trail)");
        sub->add_option("--notes", flags.notes, "free-text notes");
        sub->add_flag("--confidential", flags.confidential, "the notes are confidential (R-25)");
        sub->add_option("--expected-version", flags.expected_version,
                        "refuse if the institution is not at this version");
      }
      if (method->input_type()->FindFieldByName("options") != nullptr) {
        sub->add_option("--as-of", flags.as_of, "as it stood on this date (YYYY-MM-DD)");
        sub->add_option("--known-at", flags.known_at, "as known at this instant (RFC 3339)");
        sub->add_option("--min-position", flags.min_position,
                        "wait until the event at this global position is applied");
      }
      if (method->input_type()->FindFieldByName("page_size") != nullptr) {
        sub->add_option("--page-size", flags.page_size, "results per page");
        sub->add_option("--page-token", flags.page_token, "the next page, from a previous answer");
      }
      // Flags for the request's other plain fields (e.g. report --term --format --known-at).
      static const std::set<std::string> kCovered = {"urn", "context", "options", "page_size",
                                                     "page_token"};
      for (int f = 0; f < method->input_type()->field_count(); ++f) {
        const pb::FieldDescriptor* field = method->input_type()->field(f);
        const bool plain = !field->is_repeated() &&
                           (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING ||
                            field->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM ||
                            field->message_type() == pb::Timestamp::descriptor());
        if (!plain || kCovered.count(field->name()) > 0) continue;
        std::string help = field->message_type() != nullptr ? "RFC 3339 instant" : "";
        if (field->enum_type() != nullptr) {
          std::vector<std::string> values;
          for (int v = 1; v < field->enum_type()->value_count(); ++v) {
            values.push_back(field->enum_type()->value(v)->name());
          }
          help = absl::StrJoin(values, ", ");
        }
        sub->add_option("--" + absl::StrReplaceAll(field->name(), {{"_", "-"}}),
                        flags.fields[field->name()], help);
      }
      unary[sub] = method;
    }
  }
  v1::WatchRequest watch_request;
  uint64_t from_position = 0;
  std::vector<std::string> watch_urns, watch_types;
  CLI::App* health = app.add_subcommand(
      "health",
      "grpc.health.v1.Health/Check: prints SERVING and exits 0 when the server serves; with "
      "--token also the data volume's free space and whether writes are refused");
  health->fallthrough();
  CLI::App* watch = app.add_subcommand("watch", "AuditService.Watch: follow the event feed (Ctrl-C stops)");
  watch->fallthrough();
  watch->add_option("--from", from_position, "first global position")->capture_default_str();
  watch->add_option("--urn", watch_urns, "only these institutions");
  watch->add_option("--type", watch_types, "only these event types, e.g. srg_designated");

  std::string import_path;
  std::vector<std::string> import_authorities;
  CLI::App* import = app.add_subcommand(
      "import", "import a GIAS establishment export or an Ofsted outcomes file (CSV); rows "
                "already imported are not recorded again");
  import->require_subcommand(1);
  CLI::App* import_institutions = import->add_subcommand(
      "institutions", "GIAS establishment export (edubasealldata*.csv as downloaded, or one "
                      "authority's extract): registers the authority's maintained schools, "
                      "academies and free schools, updates what changed, skips other types with "
                      "their reason (docs/import.md)");
  import_institutions->add_option("file", import_path, "CSV file")->required();
  import_institutions->add_option(
      "--la", import_authorities,
      "only this local authority's establishments, by LA (code) or LA (name), e.g. 302 or "
      "Barnet (repeatable); needed when the file holds several");
  import_institutions->fallthrough();
  CLI::App* import_ofsted = import->add_subcommand(
      "ofsted", "Ofsted management information (state-funded schools or early-years "
                "providers), every framework: URN, Inspection start date, Publication date, "
                "Category of concern, report-card areas, key judgements, Overall effectiveness, "
                "and the Previous / Latest OEIF inspection (docs/ofsted.md)");
  import_ofsted->add_option("file", import_path, "CSV file")->required();
  import_ofsted->fallthrough();
  CLI::App* import_links = import->add_subcommand(
      "links", "GIAS links: URN, LinkURN, LinkName, LinkType, LinkEstablishedDate; successors "
               "become closures or academy conversions, predecessors links back");
  import_links->add_option("file", import_path, "CSV file")->required();
  import_links->fallthrough();
  import->fallthrough();

  try {
    app.parse(argc, argv);
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        scc::client::OpenChannel(g.server, g.tls);
    if (!channel.ok()) {
      std::fprintf(stderr, "sccctl: %s\n", std::string(channel.status().message()).c_str());
      return kBadUsage;
    }
    g.channel = *std::move(channel);
    if (*health) return Health(g);
    if (*import_institutions) return ImportInstitutions(g, import_path, import_authorities);
    if (*import_ofsted) return ImportOfsted(g, import_path);
    if (*import_links) return ImportLinks(g, import_path);
    if (*watch) {
      watch_request.set_from_position(from_position);
      for (const auto& u : watch_urns) watch_request.add_urns(u);
      for (const auto& t : watch_types) watch_request.add_event_types(t);
      return Watch(g, watch_request);
    }
    for (const auto& [sub, method] : unary) {
      if (*sub) return CallUnary(g, *method, *BuildRequest(*method, flags));
    }
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kOk : kBadUsage;
  }
  return kBadUsage;
}
