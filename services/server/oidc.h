// OpenID Connect sign-in for people (docs/sign-in.md): the relying party's side of the
// authorization code flow with PKCE, with sccd as a confidential client of the council's
// identity provider (Microsoft Entra ID, or any OpenID provider).
//   - JsonWebKeySet and ValidateIdToken: an ID token's RS256/RS384/RS512 signature against the
//     provider's published keys, its issuer, audience, expiry and nonce. Pure; thread-safe.
//   - ClaimMapping: the configured claims that name the user, their display name, their SCC
//     role (a group or app role, mapped by a table the authority writes) and, for headteachers
//     and chairs of governors, the URNs of their own school. Immutable; thread-safe.
//   - OidcProvider: discovery, the key set (fetched again when a token names a key it does not
//     have, at most once a minute) and the code-for-token exchange, over HTTP(S). Blocks on the
//     network: call it from an HTTP worker thread, never from a gRPC callback or the log's
//     commit thread. Thread-safe.
#ifndef SCC_SERVICES_SERVER_OIDC_H_
#define SCC_SERVICES_SERVER_OIDC_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "services/server/tokens.h"

namespace scc::server {

// The provider's RSA signing keys (a JWKS document, RFC 7517). Keys of other types are skipped.
class JsonWebKeySet {
 public:
  JsonWebKeySet();
  ~JsonWebKeySet();
  JsonWebKeySet(JsonWebKeySet&&) noexcept;
  JsonWebKeySet& operator=(JsonWebKeySet&&) noexcept;

  // INVALID_ARGUMENT when `json` is not a key set with at least one usable RSA key.
  static absl::StatusOr<JsonWebKeySet> Parse(const std::string& json);
  // Whether a key with this id is known (an empty id: whether there is exactly one key).
  bool Has(const std::string& kid) const;
  // UNAUTHENTICATED unless `signature` over `signed_part` verifies with key `kid` and `alg`.
  absl::Status Verify(const std::string& alg, const std::string& kid,
                      const std::string& signed_part, const std::string& signature) const;
  size_t size() const { return keys_.size(); }

 private:
  struct Key;
  std::vector<std::unique_ptr<Key>> keys_;
};

// The parts of a compact JWS: the decoded header and claims, and what the signature covers.
struct Jwt {
  google::protobuf::Struct header;
  google::protobuf::Struct claims;
  std::string signed_part;  // "<header>.<payload>" as sent
  std::string signature;    // decoded
};
// INVALID_ARGUMENT when `token` is not three base64url parts holding JSON objects.
absl::StatusOr<Jwt> ParseJwt(const std::string& token);

// What an ID token must show to be believed.
struct IdTokenExpectations {
  std::string issuer;     // exactly the provider's issuer
  std::string audience;   // this client's id
  std::string nonce;      // the one sent with the sign-in
  absl::Time now;
  absl::Duration leeway = absl::Minutes(2);  // for clocks that disagree
};
// The token's claims, or UNAUTHENTICATED naming what failed: the algorithm ("none" and HMAC are
// refused), the key, the signature, the issuer, the audience (and azp when there are several),
// the expiry, not-before, or the nonce.
absl::StatusOr<google::protobuf::Struct> ValidateIdToken(const std::string& token,
                                                         const JsonWebKeySet& keys,
                                                         const IdTokenExpectations& expect);

// Claims -> the caller. The role table is read in order and the first value the user holds
// wins, so an authority lists its most trusted roles first.
struct ClaimMapping {
  std::string user_claim = "preferred_username";  // Entra ID: the user principal name
  std::string name_claim = "name";
  std::string role_claim = "roles";               // Entra ID app roles; or "groups"
  std::string urn_claim;                          // headteachers' schools; empty: none
  std::vector<std::pair<std::string, v1::Role>> roles;  // claim value -> SCC role

  // Lines "<claim value> <role>" ('#' starts a comment); errors name the file and line.
  static absl::StatusOr<std::vector<std::pair<std::string, v1::Role>>> ParseRoles(
      const std::string& text, const std::string& origin);
  // PERMISSION_DENIED, in words for the person signing in, when no role value maps or a
  // headteacher or chair of governors has no school; UNAUTHENTICATED when the user claim is
  // missing.
  absl::StatusOr<Caller> CallerOf(const google::protobuf::Struct& claims) const;
};

struct OidcSettings {
  std::string issuer;         // e.g. https://login.microsoftonline.com/<tenant>/v2.0
  std::string client_id;
  std::string client_secret;  // read from a file, never from the command line
  std::string redirect_uri;   // https://scc.example.gov.uk/auth/callback
  std::string scopes = "openid profile";
  std::string ca_file = "/etc/ssl/certs/ca-certificates.crt";  // for https providers
  ClaimMapping claims;
};

// What the sign-in redirect carries and the callback must match.
struct LoginRequest {
  std::string state;
  std::string nonce;
  std::string code_verifier;
};

class OidcProvider {
 public:
  explicit OidcProvider(OidcSettings settings);
  const OidcSettings& settings() const { return settings_; }

  // The provider's authorization URL for `login` (response_type=code, S256 code challenge);
  // fetches the discovery document the first time. UNAVAILABLE when the provider cannot be
  // reached.
  absl::StatusOr<std::string> AuthorizationUrl(const LoginRequest& login);
  // Exchanges `code` (client_secret_basic), validates the ID token against `login` and maps its
  // claims: the signed-in caller.
  absl::StatusOr<Caller> Redeem(const std::string& code, const LoginRequest& login);
  // Where the provider ends its own session after sccd's, or empty when it publishes none.
  std::string EndSessionUrl();

 private:
  struct Endpoints {
    std::string authorization, token, jwks, end_session;
  };
  absl::StatusOr<Endpoints> Discover();
  absl::StatusOr<std::shared_ptr<const JsonWebKeySet>> Keys(const std::string& kid);

  const OidcSettings settings_;
  absl::Mutex mu_;
  std::optional<Endpoints> endpoints_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const JsonWebKeySet> keys_ ABSL_GUARDED_BY(mu_);
  absl::Time keys_fetched_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// A random URL-safe string of `bytes` random bytes (state, nonce, verifier, session ids).
std::string RandomUrlSafe(size_t bytes);
// BASE64URL(SHA-256(verifier)), the S256 code challenge (RFC 7636).
std::string CodeChallenge(const std::string& verifier);

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_OIDC_H_
