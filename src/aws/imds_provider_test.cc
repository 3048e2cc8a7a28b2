#include "aws/imds_provider.h"

#include <gtest/gtest.h>

#include "testing/scripted_transport.h"
#include "testing/text_assertions.h"

namespace ddbm::aws {
namespace {

using testing::HasText;
using testing::LacksText;

constexpr char kDocument[] =
    R"({"Code":"Success","LastUpdated":"2029-12-31T23:00:00Z","Type":"AWS-HMAC",
        "AccessKeyId":"AKID","SecretAccessKey":"SECRET","Token":"TOKEN",
        "Expiration":"2030-01-01T00:00:00Z"})";

TEST(InstanceMetadataTest, EnabledAndEndpoint) {
  MapEnv env;
  EXPECT_TRUE(InstanceMetadataEnabled(env));
  EXPECT_EQ(InstanceMetadataEndpoint(env), "http://169.254.169.254");
  env.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6");
  EXPECT_EQ(InstanceMetadataEndpoint(env), "http://[fd00:ec2::254]");
  env.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://localhost:1338/");
  EXPECT_EQ(InstanceMetadataEndpoint(env), "http://localhost:1338");
  env.Set("AWS_EC2_METADATA_DISABLED", "TRUE");
  EXPECT_FALSE(InstanceMetadataEnabled(env));
}

TEST(InstanceMetadataTest, TokenThenRoleThenDocument) {
  MapEnv env;
  testing::ScriptedTransport transport;
  transport.Respond(200, "IMDSTOKEN");
  transport.Respond(200, "my-role\n");
  transport.Respond(200, kDocument);
  InstanceMetadataProvider provider(&env, &transport);
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKID");
  EXPECT_EQ(c->session_token, "TOKEN");
  EXPECT_EQ(c->source, "ec2-imds my-role");

  const auto requests = transport.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].url, "http://169.254.169.254/latest/api/token");
  ASSERT_NE(requests[0].FindHeader("X-aws-ec2-metadata-token-ttl-seconds"), nullptr);
  EXPECT_EQ(*requests[0].FindHeader("X-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].url, "http://169.254.169.254/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(requests[2].url,
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/my-role");
  for (int i = 1; i < 3; ++i) {
    ASSERT_NE(requests[i].FindHeader("X-aws-ec2-metadata-token"), nullptr);
    EXPECT_EQ(*requests[i].FindHeader("X-aws-ec2-metadata-token"), "IMDSTOKEN");
  }
}

TEST(InstanceMetadataTest, FallsBackToV1WhenTokensAreUnsupported) {
  MapEnv env;
  env.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9");
  testing::ScriptedTransport transport;
  transport.Respond(404, "");
  transport.Respond(200, "r");
  transport.Respond(200, kDocument);
  InstanceMetadataProvider provider(&env, &transport);
  ASSERT_TRUE(provider.GetCredentials().ok());
  const auto requests = transport.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].url, "http://127.0.0.1:9/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(requests[1].FindHeader("X-aws-ec2-metadata-token"), nullptr);
}

TEST(InstanceMetadataTest, V1FallbackCanBeDisabled) {
  MapEnv env;
  env.Set("AWS_EC2_METADATA_V1_DISABLED", "true");
  testing::ScriptedTransport transport;
  transport.Respond(403, "");
  InstanceMetadataProvider provider(&env, &transport);
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(HasText(c.error().message, "AWS_EC2_METADATA_V1_DISABLED"));
  EXPECT_EQ(transport.requests().size(), 1u);
}

TEST(InstanceMetadataTest, OneAttemptWhenUnreachable) {
  MapEnv env;
  testing::ScriptedTransport transport;
  transport.Fail("connect timed out");
  InstanceMetadataProvider provider(&env, &transport);
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kCredentials);
  EXPECT_TRUE(HasText(c.error().message, "connect timed out"));
  EXPECT_EQ(transport.requests().size(), 1u);
}

TEST(InstanceMetadataTest, ARequestGivenUpAtAStopIsAStop) {
  for (int failing = 0; failing < 3; ++failing) {
    MapEnv env;
    testing::ScriptedTransport transport;
    if (failing > 0) transport.Respond(200, "TOKEN");
    if (failing > 1) transport.Respond(200, "r");
    transport.Push([](const HttpRequest&) -> Result<HttpResponse> {
      return Error::Make(ErrorKind::kCancelled, "gave up waiting for the answer");
    });
    InstanceMetadataProvider provider(&env, &transport);
    Result<Credentials> c = provider.GetCredentials();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().kind, ErrorKind::kCancelled) << failing;
    EXPECT_EQ(c.error().message, "EC2 instance metadata: gave up waiting for the answer");
    EXPECT_EQ(transport.requests().size(), static_cast<size_t>(failing + 1));
  }
}

TEST(InstanceMetadataTest, AnUnansweredTokenRequestFallsBackToV1) {
  MapEnv env;
  testing::ScriptedTransport transport;
  transport.Fail(std::string(kNoAnswerInTime) + " (PUT 169.254.169.254)");
  transport.Respond(200, "r");
  transport.Respond(200, kDocument);
  InstanceMetadataProvider provider(&env, &transport);
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_TRUE(c.ok()) << c.error().message;
  const auto requests = transport.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].FindHeader("X-aws-ec2-metadata-token"), nullptr);
}

TEST(InstanceMetadataTest, AfterAnUnansweredTokenRequestAnUnreachableV1NamesTheHopLimit) {
  MapEnv env;
  testing::ScriptedTransport transport;
  transport.Fail(std::string(kNoAnswerInTime));
  transport.Fail(std::string(kNoAnswerInTime));
  InstanceMetadataProvider provider(&env, &transport);
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(HasText(c.error().message, "HttpPutResponseHopLimit"));
  EXPECT_EQ(transport.requests().size(), 2u);
}

TEST(InstanceMetadataTest, AnUnansweredTokenRequestIsFinalWhenV1IsDisabled) {
  MapEnv env;
  env.Set("AWS_EC2_METADATA_V1_DISABLED", "true");
  testing::ScriptedTransport transport;
  transport.Fail(std::string(kNoAnswerInTime));
  InstanceMetadataProvider provider(&env, &transport);
  ASSERT_FALSE(provider.GetCredentials().ok());
  EXPECT_EQ(transport.requests().size(), 1u);
}

TEST(InstanceMetadataTest, NoRoleAndBadDocument) {
  MapEnv env;
  testing::ScriptedTransport transport;
  transport.Respond(200, "T");
  transport.Respond(404, "");
  transport.Respond(200, "T");
  transport.Respond(200, "r");
  transport.Respond(200,
                    R"({"Code":"Success","AccessKeyId":"A","SecretAccessKey":"SECRETSECRET"})");
  InstanceMetadataProvider provider(&env, &transport);
  Result<Credentials> first = provider.GetCredentials();
  ASSERT_FALSE(first.ok());
  EXPECT_TRUE(HasText(first.error().message, "no IAM role"));
  Result<Credentials> second = provider.GetCredentials();
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(LacksText(second.error().message, "SECRETSECRET"));
}

}  // namespace
}  // namespace ddbm::aws
