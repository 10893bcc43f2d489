#include "storage/chain.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "openssl/rand.h"
#include "storage/record.h"

namespace scc::storage {
namespace {

std::string RandomSalt() {
  std::string salt(kSectionSaltSize, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size()));
  return salt;
}

// What is wrong with `record` stored at `position` after a record with `prev_hash` recorded at
// `prev_recorded_at`: its own position, its hash link, recorded_at going backwards; or empty.
std::string LinkProblem(const RecordedEvent& record, uint64_t position,
                        const std::string& prev_hash, absl::Time prev_recorded_at) {
  if (record.position != position) return absl::StrCat("record claims position ", record.position);
  if (ChainHash(prev_hash, CanonicalRecordBytes(record)) != record.hash) {
    return "hash chain broken: stored hash does not match the record and its predecessor";
  }
  if (record.recorded_at < prev_recorded_at) return "recorded_at goes backwards";
  return std::string();
}

// What is wrong with `record`'s sections and erasures, or empty, reading the records it names
// with `read_at`; an error only when one cannot be read for a reason other than damage.
absl::StatusOr<std::string> SectionProblem(
    const RecordedEvent& record, uint64_t committed,
    const std::function<absl::StatusOr<RecordedEvent>(uint64_t position)>& read_at) {
  const uint64_t p = record.position;
  for (uint32_t i = 0; i < record.sections.size(); ++i) {
    const Section& section = record.sections[i];
    if (!section.erased) {
      if (SectionDigest(section.salt, section.bytes) != record.section_digests[i]) {
        return absl::StrCat("section ", i, " does not match its digest: its bytes were changed");
      }
      continue;
    }
    // An erased section: the erasing record, later in the chain, must say it erased it.
    if (section.erased_by <= p || section.erased_by >= committed) {
      return absl::StrCat("section ", i, " is marked erased by position ", section.erased_by,
                          ", which is not a later record of the log");
    }
    absl::StatusOr<RecordedEvent> by = read_at(section.erased_by);
    if (!by.ok()) return std::string(by.status().message());
    if (std::find(by->erases.begin(), by->erases.end(), SectionRef{p, i}) == by->erases.end()) {
      return absl::StrCat("section ", i, " is erased, but position ", section.erased_by,
                          " does not record erasing it: removed without a recorded erasure");
    }
  }
  for (const SectionRef& ref : record.erases) {
    const std::string claim =
        absl::StrCat("records erasing section ", ref.index, " of position ", ref.position);
    if (ref.position >= p) return absl::StrCat(claim, ", which is not an earlier record");
    absl::StatusOr<RecordedEvent> target = read_at(ref.position);
    if (!target.ok()) return std::string(target.status().message());
    if (ref.index >= target->sections.size() || !target->sections[ref.index].erased ||
        target->sections[ref.index].erased_by != p) {
      return absl::StrCat(claim, ", but that section is not erased by it");
    }
  }
  return std::string();
}

}  // namespace

RecordedEvent NewRecord(uint64_t position, const std::string& stream, uint64_t version,
                        absl::Time recorded_at, const std::string& request_id, EventData& event) {
  RecordedEvent record;
  record.position = position;
  record.stream = stream;
  record.version = version;
  record.recorded_at = recorded_at;
  record.type = std::move(event.type);
  record.request_id = request_id;
  record.metadata = std::move(event.metadata);
  record.data = std::move(event.data);
  for (std::string& bytes : event.sections) {
    Section section;
    section.salt = RandomSalt();
    section.bytes = std::move(bytes);
    record.section_digests.push_back(SectionDigest(section.salt, section.bytes));
    record.sections.push_back(std::move(section));
  }
  record.erases = std::move(event.erases);
  return record;
}

std::string LinkRecord(RecordedEvent& record, std::string* chain_hash) {
  std::string canonical = CanonicalRecordBytes(record);
  *chain_hash = ChainHash(*chain_hash, canonical);
  record.hash = *chain_hash;
  std::string value = SealRecord(std::move(canonical), record.hash);
  if (!record.section_digests.empty() || !record.erases.empty()) {
    value.append(EncodeSections(record.sections));
  }
  return value;
}

absl::Status EraseSection(RecordedEvent& target, const SectionRef& ref, uint64_t erasing) {
  if (ref.index >= target.sections.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "erases: position ", ref.position, " has ", target.sections.size(), " sections, no ",
        ref.index, target.section_digests.empty() ? " (it was recorded without sections)" : ""));
  }
  Section& section = target.sections[ref.index];
  if (section.erased) {
    return absl::FailedPreconditionError(
        absl::StrCat("erases: section ", ref.index, " of position ", ref.position,
                     " was erased already, by position ", section.erased_by));
  }
  section.bytes.clear();
  section.salt.clear();
  section.erased = true;
  section.erased_by = erasing;
  return absl::OkStatus();
}

absl::Status MissingRecordError(uint64_t position) {
  return absl::DataLossError(absl::StrCat("event at position ", position, " is missing"));
}

ChainCheck::ChainCheck(uint64_t from, uint64_t to, uint64_t committed, ReadAt read_at)
    : committed_(committed), read_at_(std::move(read_at)), prev_hash_(GenesisHash()) {
  report_.from = from;
  report_.to = std::min(to, committed);
  if (from > 0 && from <= report_.to) {
    absl::StatusOr<RecordedEvent> before = read_at_(from - 1);
    if (!before.ok()) {
      Fail(from - 1, std::string(before.status().message()));
      return;
    }
    prev_hash_ = before->hash;
    prev_recorded_at_ = before->recorded_at;
  }
}

bool ChainCheck::reaches_end() const {
  return report_.to == committed_ && report_.from <= committed_;
}

void ChainCheck::Fail(uint64_t position, std::string problem) {
  report_.ok = false;
  report_.first_bad_position = position;
  report_.problem = std::move(problem);
}

absl::Status ChainCheck::Check(uint64_t position, absl::string_view stored,
                               const Indexed& indexed) {
  absl::StatusOr<RecordedEvent> record = DecodeRecord(stored);
  if (!record.ok()) {
    Fail(position, std::string(record.status().message()));
    return absl::OkStatus();
  }
  if (std::string problem = LinkProblem(*record, position, prev_hash_, prev_recorded_at_);
      !problem.empty()) {
    Fail(position, std::move(problem));
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> section_problem = SectionProblem(*record, committed_, read_at_);
  if (!section_problem.ok()) return section_problem.status();
  if (!section_problem->empty()) {
    Fail(position, *std::move(section_problem));
    return absl::OkStatus();
  }
  absl::StatusOr<bool> index_agrees = indexed(*record);
  if (!index_agrees.ok()) return index_agrees.status();
  if (!*index_agrees) {
    Fail(position, absl::StrCat("stream index entry '", record->stream, "'@", record->version,
                                " does not point at this record"));
    return absl::OkStatus();
  }
  prev_hash_ = record->hash;
  prev_recorded_at_ = record->recorded_at;
  ++report_.checked;
  return absl::OkStatus();
}

VerifyReport ChainCheck::Finish(const std::string& head_hash, bool stored_beyond) {
  if (report_.ok && reaches_end()) {
    if (prev_hash_ != head_hash) {
      Fail(committed_ == 0 ? 0 : committed_ - 1, "log head hash does not match the last record");
    } else if (stored_beyond) {
      Fail(committed_, "record stored beyond the committed head");
    }
  }
  // The hash of the last record that passed.
  report_.last_hash = prev_hash_;
  return report_;
}

}  // namespace scc::storage
