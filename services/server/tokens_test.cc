// TokenStore: what a tokens file may hold, and who each credential turns out to be.
#include "services/server/tokens.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace scc::server {
namespace {

using ::testing::HasSubstr;

TEST(TokenStoreTest, BearerTokensAndCertificatesMapToCallers) {
  const std::string text = absl::StrCat(HashToken("secret-1"), " ann lead_officer  # comment\n",
                                        "\n", "cert:gias-sync gias-sync service_account\n");
  absl::StatusOr<TokenStore> store = TokenStore::Parse(text, "tokens.txt");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->size(), 2u);

  absl::StatusOr<Caller> ann = store->Authenticate("Bearer secret-1");
  ASSERT_TRUE(ann.ok()) << ann.status();
  EXPECT_EQ(ann->user, "ann");
  EXPECT_EQ(ann->role, v1::ROLE_LEAD_OFFICER);
  EXPECT_EQ(store->Authenticate("Bearer secret-2").status().message(), "unknown or revoked token");
  EXPECT_THAT(store->Authenticate("").status().message(), HasSubstr("missing credentials"));
  EXPECT_THAT(store->Authenticate("Basic abc").status().message(), HasSubstr("'Bearer <token>'"));

  absl::StatusOr<Caller> service = store->AuthenticateCertificate("gias-sync");
  ASSERT_TRUE(service.ok()) << service.status();
  EXPECT_EQ(service->user, "gias-sync");
  EXPECT_EQ(service->role, v1::ROLE_SERVICE_ACCOUNT);
  const absl::Status stranger = store->AuthenticateCertificate("someone-else").status();
  EXPECT_EQ(stranger.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(stranger.message(), HasSubstr("CN=someone-else is not mapped"));
}

TEST(TokenStoreTest, EveryOneOfManyTokensFindsItsOwnCaller) {
  // Every stored hash is compared for every token presented; each still finds its own line,
  // upper-case hex included.
  std::string text;
  for (int i = 0; i < 300; ++i) {
    std::string hash = HashToken(absl::StrCat("token-", i));
    if (i % 2 == 0) hash = absl::AsciiStrToUpper(hash);
    absl::StrAppend(&text, hash, " user-", i, " auditor\n");
  }
  absl::StatusOr<TokenStore> store = TokenStore::Parse(text, "tokens.txt");
  ASSERT_TRUE(store.ok()) << store.status();
  for (int i : {0, 1, 150, 299}) {
    absl::StatusOr<Caller> caller = store->Authenticate(absl::StrCat("Bearer token-", i));
    ASSERT_TRUE(caller.ok()) << i;
    EXPECT_EQ(caller->user, absl::StrCat("user-", i));
  }
  EXPECT_EQ(store->Authenticate("Bearer token-300").status().code(),
            absl::StatusCode::kUnauthenticated);
}

// The directory: each user once, with the display name the file gives (the rest of the line).
TEST(TokenStoreTest, TheFileIsADirectoryOfUsersWithTheirNames) {
  const std::string text = absl::StrCat(
      HashToken("a1"), " lo-ann lead_officer Ann  Okafor\n", HashToken("a2"),
      " lo-ann lead_officer\n", HashToken("h"), " hosi head_of_school_improvement\n",
      "cert:gias gias-sync service_account GIAS sync\n");
  absl::StatusOr<TokenStore> store = TokenStore::Parse(text, "tokens.txt");
  ASSERT_TRUE(store.ok()) << store.status();
  const std::vector<Caller> users = store->Users();
  ASSERT_EQ(users.size(), 3u);
  EXPECT_EQ(users[0].user, "gias-sync");
  EXPECT_EQ(users[0].name, "GIAS sync");
  EXPECT_EQ(users[1].user, "hosi");
  EXPECT_EQ(users[1].name, "");
  EXPECT_EQ(users[2].user, "lo-ann");
  EXPECT_EQ(users[2].name, "Ann Okafor");
  EXPECT_EQ(users[2].role, v1::ROLE_LEAD_OFFICER);
  EXPECT_EQ(store->Authenticate("Bearer a1")->name, "Ann Okafor");
  ASSERT_TRUE(store->FindUser("lo-ann").has_value());
  EXPECT_EQ(store->FindUser("lo-ann")->name, "Ann Okafor");
  EXPECT_EQ(store->FindUser("gias-sync")->role, v1::ROLE_SERVICE_ACCOUNT);
  EXPECT_FALSE(store->FindUser("lo-anne").has_value());
}

TEST(TokenStoreTest, HeadteachersHaveTheirSchoolAndProviderUsersNeedNoToken) {
  const std::string text = absl::StrCat(
      HashToken("jo"), " head-jo headteacher urn=100001 Jo Bloggs\n",
      "- ann@council.gov.uk lead_officer Ann Okafor\n",
      "- chair@school.org chair_of_governors urn=100001 urn=100002 Pat Chair\n");
  absl::StatusOr<TokenStore> store = TokenStore::Parse(text, "tokens.txt");
  ASSERT_TRUE(store.ok()) << store.status();
  const absl::StatusOr<Caller> head = store->Authenticate("Bearer jo");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->role, v1::ROLE_HEADTEACHER);
  EXPECT_EQ(head->urns, std::vector<std::string>{"100001"});
  EXPECT_EQ(head->name, "Jo Bloggs");
  EXPECT_EQ(store->FindUser("ann@council.gov.uk")->name, "Ann Okafor");
  EXPECT_EQ(store->FindUser("chair@school.org")->urns.size(), 2u);
  EXPECT_EQ(store->Users().size(), 3u);
  EXPECT_FALSE(store->Authenticate("Bearer -").ok()) << "a directory line is no token";
  EXPECT_TRUE(store->HasTokenHash(HashToken("jo")));
  EXPECT_FALSE(store->HasTokenHash(HashToken("ann")));
  for (const std::string bad : {"- head-x headteacher Jo\n", "- lo-x lead_officer urn=100001 X\n",
                                "- head-x headteacher urn= Jo\n"}) {
    EXPECT_THAT(TokenStore::Parse(bad, "t.txt").status().message(), HasSubstr("t.txt:1")) << bad;
  }
}

TEST(TokenStoreTest, BadLinesAreRefusedWithFileAndLine) {
  struct Case {
    std::string text;
    std::string error;
  };
  const std::string hash = HashToken("t");
  for (const Case& c : std::vector<Case>{
           {"plain-token ann auditor", "tokens.txt:1: the first field must be the token's SHA-256"},
           {hash + " ann", "tokens.txt:1: want '<sha256 hex> <user> <role> [display name]', got 2 fields"},
           {"\n" + hash + " ann chief_executive", "tokens.txt:2: unknown role 'chief_executive'"},
           {hash + " ann auditor\n" + hash + " bob auditor", "tokens.txt:2: the same token hash twice"},
           {"cert: svc service_account", "tokens.txt:1: 'cert:' needs a common name"},
           {"cert:svc svc auditor", "tokens.txt:1: a client certificate maps to a service_account"},
           {"cert:svc a service_account\ncert:svc b service_account", "the certificate 'svc' twice"},
       }) {
    absl::StatusOr<TokenStore> store = TokenStore::Parse(c.text, "tokens.txt");
    EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(store.status().message(), HasSubstr(c.error)) << c.text;
  }
}

}  // namespace
}  // namespace scc::server
