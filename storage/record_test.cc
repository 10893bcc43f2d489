#include "storage/record.h"

#include "gtest/gtest.h"

namespace scc::storage {
namespace {

RecordedEvent Sample() {
  RecordedEvent e;
  e.position = 42;
  e.stream = "institutions/100001";
  e.version = 7;
  e.recorded_at = absl::FromUnixMicros(1700000000123456);
  e.type = "Designated";
  e.request_id = "req-1";
  e.metadata = "meta";
  e.data = std::string("payload\0with nul", 16);
  e.hash = ChainHash(GenesisHash(), CanonicalRecordBytes(e));
  return e;
}

TEST(RecordTest, RoundTripsEveryField) {
  const RecordedEvent e = Sample();
  absl::StatusOr<RecordedEvent> d = DecodeRecord(EncodeRecord(e));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->position, e.position);
  EXPECT_EQ(d->stream, e.stream);
  EXPECT_EQ(d->version, e.version);
  EXPECT_EQ(d->recorded_at, e.recorded_at);
  EXPECT_EQ(d->type, e.type);
  EXPECT_EQ(d->request_id, e.request_id);
  EXPECT_EQ(d->metadata, e.metadata);
  EXPECT_EQ(d->data, e.data);
  EXPECT_EQ(d->hash, e.hash);
}

TEST(RecordTest, EveryFlippedByteIsDetected) {
  const std::string encoded = EncodeRecord(Sample());
  for (size_t i = 0; i < encoded.size(); ++i) {
    std::string damaged = encoded;
    damaged[i] ^= 0x20;
    absl::StatusOr<RecordedEvent> d = DecodeRecord(damaged);
    EXPECT_EQ(d.status().code(), absl::StatusCode::kDataLoss) << "byte " << i;
  }
}

TEST(RecordTest, TruncationIsDetected) {
  const std::string encoded = EncodeRecord(Sample());
  for (size_t n = 0; n < encoded.size(); ++n) {
    EXPECT_EQ(DecodeRecord(encoded.substr(0, n)).status().code(), absl::StatusCode::kDataLoss);
  }
}

TEST(RecordTest, HashDependsOnPredecessor) {
  const RecordedEvent e = Sample();
  const std::string canonical = CanonicalRecordBytes(e);
  EXPECT_NE(ChainHash(GenesisHash(), canonical), ChainHash(std::string(32, '\1'), canonical));
  EXPECT_EQ(ChainHash(GenesisHash(), canonical).size(), kHashSize);
}

TEST(RecordTest, PositionKeysSortNumerically) {
  EXPECT_LT(PositionKey(255), PositionKey(256));
  EXPECT_LT(PositionKey(1), PositionKey(1ull << 40));
  EXPECT_EQ(*DecodePositionKey(PositionKey(123456789)), 123456789u);
  EXPECT_EQ(DecodePositionKey("short").status().code(), absl::StatusCode::kDataLoss);
}

TEST(RecordTest, StreamIndexKeysOfOneStreamAreContiguous) {
  EXPECT_LT(StreamIndexKey("a", 9), StreamIndexKey("a", 10));
  EXPECT_LT(StreamIndexKey("a", ~0ull), StreamIndexKey("ab", 0));
  EXPECT_EQ(*DecodeStreamIndexVersion(StreamIndexKey("s", 77)), 77u);
}

TEST(RecordTest, StoredRequestAndHeadRoundTrip) {
  StoredRequest r{"s", std::string(kFingerprintSize, 'f'), {}};
  r.result.first_version = 3;
  r.result.last_version = 5;
  r.result.first_position = 10;
  r.result.last_position = 12;
  r.result.recorded_at = absl::FromUnixMicros(99);
  absl::StatusOr<StoredRequest> d = DecodeStoredRequest(EncodeStoredRequest(r));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->stream, "s");
  EXPECT_EQ(d->fingerprint, r.fingerprint);
  EXPECT_EQ(d->result.last_position, 12u);
  EXPECT_EQ(d->result.recorded_at, r.result.recorded_at);

  Head h{17, std::string(kHashSize, 'h'), absl::FromUnixMicros(5)};
  absl::StatusOr<Head> dh = DecodeHead(EncodeHead(h));
  ASSERT_TRUE(dh.ok()) << dh.status();
  EXPECT_EQ(dh->next_position, 17u);
  EXPECT_EQ(dh->last_hash, h.last_hash);
  EXPECT_FALSE(DecodeHead("junk").ok());
}

TEST(RecordTest, FingerprintCoversStreamAndEveryEventField) {
  std::vector<EventData> events = {{"T", "data", "meta"}};
  const std::string base = AppendFingerprint("s", events);
  EXPECT_EQ(base.size(), kFingerprintSize);
  EXPECT_NE(AppendFingerprint("t", events), base);
  events[0].metadata = "other";
  EXPECT_NE(AppendFingerprint("s", events), base);
  events[0] = {"T2", "data", "meta"};
  EXPECT_NE(AppendFingerprint("s", events), base);
}

}  // namespace
}  // namespace scc::storage

namespace scc::storage {
namespace {

// The worked example of storage/FORMAT.md, byte for byte.
TEST(RecordTest, MatchesTheWorkedExampleInFormatMd) {
  RecordedEvent e;
  e.position = 5;
  e.stream = "s";
  e.version = 2;
  e.recorded_at = absl::FromUnixMicros(1767225600000000);
  e.type = "T";
  e.data = "hi";
  const std::string canonical = CanonicalRecordBytes(e);
  const std::string expected = std::string(
      "\x01"
      "\x05\x00\x00\x00\x00\x00\x00\x00"
      "\x02\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x40\x20\x46\x48\x47\x06\x00"
      "\x01s"
      "\x01T"
      "\x00"
      "\x00"
      "\x02hi",
      34);
  EXPECT_EQ(canonical, expected);
  e.hash = ChainHash(std::string(kHashSize, 'p'), canonical);
  EXPECT_EQ(EncodeRecord(e).size(), 34u + 32u + 4u);
  EXPECT_EQ(PositionKey(5), std::string("\0\0\0\0\0\0\0\x05", 8));
  EXPECT_EQ(StreamIndexKey("s", 2), std::string("s\0\0\0\0\0\0\0\0\x02", 10));
}

}  // namespace
}  // namespace scc::storage
