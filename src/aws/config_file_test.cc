#include "aws/config_file.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"
#include "testing/text_assertions.h"

namespace ddbm::aws {
namespace {

using testing::HasText;
using testing::LacksText;

TEST(ParseIniTest, SectionsKeysAndComments) {
  const char* text =
      "# leading comment\n"
      "; another\n"
      "[default]\n"
      "region = us-west-2\n"
      "  # indented comment\n"
      "AWS_Access_Key_Id=AKIDEXAMPLE\n"
      "output: json\n"
      "\n"
      "[profile dev]  # trailing comment on a header\n"
      "role_arn = arn:aws:iam::123456789012:role/dev\r\n"
      "empty =\n";
  Result<IniFile> ini = ParseIni(text, "/x/config");
  ASSERT_TRUE(ini.ok()) << ini.error().message;
  ASSERT_EQ(ini->sections.size(), 2u);
  const ProfileSettings& def = ini->sections.at("default");
  EXPECT_EQ(def.at("region"), "us-west-2");
  EXPECT_EQ(def.at("aws_access_key_id"), "AKIDEXAMPLE");  // keys are lower-cased
  EXPECT_EQ(def.at("output"), "json");
  const ProfileSettings& dev = ini->sections.at("profile dev");
  EXPECT_EQ(dev.at("role_arn"), "arn:aws:iam::123456789012:role/dev");  // first '=' splits
  EXPECT_EQ(dev.at("empty"), "");
}

TEST(ParseIniTest, NestedSettingsAreKeptUnderTheirParent) {
  const char* text =
      "[default]\n"
      "s3 =\n"
      "  max_concurrent_requests = 20\n"
      "\n"
      "  Addressing_Style = path\n"
      "region = eu-west-1\n"
      "  continued text\n"  // a continuation of region's value, not a nested setting
      "[profile x]\n"
      "  region = ap-south-1\n";  // indented, but no setting before it: a normal setting
  Result<IniFile> ini = ParseIni(text, "cfg");
  ASSERT_TRUE(ini.ok()) << ini.error().message;
  const ProfileSettings& def = ini->sections.at("default");
  EXPECT_EQ(def.at("s3"), "");
  EXPECT_EQ(def.at("s3.max_concurrent_requests"), "20");
  EXPECT_EQ(def.at("s3.addressing_style"), "path");
  EXPECT_EQ(def.at("region"), "eu-west-1");
  EXPECT_FALSE(def.contains("max_concurrent_requests"));
  EXPECT_FALSE(def.contains("region.continued text"));
  EXPECT_EQ(ini->sections.at("profile x").at("region"), "ap-south-1");
  EXPECT_EQ(ini->sections.at("profile x").size(), 1u);
}

TEST(ParseIniTest, ByteOrderMarkIsIgnored) {
  Result<IniFile> ini = ParseIni("\xEF\xBB\xBF[default]\nregion=us-east-1\n", "cfg");
  ASSERT_TRUE(ini.ok());
  EXPECT_EQ(ini->sections.at("default").at("region"), "us-east-1");
}

struct MalformedCase {
  const char* text;
  int line;
  const char* what;
};

class MalformedIniTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedIniTest, NamesFileLineAndFix) {
  const MalformedCase& c = GetParam();
  Result<IniFile> ini = ParseIni(c.text, "/home/u/.aws/config");
  ASSERT_FALSE(ini.ok());
  EXPECT_EQ(ini.error().kind, ErrorKind::kConfig);
  EXPECT_TRUE(
      HasText(ini.error().message, "/home/u/.aws/config line " + std::to_string(c.line) + ":"));
  EXPECT_TRUE(HasText(ini.error().message, c.what));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedIniTest,
    ::testing::Values(
        MalformedCase{"[default\nregion=x\n", 1, "closing ']'"},
        MalformedCase{"[default]\nregion=x\n[]\n", 3, "empty section name"},
        MalformedCase{"region = us-east-1\n", 1, "before any section"},
        MalformedCase{"[default]\nthis line has no delimiter\n", 2, "'key = value'"},
        MalformedCase{"[default]\n = value\n", 2, "without a name"},
        MalformedCase{"[default] junk\n", 1, "after the section header"},
        MalformedCase{"[default]\na=1\n[default]\n", 3, "appears again (first at line 1)"},
        MalformedCase{"[default]\nregion=a\nREGION=b\n", 3, "set twice in [default]"}));

TEST(ParseIniTest, MalformedLineIsNotQuoted) {
  // A line that lost its '=' may still hold a secret.
  Result<IniFile> ini =
      ParseIni("[default]\naws_secret_access_key wJalrXUtnFEMI/K7MDENG\n", "credentials");
  ASSERT_FALSE(ini.ok());
  EXPECT_TRUE(LacksText(ini.error().message, "wJalrXUtnFEMI"));
}

TEST(ReadIniFileTest, MissingFileIsEmpty) {
  testing::TempDir dir;
  Result<IniFile> ini = ReadIniFile(dir.path() + "/nope/config");
  ASSERT_TRUE(ini.ok());
  EXPECT_TRUE(ini->sections.empty());
}

TEST(ReadIniFileTest, DirectoryIsAnError) {
  testing::TempDir dir;
  Result<IniFile> ini = ReadIniFile(dir.path());
  ASSERT_FALSE(ini.ok());
  EXPECT_EQ(ini.error().kind, ErrorKind::kConfig);
  EXPECT_TRUE(HasText(ini.error().message, dir.path()));
}

TEST(ConfigPathsTest, EnvOverridesElseHome) {
  MapEnv env;
  env.Set("HOME", "/home/u");
  EXPECT_EQ(ConfigFilePath(env), "/home/u/.aws/config");
  EXPECT_EQ(CredentialsFilePath(env), "/home/u/.aws/credentials");
  env.Set("AWS_CONFIG_FILE", "~/cfg");
  env.Set("AWS_SHARED_CREDENTIALS_FILE", "/etc/creds");
  EXPECT_EQ(ConfigFilePath(env), "/home/u/cfg");
  EXPECT_EQ(CredentialsFilePath(env), "/etc/creds");
}

TEST(SharedConfigTest, ProfilesFromBothFilesCredentialsWin) {
  testing::TempDir dir;
  MapEnv env({{"AWS_CONFIG_FILE", dir.WriteFile("config",
                                                "[default]\nregion = us-east-1\n"
                                                "[profile dev]\nregion = eu-west-1\n"
                                                "aws_access_key_id = FROM_CONFIG\n"
                                                "[sso-session corp]\nsso_region = us-east-1\n"
                                                "[plain]\nregion = x\n")},
              {"AWS_SHARED_CREDENTIALS_FILE",
               dir.WriteFile("credentials",
                             "[dev]\naws_access_key_id = FROM_CREDS\n[only-creds]\na = b\n")}});
  Result<SharedConfig> config = SharedConfig::Load(env);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_TRUE(config->HasProfile("default"));
  EXPECT_TRUE(config->HasProfile("dev"));
  EXPECT_TRUE(config->HasProfile("only-creds"));
  EXPECT_FALSE(config->HasProfile("plain"));  // not "[profile plain]" in the config file
  EXPECT_FALSE(config->HasProfile("corp"));
  EXPECT_EQ(config->Get("dev", "region"), "eu-west-1");
  EXPECT_EQ(config->Get("dev", "aws_access_key_id"), "FROM_CREDS");
  EXPECT_EQ(config->GetFromConfigFile("dev", "aws_access_key_id"), "FROM_CONFIG");
  EXPECT_EQ(config->Get("dev", "missing"), std::nullopt);
  EXPECT_EQ(config->Get("nope", "region"), std::nullopt);
}

TEST(SharedConfigTest, ProfileDefaultSectionWinsOverDefault) {
  Result<IniFile> config =
      ParseIni("[profile default]\nregion = a\n[default]\nregion = b\n", "config");
  ASSERT_TRUE(config.ok());
  SharedConfig shared = SharedConfig::FromFiles(*config, IniFile{"credentials", {}});
  EXPECT_EQ(shared.Get("default", "region"), "a");
}

TEST(SharedConfigTest, ServiceEndpointsComeFromTheProfilesServicesSection) {
  Result<IniFile> config = ParseIni(
      "[profile local]\nservices = dev\n"
      "[profile stray]\nservices = nowhere\n"
      "[profile plain]\nregion = x\n"
      "[services dev]\ndynamodb =\n  endpoint_url = http://127.0.0.1:8000\n"
      "sts =\n  region = us-east-1\n",
      "/h/.aws/config");
  ASSERT_TRUE(config.ok()) << config.error().message;
  SharedConfig shared = SharedConfig::FromFiles(*config, IniFile{"credentials", {}});
  EXPECT_FALSE(shared.HasProfile("dev"));
  Result<std::optional<std::string>> url = shared.ServiceEndpoint("local", "dynamodb");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(*url, "http://127.0.0.1:8000");
  url = shared.ServiceEndpoint("local", "sts");  // the section, but no endpoint_url for it
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(*url, std::nullopt);
  url = shared.ServiceEndpoint("plain", "dynamodb");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(*url, std::nullopt);
  url = shared.ServiceEndpoint("stray", "dynamodb");
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.error().kind, ErrorKind::kConfig);
  EXPECT_TRUE(HasText(url.error().message,
                      "profile stray names services nowhere, but /h/.aws/config has no "
                      "[services nowhere] section"));
}

TEST(SharedConfigTest, MalformedFilePropagates) {
  testing::TempDir dir;
  MapEnv env({{"AWS_CONFIG_FILE", dir.path() + "/none"},
              {"AWS_SHARED_CREDENTIALS_FILE", dir.WriteFile("credentials", "[default\n")}});
  Result<SharedConfig> config = SharedConfig::Load(env);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().kind, ErrorKind::kConfig);
  EXPECT_TRUE(HasText(config.error().message, dir.path() + "/credentials line 1"));
}

}  // namespace
}  // namespace ddbm::aws
