#include "aws/static_providers.h"

#include <gtest/gtest.h>

#include "testing/text_assertions.h"

namespace ddbm::aws {
namespace {

using testing::HasText;
using testing::LacksText;

TEST(StaticProviderTest, ReturnsWhatItWasGiven) {
  Credentials given{"AKID", "SECRET", "TOKEN", std::nullopt, "flags"};
  StaticProvider provider(given);
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKID");
  EXPECT_EQ(c->session_token, "TOKEN");
  EXPECT_EQ(c->source, "flags");
}

TEST(EnvironmentProviderTest, ReadsKeysAndToken) {
  MapEnv env;
  env.Set("AWS_ACCESS_KEY_ID", "AKID");
  env.Set("AWS_SECRET_ACCESS_KEY", "SECRET");
  env.Set("AWS_SESSION_TOKEN", "TOKEN");
  EXPECT_TRUE(HasEnvironmentCredentials(env));
  EnvironmentProvider provider(&env);
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKID");
  EXPECT_EQ(c->secret_access_key, "SECRET");
  EXPECT_EQ(c->session_token, "TOKEN");
  EXPECT_EQ(c->source, "env");
}

TEST(EnvironmentProviderTest, LegacySecurityToken) {
  MapEnv env;
  env.Set("AWS_ACCESS_KEY_ID", "AKID");
  env.Set("AWS_SECRET_ACCESS_KEY", "SECRET");
  env.Set("AWS_SECURITY_TOKEN", "OLD");
  EnvironmentProvider provider(&env);
  EXPECT_EQ(provider.GetCredentials()->session_token, "OLD");
}

TEST(EnvironmentProviderTest, PartialPairNamesTheMissingVariableOnly) {
  MapEnv env;
  env.Set("AWS_SECRET_ACCESS_KEY", "SECRETSECRET");
  EnvironmentProvider provider(&env);
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kCredentials);
  EXPECT_TRUE(HasText(c.error().message, "AWS_ACCESS_KEY_ID is not"));
  EXPECT_TRUE(LacksText(c.error().message, "SECRETSECRET"));
}

TEST(EnvironmentProviderTest, NothingSet) {
  MapEnv env;
  EXPECT_FALSE(HasEnvironmentCredentials(env));
  EnvironmentProvider provider(&env);
  EXPECT_FALSE(provider.GetCredentials().ok());
}

}  // namespace
}  // namespace ddbm::aws
