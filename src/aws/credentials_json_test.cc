#include "aws/credentials_json.h"

#include <gtest/gtest.h>

#include "aws/iso8601.h"
#include "testing/text_assertions.h"

namespace ddbm::aws {
namespace {

using testing::HasText;
using testing::LacksText;

TEST(CredentialsJsonTest, ProcessDocument) {
  Result<Credentials> c = ParseCredentialsJson(
      R"({"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"SECRET","SessionToken":"TOKEN",
          "Expiration":"2030-01-02T03:04:05Z"})",
      CredentialsJsonFormat::kProcess, "credential_process (profile p)");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKID");
  EXPECT_EQ(c->secret_access_key, "SECRET");
  EXPECT_EQ(c->session_token, "TOKEN");
  EXPECT_EQ(c->expiration, ParseIso8601("2030-01-02T03:04:05Z"));
  EXPECT_EQ(c->source, "credential_process (profile p)");
}

TEST(CredentialsJsonTest, ProcessWithoutExpirationIsLongTerm) {
  Result<Credentials> c =
      ParseCredentialsJson(R"({"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"SECRET"})",
                           CredentialsJsonFormat::kProcess, "p");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->session_token, "");
  EXPECT_FALSE(c->expiration.has_value());
}

TEST(CredentialsJsonTest, MetadataDocumentsUseToken) {
  const char* doc = R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"AKID",
      "SecretAccessKey":"SECRET","Token":"TOKEN","Expiration":"2030-01-02T03:04:05Z"})";
  for (auto format :
       {CredentialsJsonFormat::kContainer, CredentialsJsonFormat::kInstanceMetadata}) {
    Result<Credentials> c = ParseCredentialsJson(doc, format, "m");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->session_token, "TOKEN");
  }
}

TEST(CredentialsJsonTest, ErrorsNameTheFieldNotTheSecrets) {
  struct Case {
    const char* json;
    CredentialsJsonFormat format;
    const char* what;
  };
  const Case cases[] = {
      {"SECRETSECRET not json", CredentialsJsonFormat::kProcess, "not valid JSON"},
      {R"(["SECRETSECRET"])", CredentialsJsonFormat::kProcess, "not a JSON object"},
      {R"({"Version":2,"AccessKeyId":"A","SecretAccessKey":"SECRETSECRET"})",
       CredentialsJsonFormat::kProcess, "Version"},
      {R"({"Version":1,"SecretAccessKey":"SECRETSECRET"})", CredentialsJsonFormat::kProcess,
       "AccessKeyId"},
      {R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":7})", CredentialsJsonFormat::kProcess,
       "SecretAccessKey"},
      {R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"SECRETSECRET","Expiration":"soon"})",
       CredentialsJsonFormat::kProcess, "Expiration"},
      {R"({"Code":"Failure","AccessKeyId":"A","SecretAccessKey":"SECRETSECRET"})",
       CredentialsJsonFormat::kInstanceMetadata, "\"Failure\""},
      {R"({"AccessKeyId":"A","SecretAccessKey":"SECRETSECRET","Token":"T"})",
       CredentialsJsonFormat::kContainer, "Expiration"},
  };
  for (const Case& c : cases) {
    Result<Credentials> r = ParseCredentialsJson(c.json, c.format, "src");
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.error().kind, ErrorKind::kCredentials);
    EXPECT_TRUE(HasText(r.error().message, c.what));
    EXPECT_TRUE(HasText(r.error().message, "src returned unusable credentials"));
    EXPECT_TRUE(LacksText(r.error().message, "SECRETSECRET"));
  }
}

}  // namespace
}  // namespace ddbm::aws
