#include "aws/endpoint.h"

#include <gtest/gtest.h>

#include "testing/text_assertions.h"

namespace ddbm::aws {
namespace {

using testing::HasText;

SharedConfig Config(const std::string& text) {
  Result<IniFile> config = ParseIni(text, "config");
  EXPECT_TRUE(config.ok()) << config.error().message;
  return SharedConfig::FromFiles(*config, IniFile{"credentials", {}});
}

std::string Resolve(const SharedConfig& config, const Env& env,
                    std::optional<std::string> flag = std::nullopt) {
  EndpointInputs inputs;
  inputs.endpoint_prefix = "dynamodb";
  inputs.env_suffix = "DYNAMODB";
  inputs.region = "eu-west-1";
  inputs.flag_url = std::move(flag);
  inputs.configured = ConfiguredEndpointsOf(config, "dev", env, "DYNAMODB");
  Result<Url> url = ResolveEndpoint(inputs, env);
  if (!url.ok()) return "error: " + url.error().message;
  return url->Origin();
}

const char* kProfile =
    "[profile dev]\nservices = local\nendpoint_url = http://profile:1\n"
    "[services local]\ndynamodb =\n  endpoint_url = http://services:2\n";

TEST(EndpointTest, PrecedenceFromTheFlagDownToTheRegionalEndpoint) {
  SharedConfig config = Config(kProfile);
  MapEnv env;
  EXPECT_EQ(Resolve(config, env), "http://services:2");
  EXPECT_EQ(Resolve(Config("[profile dev]\nendpoint_url = http://profile:1\n"), env),
            "http://profile:1");
  EXPECT_EQ(Resolve(Config("[profile dev]\n"), env), "https://dynamodb.eu-west-1.amazonaws.com");
  env.Set("AWS_ENDPOINT_URL", "http://all:3");
  EXPECT_EQ(Resolve(config, env), "http://all:3");
  env.Set("AWS_ENDPOINT_URL_DYNAMODB", "http://service-var:4");
  EXPECT_EQ(Resolve(config, env), "http://service-var:4");
  EXPECT_EQ(Resolve(config, env, "http://flag:5"), "http://flag:5");
}

// A bad --endpoint-url is a mistake in the command line (exit 2); a bad variable is not.
TEST(EndpointTest, ABadFlagIsAUsageErrorAndABadVariableInvalidInput) {
  MapEnv env;
  EndpointInputs inputs;
  inputs.endpoint_prefix = "dynamodb";
  inputs.env_suffix = "DYNAMODB";
  inputs.region = "eu-west-1";
  inputs.flag_url = "not-a-url";
  Result<Url> url = ResolveEndpoint(inputs, env);
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.error().kind, ErrorKind::kUsage);
  EXPECT_TRUE(HasText(url.error().message, "--endpoint-url: invalid URL 'not-a-url'"));
  inputs.flag_url.reset();
  env.Set("AWS_ENDPOINT_URL", "not-a-url");
  url = ResolveEndpoint(inputs, env);
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.error().kind, ErrorKind::kInvalidInput);
  EXPECT_TRUE(HasText(url.error().message, "AWS_ENDPOINT_URL: invalid URL"));
}

TEST(EndpointTest, IgnoringConfiguredEndpointsLeavesOnlyTheFlag) {
  MapEnv env(
      {{"AWS_ENDPOINT_URL", "http://all:3"}, {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"}});
  SharedConfig config = Config(kProfile);
  EXPECT_EQ(Resolve(config, env), "https://dynamodb.eu-west-1.amazonaws.com");
  EXPECT_EQ(Resolve(config, env, "http://flag:5"), "http://flag:5");
  MapEnv plain;
  EXPECT_EQ(Resolve(Config("[profile dev]\nignore_configured_endpoint_urls = true\n"
                           "endpoint_url = http://profile:1\n"),
                    plain),
            "https://dynamodb.eu-west-1.amazonaws.com");
  // The variable, when set, wins over the profile's setting.
  MapEnv not_ignoring;
  not_ignoring.Set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false");
  EXPECT_EQ(Resolve(Config("[profile dev]\nignore_configured_endpoint_urls = true\n"
                           "endpoint_url = http://profile:1\n"),
                    not_ignoring),
            "http://profile:1");
}

TEST(EndpointTest, ASettingOtherThanTrueIsFalse) {
  MapEnv env;
  env.Set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "yes");
  EXPECT_EQ(Resolve(Config(kProfile), env), "http://services:2");
}

TEST(EndpointTest, AMissingServicesSectionIsAnErrorOnlyWhenLookedIn) {
  MapEnv plain;
  const SharedConfig gone = Config("[profile dev]\nservices = gone\n");
  EXPECT_TRUE(HasText(Resolve(gone, plain), "error: profile dev names services gone"));
  EXPECT_EQ(Resolve(gone, plain, "http://flag:5"), "http://flag:5");
  MapEnv with_variable;
  with_variable.Set("AWS_ENDPOINT_URL", "http://all:3");
  EXPECT_EQ(Resolve(gone, with_variable), "http://all:3");
  MapEnv ignoring;
  ignoring.Set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
  EXPECT_EQ(Resolve(gone, ignoring), "https://dynamodb.eu-west-1.amazonaws.com");
  EXPECT_TRUE(HasText(Resolve(Config("[profile dev]\nservices = local\n[services local]\n"
                                     "dynamodb =\n  endpoint_url = ftp://x\n"),
                              plain),
                      "error: endpoint_url of the profile's services section: "));
}

TEST(EndpointTest, FipsIsRefusedUnlessTheEndpointIsGiven) {
  MapEnv env;
  env.Set("AWS_USE_FIPS_ENDPOINT", "TRUE");
  EXPECT_EQ(Resolve(Config("[profile dev]\n"), env),
            "error: AWS_USE_FIPS_ENDPOINT asks for FIPS endpoints, which ddbmigrate does not "
            "choose itself: pass the dynamodb FIPS endpoint with --endpoint-url or "
            "AWS_ENDPOINT_URL_DYNAMODB, or turn the setting off");
  EXPECT_EQ(Resolve(Config("[profile dev]\n"), env, "https://fips:1"), "https://fips:1");
  env.Set("AWS_ENDPOINT_URL_DYNAMODB", "https://fips:2");
  EXPECT_EQ(Resolve(Config("[profile dev]\n"), env), "https://fips:2");

  const SharedConfig profile_fips = Config("[profile dev]\nuse_fips_endpoint = true\n");
  MapEnv plain;
  EXPECT_TRUE(HasText(Resolve(profile_fips, plain),
                      "error: use_fips_endpoint of profile dev asks for FIPS endpoints"));
  // The variable wins over the profile, as in botocore.
  MapEnv off;
  off.Set("AWS_USE_FIPS_ENDPOINT", "false");
  EXPECT_EQ(Resolve(profile_fips, off), "https://dynamodb.eu-west-1.amazonaws.com");

  // The refusal is told apart from the other errors (its client fails only when called).
  EndpointInputs inputs;
  inputs.endpoint_prefix = "s3";
  inputs.env_suffix = "S3";
  inputs.region = "eu-west-1";
  inputs.configured = ConfiguredEndpointsOf(profile_fips, "dev", plain, "S3");
  Result<Url> refused = ResolveEndpoint(inputs, plain);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(IsFipsRefusal(refused.error()));
  inputs.region.clear();
  Result<Url> no_region = ResolveEndpoint(inputs, plain);
  ASSERT_FALSE(no_region.ok());
  EXPECT_FALSE(IsFipsRefusal(no_region.error()));
}

}  // namespace
}  // namespace ddbm::aws
