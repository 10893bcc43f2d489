// PgConnection: one libpq connection to PostgreSQL, with statements run with parameters and
// binary results, and the errors mapped to absl statuses an operator can read. Not thread-safe:
// one thread uses a connection at a time (PgPool lends them out). Results own their memory and
// outlive the call; their views are valid while the PgResult is.
#ifndef SCC_STORAGE_PG_CONNECTION_H_
#define SCC_STORAGE_PG_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

struct pg_conn;
struct pg_result;

namespace scc::storage {

// A parameter of a statement: text (bigint, text, booleans as PostgreSQL spells them) or binary
// (bytea, arrays built with PgArray).
struct PgParam {
  std::string value;
  bool binary = false;
  static PgParam Text(std::string v) { return PgParam{std::move(v), false}; }
  static PgParam Int(int64_t v);
  static PgParam Bytes(std::string v) { return PgParam{std::move(v), true}; }
};

// A one-dimensional array in PostgreSQL's binary form: of bytea (`elements` as they are) or of
// bigint.
std::string PgByteaArray(const std::vector<std::string>& elements);
std::string PgBigintArray(const std::vector<int64_t>& elements);

class PgResult {
 public:
  explicit PgResult(pg_result* result) : result_(result) {}
  ~PgResult();
  PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgResult& operator=(PgResult&&) = delete;
  PgResult(const PgResult&) = delete;

  int rows() const;
  bool IsNull(int row, int column) const;
  // The binary value of a column.
  absl::string_view Bytes(int row, int column) const;
  int64_t Int(int row, int column) const;  // a bigint column (binary: 8 bytes big-endian)
  bool Bool(int row, int column) const;
  // The number of rows an INSERT, UPDATE or DELETE touched.
  int64_t Affected() const;

 private:
  pg_result* result_;
};

class PgConnection {
 public:
  // Connects with `uri` (libpq's URI or key=value form). kUnavailable, with libpq's reason,
  // when the database cannot be reached.
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(const std::string& uri);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement with binary results, prepared on this connection the first time. Errors: kUnavailable when the connection is lost
  // (broken() is then true), kAlreadyExists for a unique violation, kFailedPrecondition for
  // other refusals by the database; each names `what` and the database's message.
  absl::StatusOr<PgResult> Exec(absl::string_view what, const std::string& sql,
                                const std::vector<PgParam>& params = {});
  // Runs statements without parameters or results (BEGIN, COMMIT, LISTEN, ...).
  absl::Status Run(absl::string_view what, const std::string& sql);

  // True once the connection is lost; a broken connection is dropped, not reused.
  bool broken() const;
  // Waits up to `timeout` for notifications (LISTEN), or until `wake_fd` (if >= 0) is readable,
  // and returns how many notifications arrived; kUnavailable when the connection is lost.
  absl::StatusOr<int> AwaitNotifications(absl::Duration timeout, int wake_fd);

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  absl::Status Error(absl::string_view what, pg_result* result);

  pg_conn* conn_;
  // Statements prepared on this connection (each is parsed and planned once): SQL -> name.
  absl::flat_hash_map<std::string, std::string> prepared_;
};

// Connections for reads, made on demand up to `size` and lent to one caller at a time.
// Thread-safe. A connection handed back broken is dropped.
class PgPool {
 public:
  PgPool(std::string uri, int size) : uri_(std::move(uri)), size_(size) {}

  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    ~Lease();
    Lease(Lease&&) = default;
    PgConnection& operator*() const { return *conn_; }
    PgConnection* operator->() const { return conn_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  // A connection, waiting while all `size` are lent; kUnavailable when none can be made.
  absl::StatusOr<Lease> Acquire();

 private:
  void Release(std::unique_ptr<PgConnection> conn);

  const std::string uri_;
  const int size_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<PgConnection>> idle_ ABSL_GUARDED_BY(mu_);
  int lent_ ABSL_GUARDED_BY(mu_) = 0;
};

// Runs `read` with a pooled connection, once more with a fresh one if the first was lost (the
// database failed over between reads).
template <typename Fn>
auto WithRetry(PgPool& pool, Fn read) -> decltype(read(std::declval<PgConnection&>())) {
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<PgPool::Lease> lease = pool.Acquire();
    if (!lease.ok()) return lease.status();
    auto result = read(**lease);
    if (result.ok() || !(*lease)->broken() || attempt == 1) return result;
  }
}

}  // namespace scc::storage

#endif  // SCC_STORAGE_PG_CONNECTION_H_
