#include "storage/crc32c.h"

#include <string>

#include "gtest/gtest.h"

namespace scc::storage {
namespace {

// Check values from RFC 3720 (iSCSI), Appendix B.4.
TEST(Crc32cTest, MatchesPublishedCheckValues) {
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
}

TEST(Crc32cTest, ContinuesAcrossChunks) {
  EXPECT_EQ(Crc32c("6789", Crc32c("12345")), Crc32c("123456789"));
}

TEST(Crc32cTest, HardwareAndPortableAgree) {
  std::string data;
  for (int n = 0; n < 1000; ++n) {
    EXPECT_EQ(Crc32c(data), Crc32cPortable(data)) << "length " << n;
    EXPECT_EQ(Crc32c(data, 0x1234), Crc32cPortable(data, 0x1234)) << "length " << n;
    data.push_back(static_cast<char>(n * 131 + 7));
  }
}

TEST(Crc32cTest, DetectsSingleBitFlip) {
  std::string data(300, 'a');
  const uint32_t before = Crc32c(data);
  data[150] ^= 0x01;
  EXPECT_NE(Crc32c(data), before);
}

}  // namespace
}  // namespace scc::storage
