#include "services/server/http_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "httplib.h"

namespace scc::server {
namespace {

// The numeric address and port of a socket's peer (`peer`) or of its own end.
void AddressOf(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  const int got = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length)
                       : getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ip.clear();
  port = -1;
  if (got != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    if (inet_ntop(AF_INET, &v4.sin_addr, text, sizeof(text)) != nullptr) ip = text;
    port = ntohs(v4.sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    if (inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof(text)) != nullptr) ip = text;
    port = ntohs(v6.sin6_port);
  }
}

// httplib's worker queue, and the connections its threads serve. A thread per connection, at
// most `max_threads`, started as needed and kept for the next. When a connection is queued and no
// thread is free, the one that has waited longest for a request (idle between requests, or still
// sending its headers) is closed to free its thread, one for each queued connection; the
// connections queued are then served in turn. At most `max_per_address` connections from one
// address are admitted. Thread-safe. A socket is shut down (never closed) here, and only while
// its connection is registered, so a descriptor number reused after close is never touched.
// shutdown() (httplib's, when its loop ends) closes the waiting connections, lets the others
// finish and joins every thread.
class ConnectionPool : public httplib::TaskQueue {
 public:
  struct Connection {
    int fd;
    std::string address;
    bool waiting = true;      // for a request; guarded by the pool's mutex
    absl::Time since;         // when it began waiting; guarded by the pool's mutex
    bool closed = false;      // shut down here; guarded by the pool's mutex
    bool displaced = false;   // closed to free its thread; guarded by the pool's mutex
    bool close_after_answer = false;  // only its serving thread (CloseAfterAnswer) uses it
  };

  ConnectionPool(size_t max_threads, size_t max_per_address)
      : max_threads_(max_threads), max_per_address_(max_per_address) {}

  void enqueue(std::function<void()> job) override {
    absl::MutexLock lock(&mu_);
    jobs_.push_back(std::move(job));
    Rebalance();
  }

  void shutdown() override {
    std::vector<std::thread> threads;
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      for (Connection& c : connections_) {
        if (c.waiting) Close(c);
      }
      threads.swap(threads_);
    }
    for (std::thread& t : threads) t.join();
  }

  // Registers the connection on `fd`, waiting; null when its address has its most already.
  Connection* Admit(int fd) {
    std::string address;
    int port = 0;
    AddressOf(fd, true, address, port);
    absl::MutexLock lock(&mu_);
    size_t& count = per_address_[address];
    if (count >= max_per_address_) return nullptr;
    ++count;
    connections_.push_back(Connection{fd, address, true, absl::Now()});
    Rebalance();
    return &connections_.back();
  }

  void Leave(Connection* connection) {
    absl::MutexLock lock(&mu_);
    auto it = per_address_.find(connection->address);
    if (--it->second == 0) per_address_.erase(it);
    if (connection->displaced) --displacing_;
    connections_.remove_if([connection](const Connection& c) { return &c == connection; });
  }

  // Marks the connection as waiting for a request (it may be closed to free its thread) or not.
  // Once the server stops, a connection that starts waiting is closed at once. False when the
  // connection was closed here: its thread must end it.
  bool SetWaiting(Connection* connection, bool waiting) {
    absl::MutexLock lock(&mu_);
    if (connection->closed) return false;
    connection->waiting = waiting;
    connection->since = absl::Now();
    if (!waiting) return true;
    if (stopping_) {
      Close(*connection);
      return false;
    }
    Rebalance();
    return true;
  }

 private:
  void Work() {
    absl::MutexLock lock(&mu_);
    for (;;) {
      mu_.Await(absl::Condition(this, &ConnectionPool::HasWorkOrStopping));
      if (jobs_.empty()) return;  // stopping
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      --idle_;
      mu_.Unlock();
      job();
      mu_.Lock();
      ++idle_;
    }
  }

  bool HasWorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !jobs_.empty() || stopping_;
  }

  // Finds a thread for each queued connection: a free one, a new one, or one freed by closing
  // the longest-waiting connection.
  void Rebalance() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (!stopping_ && jobs_.size() > idle_ + displacing_) {
      if (threads_.size() < max_threads_) {
        ++idle_;
        threads_.emplace_back([this] { Work(); });
        continue;
      }
      Connection* longest = nullptr;
      for (Connection& c : connections_) {
        if (c.waiting && (longest == nullptr || c.since < longest->since)) longest = &c;
      }
      if (longest == nullptr) return;  // each thread is answering: the queue waits
      longest->displaced = true;
      ++displacing_;
      Close(*longest);
    }
  }

  // Its serving thread's next read ends; the thread then closes the socket.
  void Close(Connection& c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    c.waiting = false;
    c.closed = true;
    ::shutdown(c.fd, SHUT_RDWR);
  }

  const size_t max_threads_;
  const size_t max_per_address_;
  mutable absl::Mutex mu_;
  std::list<std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  size_t idle_ ABSL_GUARDED_BY(mu_) = 0;        // threads free, or started and not yet waiting
  size_t displacing_ ABSL_GUARDED_BY(mu_) = 0;  // connections closed to free their threads
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, size_t> per_address_ ABSL_GUARDED_BY(mu_);
  std::list<Connection> connections_ ABSL_GUARDED_BY(mu_);
};

// The connection the calling thread serves, for CloseAfterAnswer.
thread_local ConnectionPool::Connection* serving = nullptr;

// Connections the kernel completes and holds for accept (capped by net.core.somaxconn).
constexpr int kListenBacklog = 1024;

// The most bytes of a request line and headers read (httplib allows 8 KiB for each line).
constexpr size_t kMaxHeaderBytes = 64 << 10;

// One connection's socket, plain or TLS (`ssl` not null), made non-blocking, whose reads end at
// the present deadline or budget of bytes; a request that reaches either is cut off. Used by the
// one thread serving the connection.
class DeadlineStream : public httplib::Stream {
 public:
  DeadlineStream(int fd, SSL* ssl, absl::Duration read_timeout, absl::Duration write_timeout)
      : fd_(fd), ssl_(ssl), read_timeout_(read_timeout), write_timeout_(write_timeout) {
    const int flags = fcntl(fd_, F_GETFL, 0);
    if (flags >= 0) fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
  }

  // Reads from now on end at `deadline`, and fail once they have returned `budget` bytes.
  void Limit(absl::Time deadline, size_t budget) {
    deadline_ = deadline;
    budget_ = budget;
  }
  // Whether a read reached the deadline or the budget, or a write failed: the connection must
  // serve no further request.
  bool cut_off() const { return cut_off_; }

  // The TLS handshake, within the deadline.
  bool Handshake() {
    for (;;) {
      const int done = SSL_accept(ssl_);
      if (done == 1) return true;
      if (!AwaitTls(done, deadline_)) return false;
    }
  }

  // Whether a request's first byte arrives before `until`.
  bool AwaitRequest(absl::Time until) {
    if (buffered_ < filled_ || (ssl_ != nullptr && SSL_pending(ssl_) > 0)) return true;
    return Await(POLLIN, until);
  }

  bool is_readable() const override {
    if (buffered_ < filled_ || (ssl_ != nullptr && SSL_pending(ssl_) > 0)) return true;
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, Millis(ReadUntil())) > 0;
  }

  bool is_writable() const override {
    pollfd p{fd_, POLLOUT, 0};
    return poll(&p, 1, Millis(absl::Now() + write_timeout_)) > 0;
  }

  ssize_t read(char* ptr, size_t size) override {
    if (budget_ == 0) {
      cut_off_ = true;
      return -1;
    }
    const ssize_t n = ssl_ != nullptr ? ReadTls(ptr, std::min(size, budget_))
                                      : ReadPlain(ptr, std::min(size, budget_));
    if (n > 0) budget_ -= static_cast<size_t>(n);
    return n;
  }

  ssize_t write(const char* ptr, size_t size) override {
    const int length = static_cast<int>(std::min<size_t>(size, INT_MAX));
    for (;;) {
      const absl::Time until = absl::Now() + write_timeout_;
      if (ssl_ != nullptr) {
        const int n = SSL_write(ssl_, ptr, length);
        if (n > 0) return n;
        if (!AwaitTls(n, until)) break;
      } else {
        const ssize_t n = ::send(fd_, ptr, static_cast<size_t>(length), MSG_NOSIGNAL);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        if ((errno != EAGAIN && errno != EWOULDBLOCK) || !Await(POLLOUT, until)) break;
      }
    }
    cut_off_ = true;  // httplib does not always look at what a write returned
    return -1;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(fd_, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(fd_, false, ip, port);
  }
  socket_t socket() const override { return fd_; }

 private:
  static int Millis(absl::Time until) {
    return static_cast<int>(std::clamp<int64_t>(
        absl::ToInt64Milliseconds(until - absl::Now()), 0, INT_MAX));
  }

  absl::Time ReadUntil() const { return std::min(deadline_, absl::Now() + read_timeout_); }

  // Waits for `events` until `until`; on the deadline's passing, remembers it.
  bool Await(short events, absl::Time until) {
    for (;;) {
      pollfd p{fd_, events, 0};
      const int ready = poll(&p, 1, Millis(until));
      if (ready > 0) return true;
      if (ready < 0 && errno == EINTR) continue;
      if (absl::Now() >= deadline_) cut_off_ = true;
      return false;
    }
  }

  // After a TLS call returned `result` <= 0: waits for what it needs; false when it failed.
  bool AwaitTls(int result, absl::Time until) {
    switch (SSL_get_error(ssl_, result)) {
      case SSL_ERROR_WANT_READ: return Await(POLLIN, until);
      case SSL_ERROR_WANT_WRITE: return Await(POLLOUT, until);
      default: return false;
    }
  }

  ssize_t ReadTls(char* ptr, size_t size) {
    const int length = static_cast<int>(std::min<size_t>(size, INT_MAX));
    for (;;) {
      const int n = SSL_read(ssl_, ptr, length);
      if (n > 0) return n;
      if (SSL_get_error(ssl_, n) == SSL_ERROR_ZERO_RETURN) return 0;
      if (!AwaitTls(n, ReadUntil())) return -1;
    }
  }

  // Plain reads go through a buffer: httplib reads request lines a byte at a time.
  ssize_t ReadPlain(char* ptr, size_t size) {
    while (buffered_ == filled_) {
      const ssize_t n = ::recv(fd_, buffer_, sizeof(buffer_), 0);
      if (n > 0) {
        buffered_ = 0;
        filled_ = static_cast<size_t>(n);
      } else if (n == 0) {
        return 0;
      } else if (errno == EINTR) {
        continue;
      } else if ((errno != EAGAIN && errno != EWOULDBLOCK) || !Await(POLLIN, ReadUntil())) {
        return -1;
      }
    }
    const size_t n = std::min(size, filled_ - buffered_);
    std::memcpy(ptr, buffer_ + buffered_, n);
    buffered_ += n;
    return static_cast<ssize_t>(n);
  }

  const int fd_;
  SSL* const ssl_;
  const absl::Duration read_timeout_, write_timeout_;
  absl::Time deadline_ = absl::InfiniteFuture();
  size_t budget_ = kMaxHeaderBytes;
  bool cut_off_ = false;
  char buffer_[4096];
  size_t buffered_ = 0, filled_ = 0;
};

// After an answer given without reading its request to the end: ends the sending side and reads
// (and drops) what the client still sends for a moment, so that closing does not reset the
// connection before the client has read the answer.
void Linger(int fd) {
  constexpr size_t kMostBytes = 1 << 20;
  const absl::Time until = absl::Now() + absl::Seconds(1);
  ::shutdown(fd, SHUT_WR);
  char scrap[4096];
  for (size_t dropped = 0; dropped < kMostBytes;) {
    pollfd p{fd, POLLIN, 0};
    const int ms = static_cast<int>(std::max<int64_t>(
        absl::ToInt64Milliseconds(until - absl::Now()), 0));
    if (ms == 0 || poll(&p, 1, ms) <= 0) return;
    const ssize_t n = ::recv(fd, scrap, sizeof(scrap), 0);
    if (n <= 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN))) return;
    if (n > 0) dropped += static_cast<size_t>(n);
  }
}

struct SslFree {
  void operator()(SSL* ssl) const {
    SSL_shutdown(ssl);
    SSL_free(ssl);
  }
};

// httplib's Server or SSLServer, serving each connection under the limits. httplib calls
// process_and_close_socket on a pool thread for each accepted socket.
template <class Base>
class LimitedServer : public Base {
 public:
  template <class... Args>
  explicit LimitedServer(const HttpLimits& limits, Args&&... args)
      : Base(std::forward<Args>(args)...),
        limits_(limits) {
    // httplib makes the queue when its loop starts, on a socket it listens on with a backlog
    // of 5: a burst of connections, or a flood, would leave the next client's handshake
    // unanswered for a second or more. The backlog is raised before the first accept.
    this->new_task_queue = [this] {
      ::listen(this->svr_sock_, kListenBacklog);  // on failure it stays 5: slower, not wrong
      pool_ = new ConnectionPool(limits_.max_connections, limits_.max_connections_per_address);
      return pool_;
    };
  }

 private:
  bool process_and_close_socket(socket_t fd) override {
    bool served = false;
    if (ConnectionPool::Connection* connection = pool_->Admit(fd)) {
      served = Serve(fd, *connection);
      if (connection->close_after_answer && pool_->SetWaiting(connection, true)) Linger(fd);
      pool_->Leave(connection);
    }
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
    return served;
  }

  bool Serve(int fd, ConnectionPool::Connection& connection) {
    const absl::Duration read_timeout =
        absl::Seconds(this->read_timeout_sec_) + absl::Microseconds(this->read_timeout_usec_);
    const absl::Duration write_timeout =
        absl::Seconds(this->write_timeout_sec_) + absl::Microseconds(this->write_timeout_usec_);
    std::unique_ptr<SSL, SslFree> ssl;
    if constexpr (std::is_same_v<Base, httplib::SSLServer>) {
      ssl.reset(SSL_new(this->ssl_context()));
      if (ssl == nullptr || SSL_set_fd(ssl.get(), fd) != 1) return false;
    }
    DeadlineStream stream(fd, ssl.get(), read_timeout, write_timeout);
    stream.Limit(absl::Now() + limits_.header_timeout, kMaxHeaderBytes);
    if (ssl != nullptr && !stream.Handshake()) return false;
    serving = &connection;
    bool served = false;
    for (size_t left = this->keep_alive_max_count_;
         left > 0 && this->svr_sock_ != INVALID_SOCKET; --left) {
      if (left != this->keep_alive_max_count_) {
        if (!pool_->SetWaiting(&connection, true)) break;
        const absl::Time idle_until = absl::Now() + absl::Seconds(this->keep_alive_timeout_sec_);
        if (!stream.AwaitRequest(idle_until)) break;
        stream.Limit(absl::Now() + limits_.header_timeout, kMaxHeaderBytes);
      }
      bool client_closes = false;
      served = this->process_request(
          stream, left == 1, client_closes, [&](httplib::Request& request) {
            pool_->SetWaiting(&connection, false);  // a closed one ends at its next read
            stream.Limit(absl::Now() + limits_.body_timeout, limits_.max_body_bytes);
            if (ssl != nullptr) request.ssl = ssl.get();
          });
      if (!served || client_closes || connection.close_after_answer || stream.cut_off()) break;
    }
    serving = nullptr;
    return served;
  }

  const HttpLimits limits_;
  // httplib's queue while its loop runs, made and destroyed by it; process_and_close_socket runs
  // only on its threads.
  ConnectionPool* pool_ = nullptr;
};

}  // namespace

std::unique_ptr<httplib::Server> NewLimitedHttpServer(const HttpLimits& limits,
                                                      const std::string& tls_cert,
                                                      const std::string& tls_key,
                                                      const std::string& tls_client_ca) {
  if (tls_cert.empty() || tls_key.empty()) {
    return std::make_unique<LimitedServer<httplib::Server>>(limits);
  }
  return std::make_unique<LimitedServer<httplib::SSLServer>>(
      limits, tls_cert.c_str(), tls_key.c_str(),
      tls_client_ca.empty() ? nullptr : tls_client_ca.c_str());
}

void CloseAfterAnswer(httplib::Response& response) {
  response.set_header("Connection", "close");
  if (serving != nullptr) serving->close_after_answer = true;
}

absl::StatusOr<int> ListenInBackground(httplib::Server& http, const std::string& address,
                                       const std::string& option, std::thread* thread) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(option, " '", address, "' is not host:port"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (port == 0) {
    port = http.bind_to_any_port(host);
  } else if (!http.bind_to_port(host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(absl::StrCat(option, ": cannot listen on ", address));
  }
  *thread = std::thread([&http] { http.listen_after_bind(); });
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!http.is_running() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  return port;
}

void StopListening(httplib::Server& http, std::thread& thread) {
  if (!thread.joinable()) return;
  http.stop();
  thread.join();
}

}  // namespace scc::server
