#include "storage/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

namespace scc::storage {
namespace {

const EVP_MD* Algorithm() {
  static const EVP_MD* const md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) std::abort();  // no SHA-256 in OpenSSL: nothing can be verified
    return fetched;
  }();
  return md;
}

struct ContextFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

}  // namespace

Sha256Digest Sha256(std::initializer_list<absl::string_view> parts) {
  thread_local const std::unique_ptr<EVP_MD_CTX, ContextFree> ctx(EVP_MD_CTX_new());
  Sha256Digest digest{};
  unsigned int size = 0;
  // These fail only when memory runs out, which aborts elsewhere first.
  if (ctx == nullptr || EVP_DigestInit_ex2(ctx.get(), Algorithm(), nullptr) != 1) std::abort();
  for (absl::string_view part : parts) {
    if (EVP_DigestUpdate(ctx.get(), part.data(), part.size()) != 1) std::abort();
  }
  if (EVP_DigestFinal_ex(ctx.get(), digest.data(), &size) != 1) std::abort();
  return digest;
}

}  // namespace scc::storage
