#include "services/server/oidc.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cmath>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "httplib.h"
#include "storage/status_macros.h"

namespace scc::server {
namespace pb = google::protobuf;

struct JsonWebKeySet::Key {
  std::string kid;
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

JsonWebKeySet::JsonWebKeySet() = default;
JsonWebKeySet::~JsonWebKeySet() = default;
JsonWebKeySet::JsonWebKeySet(JsonWebKeySet&&) noexcept = default;
JsonWebKeySet& JsonWebKeySet::operator=(JsonWebKeySet&&) noexcept = default;

namespace {

constexpr absl::Duration kKeyRefetchInterval = absl::Minutes(1);
constexpr absl::Duration kProviderTimeout = absl::Seconds(10);

std::string StringField(const pb::Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  if (it == s.fields().end() || !it->second.has_string_value()) return "";
  return it->second.string_value();
}

// A claim's values: a string, or the strings of a list (Entra ID's roles and groups).
std::vector<std::string> StringValues(const pb::Struct& s, const std::string& name) {
  std::vector<std::string> values;
  auto it = s.fields().find(name);
  if (it == s.fields().end()) return values;
  if (it->second.has_string_value()) {
    for (absl::string_view v : absl::StrSplit(it->second.string_value(), absl::ByAnyChar(" ,"),
                                              absl::SkipEmpty())) {
      values.emplace_back(v);
    }
  } else if (it->second.has_list_value()) {
    for (const pb::Value& v : it->second.list_value().values()) {
      if (v.has_string_value()) values.push_back(v.string_value());
    }
  }
  return values;
}

std::optional<double> NumberField(const pb::Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  if (it == s.fields().end() || !it->second.has_number_value()) return std::nullopt;
  return it->second.number_value();
}

absl::StatusOr<std::string> Base64Url(absl::string_view part, absl::string_view what) {
  std::string out;
  if (!absl::WebSafeBase64Unescape(part, &out)) {
    return absl::InvalidArgumentError(absl::StrCat("the token's ", what, " is not base64url"));
  }
  return out;
}

absl::StatusOr<pb::Struct> JsonObject(const std::string& json, absl::string_view what) {
  pb::Struct out;
  if (!pb::util::JsonStringToMessage(json, &out).ok()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is not a JSON object"));
  }
  return out;
}

const EVP_MD* DigestOf(const std::string& alg) {
  if (alg == "RS256") return EVP_sha256();
  if (alg == "RS384") return EVP_sha384();
  if (alg == "RS512") return EVP_sha512();
  return nullptr;
}

// An RSA public key from a JWK's base64url modulus and exponent.
EVP_PKEY* RsaKey(const std::string& n, const std::string& e) {
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                           static_cast<int>(n.size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                           static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* key = nullptr;
  if (bn_n != nullptr && bn_e != nullptr && build != nullptr && ctx != nullptr &&
      OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
      OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1 &&
      (params = OSSL_PARAM_BLD_to_param(build)) != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
      EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    key = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(build);
  BN_free(bn_n);
  BN_free(bn_e);
  return key;
}

// Splits "https://host:port/path" into the client's "scheme://host:port" and the path.
absl::StatusOr<std::pair<std::string, std::string>> SplitUrl(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos ||
      !(absl::StartsWith(url, "https://") || absl::StartsWith(url, "http://"))) {
    return absl::InvalidArgumentError(absl::StrCat(url, " is not an http(s) URL"));
  }
  const size_t path_start = url.find('/', scheme_end + 3);
  if (path_start == std::string::npos) return std::make_pair(url, std::string("/"));
  return std::make_pair(url.substr(0, path_start), url.substr(path_start));
}

std::unique_ptr<httplib::Client> ClientFor(const std::string& origin, const OidcSettings& s) {
  auto client = std::make_unique<httplib::Client>(origin);
  const int seconds = static_cast<int>(absl::ToInt64Seconds(kProviderTimeout));
  client->set_connection_timeout(seconds, 0);
  client->set_read_timeout(seconds, 0);
  client->set_write_timeout(seconds, 0);
  if (absl::StartsWith(origin, "https://")) {
    client->set_ca_cert_path(s.ca_file.c_str());
    client->enable_server_certificate_verification(true);
  }
  return client;
}

absl::StatusOr<std::string> FetchJson(const std::string& url, const OidcSettings& s) {
  ASSIGN_OR_RETURN(auto parts, SplitUrl(url));
  auto client = ClientFor(parts.first, s);
  httplib::Result result = client->Get(parts.second);
  if (!result) {
    return absl::UnavailableError(absl::StrCat("the identity provider at ", parts.first,
                                               " cannot be reached (",
                                               httplib::to_string(result.error()), ")"));
  }
  if (result->status != 200) {
    return absl::UnavailableError(
        absl::StrCat("the identity provider answered HTTP ", result->status, " for ", url));
  }
  return result->body;
}

std::string UrlEncode(absl::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<JsonWebKeySet> JsonWebKeySet::Parse(const std::string& json) {
  ASSIGN_OR_RETURN(pb::Struct doc, JsonObject(json, "the provider's key set"));
  auto keys = doc.fields().find("keys");
  if (keys == doc.fields().end() || !keys->second.has_list_value()) {
    return absl::InvalidArgumentError("the provider's key set has no \"keys\" list");
  }
  JsonWebKeySet set;
  for (const pb::Value& k : keys->second.list_value().values()) {
    if (!k.has_struct_value()) continue;
    const pb::Struct& jwk = k.struct_value();
    if (StringField(jwk, "kty") != "RSA") continue;
    const std::string use = StringField(jwk, "use");
    if (!use.empty() && use != "sig") continue;
    std::string n, e;
    if (!absl::WebSafeBase64Unescape(StringField(jwk, "n"), &n) ||
        !absl::WebSafeBase64Unescape(StringField(jwk, "e"), &e) || n.empty() || e.empty()) {
      continue;
    }
    auto key = std::make_unique<Key>();
    key->kid = StringField(jwk, "kid");
    key->pkey = RsaKey(n, e);
    if (key->pkey != nullptr) set.keys_.push_back(std::move(key));
  }
  if (set.keys_.empty()) {
    return absl::InvalidArgumentError("the provider's key set has no usable RSA signing key");
  }
  return set;
}

bool JsonWebKeySet::Has(const std::string& kid) const {
  if (kid.empty()) return keys_.size() == 1;
  for (const auto& k : keys_) {
    if (k->kid == kid) return true;
  }
  return false;
}

absl::Status JsonWebKeySet::Verify(const std::string& alg, const std::string& kid,
                                   const std::string& signed_part,
                                   const std::string& signature) const {
  const EVP_MD* digest = DigestOf(alg);
  if (digest == nullptr) {
    return absl::UnauthenticatedError(
        absl::StrCat("the ID token is signed with \"", alg, "\"; only RS256, RS384 and RS512 "
                     "signatures with the provider's published keys are accepted"));
  }
  const Key* key = nullptr;
  for (const auto& k : keys_) {
    if (k->kid == kid || (kid.empty() && keys_.size() == 1)) key = k.get();
  }
  if (key == nullptr) {
    return absl::UnauthenticatedError(
        absl::StrCat("the ID token names signing key \"", kid, "\", which the provider does not "
                     "publish"));
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool good =
      ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, digest, nullptr, key->pkey) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(signed_part.data()),
                       signed_part.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!good) return absl::UnauthenticatedError("the ID token's signature does not verify");
  return absl::OkStatus();
}

absl::StatusOr<Jwt> ParseJwt(const std::string& token) {
  const std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return absl::InvalidArgumentError("the token is not a signed JWT (three dot-separated parts)");
  }
  Jwt jwt;
  ASSIGN_OR_RETURN(std::string header, Base64Url(parts[0], "header"));
  ASSIGN_OR_RETURN(std::string payload, Base64Url(parts[1], "payload"));
  ASSIGN_OR_RETURN(jwt.signature, Base64Url(parts[2], "signature"));
  ASSIGN_OR_RETURN(jwt.header, JsonObject(header, "the token's header"));
  ASSIGN_OR_RETURN(jwt.claims, JsonObject(payload, "the token's payload"));
  jwt.signed_part = absl::StrCat(parts[0], ".", parts[1]);
  return jwt;
}

absl::StatusOr<pb::Struct> ValidateIdToken(const std::string& token, const JsonWebKeySet& keys,
                                           const IdTokenExpectations& expect) {
  absl::StatusOr<Jwt> jwt = ParseJwt(token);
  if (!jwt.ok()) return absl::UnauthenticatedError(jwt.status().message());
  RETURN_IF_ERROR(keys.Verify(StringField(jwt->header, "alg"), StringField(jwt->header, "kid"),
                              jwt->signed_part, jwt->signature));
  const pb::Struct& c = jwt->claims;
  if (StringField(c, "iss") != expect.issuer) {
    return absl::UnauthenticatedError(absl::StrCat("the ID token was issued by \"",
                                                   StringField(c, "iss"), "\", not \"",
                                                   expect.issuer, "\""));
  }
  const std::vector<std::string> audiences = StringValues(c, "aud");
  if (std::find(audiences.begin(), audiences.end(), expect.audience) == audiences.end()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the ID token is not for this service (audience ", expect.audience, ")"));
  }
  if (audiences.size() > 1 && StringField(c, "azp") != expect.audience) {
    return absl::UnauthenticatedError("the ID token has several audiences and another azp");
  }
  const std::optional<double> exp = NumberField(c, "exp");
  const double now = absl::ToDoubleSeconds(expect.now - absl::UnixEpoch());
  const double leeway = absl::ToDoubleSeconds(expect.leeway);
  if (!exp.has_value() || !std::isfinite(*exp) || *exp + leeway < now) {
    return absl::UnauthenticatedError("the ID token has expired (or has no expiry)");
  }
  if (const std::optional<double> nbf = NumberField(c, "nbf"); nbf.has_value() && *nbf > now + leeway) {
    return absl::UnauthenticatedError("the ID token is not valid yet");
  }
  if (expect.nonce.empty() || StringField(c, "nonce") != expect.nonce) {
    return absl::UnauthenticatedError(
        "the ID token's nonce is not the one this sign-in sent (a replayed or foreign token)");
  }
  return c;
}

absl::StatusOr<std::vector<std::pair<std::string, v1::Role>>> ClaimMapping::ParseRoles(
    const std::string& text, const std::string& origin) {
  std::vector<std::pair<std::string, v1::Role>> roles;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const v1::Role role = fields.size() == 2 ? ParseRole(std::string(fields[1])) : v1::ROLE_UNSPECIFIED;
    if (role == v1::ROLE_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin, ":", line_number, ": expected \"<claim value> <role>\", e.g. "
          "\"SCC.LeadOfficer lead_officer\""));
    }
    roles.emplace_back(std::string(fields[0]), role);
  }
  if (roles.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": maps no claim value to a role"));
  }
  return roles;
}

absl::StatusOr<Caller> ClaimMapping::CallerOf(const pb::Struct& claims) const {
  Caller caller;
  caller.user = StringField(claims, user_claim);
  if (caller.user.empty()) caller.user = StringField(claims, "sub");
  if (caller.user.empty()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the ID token names no user (claim \"", user_claim, "\" or \"sub\")"));
  }
  caller.name = StringField(claims, name_claim);
  const std::vector<std::string> held = StringValues(claims, role_claim);
  for (const auto& [value, role] : roles) {
    if (std::find(held.begin(), held.end(), value) != held.end()) {
      caller.role = role;
      break;
    }
  }
  if (caller.role == v1::ROLE_UNSPECIFIED) {
    return absl::PermissionDeniedError(absl::StrCat(
        caller.user, " signed in, but has no role in this service: ask the service's "
        "administrator to add you to one of its groups (claim \"", role_claim, "\")"));
  }
  if (!urn_claim.empty()) caller.urns = StringValues(claims, urn_claim);
  if (domain::RoleHasOwnSchoolOnly(caller.role) && caller.urns.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        caller.user, " signed in as ", RoleName(caller.role),
        " but the provider names no school for them (claim \"", urn_claim, "\")"));
  }
  return caller;
}

OidcProvider::OidcProvider(OidcSettings settings) : settings_(std::move(settings)) {}

absl::StatusOr<OidcProvider::Endpoints> OidcProvider::Discover() {
  {
    absl::MutexLock lock(&mu_);
    if (endpoints_.has_value()) return *endpoints_;
  }
  const std::string url = absl::StrCat(absl::StripSuffix(settings_.issuer, "/"),
                                       "/.well-known/openid-configuration");
  ASSIGN_OR_RETURN(std::string body, FetchJson(url, settings_));
  absl::StatusOr<pb::Struct> doc = JsonObject(body, "the provider's discovery document");
  if (!doc.ok()) return absl::UnavailableError(doc.status().message());
  if (StringField(*doc, "issuer") != settings_.issuer) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--oidc-issuer is ", settings_.issuer, " but the provider calls itself ",
        StringField(*doc, "issuer"), ": give exactly its issuer"));
  }
  Endpoints e{StringField(*doc, "authorization_endpoint"), StringField(*doc, "token_endpoint"),
              StringField(*doc, "jwks_uri"), StringField(*doc, "end_session_endpoint")};
  if (e.authorization.empty() || e.token.empty() || e.jwks.empty()) {
    return absl::UnavailableError(
        "the provider's discovery document lacks its authorization, token or key endpoint");
  }
  absl::MutexLock lock(&mu_);
  endpoints_ = e;
  return e;
}

absl::StatusOr<std::shared_ptr<const JsonWebKeySet>> OidcProvider::Keys(const std::string& kid) {
  ASSIGN_OR_RETURN(Endpoints e, Discover());
  {
    absl::MutexLock lock(&mu_);
    const bool fresh_enough = absl::Now() - keys_fetched_at_ < kKeyRefetchInterval;
    if (keys_ != nullptr && (keys_->Has(kid) || fresh_enough)) return keys_;
    if (fresh_enough) return absl::UnavailableError("the provider's keys were fetched moments ago");
    keys_fetched_at_ = absl::Now();
  }
  ASSIGN_OR_RETURN(std::string body, FetchJson(e.jwks, settings_));
  absl::StatusOr<JsonWebKeySet> parsed = JsonWebKeySet::Parse(body);
  if (!parsed.ok()) return absl::UnavailableError(parsed.status().message());
  auto keys = std::make_shared<const JsonWebKeySet>(*std::move(parsed));
  absl::MutexLock lock(&mu_);
  keys_ = keys;
  return keys;
}

absl::StatusOr<std::string> OidcProvider::AuthorizationUrl(const LoginRequest& login) {
  ASSIGN_OR_RETURN(Endpoints e, Discover());
  return absl::StrCat(e.authorization, absl::StrContains(e.authorization, '?') ? "&" : "?",
                      "response_type=code&client_id=", UrlEncode(settings_.client_id),
                      "&redirect_uri=", UrlEncode(settings_.redirect_uri),
                      "&scope=", UrlEncode(settings_.scopes), "&state=", UrlEncode(login.state),
                      "&nonce=", UrlEncode(login.nonce),
                      "&code_challenge=", CodeChallenge(login.code_verifier),
                      "&code_challenge_method=S256");
}

absl::StatusOr<Caller> OidcProvider::Redeem(const std::string& code, const LoginRequest& login) {
  ASSIGN_OR_RETURN(Endpoints e, Discover());
  ASSIGN_OR_RETURN(auto parts, SplitUrl(e.token));
  auto client = ClientFor(parts.first, settings_);
  client->set_basic_auth(settings_.client_id, settings_.client_secret);
  const httplib::Params form{{"grant_type", "authorization_code"},
                             {"code", code},
                             {"redirect_uri", settings_.redirect_uri},
                             {"client_id", settings_.client_id},
                             {"code_verifier", login.code_verifier}};
  httplib::Result result = client->Post(parts.second, form);
  if (!result) {
    return absl::UnavailableError(absl::StrCat("the identity provider's token endpoint cannot be "
                                               "reached (", httplib::to_string(result.error()),
                                               ")"));
  }
  absl::StatusOr<pb::Struct> answer = JsonObject(result->body, "the token endpoint's answer");
  if (result->status != 200 || !answer.ok()) {
    const std::string why = answer.ok() ? StringField(*answer, "error_description") : "";
    return absl::UnauthenticatedError(absl::StrCat(
        "the identity provider refused the sign-in code (HTTP ", result->status,
        why.empty() ? "" : ": ", why, "); sign in again"));
  }
  const std::string id_token = StringField(*answer, "id_token");
  if (id_token.empty()) return absl::UnauthenticatedError("the provider sent no ID token");
  absl::StatusOr<Jwt> jwt = ParseJwt(id_token);
  if (!jwt.ok()) return absl::UnauthenticatedError(jwt.status().message());
  ASSIGN_OR_RETURN(std::shared_ptr<const JsonWebKeySet> keys,
                   Keys(StringField(jwt->header, "kid")));
  ASSIGN_OR_RETURN(pb::Struct claims,
                   ValidateIdToken(id_token, *keys,
                                   {settings_.issuer, settings_.client_id, login.nonce,
                                    absl::Now()}));
  return settings_.claims.CallerOf(claims);
}

std::string OidcProvider::EndSessionUrl() {
  absl::StatusOr<Endpoints> e = Discover();
  return e.ok() ? e->end_session : "";
}

std::string RandomUrlSafe(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    return "";
  }
  std::string out;
  absl::WebSafeBase64Escape(raw, &out);
  return out;
}

std::string CodeChallenge(const std::string& verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
  std::string out;
  absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)), &out);
  return out;
}

}  // namespace scc::server
