// The machine a benchmark ran on, for its report: cores, CPU model, kernel.
#ifndef SCC_TESTS_BENCH_MACHINE_H_
#define SCC_TESTS_BENCH_MACHINE_H_

#include <sys/utsname.h>

#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace scc::bench {

inline std::string Machine() {
  std::string cpu = "unknown cpu";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (absl::StartsWith(line, "model name")) {
      cpu = std::string(absl::StripAsciiWhitespace(line.substr(line.find(':') + 1)));
      break;
    }
  }
  uint64_t mem_kb = 0;
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  meminfo >> key >> mem_kb;
  utsname u{};
  uname(&u);
  return absl::StrCat(std::thread::hardware_concurrency(), " cores, ", cpu, ", ",
                      mem_kb / 1048576, " GiB RAM, Linux ", u.release);
}

}  // namespace scc::bench

#endif  // SCC_TESTS_BENCH_MACHINE_H_
