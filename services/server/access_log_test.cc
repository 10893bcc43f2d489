// The access log on real streams (a temporary file, a pipe nobody reads): every line is JSON a
// strict parser accepts whatever the fields hold, fields are cut to a bound, a stream that
// stops taking lines makes the log drop and count lines instead of blocking its callers, and
// destroying the log writes every queued line in order.
#include "services/server/access_log.h"

#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace scc::server {
namespace {

using ::testing::HasSubstr;

// RFC 8259 for the flat objects the log writes: string keys, string or number values, strings
// of well-formed UTF-8 with no raw control characters and only the escapes JSON defines.
class StrictJson {
 public:
  explicit StrictJson(absl::string_view text) : s_(text) {}

  bool FlatObject() {
    if (!Eat('{')) return false;
    if (Eat('}')) return at_end();
    do {
      if (!String() || !Eat(':')) return false;
      if (!(Peek() == '"' ? String() : Number())) return false;
    } while (Eat(','));
    return Eat('}') && at_end();
  }

 private:
  bool at_end() const { return i_ == s_.size(); }
  char Peek() const { return at_end() ? '\0' : s_[i_]; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  bool Number() {
    const size_t start = i_;
    Eat('-');
    while (!at_end() && (absl::ascii_isdigit(s_[i_]) || s_[i_] == '.')) ++i_;
    return i_ > start;
  }
  bool String() {
    if (!Eat('"')) return false;
    while (!at_end()) {
      const unsigned char c = s_[i_];
      if (c == '"') return ++i_, true;
      if (c < 0x20) return false;
      if (c == '\\') {
        ++i_;
        if (at_end()) return false;
        const char e = s_[i_++];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k, ++i_) {
            if (at_end() || !absl::ascii_isxdigit(s_[i_])) return false;
          }
        } else if (absl::string_view("\"\\/bfnrt").find(e) == absl::string_view::npos) {
          return false;
        }
        continue;
      }
      const int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2
                                   : (c >> 3) == 0x1E ? 3 : -1;
      if (extra < 0 || (c >= 0x80 && c < 0xC2) || c > 0xF4) return false;
      ++i_;
      for (int k = 0; k < extra; ++k, ++i_) {
        if (at_end() || (static_cast<unsigned char>(s_[i_]) & 0xC0) != 0x80) return false;
      }
    }
    return false;
  }

  absl::string_view s_;
  size_t i_ = 0;
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  return lines;
}

std::string ReadAll(FILE* f) {
  std::rewind(f);
  std::string out;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) out.append(buffer, n);
  return out;
}

google::protobuf::Struct Parsed(const std::string& line) {
  google::protobuf::Struct parsed;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok()) << line;
  return parsed;
}

TEST(AccessLogTest, EveryLineIsJsonWhateverTheFieldsHold) {
  const std::vector<std::string> hostile = {
      "plain",
      "quote \" backslash \\ slash /",
      "newline\nreturn\rtab\tbell\a",
      std::string("nul\0inside", 10),
      "del\x7f",
      "not utf-8: \xff\xfe end",
      "overlong \xc0\xaf and \xe0\x80\xaf",
      "surrogate \xed\xa0\x80",
      "lone continuation \x80 and cut sequence \xe2\x82",
      "past U+10FFFF \xf4\x90\x80\x80",
      "Zo\xc3\xab, \xe2\x82\xac and \xf0\x9f\x98\x80",
      "\"},{\"level\":\"error\"",
  };
  FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    AccessLog log(out);
    for (const std::string& h : hostile) {
      log.Record({h, h, h, h, h, h, absl::Milliseconds(1)},
                 grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, h));
      log.Warn(h);
    }
  }
  const std::vector<std::string> lines = Lines(ReadAll(out));
  std::fclose(out);
  ASSERT_EQ(lines.size(), 2 * hostile.size());
  for (const std::string& line : lines) {
    EXPECT_TRUE(StrictJson(line).FlatObject()) << line;
  }
  // What is valid text comes back as it was sent.
  const google::protobuf::Struct call = Parsed(lines[2 * 10]);
  EXPECT_EQ(call.fields().at("actor").string_value(), hostile[10]);
  EXPECT_EQ(call.fields().at("status").string_value(), "INVALID_ARGUMENT");
  EXPECT_EQ(Parsed(lines[2 * 1]).fields().at("error").string_value(), hostile[1]);
  EXPECT_EQ(Parsed(lines[2 * 2 + 1]).fields().at("message").string_value(), hostile[2]);
  EXPECT_EQ(Parsed(lines[2 * 11]).fields().at("urn").string_value(), hostile[11]);
  // What is not UTF-8 becomes U+FFFD.
  EXPECT_EQ(Parsed(lines[2 * 5]).fields().at("peer").string_value(),
            "not utf-8: \xef\xbf\xbd\xef\xbf\xbd end");
}

TEST(AccessLogTest, LongFieldsAreCutWithAMarker) {
  FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  const std::string megabyte(1 << 20, 'x');
  const std::string controls(4096, '\x01');
  {
    AccessLog log(out);
    log.Record({megabyte, megabyte, megabyte, megabyte, megabyte, megabyte, absl::ZeroDuration()},
               grpc::Status(grpc::StatusCode::UNAUTHENTICATED, megabyte));
    log.Warn(controls);
  }
  const std::vector<std::string> lines = Lines(ReadAll(out));
  std::fclose(out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_LT(lines[0].size(), 8 * (AccessLog::kMaxFieldBytes + 32));
  EXPECT_LT(lines[1].size(), 2 * (AccessLog::kMaxFieldBytes + 32));
  for (const std::string& line : lines) EXPECT_TRUE(StrictJson(line).FlatObject()) << line;
  const google::protobuf::Struct call = Parsed(lines[0]);
  const std::string actor = call.fields().at("actor").string_value();
  constexpr size_t kMax = AccessLog::kMaxFieldBytes;
  EXPECT_EQ(actor.substr(0, kMax), megabyte.substr(0, kMax));
  EXPECT_THAT(actor, HasSubstr(absl::StrCat("...[cut ", megabyte.size() - kMax, " bytes]")));
  EXPECT_THAT(Parsed(lines[1]).fields().at("message").string_value(), HasSubstr("...[cut "));
}

TEST(AccessLogTest, DestructionWritesEveryQueuedLineInOrder) {
  FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  constexpr int kLines = 3000;
  {
    AccessLog log(out, true, LogLevel::kInfo, kLines);
    for (int i = 0; i < kLines; ++i) log.Info(absl::StrCat("line ", i));
  }
  const std::vector<std::string> lines = Lines(ReadAll(out));
  std::fclose(out);
  ASSERT_EQ(lines.size(), static_cast<size_t>(kLines));
  for (int i = 0; i < kLines; ++i) {
    EXPECT_EQ(Parsed(lines[i]).fields().at("message").string_value(), absl::StrCat("line ", i));
  }
}

TEST(AccessLogTest, AStreamThatStopsTakingLinesCostsLinesNotCallers) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  FILE* out = fdopen(fds[1], "w");
  ASSERT_NE(out, nullptr);
  constexpr int kLines = 2000;  // of about 600 bytes: far more than a pipe holds
  const std::string padding(560, 'p');
  uint64_t dropped = 0;
  std::string written;
  std::thread reader;
  {
    AccessLog log(out, true, LogLevel::kInfo, 16);
    // Nobody reads the pipe: once it is full the log's thread waits, and callers go on.
    for (int i = 0; i < kLines; ++i) log.Info(absl::StrCat(i, " ", padding));
    dropped = log.dropped_lines();
    EXPECT_GT(dropped, 0u);
    reader = std::thread([&written, fd = fds[0]] {
      char buffer[65536];
      for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) written.append(buffer, n);
    });
  }
  std::fclose(out);
  reader.join();
  close(fds[0]);
  uint64_t reported = 0;
  int messages = 0;
  int last = -1;
  for (const std::string& line : Lines(written)) {
    ASSERT_TRUE(StrictJson(line).FlatObject()) << line;
    const google::protobuf::Struct parsed = Parsed(line);
    if (parsed.fields().contains("dropped_lines")) {
      reported += static_cast<uint64_t>(parsed.fields().at("dropped_lines").number_value());
      EXPECT_EQ(parsed.fields().at("level").string_value(), "warn");
      continue;
    }
    const int n = std::stoi(parsed.fields().at("message").string_value());
    EXPECT_GT(n, last);  // what is written keeps its order
    last = n;
    ++messages;
  }
  EXPECT_EQ(reported, dropped);
  EXPECT_EQ(static_cast<uint64_t>(messages) + dropped, static_cast<uint64_t>(kLines));
}

}  // namespace
}  // namespace scc::server
