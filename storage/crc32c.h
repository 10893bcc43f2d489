// CRC-32C (Castagnoli), the checksum guarding every stored event record against accidental
// corruption (the SHA-256 hash chain guards against deliberate change). Pure function,
// thread-safe.
#ifndef SCC_STORAGE_CRC32C_H_
#define SCC_STORAGE_CRC32C_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace scc::storage {

// Returns the CRC-32C of `data`, continuing from `init` (0 for a fresh checksum). Uses the CPU's
// crc32 instruction where there is one.
uint32_t Crc32c(absl::string_view data, uint32_t init = 0);
// The same function computed with a table, on any CPU.
uint32_t Crc32cPortable(absl::string_view data, uint32_t init = 0);

}  // namespace scc::storage

#endif  // SCC_STORAGE_CRC32C_H_
