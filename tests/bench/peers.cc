#include "tests/bench/peers.h"

#include <arpa/inet.h>
#include <glob.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

extern char** environ;

namespace scc::bench {
namespace {

constexpr int kStreamsPerWorker = 64;

std::string Payload(size_t bytes) {
  std::string payload(bytes, ' ');
  for (size_t i = 0; i < bytes; ++i) payload[i] = static_cast<char>('a' + (i * 7 + i / 13) % 26);
  return payload;
}

absl::Status Run(const std::string& command) {
  const int rc = std::system(command.c_str());
  if (rc != 0) return absl::InternalError(absl::StrCat("`", command, "` failed (", rc, ")"));
  return absl::OkStatus();
}

void Reap(pid_t pid) {
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
}

// The versions of one connection's streams, which only it appends to (a name of their own per
// connection, so each run starts new streams).
class Streams {
 public:
  explicit Streams(int worker)
      : worker_(absl::StrCat(worker, "-", connections_.fetch_add(1))),
        next_(kStreamsPerWorker, 0) {}
  int Pick(uint64_t seq) const { return static_cast<int>(seq % kStreamsPerWorker); }
  std::string Name(int stream) const { return absl::StrCat("institution-", worker_, "-", stream); }
  uint64_t& next_version(int stream) { return next_[stream]; }

 private:
  static inline std::atomic<uint64_t> connections_{0};
  std::string worker_;
  std::vector<uint64_t> next_;
};

// ---- PostgreSQL ------------------------------------------------------------------------------

std::string PostgresBin(const std::string& tool) {
  glob_t found;
  std::string path = "/usr/lib/postgresql/*/bin/" + tool;
  if (glob(path.c_str(), 0, nullptr, &found) == 0 && found.gl_pathc > 0) {
    path = found.gl_pathv[found.gl_pathc - 1];
  }
  globfree(&found);
  return path;
}

// PostgreSQL refuses to run as root: run its tools as the postgres user then.
std::string AsPostgres(const std::string& command) {
  return getuid() == 0 ? "runuser -u postgres -- " + command : command;
}

std::string PostgresConnection(int port) {
  return absl::StrCat("host=127.0.0.1 port=", port, " user=bench dbname=postgres");
}

// One worker's connection, as both PostgreSQL modes use it.
class PostgresWorker : public Appender {
 public:
  PostgresWorker(PGconn* conn, int worker, const std::string* payload)
      : conn_(conn), streams_(worker), payload_(payload) {}
  ~PostgresWorker() override { PQfinish(conn_); }

 protected:
  bool Exec(const char* sql) {
    PGresult* r = PQexec(conn_, sql);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok;
  }
  // The connection's error, after rolling back whatever transaction is open.
  absl::Status Error(const char* what) {
    const std::string error = PQerrorMessage(conn_);
    Exec("ROLLBACK");
    return absl::InternalError(absl::StrCat("postgres ", what, ": ", error));
  }

  PGconn* conn_;
  Streams streams_;
  const std::string* payload_;
};

class PostgresAppender final : public PostgresWorker {
 public:
  using PostgresWorker::PostgresWorker;

  absl::StatusOr<uint64_t> Append(uint64_t seq, int count) override {
    if (count > 1 && !Exec("BEGIN")) return Error("BEGIN");
    for (int i = 0; i < count; ++i) {
      const int s = streams_.Pick(seq * count + i);
      const std::string stream = streams_.Name(s);
      const std::string version = absl::StrCat(streams_.next_version(s));
      const char* values[] = {stream.c_str(), version.c_str(), payload_->data()};
      const int lengths[] = {0, 0, static_cast<int>(payload_->size())};
      const int formats[] = {0, 0, 1};
      PGresult* r = PQexecPrepared(conn_, "append", 3, values, lengths, formats, 0);
      const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK && std::string(PQcmdTuples(r)) == "1";
      PQclear(r);
      if (!ok) return Error("INSERT (version check)");
      ++streams_.next_version(s);
    }
    if (count > 1 && !Exec("COMMIT")) return Error("COMMIT");
    return count;
  }
};

// The whole command in one transaction (PostgresMode::kWholeCommand).
class PostgresCommander final : public PostgresWorker {
 public:
  using PostgresWorker::PostgresWorker;

  absl::StatusOr<uint64_t> Append(uint64_t seq, int count) override {
    for (int i = 0; i < count; ++i) {
      const int s = streams_.Pick(seq * count + i);
      const std::string stream = streams_.Name(s);
      const std::string version = absl::StrCat(streams_.next_version(s));
      if (!Exec("BEGIN")) return Error("BEGIN");
      if (streams_.next_version(s) == 0 && !Prepared("ensure", {stream}, PGRES_COMMAND_OK)) {
        return Error("INSERT state row");
      }
      PGresult* r = Run("lock", {stream});
      const bool locked = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
                          std::string(PQgetvalue(r, 0, 0)) == absl::StrCat(
                              static_cast<int64_t>(streams_.next_version(s)) - 1);
      PQclear(r);
      if (!locked) return Error("SELECT ... FOR UPDATE (the rule: the version decided against)");
      if (!Prepared("insert", {stream, version, *payload_}, PGRES_COMMAND_OK) ||
          !Prepared("save", {stream, version, *payload_}, PGRES_COMMAND_OK) || !Exec("COMMIT")) {
        return Error("INSERT event / UPDATE state / COMMIT");
      }
      ++streams_.next_version(s);
    }
    return count;
  }

 private:
  // Text parameters but for the last of three, the payload, which is bytea.
  PGresult* Run(const char* statement, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    for (size_t i = 0; i < params.size(); ++i) {
      values.push_back(params[i].c_str());
      const bool bytes = params.size() == 3 && i == 2;
      lengths.push_back(bytes ? static_cast<int>(params[i].size()) : 0);
      formats.push_back(bytes ? 1 : 0);
    }
    return PQexecPrepared(conn_, statement, static_cast<int>(params.size()), values.data(),
                          lengths.data(), formats.data(), 0);
  }
  bool Prepared(const char* statement, const std::vector<std::string>& params,
                ExecStatusType want) {
    PGresult* r = Run(statement, params);
    const bool ok = PQresultStatus(r) == want;
    PQclear(r);
    return ok;
  }
};

class Postgres final : public Peer {
 public:
  Postgres(std::string dir, int port, size_t payload_bytes, PostgresMode mode)
      : dir_(std::move(dir)), port_(port), payload_(Payload(payload_bytes)), mode_(mode) {}
  ~Postgres() override {
    Run(AsPostgres(absl::StrCat(PostgresBin("pg_ctl"), " -D ", dir_, "/pgdata -m fast -w stop "
                                                                      ">/dev/null 2>&1")))
        .IgnoreError();  // the benchmark is over; a failed stop leaves a process, not bad data
  }
  std::string name() const override {
    return mode_ == PostgresMode::kAppend ? "PostgreSQL" : "PostgreSQL, whole command";
  }
  uint64_t DiskBytes() const override { return DirectoryBytes(dir_ + "/pgdata"); }

  absl::StatusOr<std::unique_ptr<Appender>> Connect(int worker) override {
    PGconn* conn = PQconnectdb(
        PostgresConnection(port_).c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      const std::string error = PQerrorMessage(conn);
      PQfinish(conn);
      return absl::UnavailableError("postgres connect: " + error);
    }
    const std::vector<std::pair<const char*, const char*>> statements =
        mode_ == PostgresMode::kAppend
            ? std::vector<std::pair<const char*, const char*>>{
                  {"append",
                   "INSERT INTO events (stream, version, type, data) SELECT $1, $2, "
                   "'visit_recorded', $3 WHERE COALESCE((SELECT max(version) FROM events WHERE "
                   "stream = $1), -1) = $2::bigint - 1"}}
            : std::vector<std::pair<const char*, const char*>>{
                  {"ensure",
                   "INSERT INTO institutions (stream, version, state) VALUES ($1, -1, "
                   "''::bytea) ON CONFLICT (stream) DO NOTHING"},
                  {"lock", "SELECT version FROM institutions WHERE stream = $1 FOR UPDATE"},
                  {"insert",
                   "INSERT INTO events (stream, version, type, data) VALUES ($1, $2, "
                   "'visit_recorded', $3)"},
                  {"save", "UPDATE institutions SET version = $2, state = $3 WHERE stream = $1"}};
    for (const auto& [name, sql] : statements) {
      PGresult* r = PQprepare(conn, name, sql, 0, nullptr);
      const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
      if (!ok) {
        const std::string error = PQerrorMessage(conn);
        PQfinish(conn);
        return absl::InternalError("postgres prepare: " + error);
      }
    }
    if (mode_ == PostgresMode::kWholeCommand) {
      return std::make_unique<PostgresCommander>(conn, worker, &payload_);
    }
    return std::make_unique<PostgresAppender>(conn, worker, &payload_);
  }

 private:
  std::string dir_;
  int port_;
  std::string payload_;
  PostgresMode mode_;
};

// ---- Redis -----------------------------------------------------------------------------------

// Appends to the stream only if it holds exactly ARGV[1] entries (the expected version).
constexpr char kRedisAppend[] =
    "local n = redis.call('XLEN', KEYS[1]) "
    "if n ~= tonumber(ARGV[1]) then return redis.error_reply('WRONGVERSION ' .. n) end "
    "return redis.call('XADD', KEYS[1], '*', 'type', ARGV[2], 'data', ARGV[3])";

class RedisAppender final : public Appender {
 public:
  RedisAppender(redisContext* ctx, std::string sha, int worker, const std::string* payload)
      : ctx_(ctx), sha_(std::move(sha)), streams_(worker), payload_(payload) {}
  ~RedisAppender() override { redisFree(ctx_); }

  absl::StatusOr<uint64_t> Append(uint64_t seq, int count) override {
    std::vector<int> picked;
    for (int i = 0; i < count; ++i) {
      const int s = streams_.Pick(seq * count + i);
      const std::string stream = streams_.Name(s);
      const std::string version = absl::StrCat(streams_.next_version(s)++);
      const char* argv[] = {"EVALSHA", sha_.c_str(), "1", stream.c_str(), version.c_str(),
                            "visit_recorded", payload_->data()};
      const size_t lengths[] = {7, sha_.size(), 1, stream.size(), version.size(), 14,
                                payload_->size()};
      redisAppendCommandArgv(ctx_, 7, argv, lengths);
    }
    absl::Status status;
    for (int i = 0; i < count; ++i) {
      void* reply = nullptr;
      if (redisGetReply(ctx_, &reply) != REDIS_OK || reply == nullptr) {
        return absl::UnavailableError(absl::StrCat("redis: ", ctx_->errstr));
      }
      auto* r = static_cast<redisReply*>(reply);
      if (r->type == REDIS_REPLY_ERROR && status.ok()) {
        status = absl::InternalError(absl::StrCat("redis: ", std::string(r->str, r->len)));
      }
      freeReplyObject(r);
    }
    if (!status.ok()) return status;
    return count;
  }

 private:
  redisContext* ctx_;
  std::string sha_;
  Streams streams_;
  const std::string* payload_;
};

class Redis final : public Peer {
 public:
  Redis(std::string dir, int port, pid_t pid, size_t payload_bytes)
      : dir_(std::move(dir)), port_(port), pid_(pid), payload_(Payload(payload_bytes)) {}
  ~Redis() override { Reap(pid_); }
  std::string name() const override { return "Redis"; }
  uint64_t DiskBytes() const override { return DirectoryBytes(dir_); }

  absl::StatusOr<std::unique_ptr<Appender>> Connect(int worker) override {
    redisContext* ctx = redisConnect("127.0.0.1", port_);
    if (ctx == nullptr || ctx->err) {
      const std::string error = ctx ? ctx->errstr : "out of memory";
      if (ctx) redisFree(ctx);
      return absl::UnavailableError("redis connect: " + error);
    }
    auto* r = static_cast<redisReply*>(redisCommand(ctx, "SCRIPT LOAD %s", kRedisAppend));
    if (r == nullptr || r->type != REDIS_REPLY_STRING) {
      if (r) freeReplyObject(r);
      redisFree(ctx);
      return absl::InternalError("redis SCRIPT LOAD failed");
    }
    std::string sha(r->str, r->len);
    freeReplyObject(r);
    return std::make_unique<RedisAppender>(ctx, std::move(sha), worker, &payload_);
  }

 private:
  std::string dir_;
  int port_;
  pid_t pid_;
  std::string payload_;
};

// ---- RocksDB ---------------------------------------------------------------------------------

class RocksDbAppender final : public Appender {
 public:
  RocksDbAppender(rocksdb::DB* db, std::atomic<uint64_t>* position, int worker,
                  const std::string* payload)
      : db_(db), position_(position), streams_(worker), payload_(payload) {}

  absl::StatusOr<uint64_t> Append(uint64_t seq, int count) override {
    rocksdb::WriteBatch batch;
    const uint64_t first = position_->fetch_add(count);
    for (int i = 0; i < count; ++i) {
      const int s = streams_.Pick(seq * count + i);
      const uint64_t position = htobe64(first + i);
      batch.Put(rocksdb::Slice(reinterpret_cast<const char*>(&position), sizeof(position)),
                *payload_);
      batch.Put(streams_.Name(s), absl::StrCat(streams_.next_version(s)++));
    }
    rocksdb::WriteOptions sync;
    sync.sync = true;
    const rocksdb::Status status = db_->Write(sync, &batch);
    if (!status.ok()) return absl::UnavailableError("rocksdb: " + status.ToString());
    return count;
  }

 private:
  rocksdb::DB* db_;
  std::atomic<uint64_t>* position_;
  Streams streams_;
  const std::string* payload_;
};

class RocksDb final : public Peer {
 public:
  RocksDb(std::string dir, std::unique_ptr<rocksdb::DB> db, size_t payload_bytes)
      : dir_(std::move(dir)), db_(std::move(db)), payload_(Payload(payload_bytes)) {}
  std::string name() const override { return "RocksDB WriteBatch"; }
  uint64_t DiskBytes() const override { return DirectoryBytes(dir_); }
  absl::StatusOr<std::unique_ptr<Appender>> Connect(int worker) override {
    return std::make_unique<RocksDbAppender>(db_.get(), &position_, worker, &payload_);
  }

 private:
  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::atomic<uint64_t> position_{0};
  std::string payload_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ChildServer>> ChildServer::Start(std::vector<std::string> args) {
  int out[2];
  if (pipe(out) != 0) return absl::InternalError("pipe() failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    return absl::UnavailableError(absl::StrCat("cannot start ", args[0]));
  }
  std::string line;
  char c = 0;
  while (read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  close(out[0]);
  const std::string kPrefix = "listening on ";
  if (line.rfind(kPrefix, 0) != 0) {
    Reap(pid);
    return absl::UnavailableError(absl::StrCat(args[0], " did not start: '", line, "'"));
  }
  return std::unique_ptr<ChildServer>(new ChildServer(pid, line.substr(kPrefix.size())));
}

ChildServer::~ChildServer() { Reap(pid_); }

absl::StatusOr<int> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  if (!ok) return absl::InternalError("no free loopback port");
  return ntohs(addr.sin_port);
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

absl::StatusOr<std::unique_ptr<Peer>> StartPostgres(const std::string& dir, size_t payload_bytes,
                                                    int max_connections, PostgresMode mode) {
  absl::StatusOr<int> port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  std::filesystem::create_directories(dir);
  if (getuid() == 0) {
    // The postgres user must reach the directory through its (private) parent.
    const std::string parent = std::filesystem::path(dir).parent_path();
    if (absl::Status s = Run("chmod a+x " + parent + " && chown -R postgres " + dir); !s.ok()) {
      return s;
    }
  }
  const std::string data = dir + "/pgdata";
  if (absl::Status s = Run(AsPostgres(absl::StrCat(PostgresBin("initdb"), " -D ", data,
                                                   " -A trust -U bench -E UTF8 >", dir,
                                                   "/initdb.log 2>&1")));
      !s.ok()) {
    return s;
  }
  if (absl::Status s = Run(AsPostgres(absl::StrCat(
          PostgresBin("pg_ctl"), " -D ", data, " -l ", dir, "/postgres.log -w -o \"",
          "-c listen_addresses=127.0.0.1 -p ", *port, " -c unix_socket_directories=", dir,
          " -c fsync=on -c synchronous_commit=on -c max_connections=", max_connections + 10,
          " -c shared_buffers=256MB\" start >/dev/null")));
      !s.ok()) {
    return s;
  }
  auto peer = std::make_unique<Postgres>(dir, *port, payload_bytes, mode);
  PGconn* conn = PQconnectdb(
      PostgresConnection(*port).c_str());
  PGresult* r = PQexec(conn,
                       "CREATE TABLE events (position bigserial PRIMARY KEY, stream text NOT NULL, "
                       "version bigint NOT NULL, type text NOT NULL, data bytea NOT NULL, "
                       "UNIQUE (stream, version)); CREATE TABLE institutions (stream text "
                       "PRIMARY KEY, version bigint NOT NULL, state bytea NOT NULL)");
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  const std::string error = PQerrorMessage(conn);
  PQclear(r);
  PQfinish(conn);
  if (!ok) return absl::InternalError("postgres schema: " + error);
  return peer;
}

absl::StatusOr<std::unique_ptr<Peer>> StartRedis(const std::string& dir, size_t payload_bytes) {
  absl::StatusOr<int> port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  std::filesystem::create_directories(dir);
  std::vector<std::string> args = {"redis-server", "--port", absl::StrCat(*port), "--bind",
                                   "127.0.0.1", "--dir", dir, "--appendonly", "yes",
                                   "--appendfsync", "always", "--save", "", "--logfile",
                                   dir + "/redis.log", "--daemonize", "no"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, "redis-server", nullptr, nullptr, argv.data(), environ) != 0) {
    return absl::UnavailableError("cannot start redis-server (is it installed?)");
  }
  auto peer = std::make_unique<Redis>(dir, *port, pid, payload_bytes);
  // Ready when it answers; a benchmark may poll.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (true) {
    redisContext* ctx = redisConnect("127.0.0.1", *port);
    bool up = false;
    if (ctx != nullptr && !ctx->err) {
      auto* r = static_cast<redisReply*>(redisCommand(ctx, "PING"));
      up = r != nullptr && r->type == REDIS_REPLY_STATUS;
      if (r) freeReplyObject(r);
    }
    if (ctx) redisFree(ctx);
    if (up) return peer;
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError("redis-server did not answer within 20 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

absl::StatusOr<std::unique_ptr<Peer>> OpenRocksDb(const std::string& dir, size_t payload_bytes) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  const rocksdb::Status status = rocksdb::DB::Open(options, dir, &db);
  if (!status.ok()) return absl::UnavailableError("rocksdb: " + status.ToString());
  return std::make_unique<RocksDb>(dir, std::unique_ptr<rocksdb::DB>(db), payload_bytes);
}

}  // namespace scc::bench
