#include "storage/record.h"

#include "absl/strings/str_cat.h"
#include "storage/crc32c.h"
#include "storage/sha256.h"

namespace scc::storage {
namespace {

void PutFixed64LE(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void PutFixed32LE(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void PutFixed64BE(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
uint64_t GetFixed64BE(absl::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}
void PutVarint32(std::string* out, uint32_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void PutLengthPrefixed(std::string* out, absl::string_view s) {
  PutVarint32(out, static_cast<uint32_t>(s.size()));
  out->append(s.data(), s.size());
}

// Consumes fields from the front of a buffer; any shortfall makes ok() false for good.
class Reader {
 public:
  explicit Reader(absl::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool empty() const { return in_.empty(); }

  uint8_t Byte() {
    if (!Need(1)) return 0;
    uint8_t b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return b;
  }
  uint64_t Fixed64() {
    if (!Need(8)) return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in_[i]);
    in_.remove_prefix(8);
    return v;
  }
  uint32_t Fixed32() {
    if (!Need(4)) return 0;
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in_[i]);
    in_.remove_prefix(4);
    return v;
  }
  uint32_t Varint32() {
    uint32_t v = 0;
    for (int shift = 0; shift <= 28; shift += 7) {
      if (!Need(1)) return 0;
      uint32_t b = static_cast<unsigned char>(in_[0]);
      in_.remove_prefix(1);
      v |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok_ = false;
    return 0;
  }
  std::string Bytes(size_t n) {
    if (!Need(n)) return "";
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  std::string LengthPrefixed() { return Bytes(Varint32()); }
  absl::string_view LengthPrefixedView() {
    const uint32_t n = Varint32();
    if (!Need(n)) return {};
    absl::string_view v = in_.substr(0, n);
    in_.remove_prefix(n);
    return v;
  }

 private:
  bool Need(size_t n) {
    if (!ok_ || in_.size() < n) ok_ = false;
    return ok_;
  }
  absl::string_view in_;
  bool ok_ = true;
};

int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromMicros(uint64_t v) { return absl::FromUnixMicros(static_cast<int64_t>(v)); }

}  // namespace

const std::string& GenesisHash() {
  static const std::string* const kGenesis = new std::string(kHashSize, '\0');
  return *kGenesis;
}

std::string PositionKey(uint64_t position) {
  std::string key;
  PutFixed64BE(&key, position);
  return key;
}

absl::StatusOr<uint64_t> DecodePositionKey(absl::string_view key) {
  if (key.size() != 8) {
    return absl::DataLossError(absl::StrCat("event key has ", key.size(), " bytes, want 8"));
  }
  return GetFixed64BE(key);
}

std::string StreamIndexPrefix(absl::string_view stream) {
  std::string key(stream);
  key.push_back('\0');
  return key;
}

std::string StreamIndexKey(absl::string_view stream, uint64_t version) {
  std::string key = StreamIndexPrefix(stream);
  PutFixed64BE(&key, version);
  return key;
}

absl::StatusOr<uint64_t> DecodeStreamIndexVersion(absl::string_view key) {
  if (key.size() < 9 || key[key.size() - 9] != '\0') {
    return absl::DataLossError("malformed stream index key");
  }
  return GetFixed64BE(key.substr(key.size() - 8));
}

std::string CanonicalRecordBytes(const RecordedEvent& e) {
  std::string out;
  out.reserve(40 + e.stream.size() + e.type.size() + e.request_id.size() + e.metadata.size() +
              e.data.size());
  out.push_back(static_cast<char>(kRecordFormatVersion));
  PutFixed64LE(&out, e.position);
  PutFixed64LE(&out, e.version);
  PutFixed64LE(&out, static_cast<uint64_t>(ToMicros(e.recorded_at)));
  PutLengthPrefixed(&out, e.stream);
  PutLengthPrefixed(&out, e.type);
  PutLengthPrefixed(&out, e.request_id);
  PutLengthPrefixed(&out, e.metadata);
  PutLengthPrefixed(&out, e.data);
  return out;
}

std::string ChainHash(absl::string_view prev_hash, absl::string_view canonical) {
  const Sha256Digest digest = Sha256({prev_hash, canonical});
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

std::string SealRecord(std::string canonical, absl::string_view hash) {
  canonical.append(hash.data(), hash.size());
  PutFixed32LE(&canonical, Crc32c(canonical));
  return canonical;
}

std::string EncodeRecord(const RecordedEvent& event) {
  return SealRecord(CanonicalRecordBytes(event), event.hash);
}

std::string AppendFingerprint(absl::string_view stream, const std::vector<EventData>& events) {
  std::string content;
  PutLengthPrefixed(&content, stream);
  for (const EventData& e : events) {
    PutLengthPrefixed(&content, e.type);
    PutLengthPrefixed(&content, e.metadata);
    PutLengthPrefixed(&content, e.data);
  }
  return ChainHash("", content).substr(0, kFingerprintSize);
}

absl::StatusOr<RecordView> DecodeRecordView(absl::string_view value) {
  if (value.size() < 1 + 24 + 5 + kHashSize + 4) {
    return absl::DataLossError(absl::StrCat("event record too short (", value.size(), " bytes)"));
  }
  const absl::string_view covered = value.substr(0, value.size() - 4);
  Reader crc_reader(value.substr(value.size() - 4));
  const uint32_t stored_crc = crc_reader.Fixed32();
  if (Crc32c(covered) != stored_crc) {
    return absl::DataLossError("event record checksum mismatch");
  }
  Reader r(covered.substr(0, covered.size() - kHashSize));
  const uint8_t format = r.Byte();
  if (format != kRecordFormatVersion) {
    return absl::DataLossError(absl::StrCat("unknown event record format ", format));
  }
  RecordView v;
  v.position = r.Fixed64();
  v.version = r.Fixed64();
  v.recorded_at = FromMicros(r.Fixed64());
  v.stream = r.LengthPrefixedView();
  v.type = r.LengthPrefixedView();
  v.request_id = r.LengthPrefixedView();
  v.metadata = r.LengthPrefixedView();
  v.data = r.LengthPrefixedView();
  if (!r.ok() || !r.empty()) return absl::DataLossError("event record fields malformed");
  v.hash = covered.substr(covered.size() - kHashSize);
  return v;
}

RecordedEvent RecordView::Copy() const {
  RecordedEvent e;
  e.position = position;
  e.version = version;
  e.recorded_at = recorded_at;
  e.stream = std::string(stream);
  e.type = std::string(type);
  e.request_id = std::string(request_id);
  e.metadata = std::string(metadata);
  e.data = std::string(data);
  e.hash = std::string(hash);
  return e;
}

absl::StatusOr<RecordedEvent> DecodeRecord(absl::string_view value) {
  absl::StatusOr<RecordView> view = DecodeRecordView(value);
  if (!view.ok()) return view.status();
  return view->Copy();
}

std::string EncodeStoredRequest(const StoredRequest& request) {
  std::string out;
  out.push_back(static_cast<char>(kRecordFormatVersion));
  PutLengthPrefixed(&out, request.stream);
  out.append(request.fingerprint);
  PutFixed64LE(&out, request.result.first_version);
  PutFixed64LE(&out, request.result.last_version);
  PutFixed64LE(&out, request.result.first_position);
  PutFixed64LE(&out, request.result.last_position);
  PutFixed64LE(&out, static_cast<uint64_t>(ToMicros(request.result.recorded_at)));
  return out;
}

absl::StatusOr<StoredRequest> DecodeStoredRequest(absl::string_view value) {
  Reader r(value);
  if (r.Byte() != kRecordFormatVersion) return absl::DataLossError("unknown request format");
  StoredRequest s;
  s.stream = r.LengthPrefixed();
  s.fingerprint = r.Bytes(kFingerprintSize);
  s.result.first_version = r.Fixed64();
  s.result.last_version = r.Fixed64();
  s.result.first_position = r.Fixed64();
  s.result.last_position = r.Fixed64();
  s.result.recorded_at = FromMicros(r.Fixed64());
  if (!r.ok() || !r.empty()) return absl::DataLossError("stored request malformed");
  return s;
}

std::string EncodeHead(const Head& head) {
  std::string out;
  PutFixed64LE(&out, head.next_position);
  out.append(head.last_hash);
  PutFixed64LE(&out, static_cast<uint64_t>(ToMicros(head.last_recorded_at)));
  return out;
}

absl::StatusOr<Head> DecodeHead(absl::string_view value) {
  Reader r(value);
  Head head;
  head.next_position = r.Fixed64();
  head.last_hash = r.Bytes(kHashSize);
  head.last_recorded_at = FromMicros(r.Fixed64());
  if (!r.ok() || !r.empty()) return absl::DataLossError("log head record malformed");
  return head;
}

}  // namespace scc::storage
