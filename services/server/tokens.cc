#include "services/server/tokens.h"

#include <openssl/crypto.h>

#include <fstream>
#include <sstream>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "storage/sha256.h"

namespace scc::server {

namespace {

storage::Sha256Digest Digest(absl::string_view token) {
  return storage::Sha256({token});
}

}  // namespace

std::string HashToken(const std::string& token) {
  const auto digest = Digest(token);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

v1::Role ParseRole(const std::string& name) {
  v1::Role role = v1::ROLE_UNSPECIFIED;
  if (!v1::Role_Parse(absl::StrCat("ROLE_", absl::AsciiStrToUpper(name)), &role)) {
    return v1::ROLE_UNSPECIFIED;
  }
  return role;
}

absl::StatusOr<TokenStore> TokenStore::Parse(const std::string& text, const std::string& origin) {
  TokenStore store;
  absl::flat_hash_set<std::string> hashes;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    std::vector<std::string> fields = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    auto where = [&] { return absl::StrCat(origin, ":", line_number, ": "); };
    if (fields.size() < 3) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), "want '<sha256 hex> <user> <role> [display name]', got ",
                       fields.size(), " fields"));
    }
    // After the role: "urn=<URN>" fields, the schools of a headteacher or chair of governors,
    // then the display name.
    std::vector<std::string> urns;
    auto name_begin = fields.begin() + 3;
    for (; name_begin != fields.end() && absl::StartsWith(*name_begin, "urn="); ++name_begin) {
      urns.push_back(name_begin->substr(4));
      if (urns.back().empty()) {
        return absl::InvalidArgumentError(absl::StrCat(where(), "'urn=' needs a URN"));
      }
    }
    const std::string name = absl::StrJoin(name_begin, fields.end(), " ");
    constexpr absl::string_view kCert = "cert:";
    if (absl::StartsWith(fields[0], kCert)) {
      const std::string common_name = fields[0].substr(kCert.size());
      if (common_name.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(where(), "'cert:' needs a common name"));
      }
      if (ParseRole(fields[2]) != v1::ROLE_SERVICE_ACCOUNT) {
        return absl::InvalidArgumentError(absl::StrCat(
            where(), "a client certificate maps to a service_account, not '", fields[2], "'"));
      }
      if (!store.certificates_
               .emplace(common_name, Caller{fields[1], v1::ROLE_SERVICE_ACCOUNT, name})
               .second) {
        return absl::InvalidArgumentError(
            absl::StrCat(where(), "the certificate '", common_name, "' twice"));
      }
      continue;
    }
    const v1::Role role = ParseRole(fields[2]);
    if (role == v1::ROLE_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(where(), "unknown role '", fields[2], "'"));
    }
    if (domain::RoleHasOwnSchoolOnly(role) == urns.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where(), urns.empty() ? "a headteacher or chair of governors needs 'urn=<URN>' for "
                                  "their school"
                                : "only a headteacher or chair of governors is given schools "
                                  "('urn=')"));
    }
    Caller caller{fields[1], role, name, urns};
    if (fields[0] == "-") {  // in the directory, signs in through the identity provider
      store.directory_.push_back(std::move(caller));
      continue;
    }
    const std::string hash = absl::AsciiStrToLower(fields[0]);
    if (hash.size() != 64 || !std::all_of(hash.begin(), hash.end(), [](char c) {
          return absl::ascii_isxdigit(static_cast<unsigned char>(c));
        })) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), "the first field must be the token's SHA-256 in hex (64 "
                                "characters), or '-' for a user who signs in through the "
                                "identity provider; store hashes, never tokens"));
    }
    if (!hashes.insert(hash).second) {
      return absl::InvalidArgumentError(absl::StrCat(where(), "the same token hash twice"));
    }
    const std::string bytes = absl::HexStringToBytes(hash);
    Token token{{}, std::move(caller)};
    std::copy(bytes.begin(), bytes.end(), token.digest.begin());
    store.tokens_.push_back(std::move(token));
  }
  return store;
}

std::vector<Caller> TokenStore::Users() const {
  absl::btree_map<std::string, Caller> users;
  for (const Token& t : tokens_) {
    Caller& u = users.try_emplace(t.caller.user, t.caller).first->second;
    if (u.name.empty()) u.name = t.caller.name;
  }
  for (const Caller& c : directory_) {
    Caller& u = users.try_emplace(c.user, c).first->second;
    if (u.name.empty()) u.name = c.name;
  }
  for (const auto& [common_name, caller] : certificates_) users.try_emplace(caller.user, caller);
  std::vector<Caller> out;
  for (auto& [user, caller] : users) out.push_back(std::move(caller));
  return out;
}

std::optional<Caller> TokenStore::FindUser(const std::string& user) const {
  std::optional<Caller> found;
  for (const Token& t : tokens_) {
    if (t.caller.user != user) continue;
    if (!found) found = t.caller;
    if (found->name.empty()) found->name = t.caller.name;
  }
  for (const Caller& c : directory_) {
    if (c.user != user) continue;
    if (!found) found = c;
    if (found->name.empty()) found->name = c.name;
  }
  if (found) return found;
  for (const auto& [common_name, caller] : certificates_) {
    if (caller.user == user) return caller;
  }
  return std::nullopt;
}

bool TokenStore::HasTokenHash(const std::string& hash) const {
  const std::string bytes = absl::HexStringToBytes(hash);
  if (bytes.size() != 32) return false;
  bool found = false;
  for (const Token& t : tokens_) {
    found |= CRYPTO_memcmp(t.digest.data(), bytes.data(), bytes.size()) == 0;
  }
  return found;
}

absl::StatusOr<TokenStore> TokenStore::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read tokens file ", path));
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

absl::StatusOr<Caller> TokenStore::Authenticate(const std::string& authorization) const {
  if (authorization.empty()) {
    return absl::UnauthenticatedError(
        "missing credentials: send the header 'authorization: Bearer <token>'");
  }
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWithIgnoreCase(authorization, kBearer) ||
      authorization.size() == kBearer.size()) {
    return absl::UnauthenticatedError("the authorization header must be 'Bearer <token>'");
  }
  const auto digest = Digest(absl::string_view(authorization).substr(kBearer.size()));
  // Every stored hash is compared, in constant time, whether or not one matched already.
  const Caller* found = nullptr;
  for (const Token& token : tokens_) {
    const bool same = CRYPTO_memcmp(token.digest.data(), digest.data(), digest.size()) == 0;
    if (same) found = &token.caller;
  }
  if (found == nullptr) return absl::UnauthenticatedError("unknown or revoked token");
  return *found;
}

absl::StatusOr<Caller> TokenStore::AuthenticateCertificate(const std::string& common_name) const {
  auto it = certificates_.find(common_name);
  if (it == certificates_.end()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the client certificate CN=", common_name,
        " is not mapped to a service account (a 'cert:' line of the tokens file); send a bearer "
        "token instead"));
  }
  return it->second;
}

}  // namespace scc::server
