// sccd's Prometheus endpoint, scraped over HTTP like a Prometheus server would: every line is
// well-formed, every family has HELP and TYPE, and the figures follow what the test did
// (commands, a denied call, events appended in groups, read models, disk use).
#include <map>
#include <regex>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clients/cpp/scc_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "services/domain/domain_test_util.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using ::testing::HasSubstr;

// Sample lines by their name and labels, e.g. "scc_calls_total{method=...}" -> value.
std::map<std::string, double> Parse(const std::string& text, std::set<std::string>* typed) {
  static const std::regex kSample(R"(^([a-z_]+)(\{[^}]*\})? (-?[0-9.]+(e[-+][0-9]+)?|\+Inf|NaN)$)");
  static const std::regex kType(R"(^# TYPE ([a-z_]+) (counter|gauge|histogram)$)");
  std::map<std::string, double> samples;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    const std::string l(line);
    std::smatch m;
    if (absl::StartsWith(l, "# HELP ")) continue;
    if (std::regex_match(l, m, kType)) {
      typed->insert(m[1]);
      continue;
    }
    EXPECT_TRUE(std::regex_match(l, m, kSample)) << "malformed line: " << l;
    if (m.empty()) continue;
    std::string family = m[1];
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (absl::EndsWith(family, suffix) && !typed->count(family)) {
        family.resize(family.size() - std::strlen(suffix));
      }
    }
    EXPECT_TRUE(typed->count(family)) << "no TYPE before " << l;
    samples[absl::StrCat(m[1].str(), m[2].str())] = std::stod(m[3]);
  }
  return samples;
}

TEST(MetricsTest, ScrapeReflectsCallsAppendsAndDenials) {
  storage::testing::TempDir dir;
  auto started = SccdProcess::Start(dir.Sub("data"));
  ASSERT_TRUE(started.ok()) << started.status();
  SccdProcess& server = **started;
  ASSERT_FALSE(server.metrics_address().empty());

  client::SccClient hosi(server.channel(), kHosiToken);
  v1::CommandContext context;
  context.set_urn("100001");
  context.set_request_id("register-1");
  context.set_effective_date("2024-09-01");
  context.set_reason("recorded by the test");
  v1::CommandResult result;
  ASSERT_TRUE(hosi.Send(context, domain::testing::Register(), &result).ok());
  context.set_request_id("visit-1");
  ASSERT_TRUE(hosi.Send(context, domain::testing::Visit(), &result).ok());
  client::SccClient reader(server.channel(), kReaderToken);
  v1::ReadEventsResponse events;
  EXPECT_EQ(reader.audit().ReadEvents(reader.NewContext().get(), {}, &events).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  httplib::Client http(absl::StrCat("http://", server.metrics_address()));
  auto health = http.Get("/healthz");
  ASSERT_TRUE(health) << "no answer from " << server.metrics_address();
  EXPECT_EQ(health->status, 200);
  auto scraped = http.Get("/metrics");
  ASSERT_TRUE(scraped);
  EXPECT_EQ(scraped->status, 200);
  EXPECT_THAT(scraped->get_header_value("Content-Type"), HasSubstr("version=0.0.4"));
  std::set<std::string> typed;
  const std::map<std::string, double> m = Parse(scraped->body, &typed);

  EXPECT_EQ(m.at(R"(scc_calls_total{method="RegisterInstitution",status="OK"})"), 1);
  EXPECT_EQ(m.at(R"(scc_calls_total{method="ReadEvents",status="PERMISSION_DENIED"})"), 1);
  EXPECT_EQ(m.at(R"(scc_call_duration_seconds_count{method="RecordVisit"})"), 1);
  EXPECT_EQ(m.at(R"(scc_call_duration_seconds_bucket{method="RecordVisit",le="+Inf"})"), 1);
  EXPECT_GT(m.at(R"(scc_call_duration_seconds_sum{method="RecordVisit"})"), 0);
  EXPECT_EQ(m.at("scc_log_events_appended_total"), 2);
  EXPECT_EQ(m.at("scc_log_appends_total"), 2);
  EXPECT_EQ(m.at("scc_log_group_commit_appends_count"), 2);
  EXPECT_EQ(m.at(R"(scc_log_group_commit_appends_bucket{le="+Inf"})"), 2);
  EXPECT_EQ(m.at("scc_log_next_position"), 2);
  EXPECT_LE(m.at("scc_projection_lag_events"), 2);
  EXPECT_EQ(m.at("scc_projection_rebuilding"), 0);
  EXPECT_GT(m.at("scc_data_dir_bytes"), 0);
  EXPECT_GE(m.at("scc_rocksdb_memtable_bytes"), 0);
  EXPECT_EQ(m.at(R"(scc_denied_calls_total{reason="permission_denied"})"), 1);
  EXPECT_EQ(m.at(R"(scc_denied_calls_total{reason="unauthenticated"})"), 0);
  EXPECT_EQ(m.at("scc_watch_streams_open"), 0);
  // A log directory: this node always writes it.
  EXPECT_EQ(m.at("scc_log_writer"), 1);
  EXPECT_EQ(m.at(R"(scc_log_writes_refused{reason="not_writer"})"), 0);
  EXPECT_EQ(m.at("scc_log_follow_age_seconds"), 0);
  auto writer = http.Get("/healthz/writer");
  ASSERT_TRUE(writer);
  EXPECT_EQ(writer->status, 200);
  for (const char* family : {"scc_calls_total", "scc_call_duration_seconds",
                             "scc_log_group_commit_appends", "scc_projection_lag_events"}) {
    EXPECT_TRUE(typed.count(family)) << family;
  }
  EXPECT_EQ(http.Get("/nothing-here")->status, 404);
}

}  // namespace
}  // namespace scc::testing
