#include "storage/pg_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cstring>
#include <utility>

#include "absl/base/internal/endian.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"

namespace scc::storage {
namespace {

constexpr uint32_t kByteaOid = 17;
constexpr uint32_t kBigintOid = 20;

void PutBigEndian32(std::string& out, uint32_t v) {
  const uint32_t be = absl::ghtonl(v);
  out.append(reinterpret_cast<const char*>(&be), 4);
}

void PutBigEndian64(std::string& out, uint64_t v) {
  const uint64_t be = absl::ghtonll(v);
  out.append(reinterpret_cast<const char*>(&be), 8);
}

// ndim, has-null flag, element type, then the one dimension's length and lower bound.
std::string ArrayHeader(uint32_t oid, size_t count) {
  std::string out;
  PutBigEndian32(out, 1);
  PutBigEndian32(out, 0);
  PutBigEndian32(out, oid);
  PutBigEndian32(out, static_cast<uint32_t>(count));
  PutBigEndian32(out, 1);
  return out;
}

// libpq's message on one line (it puts each host's failure on a line of its own).
std::string OneLine(absl::string_view message) {
  return absl::StrReplaceAll(absl::StripTrailingAsciiWhitespace(message),
                             {{"\n\t", " "}, {"\n", "; "}});
}

std::string Message(pg_conn* conn) { return OneLine(PQerrorMessage(conn)); }

}  // namespace

PgParam PgParam::Int(int64_t v) { return PgParam{absl::StrCat(v), false}; }

std::string PgByteaArray(const std::vector<std::string>& elements) {
  std::string out = ArrayHeader(kByteaOid, elements.size());
  for (const std::string& e : elements) {
    PutBigEndian32(out, static_cast<uint32_t>(e.size()));
    out.append(e);
  }
  return out;
}

std::string PgBigintArray(const std::vector<int64_t>& elements) {
  std::string out = ArrayHeader(kBigintOid, elements.size());
  for (const int64_t e : elements) {
    PutBigEndian32(out, 8);
    PutBigEndian64(out, static_cast<uint64_t>(e));
  }
  return out;
}

PgResult::~PgResult() {
  if (result_ != nullptr) PQclear(result_);
}

int PgResult::rows() const { return PQntuples(result_); }

bool PgResult::IsNull(int row, int column) const { return PQgetisnull(result_, row, column); }

absl::string_view PgResult::Bytes(int row, int column) const {
  return absl::string_view(PQgetvalue(result_, row, column), PQgetlength(result_, row, column));
}

int64_t PgResult::Int(int row, int column) const {
  uint64_t be = 0;
  if (PQgetlength(result_, row, column) != 8) return 0;
  std::memcpy(&be, PQgetvalue(result_, row, column), 8);
  return static_cast<int64_t>(absl::gntohll(be));
}

bool PgResult::Bool(int row, int column) const {
  return PQgetlength(result_, row, column) == 1 && PQgetvalue(result_, row, column)[0] != 0;
}

int64_t PgResult::Affected() const {
  const char* n = PQcmdTuples(result_);
  return n == nullptr || *n == '\0' ? 0 : std::strtoll(n, nullptr, 10);
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& uri) {
  pg_conn* conn = PQconnectdb(uri.c_str());
  if (conn == nullptr) return absl::ResourceExhaustedError("libpq could not allocate a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string error = Message(conn);
    PQfinish(conn);
    return absl::UnavailableError(
        absl::StrCat("the PostgreSQL database cannot be reached: ", error));
  }
  // The server's notices (NOTICE: ... already exists, skipping) are not for the operator.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

absl::Status PgConnection::Error(absl::string_view what, pg_result* result) {
  const std::string message =
      result != nullptr && *PQresultErrorMessage(result) != '\0'
          ? OneLine(PQresultErrorMessage(result))
          : Message(conn_);
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state != nullptr ? state : "";
  if (result != nullptr) PQclear(result);
  const std::string text = absl::StrCat(what, ": ", message);
  // Class 08: connection exceptions; 57P: the server is shutting down or was cancelled; 25006:
  // a read-only transaction (the server is a standby now).
  if (broken() || sqlstate.rfind("08", 0) == 0 || sqlstate.rfind("57P", 0) == 0 ||
      sqlstate == "25006" || sqlstate.empty()) {
    return absl::UnavailableError(absl::StrCat("the PostgreSQL database is unavailable: ", text));
  }
  if (sqlstate == "23505") return absl::AlreadyExistsError(text);
  return absl::FailedPreconditionError(text);
}

absl::StatusOr<PgResult> PgConnection::Exec(absl::string_view what, const std::string& sql,
                                            const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const PgParam& p : params) {
    values.push_back(p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  auto statement = prepared_.find(sql);
  if (statement == prepared_.end()) {
    const std::string name = absl::StrCat("s", prepared_.size());
    pg_result* made =
        PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(params.size()), nullptr);
    if (made == nullptr || PQresultStatus(made) != PGRES_COMMAND_OK) return Error(what, made);
    PQclear(made);
    statement = prepared_.emplace(sql, name).first;
  }
  // Text parameters must be NUL-terminated: PgParam's strings are.
  pg_result* result =
      PQexecPrepared(conn_, statement->second.c_str(), static_cast<int>(params.size()),
                     values.data(), lengths.data(), formats.data(), 1);
  const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return Error(what, result);
  return PgResult(result);
}

absl::Status PgConnection::Run(absl::string_view what, const std::string& sql) {
  pg_result* result = PQexec(conn_, sql.c_str());
  const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return Error(what, result);
  PQclear(result);
  return absl::OkStatus();
}

absl::StatusOr<int> PgConnection::AwaitNotifications(absl::Duration timeout, int wake_fd) {
  pollfd fds[2] = {{PQsocket(conn_), POLLIN, 0}, {wake_fd, POLLIN, 0}};
  if (fds[0].fd < 0) return absl::UnavailableError("the PostgreSQL connection is closed");
  const int polled = poll(fds, wake_fd >= 0 ? 2 : 1,
                          static_cast<int>(absl::ToInt64Milliseconds(timeout)));
  if (polled < 0) return absl::UnavailableError("waiting for PostgreSQL notifications failed");
  const bool ready = (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
  if (ready && PQconsumeInput(conn_) == 0) {
    return absl::UnavailableError(
        absl::StrCat("the PostgreSQL database is unavailable: ", Message(conn_)));
  }
  int count = 0;
  while (PGnotify* n = PQnotifies(conn_)) {
    PQfreemem(n);
    ++count;
  }
  if (ready && count == 0 && broken()) {
    return absl::UnavailableError("the PostgreSQL connection was closed");
  }
  return count;
}

PgPool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->Release(std::move(conn_));
}

absl::StatusOr<PgPool::Lease> PgPool::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](PgPool* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) {
          return !p->idle_.empty() || p->lent_ < p->size_;
        },
        this));
    ++lent_;
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
  }
  absl::StatusOr<std::unique_ptr<PgConnection>> conn = PgConnection::Connect(uri_);
  if (!conn.ok()) {
    absl::MutexLock lock(&mu_);
    --lent_;
    return conn.status();
  }
  return Lease(this, *std::move(conn));
}

void PgPool::Release(std::unique_ptr<PgConnection> conn) {
  absl::MutexLock lock(&mu_);
  --lent_;
  if (!conn->broken()) idle_.push_back(std::move(conn));
}

}  // namespace scc::storage
