#include "aws/container_provider.h"

#include <gtest/gtest.h>

#include "testing/scripted_transport.h"
#include "testing/temp_dir.h"
#include "testing/text_assertions.h"

namespace ddbm::aws {
namespace {

using testing::HasText;
using testing::LacksText;

constexpr char kDocument[] =
    R"({"AccessKeyId":"AKID","SecretAccessKey":"SECRET","Token":"TOKEN",
        "Expiration":"2030-01-01T00:00:00Z","RoleArn":"arn:aws:iam::1:role/task"})";

TEST(ContainerProviderTest, RelativeUriGoesToTheEcsAgent) {
  MapEnv env;
  env.Set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc");
  EXPECT_TRUE(HasContainerCredentials(env));
  testing::ScriptedTransport transport;
  transport.Respond(200, kDocument);
  ContainerProvider provider(&env, &transport);
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKID");
  EXPECT_EQ(c->session_token, "TOKEN");
  EXPECT_EQ(c->source, "container");
  ASSERT_EQ(transport.requests().size(), 1u);
  const HttpRequest request = transport.requests().at(0);
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "http://169.254.170.2/v2/credentials/abc");
  EXPECT_EQ(request.FindHeader("Authorization"), nullptr);
}

TEST(ContainerProviderTest, FullUriWithAuthorizationToken) {
  MapEnv env;
  env.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:51679/creds");
  env.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abc");
  testing::ScriptedTransport transport;
  transport.Respond(200, kDocument);
  ContainerProvider provider(&env, &transport);
  ASSERT_TRUE(provider.GetCredentials().ok());
  const HttpRequest request = transport.requests().at(0);
  EXPECT_EQ(request.url, "http://127.0.0.1:51679/creds");
  ASSERT_NE(request.FindHeader("Authorization"), nullptr);
  EXPECT_EQ(*request.FindHeader("Authorization"), "Basic abc");
}

TEST(ContainerProviderTest, TokenFileWinsAndIsReadEveryTime) {
  testing::TempDir dir;
  MapEnv env;
  env.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
  env.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "from-env");
  env.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir.WriteFile("token", "first\n"));
  testing::ScriptedTransport transport;
  transport.Respond(200, kDocument);
  transport.Respond(200, kDocument);
  ContainerProvider provider(&env, &transport);
  ASSERT_TRUE(provider.GetCredentials().ok());
  dir.WriteFile("token", "second");
  ASSERT_TRUE(provider.GetCredentials().ok());
  EXPECT_EQ(*transport.requests().at(0).FindHeader("Authorization"), "first");
  EXPECT_EQ(*transport.requests().at(1).FindHeader("Authorization"), "second");
}

TEST(ContainerProviderTest, PlainHttpToOtherHostsIsRefused) {
  MapEnv env;
  env.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds");
  testing::ScriptedTransport transport;
  ContainerProvider provider(&env, &transport);
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kConfig);
  EXPECT_TRUE(transport.requests().empty());
  // A name that only begins like a loopback address is another host.
  env.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.evil.example/creds");
  ASSERT_FALSE(provider.GetCredentials().ok());
  EXPECT_TRUE(transport.requests().empty());
  env.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "https://example.com/creds");
  transport.Respond(200, kDocument);
  EXPECT_TRUE(provider.GetCredentials().ok());
  env.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.1.2.3:8080/creds");
  transport.Respond(200, kDocument);
  EXPECT_TRUE(provider.GetCredentials().ok());
}

TEST(ContainerProviderTest, ErrorsDoNotEchoTokenOrAnswer) {
  MapEnv env;
  env.Set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds");
  env.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "TOKENSECRET");
  testing::ScriptedTransport transport;
  transport.Respond(500, "SECRETSECRET");
  transport.Respond(200, R"({"AccessKeyId":"A","SecretAccessKey":"SECRETSECRET"})");
  transport.Fail("connection refused");
  ContainerProvider provider(&env, &transport);
  for (int i = 0; i < 3; ++i) {
    Result<Credentials> c = provider.GetCredentials();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().kind, ErrorKind::kCredentials);
    EXPECT_TRUE(LacksText(c.error().message, "SECRETSECRET"));
    EXPECT_TRUE(LacksText(c.error().message, "TOKENSECRET"));
  }
}

TEST(ContainerProviderTest, ARequestGivenUpAtAStopIsAStop) {
  MapEnv env;
  env.Set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc");
  testing::ScriptedTransport transport;
  transport.Push([](const HttpRequest&) -> Result<HttpResponse> {
    return Error::Make(ErrorKind::kCancelled, "gave up waiting for the answer");
  });
  ContainerProvider provider(&env, &transport);
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kCancelled);
  EXPECT_EQ(c.error().message, "container credentials endpoint: gave up waiting for the answer");
}

}  // namespace
}  // namespace ddbm::aws
