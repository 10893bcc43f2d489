// The ID token checks and the claim mapping, with RSA keys made here and tokens signed here:
// what a provider publishes and sends, byte for byte as a real one would.
#include "services/server/oidc.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/server/sessions.h"

namespace scc::server {
namespace {

using ::testing::HasSubstr;

std::string B64(absl::string_view bytes) {
  std::string out;
  absl::WebSafeBase64Escape(bytes, &out);
  return out;
}

// An RSA signing key and its JWKS entry.
class Signer {
 public:
  explicit Signer(std::string kid) : kid_(std::move(kid)) {
    key_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  }
  ~Signer() { EVP_PKEY_free(key_); }

  std::string Jwk() const {
    return absl::StrCat(R"({"kty":"RSA","use":"sig","alg":"RS256","kid":")", kid_, R"(","n":")",
                        B64(Param(OSSL_PKEY_PARAM_RSA_N)), R"(","e":")",
                        B64(Param(OSSL_PKEY_PARAM_RSA_E)), R"("})");
  }

  // A compact JWS of `claims` (JSON) with header alg `alg` and this key's id.
  std::string Sign(const std::string& claims, const std::string& alg = "RS256") const {
    const std::string signed_part =
        absl::StrCat(B64(absl::StrCat(R"({"alg":")", alg, R"(","kid":")", kid_, R"("})")), ".",
                     B64(claims));
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t size = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_);
    EVP_DigestSign(ctx, nullptr, &size,
                   reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size());
    std::string signature(size, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &size,
                   reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size());
    EVP_MD_CTX_free(ctx);
    signature.resize(size);
    return absl::StrCat(signed_part, ".", B64(signature));
  }

 private:
  std::string Param(const char* name) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key_, name, &bn);
    std::string bytes(BN_num_bytes(bn), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(bn);
    return bytes;
  }
  std::string kid_;
  EVP_PKEY* key_ = nullptr;
};

constexpr char kIssuer[] = "https://idp.example.gov.uk/oidc";

class IdTokenTest : public ::testing::Test {
 protected:
  IdTokenTest() : signer_("key-1"), other_("key-2") {
    keys_ = *JsonWebKeySet::Parse(absl::StrCat(R"({"keys":[)", signer_.Jwk(), "]}"));
  }
  std::string Claims(const std::string& extra = "", int64_t exp_in = 300,
                     const std::string& aud = "\"scc-console\"") const {
    return absl::StrCat(R"({"iss":")", kIssuer, R"(","aud":)", aud, R"(,"sub":"u1","exp":)",
                        absl::ToUnixSeconds(now_) + exp_in, R"(,"nonce":"n-123")", extra, "}");
  }
  absl::StatusOr<google::protobuf::Struct> Validate(const std::string& token) const {
    return ValidateIdToken(token, keys_, {kIssuer, "scc-console", "n-123", now_});
  }
  Signer signer_, other_;
  JsonWebKeySet keys_;
  absl::Time now_ = absl::Now();
};

TEST_F(IdTokenTest, ASignedTokenForThisClientIsBelieved) {
  absl::StatusOr<google::protobuf::Struct> claims = Validate(signer_.Sign(Claims()));
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->fields().at("sub").string_value(), "u1");
}

TEST_F(IdTokenTest, ATokenSignedWithAnotherKeyIsRefused) {
  // Same key id, another key: the signature does not verify.
  Signer impostor("key-1");
  EXPECT_THAT(Validate(impostor.Sign(Claims())).status().message(),
              HasSubstr("signature does not verify"));
  EXPECT_THAT(Validate(other_.Sign(Claims())).status().message(),
              HasSubstr("does not publish"));
}

TEST_F(IdTokenTest, AnAlteredPayloadIsRefused) {
  std::string token = signer_.Sign(Claims());
  const size_t first = token.find('.');
  const size_t second = token.find('.', first + 1);
  token.replace(first + 1, second - first - 1, B64(Claims(R"(,"roles":["SCC.HoSI"])")));
  EXPECT_TRUE(absl::IsUnauthenticated(Validate(token).status()));
}

TEST_F(IdTokenTest, UnsignedAndHmacTokensAreRefused) {
  const std::string none = absl::StrCat(B64(R"({"alg":"none"})"), ".", B64(Claims()), ".");
  EXPECT_THAT(Validate(none).status().message(), HasSubstr("only RS256"));
  EXPECT_THAT(Validate(signer_.Sign(Claims(), "HS256")).status().message(),
              HasSubstr("only RS256"));
}

TEST_F(IdTokenTest, IssuerAudienceExpiryAndNonceMustMatch) {
  const std::string wrong_issuer = absl::StrCat(
      R"({"iss":"https://evil.example","aud":"scc-console","exp":)",
      absl::ToUnixSeconds(now_) + 300, R"(,"nonce":"n-123"})");
  EXPECT_THAT(Validate(signer_.Sign(wrong_issuer)).status().message(), HasSubstr("issued by"));
  EXPECT_THAT(Validate(signer_.Sign(Claims("", 300, "\"another-app\""))).status().message(),
              HasSubstr("not for this service"));
  EXPECT_THAT(Validate(signer_.Sign(Claims("", -600))).status().message(), HasSubstr("expired"));
  EXPECT_TRUE(Validate(signer_.Sign(Claims("", -60))).ok()) << "within the clock leeway";
  EXPECT_THAT(ValidateIdToken(signer_.Sign(Claims()), keys_, {kIssuer, "scc-console", "other", now_})
                  .status()
                  .message(),
              HasSubstr("nonce"));
  // Several audiences: azp must name this client.
  EXPECT_THAT(Validate(signer_.Sign(Claims("", 300, R"(["scc-console","x"])"))).status().message(),
              HasSubstr("azp"));
  EXPECT_TRUE(Validate(signer_.Sign(Claims(R"(,"azp":"scc-console")", 300,
                                           R"(["scc-console","x"])")))
                  .ok());
}

TEST_F(IdTokenTest, GarbageIsRefusedWithoutACrash) {
  for (const std::string token : {"", "a.b", "a.b.c", "!!.??.##", "e30.e30.", "e30.W10.AA"}) {
    EXPECT_FALSE(Validate(token).ok()) << token;
  }
  EXPECT_FALSE(JsonWebKeySet::Parse("{}").ok());
  EXPECT_FALSE(JsonWebKeySet::Parse(R"({"keys":[{"kty":"EC"}]})").ok());
  EXPECT_FALSE(JsonWebKeySet::Parse("not json").ok());
}

google::protobuf::Struct ClaimsOf(const std::string& json) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &s).ok()) << json;
  return s;
}

TEST(ClaimMappingTest, TheFirstMappedGroupGivesTheRoleAndTheNameComesFromItsClaim) {
  ClaimMapping m;
  m.roles = *ClaimMapping::ParseRoles(
      "# Entra ID app roles\nSCC.HoSI head_of_school_improvement\nSCC.LeadOfficer lead_officer\n",
      "roles.txt");
  absl::StatusOr<Caller> c = m.CallerOf(ClaimsOf(
      R"({"preferred_username":"ann@council.gov.uk","name":"Ann Okafor","roles":["SCC.LeadOfficer","SCC.HoSI"]})"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->user, "ann@council.gov.uk");
  EXPECT_EQ(c->name, "Ann Okafor");
  EXPECT_EQ(c->role, v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT);
}

TEST(ClaimMappingTest, NoMappedGroupIsRefusedInWordsForThePersonSigningIn) {
  ClaimMapping m;
  m.roles = *ClaimMapping::ParseRoles("SCC.LeadOfficer lead_officer", "roles.txt");
  absl::StatusOr<Caller> c = m.CallerOf(ClaimsOf(R"({"sub":"x","roles":["Finance"]})"));
  EXPECT_TRUE(absl::IsPermissionDenied(c.status()));
  EXPECT_THAT(c.status().message(), HasSubstr("has no role in this service"));
  EXPECT_TRUE(absl::IsUnauthenticated(m.CallerOf(ClaimsOf(R"({"roles":["SCC.LeadOfficer"]})")).status()));
}

TEST(ClaimMappingTest, AHeadteacherNeedsTheirSchoolsUrnFromTheProvider) {
  ClaimMapping m;
  m.urn_claim = "scc_urn";
  m.role_claim = "scc_role";
  m.roles = *ClaimMapping::ParseRoles("headteacher headteacher", "roles.txt");
  absl::StatusOr<Caller> c =
      m.CallerOf(ClaimsOf(R"({"sub":"jo","scc_role":"headteacher","scc_urn":"100001"})"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->urns, std::vector<std::string>{"100001"});
  EXPECT_THAT(m.CallerOf(ClaimsOf(R"({"sub":"jo","scc_role":"headteacher"})")).status().message(),
              HasSubstr("names no school"));
}

TEST(ClaimMappingTest, ARoleTableLineThatIsNotTwoFieldsNamesItsLine) {
  EXPECT_THAT(ClaimMapping::ParseRoles("a lead_officer\nb\n", "roles.txt").status().message(),
              HasSubstr("roles.txt:2"));
  EXPECT_THAT(ClaimMapping::ParseRoles("a chief_executive", "roles.txt").status().message(),
              HasSubstr("roles.txt:1"));
}

TEST(SessionStoreTest, ASessionEndsWhenIdleTooLongOrSignedOut) {
  SessionStore store({absl::Minutes(30), absl::Hours(10)});
  const absl::Time t0 = absl::Now();
  const std::string id = *store.Create(Caller{"ann", v1::ROLE_LEAD_OFFICER, "Ann"}, t0);
  ASSERT_TRUE(store.Find(id, t0 + absl::Minutes(29)).has_value());
  ASSERT_TRUE(store.Find(id, t0 + absl::Minutes(58)).has_value()) << "use keeps it alive";
  EXPECT_FALSE(store.Find(id, t0 + absl::Minutes(89)).has_value()) << "idle 31 minutes";
  const std::string again = *store.Create(Caller{"ann", v1::ROLE_LEAD_OFFICER, "Ann"}, t0);
  store.End(again);
  EXPECT_FALSE(store.Find(again, t0).has_value());
  EXPECT_FALSE(store.Find("made-up", t0).has_value());
  EXPECT_EQ(store.FindSignedIn("ann")->name, "Ann") << "the directory remembers who signed in";
}

TEST(SessionStoreTest, ASessionEndsAtItsLifetimeWhateverItsUse) {
  SessionStore store({absl::Minutes(30), absl::Hours(1)});
  const absl::Time t0 = absl::Now();
  const std::string id = *store.Create(Caller{"ann", v1::ROLE_LEAD_OFFICER, "Ann"}, t0);
  for (int m = 20; m < 60; m += 20) ASSERT_TRUE(store.Find(id, t0 + absl::Minutes(m)));
  EXPECT_FALSE(store.Find(id, t0 + absl::Minutes(61)).has_value());
}

TEST(SessionStoreTest, ASignInIsTakenOnceAndNotAfterItsWait) {
  SessionStore store({});
  const absl::Time t0 = absl::Now();
  const LoginRequest login = *store.BeginLogin(t0);
  EXPECT_EQ(CodeChallenge(login.code_verifier).size(), 43u);
  EXPECT_TRUE(store.TakeLogin(login.state, t0).has_value());
  EXPECT_FALSE(store.TakeLogin(login.state, t0).has_value()) << "a replayed callback";
  const LoginRequest late = *store.BeginLogin(t0);
  EXPECT_FALSE(store.TakeLogin(late.state, t0 + absl::Minutes(11)).has_value());
}

TEST(PkceTest, TheChallengeIsRfc7636sExample) {
  EXPECT_EQ(CodeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

}  // namespace
}  // namespace scc::server
