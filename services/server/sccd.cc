// sccd: the SCC workflow server. gRPC on one port (loopback plaintext by default, TLS or mutual
// TLS on request), the web console and an HTTP/JSON API over the same services on another,
// RocksDB event log in a data directory, bearer tokens from a tokens file
// (reloaded on SIGHUP and when the file changes). SIGTERM or SIGINT drain in-flight calls and close the log cleanly;
// nothing acknowledged is lost either way.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "services/server/access_log.h"
#include "services/server/admin_service.h"
#include "services/server/audit_service.h"
#include "services/server/command_handler.h"
#include "services/server/command_services.h"
#include "services/server/data_protection_service.h"
#include "services/server/gateway.h"
#include "services/server/http_gateway.h"
#include "services/domain/dates.h"
#include "services/domain/retention.h"
#include "services/domain/ofsted.h"
#include "services/projections/institution_projection.h"
#include "services/projections/status.h"
#include "services/projections/term_calendar.h"
#include "services/projections/term_snapshots.h"
#include "services/reports/letters.h"
#include "services/server/institution_repository.h"
#include "services/server/log_upgrade.h"
#include "services/server/metrics.h"
#include "services/server/oidc.h"
#include "services/server/projection_service.h"
#include "services/server/report_service.h"
#include "services/server/retention_runner.h"
#include "services/server/tokens.h"
#include "storage/event_log.h"
#include "storage/kv_store.h"
#include "storage/status_macros.h"

namespace {

using namespace scc;  // NOLINT

// The service whose gRPC health says whether the read models apply events.
constexpr char kProjectionService[] = "scc.v1.ProjectionService";

struct Config {
  std::string listen = "127.0.0.1:50051";
  std::string data = "data";
  std::string tokens = "deploy/dev-tokens.txt";
  std::string time_zone = "Europe/London";
  std::string term_calendar = "deploy/term-calendar.txt";
  size_t term_snapshots = projections::TermSnapshots::Options{}.keep;
  std::string ofsted_mapping;  // empty: the rulebook's defaults (docs/ofsted.md)
  std::string today;  // fixed date for tests and demonstrations; empty: the real date
  bool access_log = true;
  bool insecure = false;  // allow plaintext on an address other than loopback
  std::string tls_cert, tls_key;  // PEM files: serve TLS when both are given
  std::string tls_client_ca;      // PEM roots: mutual TLS, every client must present a cert
  int shutdown_grace_seconds = 10;
  size_t max_watches = 64;  // open Watch streams; each holds a thread
  size_t max_watches_per_caller = 0;  // 0: a quarter of max_watches (at least 1)
  int tokens_poll_seconds = 5;  // reload the tokens file this soon after it changes; 0: SIGHUP only
  // Limits on every client (SECURITY.md).
  size_t max_message_bytes = 4 << 20;
  int max_streams_per_connection = 100;
  size_t memory_quota_mb = 512;
  double long_call_seconds = 120;
  size_t long_call_threads = 4;
  size_t long_call_queue = 64;
  size_t max_waiting_reads = 1024;
  int auth_failures = 50;  // wrong credentials per address and window before it is throttled
  double auth_window_seconds = 60;
  // Prometheus metrics over HTTP ("host:port"; empty: none).
  std::string metrics_listen = "127.0.0.1:9464";
  // The web console and the HTTP/JSON API ("host:port"; empty: none), and the console's files.
  std::string http_listen = "127.0.0.1:8080";
  std::string console_dir = SCC_CONSOLE_DIR;
  // The authority's pages for the console, and its brand colour (docs/console.md).
  std::string console_pages = SCC_CONSOLE_PAGES_DIR;
  std::string console_brand_colour = "#1d70b8";
  // Limits on every HTTP connection, the console's and API's port and the metrics port alike.
  double http_header_timeout_seconds = 10;
  double http_body_timeout_seconds = 60;
  size_t http_max_connections_per_address = 32;
  size_t http_max_connections = 128;
  std::string log_level = "info";
  std::string backup_root;  // online backups (AdminService.BackupLog); default <data>/backups
  projections::ObligationRules rules;  // the periods the rules leave to the LA
  std::string review_interval = "half-term";
  reports::ReportTargets report;  // the authority's name, marking and targets in its report
  // Letters from the authority's templates (docs/letters.md).
  std::string letter_templates = SCC_LETTERS_DIR;
  // Sign-in through the council's identity provider (docs/sign-in.md); empty issuer: tokens only.
  std::string oidc_issuer, oidc_client_id, oidc_client_secret_file, oidc_redirect_uri;
  std::string oidc_roles;  // "<claim value> <role>" lines
  std::string oidc_scopes = "openid profile";
  std::string oidc_user_claim = "preferred_username", oidc_name_claim = "name";
  std::string oidc_role_claim = "roles", oidc_urn_claim;
  std::string oidc_ca_file = "/etc/ssl/certs/ca-certificates.crt";
  double session_idle_minutes = 30;
  double session_hours = 10;
  // The read audit's retention; 0 turns the audit off (docs/data-protection.md).
  int read_audit_days = 730;
  // Retention schedules (docs/data-protection.md); empty: none, nothing is ever redacted by age.
  std::string retention_schedule;
  double retention_every_hours = 24;  // 0: only when asked (DataProtectionService.RunRetention)
  bool upgrade_log = false;  // rewrite a store-format-1 log into sections, then exit
  // Where the event log is: empty for <data>/events (RocksDB), or a PostgreSQL URI shared by
  // several nodes, one of which writes (docs/operations.md "PostgreSQL").
  std::string log;
  std::string node_name;  // this node's name to the others; default: --listen
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "sccd: %s\n", message.c_str());
  return 1;
}

// Loopback addresses only: 127.0.0.0/8, ::1 and localhost.
bool IsLoopback(const std::string& listen) {
  const std::string host = listen.substr(0, listen.rfind(':'));
  return absl::StartsWith(host, "127.") || host == "localhost" || host == "[::1]" ||
         host == "ipv4:127.0.0.1" || host == "::1";
}

absl::StatusOr<std::string> ReadPem(const std::string& option, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(option, ": cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Plaintext HTTP, like plaintext gRPC, only on loopback unless --insecure.
absl::Status CheckHttpListen(const Config& c) {
  if (c.http_listen.empty() || !c.tls_cert.empty() || IsLoopback(c.http_listen) || c.insecure) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "refusing to serve plaintext HTTP on ", c.http_listen,
      ": give --tls-cert and --tls-key, listen on loopback (127.0.0.1), or pass --insecure "
      "to accept the risk (e.g. behind a TLS-terminating proxy)"));
}

// Plaintext only on loopback unless --insecure (bearer tokens and school records must not cross
// a network unencrypted); TLS when a certificate is given; mutual TLS with --tls-client-ca.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListeningCredentials(const Config& c) {
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (c.tls_cert.empty()) {
    if (!c.tls_client_ca.empty()) {
      return absl::InvalidArgumentError("--tls-client-ca needs --tls-cert and --tls-key");
    }
    if (!IsLoopback(c.listen) && !c.insecure) {
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing to serve plaintext gRPC on ", c.listen,
          ": give --tls-cert and --tls-key, listen on loopback (127.0.0.1), or pass --insecure "
          "to accept the risk (e.g. behind a TLS-terminating proxy)"));
    }
    return grpc::InsecureServerCredentials();
  }
  absl::StatusOr<std::string> cert = ReadPem("--tls-cert", c.tls_cert);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem("--tls-key", c.tls_key);
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*std::move(key), *std::move(cert)});
  if (!c.tls_client_ca.empty()) {
    absl::StatusOr<std::string> roots = ReadPem("--tls-client-ca", c.tls_client_ca);
    if (!roots.ok()) return roots.status();
    options.pem_root_certs = *std::move(roots);
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

// What GET /site.json tells the console of the authority (docs/console.md).
std::string SiteJson(const std::string& authority, const std::string& brand_colour,
                     bool identity_provider) {
  google::protobuf::Struct site;
  (*site.mutable_fields())["authority"].set_string_value(authority);
  (*site.mutable_fields())["brandColour"].set_string_value(brand_colour);
  // The console offers "Sign in with your council account" (GET /auth/login).
  (*site.mutable_fields())["identityProvider"].set_bool_value(identity_provider);
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(site, &json);
  return json;
}

absl::StatusOr<server::OidcSettings> OidcSettingsOf(const Config& c) {
  server::OidcSettings s;
  s.issuer = c.oidc_issuer;
  s.client_id = c.oidc_client_id;
  s.redirect_uri = c.oidc_redirect_uri;
  s.scopes = c.oidc_scopes;
  s.ca_file = c.oidc_ca_file;
  if (s.client_id.empty() || s.redirect_uri.empty() || c.oidc_client_secret_file.empty() ||
      c.oidc_roles.empty()) {
    return absl::InvalidArgumentError(
        "--oidc-issuer needs --oidc-client-id, --oidc-client-secret-file, --oidc-redirect-uri "
        "and --oidc-roles (docs/sign-in.md)");
  }
  for (const auto& [option, path, out] :
       {std::tuple<const char*, const std::string&, std::string*>{
            "--oidc-client-secret-file", c.oidc_client_secret_file, &s.client_secret},
        {"--oidc-roles", c.oidc_roles, nullptr}}) {
    std::ifstream in(path);
    if (!in) return absl::NotFoundError(absl::StrCat(option, ": cannot read ", path));
    std::stringstream text;
    text << in.rdbuf();
    if (out != nullptr) {
      *out = std::string(absl::StripAsciiWhitespace(text.str()));
    } else {
      ASSIGN_OR_RETURN(s.claims.roles, server::ClaimMapping::ParseRoles(text.str(), path));
    }
  }
  s.claims.user_claim = c.oidc_user_claim;
  s.claims.name_claim = c.oidc_name_claim;
  s.claims.role_claim = c.oidc_role_claim;
  s.claims.urn_claim = c.oidc_urn_claim;
  return s;
}

std::string Transport(const Config& c) {
  if (c.tls_cert.empty()) return "plaintext";
  return c.tls_client_ca.empty() ? "tls" : "mutual tls";
}

absl::StatusOr<std::shared_ptr<const server::TokenStore>> LoadTokens(const std::string& path) {
  absl::StatusOr<server::TokenStore> tokens = server::TokenStore::Load(path);
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() == 0) return absl::FailedPreconditionError(absl::StrCat(path, " holds no tokens"));
  return std::make_shared<const server::TokenStore>(*std::move(tokens));
}

// The tokens file's modification time, size and inode: changes when the file is rewritten or
// replaced. Empty when the file cannot be read.
std::string FileStamp(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "";
  return absl::StrCat(st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec, "/", st.st_size, "/", st.st_ino);
}

// Token rotation: the new file replaces the old one whole, or not at all.
void ReloadTokens(const Config& config, const std::string& why, server::Gateway& gateway,
                  server::AccessLog& access_log) {
  absl::StatusOr<std::shared_ptr<const server::TokenStore>> reloaded = LoadTokens(config.tokens);
  if (reloaded.ok()) {
    const size_t count = (*reloaded)->size();
    gateway.ReplaceTokens(*std::move(reloaded));
    access_log.Info(absl::StrCat(why, ": ", count, " tokens loaded from ", config.tokens));
  } else {
    access_log.Warn(absl::StrCat(why, ": tokens NOT reloaded, the previous ones stay: ",
                                 reloaded.status().message()));
  }
}

std::string EventsDir(const Config& c) { return c.data + "/events"; }
// The event log's location: --log, or the directory in the data directory.
std::string LogLocation(const Config& c) { return c.log.empty() ? EventsDir(c) : c.log; }

storage::EventLogOptions LogOptions(const Config& c) {
  storage::EventLogOptions options;
  options.node_name = c.node_name;
  if (options.node_name.empty() && !absl::EndsWith(c.listen, ":0")) options.node_name = c.listen;
  return options;
}
std::string ProjectionsDir(const Config& c) { return c.data + "/projections"; }

// `sccd --upgrade-log`: the server must be stopped. The new log takes the old one's place; the
// old one stays beside it as events.format1 (docs/data-protection.md).
int UpgradeEventLog(const Config& config) {
  if (!config.log.empty()) {
    return Fail("--upgrade-log rewrites a log directory; a log in PostgreSQL has store format 2 "
                "from the start");
  }
  const std::string events = EventsDir(config);
  const std::string upgrading = events + ".upgrading";
  const std::string kept = events + ".format1";
  if (std::filesystem::exists(kept)) {
    return Fail(absl::StrCat(kept, " exists: this log was upgraded already"));
  }
  std::error_code ignored;
  std::filesystem::remove_all(upgrading, ignored);  // a run cut short left it
  absl::StatusOr<server::UpgradeReport> report = server::UpgradeLog(events, upgrading);
  if (!report.ok()) return Fail(report.status().ToString());
  std::error_code moved;
  std::filesystem::rename(events, kept, moved);
  if (!moved) std::filesystem::rename(upgrading, events, moved);
  if (moved) return Fail(absl::StrCat("moving the upgraded log into place: ", moved.message()));
  std::printf("upgraded %llu records to store format 2; the old log is in %s\n"
              "old head %s (the chain an auditor anchored)\nnew head %s\n"
              "VerifyLog with legacy: true rebuilds the old chain and its head\n",
              static_cast<unsigned long long>(report->records), kept.c_str(),
              report->old_head.c_str(), report->new_head.c_str());
  return 0;
}

// `sccd rebuild-projections`: the server must be stopped; shows a progress bar.
int RebuildProjections(const Config& config) {
  absl::StatusOr<std::unique_ptr<storage::EventLog>> log =
      storage::EventLog::Open(LogLocation(config), LogOptions(config));
  if (!log.ok()) return Fail(log.status().ToString());
  absl::StatusOr<std::unique_ptr<storage::KvStore>> store =
      storage::KvStore::Open(ProjectionsDir(config));
  if (!store.ok()) return Fail(store.status().ToString());
  const absl::Time start = absl::Now();
  absl::Status s = projections::InstitutionProjection::RebuildOffline(
      log->get(), store->get(), {}, [start](uint64_t done, uint64_t total) {
        constexpr int kWidth = 40;
        const int filled = total == 0 ? kWidth : static_cast<int>(done * kWidth / total);
        const double seconds = std::max(1e-3, absl::ToDoubleSeconds(absl::Now() - start));
        std::fprintf(stderr, "\rrebuilding projections [%s%s] %3d%% %llu/%llu events, %.0f/s",
                     std::string(filled, '#').c_str(), std::string(kWidth - filled, ' ').c_str(),
                     total == 0 ? 100 : static_cast<int>(done * 100 / total),
                     static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                     done / seconds);
      });
  std::fprintf(stderr, "\n");
  if (!s.ok()) return Fail(s.ToString());
  std::printf("projections rebuilt from %llu events in %.1f s\n",
              static_cast<unsigned long long>((*log)->NextPosition()),
              absl::ToDoubleSeconds(absl::Now() - start));
  return 0;
}

int Serve(const Config& config) {
  // Signals are taken by sigwait in this thread; every thread started later inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::optional<server::LogLevel> level = server::ParseLogLevel(config.log_level);
  if (!level) {
    return Fail(absl::StrCat("--log-level '", config.log_level,
                             "' is not debug, info, warn or error"));
  }
  if (!config.ofsted_mapping.empty()) {
    std::ifstream in(config.ofsted_mapping);
    if (!in) return Fail(absl::StrCat("--ofsted-mapping: cannot read ", config.ofsted_mapping));
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<domain::OfstedMapping> mapping = domain::ParseOfstedMapping(text.str());
    if (!mapping.ok()) {
      return Fail(absl::StrCat("--ofsted-mapping ", config.ofsted_mapping, ": ",
                               mapping.status().message()));
    }
    // Installed before any thread reads it.
    domain::InstallOfstedMapping(*mapping);
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      ListeningCredentials(config);
  if (!credentials.ok()) return Fail(std::string(credentials.status().message()));
  if (absl::Status http = CheckHttpListen(config); !http.ok()) {
    return Fail(std::string(http.message()));
  }
  absl::StatusOr<std::shared_ptr<const server::TokenStore>> tokens = LoadTokens(config.tokens);
  if (!tokens.ok()) return Fail(tokens.status().ToString());
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(config.time_zone, &zone)) {
    return Fail(absl::StrCat("unknown time zone ", config.time_zone));
  }
  std::function<absl::CivilDay()> today = [zone] { return absl::ToCivilDay(absl::Now(), zone); };
  if (!config.today.empty()) {
    const auto fixed = domain::ParseDate(config.today);
    if (!fixed) return Fail(absl::StrCat("--today '", config.today, "' is not a date"));
    today = [day = *fixed] { return day; };
  }
  absl::StatusOr<projections::TermCalendar> calendar =
      projections::TermCalendar::Load(config.term_calendar);
  if (!calendar.ok()) return Fail(calendar.status().ToString());

  const absl::Time opening = absl::Now();
  server::AccessLog access_log(stderr, config.access_log, *level);
  storage::EventLogOptions log_options = LogOptions(config);
  log_options.on_role_change = [&access_log](const std::string& line) { access_log.Warn(line); };
  absl::StatusOr<std::unique_ptr<storage::EventLog>> log =
      storage::EventLog::Open(LogLocation(config), log_options);
  if (!log.ok()) return Fail(log.status().ToString());
  absl::StatusOr<std::unique_ptr<storage::KvStore>> store =
      storage::KvStore::Open(ProjectionsDir(config));
  if (!store.ok()) return Fail(store.status().ToString());

  server::InstitutionRepository repository(log->get());
  projections::InstitutionProjection::Options projection_options;
  projection_options.progress = [&access_log](const std::string& line) { access_log.Info(line); };
  // The projection shares the states commands leave instead of folding their events again.
  projection_options.committed_state = [&repository](const std::string& urn,
                                                      const storage::RecordedEvent& last) {
    return repository.Committed(urn, last);
  };
  absl::StatusOr<std::unique_ptr<projections::InstitutionProjection>> projection =
      projections::InstitutionProjection::Open(log->get(), store->get(), projection_options);
  if (!projection.ok()) return Fail(projection.status().ToString());
  server::CommandHandler handler(log->get(), &repository, today);
  std::string tokens_stamp = FileStamp(config.tokens);
  server::CallMetrics call_metrics;
  server::Gateway gateway(*std::move(tokens), &access_log, absl::Seconds(config.long_call_seconds),
                          &call_metrics, config.auth_failures,
                          absl::Seconds(config.auth_window_seconds));
  handler.set_warn([&access_log](const std::string& message) { access_log.Warn(message); });
  // a Lead Officer is one of the users the tokens file names (its directory).
  handler.set_directory([&gateway](const std::string& user) { return gateway.FindUser(user); });
  server::SessionStore sessions(server::SessionStore::Limits{
      absl::Minutes(config.session_idle_minutes), absl::Hours(config.session_hours)});
  gateway.set_sessions(&sessions);
  absl::StatusOr<std::unique_ptr<server::CalendarFeeds>> feeds =
      server::CalendarFeeds::Open(absl::StrCat(config.data, "/calendar-feeds.txt"));
  if (!feeds.ok()) return Fail(feeds.status().ToString());
  gateway.set_calendar_feeds(feeds->get());
  std::unique_ptr<server::ReadAudit> read_audit;
  if (config.read_audit_days > 0) {
    absl::StatusOr<std::unique_ptr<server::ReadAudit>> opened = server::ReadAudit::Open(
        absl::StrCat(config.data, "/reads"), absl::Hours(24) * config.read_audit_days, &access_log);
    if (!opened.ok()) return Fail(opened.status().ToString());
    read_audit = *std::move(opened);
    gateway.set_read_audit(read_audit.get());
  }
  std::unique_ptr<server::OidcProvider> oidc;
  if (!config.oidc_issuer.empty()) {
    absl::StatusOr<server::OidcSettings> settings = OidcSettingsOf(config);
    if (!settings.ok()) return Fail(std::string(settings.status().message()));
    oidc = std::make_unique<server::OidcProvider>(*std::move(settings));
  }
  absl::StatusOr<reports::LetterBook> letters =
      reports::LetterBook::Load(config.letter_templates, config.report.authority);
  if (!letters.ok()) {
    return Fail(absl::StrCat("--letter-templates: ", letters.status().message()));
  }
  handler.set_letter_writer([&letters, &calendar, &config](const domain::InstitutionState& state,
                                                           absl::CivilDay dated,
                                                           v1::LetterProduced& letter) {
    std::string plan_due;
    for (const v1::Obligation& o :
         projections::ComputeObligations(state, dated, *calendar, config.rules, nullptr)) {
      if (o.type() == v1::OBLIGATION_TYPE_ACTION_PLAN_MISSING ||
          o.type() == v1::OBLIGATION_TYPE_SETTING_ACTION_PLAN_MISSING) {
        plan_due = o.due_on();
      }
    }
    return letters->Write(state, dated, plan_due, letter);
  });
  std::vector<domain::RetentionRule> retention_rules;
  if (!config.retention_schedule.empty()) {
    std::ifstream in(config.retention_schedule);
    if (!in) return Fail(absl::StrCat("--retention-schedule: cannot read ", config.retention_schedule));
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<std::vector<domain::RetentionRule>> parsed =
        domain::ParseRetentionSchedule(text.str());
    if (!parsed.ok()) {
      return Fail(absl::StrCat("--retention-schedule ", config.retention_schedule, ": ",
                               parsed.status().message()));
    }
    retention_rules = *std::move(parsed);
  }
  server::RetentionRunner retention(log->get(), &handler, retention_rules, today);
  server::CallFrame::Options frame_options;
  frame_options.long_call_threads = config.long_call_threads;
  frame_options.long_call_queue = config.long_call_queue;
  frame_options.max_waiting_reads = config.max_waiting_reads;
  server::CallFrame frame(&gateway, log->get(), projection->get(), frame_options);
  const size_t watches_per_caller = config.max_watches_per_caller != 0
                                        ? config.max_watches_per_caller
                                        : std::max<size_t>(1, config.max_watches / 4);
  server::WatchRegistry watches(config.max_watches, watches_per_caller);
  server::InstitutionServiceImpl institutions(&frame, &handler);
  server::DesignationServiceImpl designation(&frame, &handler);
  server::InterventionServiceImpl interventions(&frame, &handler);
  server::AcademyServiceImpl academies(&frame, &handler);
  server::SettingServiceImpl settings(&frame, &handler);
  server::BulkServiceImpl bulk(&frame, &handler);
  server::AuditServiceImpl audit(&frame, &gateway, log->get(), &repository, &watches);
  projections::ObligationRules rules = config.rules;
  rules.review_each_term = config.review_interval == "term";
  // As-of reads start from the snapshot of the half-term boundary before their date; the current
  // half term's is built in the background from the start.
  projections::TermSnapshots snapshots(log->get(), &*calendar, {.keep = config.term_snapshots});
  snapshots.Prepare(today());
  server::ProjectionServiceImpl queries(&frame, log->get(), projection->get(), &snapshots,
                                        &*calendar, rules, today);
  server::ReportServiceImpl reports(&frame, log->get(), &*calendar, rules,
                                    config.report, read_audit.get(), &snapshots, today);
  v1::ServerLimits limits;
  limits.set_max_message_bytes(config.max_message_bytes);
  limits.set_max_streams_per_connection(config.max_streams_per_connection);
  limits.set_max_watches(static_cast<uint32_t>(config.max_watches));
  limits.set_memory_quota_bytes(uint64_t{config.memory_quota_mb} << 20);
  limits.set_long_call_seconds(config.long_call_seconds);
  limits.set_max_page_size(server::kMaxPageSize);
  limits.set_max_watches_per_caller(static_cast<uint32_t>(watches_per_caller));
  limits.set_auth_failures_allowed(static_cast<uint32_t>(config.auth_failures));
  limits.set_auth_window_seconds(config.auth_window_seconds);
  limits.set_long_call_threads(static_cast<uint32_t>(config.long_call_threads));
  limits.set_long_call_queue(static_cast<uint32_t>(config.long_call_queue));
  limits.set_max_waiting_reads(static_cast<uint32_t>(config.max_waiting_reads));
  server::DataProtectionServiceImpl data_protection(&frame, &retention, log->get(),
                                                   config.report.authority);
  server::AdminServiceImpl admin(&frame, &gateway, log->get(), &watches, limits,
                                 config.backup_root.empty() ? config.data + "/backups"
                                                            : config.backup_root);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen, *credentials, &port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_message_bytes));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, config.max_streams_per_connection);
  grpc::ResourceQuota quota("sccd");
  quota.Resize(config.memory_quota_mb << 20);
  builder.SetResourceQuota(quota);
  for (grpc::Service* service : std::initializer_list<grpc::Service*>{
           &institutions, &designation, &interventions, &academies, &settings, &bulk, &audit,
           &queries, &reports, &admin, &data_protection}) {
    builder.RegisterService(service);
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail(absl::StrCat("cannot listen on ", config.listen));
  }
  server::HttpLimits http_limits;
  http_limits.header_timeout = absl::Seconds(config.http_header_timeout_seconds);
  http_limits.body_timeout = absl::Seconds(config.http_body_timeout_seconds);
  http_limits.max_connections_per_address = config.http_max_connections_per_address;
  http_limits.max_connections = config.http_max_connections;
  std::unique_ptr<server::MetricsServer> metrics;
  std::string metrics_note;
  if (!config.metrics_listen.empty()) {
    absl::StatusOr<std::unique_ptr<server::MetricsServer>> started = server::MetricsServer::Start(
        config.metrics_listen,
        server::MetricSources{&call_metrics, log->get(), projection->get(), &watches,
                              &gateway.denied(), &access_log, &frame, config.data},
        http_limits);
    if (!started.ok()) return Fail(std::string(started.status().message()));
    metrics = *std::move(started);
    const std::string metrics_host = config.metrics_listen.substr(0, config.metrics_listen.rfind(':'));
    metrics_note = absl::StrCat("; metrics on http://", metrics_host, ":", metrics->port(), "/metrics");
  }
  std::unique_ptr<server::HttpGateway> http;
  std::string http_note;
  if (!config.http_listen.empty()) {
    server::HttpGateway::Options http_options;
    http_options.address = config.http_listen;
    http_options.console_dir = config.console_dir;
    http_options.pages_dir = config.console_pages;
    http_options.site_json =
        SiteJson(config.report.authority, config.console_brand_colour, oidc != nullptr);
    http_options.max_body_bytes = config.max_message_bytes;
    http_options.limits = http_limits;
    http_options.call_timeout = absl::Seconds(config.long_call_seconds + 10);
    http_options.tls_cert = config.tls_cert;
    http_options.tls_key = config.tls_key;
    http_options.tls_client_ca = config.tls_client_ca;
    http_options.people.sessions = &sessions;
    http_options.people.oidc = oidc.get();
    http_options.people.secure_cookies =
        !config.tls_cert.empty() || absl::StartsWith(config.oidc_redirect_uri, "https://");
    grpc::ChannelArguments channel_args;
    channel_args.SetMaxReceiveMessageSize(-1);  // reports may be larger than a request may
    absl::StatusOr<std::unique_ptr<server::HttpGateway>> started =
        server::HttpGateway::Start(http_options, server->InProcessChannel(channel_args));
    if (!started.ok()) return Fail(std::string(started.status().message()));
    http = *std::move(started);
    const std::string http_host = config.http_listen.substr(0, config.http_listen.rfind(':'));
    http_note = absl::StrCat("; web console and JSON API on ", http->tls() ? "https" : "http",
                             "://", http_host, ":", http->port(), "/");
    if (!std::filesystem::is_directory(config.console_dir)) {
      access_log.Warn(absl::StrCat("--console-dir ", config.console_dir,
                                   " is not a directory: serving the JSON API only"));
    }
  }
  const std::string host = config.listen.substr(0, config.listen.rfind(':'));
  // One line on stdout, read by scripts and tests to learn the ports.
  const std::string data_note =
      config.log.empty() ? config.data : config.data + ", event log in PostgreSQL";
  std::printf("sccd listening on %s:%d (%s, data %s, %llu events, opened in %.0f ms%s%s)\n",
              host.c_str(), port, Transport(config).c_str(), data_note.c_str(),
              static_cast<unsigned long long>((*log)->NextPosition()),
              absl::ToDoubleMilliseconds(absl::Now() - opening), metrics_note.c_str(),
              http_note.c_str());
  std::fflush(stdout);
  access_log.Info(absl::StrCat("listening on ", host, ":", port, " (", Transport(config), ")",
                               metrics_note, http_note));

  // A rewritten tokens file is picked up without a signal too.
  absl::Notification stopping;
  std::thread tokens_watcher;
  if (config.tokens_poll_seconds > 0) {
    tokens_watcher = std::thread([&] {
      while (!stopping.WaitForNotificationWithTimeout(absl::Seconds(config.tokens_poll_seconds))) {
        const std::string stamp = FileStamp(config.tokens);
        if (stamp.empty() || stamp == tokens_stamp) continue;
        tokens_stamp = stamp;
        ReloadTokens(config, "tokens file changed", gateway, access_log);
      }
    });
  }
  // The gRPC health service answers NOT_SERVING for the read models' service while they
  // cannot apply events (they serve what was applied; the projection keeps trying).
  std::thread projection_health([&] {
    grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
    if (health == nullptr) return;
    bool serving = true;
    health->SetServingStatus(kProjectionService, serving);
    do {
      const v1::ProjectionStatus status = (*projection)->Status();
      if (status.error().empty() == serving) continue;
      serving = !serving;
      health->SetServingStatus(kProjectionService, serving);
      if (serving) {
        access_log.Info(absl::StrCat(kProjectionService, " serving again"));
      } else {
        access_log.Warn(absl::StrCat(kProjectionService, " NOT_SERVING: ", status.error()));
      }
    } while (!stopping.WaitForNotificationWithTimeout(absl::Seconds(1)));
  });
  // The retention schedules, run once a day (or as configured) on a thread of their own.
  std::thread retention_timer;
  if (!retention_rules.empty() && config.retention_every_hours > 0) {
    retention_timer = std::thread([&] {
      const absl::Duration every = absl::Hours(config.retention_every_hours);
      while (!stopping.WaitForNotificationWithTimeout(every)) {
        absl::StatusOr<v1::RetentionReport> ran =
            retention.Run(false, retention.today(), absl::Now() + absl::Hours(1));
        access_log.Info(ran.ok() ? absl::StrCat("retention run: ", ran->redacted_fields(),
                                                " fields of ", ran->items_size(),
                                                " records redacted; ", ran->held_urns_size(),
                                                " institutions under a legal hold")
                                 : absl::StrCat("retention run failed: ", ran.status().message()));
      }
    });
  }
  int signal_number = 0;
  while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP) {
    ReloadTokens(config, "SIGHUP", gateway, access_log);
  }
  access_log.Info(absl::StrCat("signal ", signal_number, ": draining in-flight calls"));
  stopping.Notify();
  if (tokens_watcher.joinable()) tokens_watcher.join();
  if (retention_timer.joinable()) retention_timer.join();
  projection_health.join();
  if (metrics != nullptr) metrics->Stop();
  if (http != nullptr) http->Stop();  // before the gRPC server: its calls go through it
  watches.CancelAll();
  frame.Close();
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(config.shutdown_grace_seconds)));
  server->Wait();
  watches.WaitUntilEmpty();
  snapshots.Stop();  // a build a report or an as-of read asked for still reads the log
  projection->reset();
  log->reset();  // commits whatever is queued, then closes the database
  access_log.Info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "sccd: the Schools and Settings Causing Concern workflow server.\n"
      "Every SCC decision (designation, Lead Officer, action plans, Monitoring and Challenge\n"
      "Meetings, warning notices, interventions, removal) is an immutable, attributable event\n"
      "in a durable, hash-chained log. Clients call it over gRPC with a bearer token."};
  Config config;
  app.set_config("--config", "", "read options from this file (TOML or INI: listen = \"...\")");
  app.add_option("--listen", config.listen, "address:port to serve gRPC on (port 0: any free)")
      ->capture_default_str();
  app.add_option("--data", config.data,
                 "data directory: the event log in events/ (unless --log), read models in "
                 "projections/")
      ->capture_default_str();
  app.add_option("--log", config.log,
                 "the event log in PostgreSQL instead of events/: a libpq URI, e.g. "
                 "postgresql://sccd@db1,db2/scc?target_session_attrs=read-write; several sccd "
                 "may share it, one writes (docs/operations.md)");
  app.add_option("--node-name", config.node_name,
                 "this node's name to the others sharing a --log (default: --listen)");
  app.add_option("--tokens", config.tokens,
                 "tokens file: '<sha256 of token> <user> <role>' per line")
      ->capture_default_str();
  app.add_option("--time-zone", config.time_zone,
                 "the local authority's time zone (bounds effective dates)")
      ->capture_default_str();
  app.add_option("--term-calendar", config.term_calendar,
                 "term dates file (half-termly and termly obligations)")
      ->capture_default_str();
  app.add_option("--term-snapshots", config.term_snapshots,
                 "half-term snapshots held in memory for as-of reads (0: every as-of read folds "
                 "the log)")
      ->capture_default_str();
  app.add_option("--ofsted-mapping", config.ofsted_mapping,
                 "file saying where RI-or-worse and Good-or-better begin in each Ofsted "
                 "framework (docs/ofsted.md); default: the rulebook's");
  app.add_option("--today", config.today,
                 "pretend today is this date (YYYY-MM-DD), for tests and demonstrations");
  app.add_option("--shutdown-grace-seconds", config.shutdown_grace_seconds,
                 "how long SIGTERM waits for in-flight calls")
      ->capture_default_str();
  app.add_option("--max-watches", config.max_watches,
                 "most Watch streams open at once; more are refused with RESOURCE_EXHAUSTED")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-watches-per-caller", config.max_watches_per_caller,
                 "most Watch streams one caller (token or certificate) may hold; 0: a quarter of "
                 "--max-watches")
      ->capture_default_str();
  app.add_option("--long-call-threads", config.long_call_threads,
                 "threads running long calls (termly reports, log verification, reads as of a "
                 "date, backups)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{256}));
  app.add_option("--long-call-queue", config.long_call_queue,
                 "long calls that may wait for a thread; more get RESOURCE_EXHAUSTED "
                 "\"server busy, retry\"")
      ->capture_default_str()
      ->check(CLI::Range(size_t{0}, size_t{100000}));
  app.add_option("--max-waiting-reads", config.max_waiting_reads,
                 "reads waiting for a future min_position at once (half per caller); more get "
                 "RESOURCE_EXHAUSTED")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1000000}));
  app.add_option("--auth-failures", config.auth_failures,
                 "wrong credentials one client address may send per --auth-window-seconds; past "
                 "that its calls are refused unread with RESOURCE_EXHAUSTED until the window ends")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--auth-window-seconds", config.auth_window_seconds,
                 "the window of --auth-failures")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 86400.0));
  app.add_option("--tokens-poll-seconds", config.tokens_poll_seconds,
                 "reload the tokens file this many seconds after it changes (0: only on SIGHUP)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-message-bytes", config.max_message_bytes,
                 "largest request accepted; larger ones get RESOURCE_EXHAUSTED")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1024}, size_t{64} << 20));
  app.add_option("--max-streams-per-connection", config.max_streams_per_connection,
                 "concurrent calls on one client connection; more wait their turn")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--memory-quota-mb", config.memory_quota_mb,
                 "memory gRPC may use for all connections' buffers together")
      ->capture_default_str()
      ->check(CLI::Range(size_t{16}, size_t{1} << 20));
  app.add_option("--long-call-seconds", config.long_call_seconds,
                 "longest a long call (termly report, whole-log verify, list as of a date) runs "
                 "when its client asks for no shorter deadline; past it: DEADLINE_EXCEEDED")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600.0));
  app.add_option("--metrics-listen", config.metrics_listen,
                 "serve Prometheus metrics over HTTP on host:port (GET /metrics, /healthz); "
                 "empty: no metrics")
      ->capture_default_str();
  app.add_option("--http-listen", config.http_listen,
                 "serve the web console and the HTTP/JSON API (POST /v1/<Service>/<Method>) on "
                 "host:port (port 0: any free); HTTPS with --tls-cert; empty: none")
      ->capture_default_str();
  app.add_option("--http-header-timeout-seconds", config.http_header_timeout_seconds,
                 "time an HTTP request's line and headers (and TLS handshake) may take to "
                 "arrive, on the console/API and metrics ports; slower ones are cut off")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  app.add_option("--http-body-timeout-seconds", config.http_body_timeout_seconds,
                 "time an HTTP request's body may take to arrive after its headers")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--http-max-connections-per-address", config.http_max_connections_per_address,
                 "HTTP connections open at once from one client address, on each HTTP port; "
                 "more are closed unanswered")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  app.add_option("--http-max-connections", config.http_max_connections,
                 "HTTP connections served at once on each HTTP port (a thread each); past it "
                 "a new one replaces the one idle or sending headers longest")
      ->capture_default_str()
      ->check(CLI::Range(size_t{2}, size_t{100000}));
  app.add_option("--console-dir", config.console_dir,
                 "the web console's files (the build's console/ directory)")
      ->capture_default_str();
  app.add_option("--console-pages", config.console_pages,
                 "the authority's accessibility statement, privacy notice and help pages "
                 "(accessibility.html, privacy.html, help.html), served under /pages/")
      ->capture_default_str();
  app.add_option("--console-brand-colour", config.console_brand_colour,
                 "the authority's brand colour for the console's header (#rrggbb)")
      ->capture_default_str()
      ->check([](const std::string& value) {
        const bool hex = value.size() == 7 && value[0] == '#' &&
                         std::all_of(value.begin() + 1, value.end(), [](char c) {
                           return absl::ascii_isxdigit(static_cast<unsigned char>(c));
                         });
        return hex ? std::string() : std::string("is not a colour such as #1d70b8");
      });
  app.add_option("--letter-templates", config.letter_templates,
                 "the authority's letter templates and authority.txt (docs/letters.md)")
      ->capture_default_str();
  app.add_option("--oidc-issuer", config.oidc_issuer,
                 "sign people in through this OpenID provider (its issuer URL, e.g. "
                 "https://login.microsoftonline.com/<tenant>/v2.0); empty: tokens only");
  app.add_option("--oidc-client-id", config.oidc_client_id, "this service's client id there");
  app.add_option("--oidc-client-secret-file", config.oidc_client_secret_file,
                 "a file holding the client secret (never on the command line)");
  app.add_option("--oidc-redirect-uri", config.oidc_redirect_uri,
                 "where the provider sends people back: https://<this server>/auth/callback");
  app.add_option("--oidc-roles", config.oidc_roles,
                 "a file of '<claim value> <role>' lines: which group or app role is which SCC "
                 "role, first match wins");
  app.add_option("--oidc-scopes", config.oidc_scopes, "scopes asked for")->capture_default_str();
  app.add_option("--oidc-user-claim", config.oidc_user_claim, "the claim naming the user")
      ->capture_default_str();
  app.add_option("--oidc-name-claim", config.oidc_name_claim, "the claim with the display name")
      ->capture_default_str();
  app.add_option("--oidc-role-claim", config.oidc_role_claim,
                 "the claim with the groups or app roles --oidc-roles maps")
      ->capture_default_str();
  app.add_option("--oidc-urn-claim", config.oidc_urn_claim,
                 "the claim with a headteacher's or chair of governors' school URN(s)");
  app.add_option("--oidc-ca-file", config.oidc_ca_file,
                 "the CA certificates an https provider is checked against")
      ->capture_default_str();
  app.add_option("--session-idle-minutes", config.session_idle_minutes,
                 "a browser session ends after this long without use")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 24.0 * 60));
  app.add_flag("--upgrade-log", config.upgrade_log,
               "rewrite the event log of --data from store format 1 into sections, so that old "
               "records can be redacted; keeps the old log beside it and exits "
               "(docs/data-protection.md)");
  app.add_option("--retention-schedule", config.retention_schedule,
                 "the retention schedules, one '<kind> <years> <from>' per line (docs/"
                 "data-protection.md, deploy/retention.txt); empty: keep everything");
  app.add_option("--retention-every-hours", config.retention_every_hours,
                 "run the retention schedules this often (0: only when asked)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 24.0 * 366));
  app.add_option("--read-audit-days", config.read_audit_days,
                 "keep the record of who read which institution's file this many days (0: "
                 "record no reads)")
      ->capture_default_str()
      ->check(CLI::Range(0, 36500));
  app.add_option("--session-hours", config.session_hours,
                 "a browser session ends this long after sign-in whatever")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 24.0 * 7));
  app.add_option("--review-interval", config.review_interval,
                 "how often each action plan is reviewed (R-10): half-term or term")
      ->capture_default_str()
      ->check(CLI::IsMember({"half-term", "term"}));
  app.add_option("--lead-officer-working-days", config.rules.lead_officer_working_days,
                 "working days after designation to assign a Lead Officer (R-5)")
      ->capture_default_str()
      ->check(CLI::Range(1, 200));
  app.add_option("--action-plan-working-days", config.rules.action_plan_working_days,
                 "working days to agree the action plan: after the Lead Officer's assignment "
                 "(R-9); for a setting, after it is listed (R-21)")
      ->capture_default_str()
      ->check(CLI::Range(1, 200));
  app.add_option("--statement-of-action-working-days",
                 config.rules.statement_of_action_working_days,
                 "working days after the inspection report to issue the Statement of Action (R-13)")
      ->capture_default_str()
      ->check(CLI::Range(1, 200));
  app.add_option("--report-authority", config.report.authority,
                 "the authority's name, as the termly report and the console give it")
      ->capture_default_str();
  app.add_option("--report-protective-marking", config.report.protective_marking,
                 "the protective marking printed on the termly report")
      ->capture_default_str();
  app.add_option("--report-schools-target", config.report.schools,
                 "share of schools Good or better the strategy aims for (0 to 1)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--report-settings-target", config.report.settings,
                 "share of settings Good or better the strategy aims for (0 to 1)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--report-national-benchmark", config.report.national_benchmark,
                 "share of schools Good or better nationally that the schools target is read "
                 "against (\"top 10% nationally\"); 0: not configured")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--srg-decision-working-days", config.rules.srg_decision_working_days,
                 "working days after a concern is raised for the SRG to decide whether to "
                 "designate (R-4)")
      ->capture_default_str()
      ->check(CLI::Range(1, 200));
  app.add_option("--warning-notice-decision-months", config.rules.warning_notice_decision_months,
                 "months a decision not to issue a warning notice closes its flags (R-16)")
      ->capture_default_str()
      ->check(CLI::Range(1, 36));
  app.add_option("--note-of-visit-working-days", config.rules.note_of_visit_working_days,
                 "working days after a visit for the headteacher to agree or dispute the note (R-1)")
      ->capture_default_str()
      ->check(CLI::Range(1, 200));
  app.add_option("--intervention-decision-working-days",
                 config.rules.intervention_decision_working_days,
                 "working days after non-compliance is recorded to decide on intervention (R-18)")
      ->capture_default_str()
      ->check(CLI::Range(1, 200));
  app.add_option("--backup-root", config.backup_root,
                 "where AdminService.BackupLog writes backups (default: DATA/backups)");
  app.add_option("--log-level", config.log_level,
                 "least severe log lines written: debug, info, warn (denied calls), error")
      ->capture_default_str();
  app.add_flag("!--no-access-log", config.access_log,
               "do not log one line per request (denied calls are always logged)");
  app.add_flag("--insecure", config.insecure,
               "allow plaintext gRPC on a non-loopback address (tokens travel unencrypted)");
  app.add_option("--tls-cert", config.tls_cert,
                 "serve TLS with this certificate chain (PEM); deploy/make-dev-ca.sh makes one");
  app.add_option("--tls-key", config.tls_key, "private key (PEM) of --tls-cert");
  app.add_option("--tls-client-ca", config.tls_client_ca,
                 "mutual TLS: clients must present a certificate signed by this CA (PEM)");
  std::string token;
  auto* hash = app.add_subcommand("hash-token", "print the line to add to a tokens file");
  std::string user, role;
  hash->add_option("token", token, "the secret token")->required();
  hash->add_option("user", user, "user id")->required();
  hash->add_option("role", role, "role, e.g. lead_officer")->required();
  std::vector<std::string> display_name;
  hash->add_option("name", display_name, "the user's display name, e.g. Ann Okafor (the directory's)");
  auto* rebuild = app.add_subcommand(
      "rebuild-projections", "rebuild every read model from the event log (server stopped)");
  rebuild->fallthrough();  // accepts --data after the subcommand too
  CLI11_PARSE(app, argc, argv);

  if (*rebuild) return RebuildProjections(config);
  if (config.upgrade_log) return UpgradeEventLog(config);
  if (*hash) {
    if (scc::server::ParseRole(role) == scc::v1::ROLE_UNSPECIFIED) {
      return Fail(absl::StrCat("unknown role '", role, "'"));
    }
    const std::string name = absl::StrJoin(display_name, " ");
    std::printf("%s %s %s%s%s\n", scc::server::HashToken(token).c_str(), user.c_str(),
                role.c_str(), name.empty() ? "" : " ", name.c_str());
    return 0;
  }
  return Serve(config);
}
