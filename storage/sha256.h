// SHA-256 for the hash chain, fingerprints, ids and token hashes. OpenSSL 3's one-shot SHA256()
// looks the algorithm up in its provider registry on every call (a profile of the write path
// showed that lookup at ~4% of the server's CPU); this fetches it once per process and keeps
// one digest context per thread. Thread-safe.
#ifndef SCC_STORAGE_SHA256_H_
#define SCC_STORAGE_SHA256_H_

#include <array>
#include <initializer_list>

#include "absl/strings/string_view.h"

namespace scc::storage {

using Sha256Digest = std::array<unsigned char, 32>;

// The digest of the concatenation of `parts`.
Sha256Digest Sha256(std::initializer_list<absl::string_view> parts);

}  // namespace scc::storage

#endif  // SCC_STORAGE_SHA256_H_
