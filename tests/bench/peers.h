// The systems a user might pick instead of sccd, set up by the benchmark itself at the same
// durability (every acknowledged append is fsync'ed): PostgreSQL, Redis, raw RocksDB, and a
// gRPC server that does nothing (the ceiling of an RPC server built with the same gRPC).
//
// Each peer appends an event of `payload_bytes` to a stream with an expected-version check, as
// an event store must. A worker owns its streams and knows their versions, so a check fails
// only if the peer is wrong. Not thread-safe: one Appender per worker thread.
#ifndef SCC_TESTS_BENCH_PEERS_H_
#define SCC_TESTS_BENCH_PEERS_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace scc::bench {

// Appends `count` events to the worker's streams in one round trip (count 1: unary).
class Appender {
 public:
  virtual ~Appender() = default;
  // Returns the events durably appended.
  virtual absl::StatusOr<uint64_t> Append(uint64_t seq, int count) = 0;
};

// A started peer; stops (and removes nothing: the caller owns the directory) when destroyed.
class Peer {
 public:
  virtual ~Peer() = default;
  virtual std::string name() const = 0;
  // A connection for `worker`.
  virtual absl::StatusOr<std::unique_ptr<Appender>> Connect(int worker) = 0;
  // Bytes the peer's files take on disk.
  virtual uint64_t DiskBytes() const = 0;
};

// What a PostgreSQL peer does per append.
enum class PostgresMode {
  // One INSERT with the version check in its own transaction: an append-only event store.
  kAppend,
  // The whole command as a typical web application on PostgreSQL runs it, one transaction:
  // read the institution's state row FOR UPDATE, check the rule (the version the caller
  // decided against), insert the event, write the new state row, commit.
  kWholeCommand,
};

// PostgreSQL 15 in `dir` (initdb, synchronous_commit=on, fsync=on); unique (stream, version);
// a global sequence. Named "PostgreSQL" (kAppend) or "PostgreSQL, whole command".
absl::StatusOr<std::unique_ptr<Peer>> StartPostgres(const std::string& dir, size_t payload_bytes,
                                                    int max_connections,
                                                    PostgresMode mode = PostgresMode::kAppend);

// Redis 7 in `dir` with appendonly yes and appendfsync always; XADD per stream through a Lua
// script that checks the expected version (XLEN). A batch is pipelined.
absl::StatusOr<std::unique_ptr<Peer>> StartRedis(const std::string& dir, size_t payload_bytes);

// RocksDB in `dir`: one WriteBatch per append (event under its global position plus the
// stream's head), written with sync=true. The storage ceiling.
absl::StatusOr<std::unique_ptr<Peer>> OpenRocksDb(const std::string& dir, size_t payload_bytes);

// A server program started as a child process that prints "listening on HOST:PORT" on its
// first line of output; killed (SIGTERM) and reaped when destroyed.
class ChildServer {
 public:
  static absl::StatusOr<std::unique_ptr<ChildServer>> Start(std::vector<std::string> argv);
  ~ChildServer();
  const std::string& address() const { return address_; }

 private:
  ChildServer(pid_t pid, std::string address) : pid_(pid), address_(std::move(address)) {}
  pid_t pid_;
  std::string address_;
};

// A free TCP port on 127.0.0.1 (bound and released; good enough for a benchmark).
absl::StatusOr<int> FreeLoopbackPort();

// Total size of the files below `dir`.
uint64_t DirectoryBytes(const std::string& dir);

}  // namespace scc::bench

#endif  // SCC_TESTS_BENCH_PEERS_H_
