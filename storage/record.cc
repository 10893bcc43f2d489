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
  absl::string_view View(size_t n) {
    if (!Need(n)) return {};
    absl::string_view v = in_.substr(0, n);
    in_.remove_prefix(n);
    return v;
  }
  size_t remaining() const { return in_.size(); }
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
  const bool sectioned = !e.section_digests.empty() || !e.erases.empty();
  out.reserve(40 + e.stream.size() + e.type.size() + e.request_id.size() + e.metadata.size() +
              e.data.size() + e.section_digests.size() * kHashSize + e.erases.size() * 12);
  out.push_back(static_cast<char>(sectioned ? kSectionedRecordFormat : kRecordFormatVersion));
  PutFixed64LE(&out, e.position);
  PutFixed64LE(&out, e.version);
  PutFixed64LE(&out, static_cast<uint64_t>(ToMicros(e.recorded_at)));
  PutLengthPrefixed(&out, e.stream);
  PutLengthPrefixed(&out, e.type);
  PutLengthPrefixed(&out, e.request_id);
  PutLengthPrefixed(&out, e.metadata);
  PutLengthPrefixed(&out, e.data);
  if (!sectioned) return out;
  PutVarint32(&out, static_cast<uint32_t>(e.section_digests.size()));
  for (const std::string& digest : e.section_digests) out.append(digest);
  PutVarint32(&out, static_cast<uint32_t>(e.erases.size()));
  for (const SectionRef& erased : e.erases) {
    PutFixed64LE(&out, erased.position);
    PutFixed32LE(&out, erased.index);
  }
  return out;
}

std::string SectionDigest(absl::string_view salt, absl::string_view bytes) {
  const Sha256Digest digest = Sha256({salt, bytes});
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

std::string EncodeSections(const std::vector<Section>& sections) {
  std::string out;
  PutVarint32(&out, static_cast<uint32_t>(sections.size()));
  for (const Section& s : sections) {
    out.push_back(s.erased ? 0 : 1);
    if (s.erased) {
      PutFixed64LE(&out, s.erased_by);
    } else {
      out.append(s.salt);
      PutLengthPrefixed(&out, s.bytes);
    }
  }
  PutFixed32LE(&out, Crc32c(out));
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
  std::string sealed = SealRecord(CanonicalRecordBytes(event), event.hash);
  if (!event.section_digests.empty() || !event.erases.empty()) {
    sealed.append(EncodeSections(event.sections));
  }
  return sealed;
}

std::string AppendFingerprint(absl::string_view stream, const std::vector<EventData>& events) {
  std::string content;
  PutLengthPrefixed(&content, stream);
  for (const EventData& e : events) {
    PutLengthPrefixed(&content, e.type);
    PutLengthPrefixed(&content, e.metadata);
    PutLengthPrefixed(&content, e.data);
    // Only events with sections or erasures add to it, so older requests keep their prints.
    if (e.sections.empty() && e.erases.empty()) continue;
    PutVarint32(&content, static_cast<uint32_t>(e.sections.size()));
    for (const std::string& section : e.sections) PutLengthPrefixed(&content, section);
    PutVarint32(&content, static_cast<uint32_t>(e.erases.size()));
    for (const SectionRef& erased : e.erases) {
      PutFixed64LE(&content, erased.position);
      PutFixed32LE(&content, erased.index);
    }
  }
  return ChainHash("", content).substr(0, kFingerprintSize);
}

namespace {

// The fields every format shares, after the format byte.
RecordView ReadEnvelope(Reader& r) {
  RecordView v;
  v.position = r.Fixed64();
  v.version = r.Fixed64();
  v.recorded_at = FromMicros(r.Fixed64());
  v.stream = r.LengthPrefixedView();
  v.type = r.LengthPrefixedView();
  v.request_id = r.LengthPrefixedView();
  v.metadata = r.LengthPrefixedView();
  v.data = r.LengthPrefixedView();
  return v;
}

// A format-2 record: canonical fields, section digests and erasures, hash, CRC, then the stored
// sections with their own CRC.
absl::StatusOr<RecordView> DecodeSectionedRecordView(absl::string_view value) {
  Reader r(value);
  r.Byte();
  RecordView v = ReadEnvelope(r);
  v.section_count = r.Varint32();
  v.section_digests = r.View(size_t{v.section_count} * kHashSize);
  const uint32_t erases = r.Varint32();
  v.erases = r.View(size_t{erases} * 12);
  if (!r.ok()) return absl::DataLossError("event record fields malformed");
  const size_t canonical_size = value.size() - r.remaining();
  v.hash = r.View(kHashSize);
  const uint32_t stored_crc = r.Fixed32();
  if (!r.ok()) return absl::DataLossError("event record too short");
  if (Crc32c(value.substr(0, canonical_size + kHashSize)) != stored_crc) {
    return absl::DataLossError("event record checksum mismatch");
  }
  v.sections = r.View(r.remaining());
  if (v.sections.size() < 4) return absl::DataLossError("event record sections missing");
  Reader crc(v.sections.substr(v.sections.size() - 4));
  v.sections.remove_suffix(4);
  if (Crc32c(v.sections) != crc.Fixed32()) {
    return absl::DataLossError("event record sections checksum mismatch");
  }
  Reader s(v.sections);
  uint32_t count = s.Varint32();
  if (count != v.section_count) return absl::DataLossError("event record sections miscounted");
  while (count-- > 0 && s.ok()) {
    if (s.Byte() == 0) {
      s.Fixed64();
    } else {
      s.View(kSectionSaltSize);
      s.LengthPrefixedView();
    }
  }
  if (!s.ok() || !s.empty()) return absl::DataLossError("event record sections malformed");
  return v;
}

}  // namespace

std::vector<SectionView> SectionsOf(const RecordView& record) {
  std::vector<SectionView> out;
  if (record.sections.empty()) return out;
  Reader s(record.sections);
  out.resize(s.Varint32());
  for (SectionView& section : out) {
    section.erased = s.Byte() == 0;
    if (section.erased) {
      section.erased_by = s.Fixed64();
    } else {
      section.salt = s.View(kSectionSaltSize);
      section.bytes = s.LengthPrefixedView();
    }
  }
  return out;
}

std::vector<SectionRef> ErasesOf(const RecordView& record) {
  std::vector<SectionRef> out;
  Reader r(record.erases);
  while (!r.empty() && r.ok()) {
    SectionRef ref;
    ref.position = r.Fixed64();
    ref.index = r.Fixed32();
    out.push_back(ref);
  }
  return out;
}

absl::StatusOr<RecordView> DecodeRecordView(absl::string_view value) {
  if (!value.empty() && static_cast<uint8_t>(value[0]) == kSectionedRecordFormat) {
    return DecodeSectionedRecordView(value);
  }
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
  RecordView v = ReadEnvelope(r);
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
  for (size_t i = 0; i < section_count; ++i) {
    e.section_digests.emplace_back(section_digests.substr(i * kHashSize, kHashSize));
  }
  e.erases = ErasesOf(*this);
  for (const SectionView& view : SectionsOf(*this)) {
    e.sections.push_back(
        Section{std::string(view.bytes), std::string(view.salt), view.erased, view.erased_by});
  }
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
