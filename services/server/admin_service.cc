#include "services/server/admin_service.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/codec/event_codec.h"
#include "google/protobuf/descriptor.h"
#include "scc/v1/workflow.pb.h"
#include "services/domain/authorization.h"
#include "services/domain/command_table.h"
#include "services/domain/errors.h"
#include "storage/status_macros.h"

namespace scc::server {

absl::Status AdminServiceImpl::GetServerStatus(const UnaryCall& /*call*/,
                                               const v1::GetServerStatusRequest& /*request*/,
                                               v1::ServerStatus* response) {
  constexpr size_t kPeersShown = 100;
  codec::SetTimestamp(started_at_, response->mutable_started_at());
  response->set_next_position(log_->NextPosition());
  response->set_open_watches(static_cast<uint32_t>(watches_->open()));
  const DeniedAttempts& denied = gateway_->denied();
  response->set_denied_unauthenticated(denied.unauthenticated());
  response->set_denied_permission(denied.permission_denied());
  response->set_throttled_unauthenticated(gateway_->throttle().refused());
  response->set_throttled_addresses(
      static_cast<uint32_t>(gateway_->throttle().throttled_addresses()));
  for (const DeniedAttempts::Peer& peer : denied.TopPeers(kPeersShown)) {
    v1::DeniedPeer* out = response->add_denied_peers();
    out->set_peer(peer.peer);
    out->set_unauthenticated(peer.unauthenticated);
    out->set_permission_denied(peer.permission_denied);
    codec::SetTimestamp(peer.last_denied_at, out->mutable_last_denied_at());
  }
  response->set_tokens(static_cast<uint32_t>(gateway_->token_count()));
  codec::SetTimestamp(gateway_->tokens_loaded_at(), response->mutable_tokens_loaded_at());
  *response->mutable_limits() = limits_;
  v1::DataVolume* volume = response->mutable_data_volume();
  if (absl::StatusOr<storage::VolumeSpace> space = log_->Space(); space.ok()) {
    volume->set_free_bytes(space->free_bytes);
    volume->set_size_bytes(space->total_bytes);
  }
  const storage::WriterRole role = log_->Role();
  v1::EventLogHome* home = response->mutable_log_home();
  home->set_kind(log_->Home());
  home->set_writer(role.writer);
  home->set_writer_node(role.holder);
  if (const absl::Status writes = log_->WriteState(); !writes.ok()) {
    volume->set_writes_refused(true);
    volume->set_writes_refused_reason(WriteRefusalWords(WriteRefusalOf(writes, role)));
    volume->set_last_write_error(std::string(writes.message()));
  }
  return absl::OkStatus();
}

namespace {

// The command table's row for `rpc`, as the API describes it; false for RPCs that record nothing.
bool DescribeCommand(const std::string& rpc, v1::CommandInfo* out) {
  const domain::CommandEntry* e = domain::FindCommandEntryByRpc(rpc);
  if (e == nullptr) return false;
  const google::protobuf::FileDescriptor* file = v1::RegisterInstitutionRequest::descriptor()->file();
  for (int s = 0; s < file->service_count(); ++s) {
    if (file->service(s)->FindMethodByName(rpc) != nullptr) out->set_service(file->service(s)->name());
  }
  out->set_payload_field(e->spec.payload_field);
  out->set_event_type(v1::EventPayload::descriptor()->FindFieldByNumber(e->spec.kind)->name());
  out->set_fact(e->spec.fact);
  out->set_rule(e->rule);
  for (const v1::InstitutionKind kind :
       {v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, v1::INSTITUTION_KIND_ACADEMY,
        v1::INSTITUTION_KIND_EARLY_YEARS_SETTING}) {
    if ((e->applies & domain::AppliesTo(kind)) != 0) out->add_applies_to(kind);
  }
  return true;
}

}  // namespace

absl::Status AdminServiceImpl::WhoAmI(const UnaryCall& call,
                                      const v1::WhoAmIRequest& /*request*/,
                                      v1::CallerIdentity* response) {
  response->set_user(call.caller().user);
  response->set_role(call.caller().role);
  response->set_name(call.caller().name);
  for (const std::string& urn : call.caller().urns) response->add_urns(urn);
  for (const std::string& rpc : domain::MatrixRpcs()) {
    v1::Reach reach = v1::REACH_UNSPECIFIED;
    switch (domain::ReachOf(call.caller().role, rpc)) {
      case domain::Reach::kNone: continue;
      case domain::Reach::kAll: reach = v1::REACH_ALL; break;
      case domain::Reach::kLedInstitutions: reach = v1::REACH_LED_INSTITUTIONS; break;
      case domain::Reach::kSettings: reach = v1::REACH_SETTINGS; break;
      case domain::Reach::kOwnSchool: reach = v1::REACH_OWN_SCHOOL; break;
    }
    v1::Permission* permission = response->add_permissions();
    permission->set_rpc(rpc);
    permission->set_reach(reach);
    if (!DescribeCommand(rpc, permission->mutable_command())) permission->clear_command();
  }
  return absl::OkStatus();
}

absl::Status AdminServiceImpl::ListUsers(const UnaryCall& call,
                                         const v1::ListUsersRequest& request,
                                         v1::ListUsersResponse* response) {
  if (!v1::Role_IsValid(request.role())) return domain::InvalidField("role", "unknown role");
  const bool school_side = domain::RoleHasOwnSchoolOnly(call.caller().role);
  for (const Caller& c : gateway_->Users()) {
    if (request.role() != v1::ROLE_UNSPECIFIED && c.role != request.role()) continue;
    // A school's users see the authority's people and themselves, not other schools' people.
    if (school_side && domain::RoleHasOwnSchoolOnly(c.role) && c.user != call.caller().user) {
      continue;
    }
    v1::User* user = response->add_users();
    user->set_user(c.user);
    user->set_name(c.name);
    user->set_role(c.role);
    for (const std::string& urn : c.urns) user->add_urns(urn);
  }
  return absl::OkStatus();
}

absl::Status AdminServiceImpl::IssueCalendarFeed(const UnaryCall& call,
                                                 const v1::IssueCalendarFeedRequest& /*request*/,
                                                 v1::CalendarFeed* response) {
  CalendarFeeds* feeds = gateway_->calendar_feeds();
  if (feeds == nullptr) return absl::FailedPreconditionError("this server keeps no calendar feeds");
  ASSIGN_OR_RETURN(std::string token, feeds->Issue(call.caller().user));
  response->set_path(absl::StrCat("/calendar/", token, ".ics"));
  return absl::OkStatus();
}

absl::Status AdminServiceImpl::RevokeCalendarFeed(const UnaryCall& call,
                                                  const v1::RevokeCalendarFeedRequest& /*request*/,
                                                  v1::RevokeCalendarFeedResponse* response) {
  CalendarFeeds* feeds = gateway_->calendar_feeds();
  if (feeds == nullptr) return absl::FailedPreconditionError("this server keeps no calendar feeds");
  ASSIGN_OR_RETURN(bool revoked, feeds->Revoke(call.caller().user));
  response->set_revoked(revoked);
  return absl::OkStatus();
}

absl::Status AdminServiceImpl::BackupLog(const UnaryCall& /*call*/,
                                         const v1::BackupLogRequest& request,
                                         v1::BackupLogResponse* response) {
  const std::string& name = request.name();
  const bool safe = !name.empty() && name[0] != '.' &&
                    std::all_of(name.begin(), name.end(), [](char c) {
                      return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                             c == '_' || c == '-';
                    });
  if (!safe) {
    return domain::InvalidField(
        "name", "must be letters, digits, '.', '_' or '-', not starting with '.'");
  }
  std::error_code error;
  std::filesystem::create_directories(backup_root_, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create the backup root ", backup_root_, ": ", error.message()));
  }
  const std::string directory = (std::filesystem::path(backup_root_) / name).string();
  const uint64_t events = log_->NextPosition();
  RETURN_IF_ERROR(log_->Backup(directory));
  response->set_directory(directory);
  response->set_events_at_least(events);
  codec::SetTimestamp(absl::Now(), response->mutable_taken_at());
  return absl::OkStatus();
}

}  // namespace scc::server
