// Small helpers for absl::Status plumbing. Debian 12's Abseil (2022-06) ships no status macros,
// so the project defines them once, here.
#ifndef SCC_STORAGE_STATUS_MACROS_H_
#define SCC_STORAGE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SCC_CONCAT_INNER_(a, b) a##b
#define SCC_CONCAT_(a, b) SCC_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status); returns it from the current function if it is not OK.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::absl::Status scc_status_ = (expr);               \
    if (!scc_status_.ok()) return scc_status_;         \
  } while (0)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status, else moves the value
// into `lhs` (which may be a declaration such as `auto x`).
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL_(SCC_CONCAT_(scc_statusor_, __LINE__), lhs, rexpr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                           \
  if (!statusor.ok()) return statusor.status();      \
  lhs = std::move(statusor).value()

#endif  // SCC_STORAGE_STATUS_MACROS_H_
