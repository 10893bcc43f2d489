// TokenStore: bearer tokens and client certificates -> caller identity, and the directory of
// the users they name. The tokens file holds only SHA-256 hashes of tokens, one per line:
// "<64 hex chars> <user id> <role> [urn=<URN>...] [display name]" ('#' starts a comment); roles
// are head_of_school_improvement, lead_officer, srg_member, early_years_standards_team, auditor,
// report_reader, service_account, headteacher and chair_of_governors (the last two with the
// URNs of their own schools). "-" in place of the hash names a user of the directory who signs
// in through the identity provider and has no token. A line
// "cert:<common name> <user id> service_account" maps a client certificate, verified by mutual
// TLS, to a service account. A presented token is hashed and compared with every stored hash in
// constant time, so neither the token nor which hash it is near shows in the timing. Immutable
// after loading; thread-safe.
#ifndef SCC_SERVICES_SERVER_TOKENS_H_
#define SCC_SERVICES_SERVER_TOKENS_H_

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "scc/v1/common.pb.h"
#include "services/domain/authorization.h"
#include "services/domain/errors.h"

namespace scc::server {

struct Caller {
  std::string user;
  v1::Role role = v1::ROLE_UNSPECIFIED;
  std::string name;  // the display name; empty when the tokens file gives none
  // A headteacher's or chair of governors' own schools (domain::RoleHasOwnSchoolOnly): they
  // reach these and no other.
  std::vector<std::string> urns;
  // A calendar feed's reader: may read what falls due (WhoAmI, ListObligations) and nothing else.
  bool calendar_feed = false;
  // For a browser session opened with a bearer token: the token's SHA-256 (hex), so that the
  // session ends when the token is revoked. Empty otherwise.
  std::string token_hash;
};

class TokenStore {
 public:
  // Reads a tokens file; errors name the file and line.
  static absl::StatusOr<TokenStore> Load(const std::string& path);
  static absl::StatusOr<TokenStore> Parse(const std::string& text, const std::string& origin);

  // The caller for an "authorization" header value ("Bearer <token>"); UNAUTHENTICATED when it
  // is missing, malformed or unknown.
  absl::StatusOr<Caller> Authenticate(const std::string& authorization) const;
  // The service account for a client certificate's verified common name; UNAUTHENTICATED when
  // no "cert:" line names it.
  absl::StatusOr<Caller> AuthenticateCertificate(const std::string& common_name) const;

  size_t size() const { return tokens_.size() + certificates_.size(); }
  // Every user the credentials name, once each, by user id; and one of them (the first line
  // that names them with a display name, else the first that names them).
  std::vector<Caller> Users() const;
  std::optional<Caller> FindUser(const std::string& user) const;
  // Whether a token with this SHA-256 (hex) is still in the file.
  bool HasTokenHash(const std::string& hash) const;

 private:
  struct Token {
    std::array<unsigned char, 32> digest;  // SHA-256 of the token
    Caller caller;
  };
  std::vector<Token> tokens_;
  std::vector<Caller> directory_;  // "-" lines: no token
  absl::flat_hash_map<std::string, Caller> certificates_;  // certificate common name -> caller
};

// Lower-case hex SHA-256 of `token`, as the tokens file stores it.
std::string HashToken(const std::string& token);
// "head_of_school_improvement" -> ROLE_HEAD_OF_SCHOOL_IMPROVEMENT; UNSPECIFIED when unknown.
v1::Role ParseRole(const std::string& name);
// ROLE_LEAD_OFFICER -> "lead_officer".
using domain::RoleName;

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_TOKENS_H_
