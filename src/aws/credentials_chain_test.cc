#include "aws/credentials_chain.h"

#include <gtest/gtest.h>

#include <map>

#include "aws/iso8601.h"
#include "aws/url.h"
#include "testing/fake_clock.h"
#include "testing/scripted_transport.h"
#include "testing/temp_dir.h"
#include "testing/text_assertions.h"

namespace ddbm::aws {
namespace {

using namespace std::chrono_literals;
using testing::HasText;
using testing::LacksText;

std::map<std::string, std::string> FormFields(const std::string& body) {
  std::map<std::string, std::string> fields;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string::npos) end = body.size();
    const std::string pair = body.substr(start, end - start);
    const size_t eq = pair.find('=');
    fields[UriDecode(pair.substr(0, eq))] =
        eq == std::string::npos ? "" : UriDecode(pair.substr(eq + 1));
    start = end + 1;
  }
  return fields;
}

std::string Field(const HttpRequest& request, const std::string& name) {
  auto fields = FormFields(request.body);
  auto it = fields.find(name);
  return it == fields.end() ? "<absent>" : it->second;
}

std::string Authorization(const HttpRequest& request) {
  const std::string* value = request.FindHeader("Authorization");
  return value == nullptr ? "" : *value;
}

class ChainTest : public ::testing::Test {
 protected:
  ChainTest() {
    env_.Set("HOME", dir_.path());
    // Off unless a test turns it on, so that "nothing found" needs no network.
    env_.Set("AWS_EC2_METADATA_DISABLED", "true");
    options_.sts_retry.max_attempts = 1;
  }

  void Config(const std::string& text) { dir_.WriteFile(".aws/config", text); }
  void CredentialsFile(const std::string& text) { dir_.WriteFile(".aws/credentials", text); }

  Result<std::shared_ptr<CredentialsProvider>> Build() {
    return BuildCredentialsProvider(options_, &env_, &transport_, &clock_);
  }
  // Builds the chain and fetches once; a failure at either step is returned.
  Result<Credentials> Resolve() {
    Result<std::shared_ptr<CredentialsProvider>> provider = Build();
    if (!provider.ok()) return std::move(provider).error();
    return (*provider)->GetCredentials();
  }

  std::string Expiration(std::chrono::seconds from_now = 1h) {
    return FormatIso8601(clock_.Now() + from_now);
  }
  void RespondAssumeRole(const std::string& key, std::chrono::seconds lifetime = 1h,
                         const std::string& operation = "AssumeRole") {
    transport_.Respond(
        200, "<" + operation + "Response><" + operation + "Result><Credentials><AccessKeyId>" +
                 key + "</AccessKeyId><SecretAccessKey>SECRET-" + key +
                 "</SecretAccessKey><SessionToken>TOKEN-" + key + "</SessionToken><Expiration>" +
                 Expiration(lifetime) + "</Expiration></Credentials></" + operation + "Result></" +
                 operation + "Response>");
  }
  void RespondImds(const std::string& key) {
    transport_.Respond(200, "IMDSTOKEN");
    transport_.Respond(200, "instance-role");
    transport_.Respond(200, R"({"Code":"Success","AccessKeyId":")" + key +
                                R"(","SecretAccessKey":"S","Token":"T","Expiration":")" +
                                Expiration() + R"("})");
  }
  void SetEnvKeys() {
    env_.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
    env_.Set("AWS_SECRET_ACCESS_KEY", "SECRETENV");
  }
  void SetWebIdentityEnv() {
    env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", dir_.WriteFile("web-token", "eyJ.web.token"));
    env_.Set("AWS_ROLE_ARN", "arn:aws:iam::1:role/web");
  }

  testing::TempDir dir_;
  MapEnv env_;
  testing::FakeClock clock_;
  testing::ScriptedTransport transport_;
  CredentialsOptions options_;
};

// --- Precedence: every level beats the next. ---

TEST_F(ChainTest, FlagsBeatEverything) {
  SetEnvKeys();
  options_.profile = "missing-profile-is-not-consulted";
  options_.access_key_id = "AKIDFLAG";
  options_.secret_access_key = "SECRETFLAG";
  options_.session_token = "TOKENFLAG";
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKIDFLAG");
  EXPECT_EQ(c->session_token, "TOKENFLAG");
  EXPECT_EQ(c->source, "flags");
}

TEST_F(ChainTest, ProfileFlagBeatsEnvironmentKeys) {
  SetEnvKeys();
  env_.Set("AWS_PROFILE", "other");
  CredentialsFile(
      "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = S\n"
      "[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = S\n");
  options_.profile = "dev";
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKIDDEV");
  EXPECT_EQ(c->source, "profile dev");
}

TEST_F(ChainTest, ProfileFlagNeverFallsBack) {
  SetEnvKeys();
  SetWebIdentityEnv();
  env_.Set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds");
  Config("[profile dev]\nregion = eu-west-1\n");
  options_.profile = "dev";
  Result<std::shared_ptr<CredentialsProvider>> provider = Build();
  ASSERT_FALSE(provider.ok());
  EXPECT_EQ(provider.error().kind, ErrorKind::kCredentials);
  EXPECT_TRUE(HasText(provider.error().message, "The config profile (dev) has no credentials"));
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(ChainTest, EnvironmentKeysBeatAwsProfile) {
  SetEnvKeys();
  env_.Set("AWS_SESSION_TOKEN", "TOKENENV");
  env_.Set("AWS_PROFILE", "dev");
  CredentialsFile("[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = S\n");
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->session_token, "TOKENENV");
  EXPECT_EQ(c->source, "env");
}

TEST_F(ChainTest, AwsProfileBeatsWebIdentityEnvironment) {
  SetWebIdentityEnv();
  env_.Set("AWS_PROFILE", "dev");
  CredentialsFile("[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = S\n");
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKIDDEV");
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(ChainTest, AwsDefaultProfileSelectsAProfileAsAwsProfileDoes) {
  env_.Set("AWS_DEFAULT_PROFILE", "dev");
  CredentialsFile(
      "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = S\n"
      "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = S\n");
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKIDDEV");
}

TEST_F(ChainTest, WebIdentityEnvironmentBeatsDefaultProfile) {
  SetWebIdentityEnv();
  env_.Set("AWS_ROLE_SESSION_NAME", "my-pod");
  CredentialsFile("[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = S\n");
  RespondAssumeRole("ASIAWEB", 1h, "AssumeRoleWithWebIdentity");
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "ASIAWEB");
  EXPECT_EQ(c->source, "web-identity arn:aws:iam::1:role/web");
  ASSERT_EQ(transport_.requests().size(), 1u);
  const HttpRequest request = transport_.requests()[0];
  EXPECT_EQ(request.FindHeader("Authorization"), nullptr);         // unsigned
  EXPECT_EQ(request.url, "https://sts.us-east-1.amazonaws.com/");  // no region configured
  EXPECT_EQ(Field(request, "Action"), "AssumeRoleWithWebIdentity");
  EXPECT_EQ(Field(request, "RoleArn"), "arn:aws:iam::1:role/web");
  EXPECT_EQ(Field(request, "RoleSessionName"), "my-pod");
  EXPECT_EQ(Field(request, "WebIdentityToken"), "eyJ.web.token");
}

TEST_F(ChainTest, DefaultProfileBeatsContainer) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds");
  Config("[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = S\n");
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(c->source, "profile default");
}

TEST_F(ChainTest, ContainerBeatsInstanceMetadata) {
  env_.Set("AWS_EC2_METADATA_DISABLED", "false");
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "pod-identity-token");
  transport_.Respond(200, R"({"AccessKeyId":"AKIDECS","SecretAccessKey":"S","Token":"T",
                              "Expiration":")" +
                              Expiration() + R"("})");
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKIDECS");
  EXPECT_EQ(c->source, "container");
  ASSERT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(transport_.requests()[0].url, "http://169.254.170.23/v1/credentials");
  EXPECT_EQ(Authorization(transport_.requests()[0]), "pod-identity-token");
}

TEST_F(ChainTest, InstanceMetadataIsTheLastResort) {
  env_.Set("AWS_EC2_METADATA_DISABLED", "false");
  RespondImds("AKIDIMDS");
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKIDIMDS");
  EXPECT_EQ(c->source, "ec2-imds instance-role");
  const auto requests = transport_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].url, "http://169.254.169.254/latest/api/token");
  EXPECT_EQ(requests[2].url,
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/instance-role");
}

TEST_F(ChainTest, InstanceMetadataFailingAfterItAnsweredIsNotCalledMissingCredentials) {
  env_.Set("AWS_EC2_METADATA_DISABLED", "false");
  RespondImds("AKIDIMDS");  // valid for an hour
  transport_.Fail("connection refused");
  Result<std::shared_ptr<CredentialsProvider>> provider = Build();
  ASSERT_TRUE(provider.ok()) << provider.error().message;
  ASSERT_TRUE((*provider)->GetCredentials().ok());
  clock_.Advance(2h);
  Result<Credentials> c = (*provider)->GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kCredentials);
  EXPECT_TRUE(HasText(c.error().message, "EC2 instance metadata: unreachable"));
  EXPECT_FALSE(HasText(c.error().message, "Unable to locate credentials"));
}

TEST_F(ChainTest, AwsProfileReplacesDefault) {
  env_.Set("AWS_PROFILE", "dev");
  Config("[profile dev]\nregion = eu-west-1\n");
  CredentialsFile("[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = S\n");
  Result<Credentials> c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kCredentials);
  EXPECT_TRUE(HasText(c.error().message, "Unable to locate credentials"));
}

// --- Nothing, and unknown profiles. ---

TEST_F(ChainTest, NothingConfigured) {
  Result<std::shared_ptr<CredentialsProvider>> provider = Build();
  ASSERT_FALSE(provider.ok());
  EXPECT_EQ(provider.error().kind, ErrorKind::kCredentials);
  EXPECT_EQ(provider.error().message,
            "Unable to locate credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, pass "
            "--profile, or configure a profile");
}

TEST_F(ChainTest, NothingConfiguredAndNoInstanceMetadata) {
  env_.Set("AWS_EC2_METADATA_DISABLED", "false");
  transport_.Fail("connect timed out");
  Result<std::shared_ptr<CredentialsProvider>> provider = Build();
  ASSERT_TRUE(provider.ok());
  Result<Credentials> c = (*provider)->GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kCredentials);
  EXPECT_TRUE(HasText(c.error().message, "Unable to locate credentials"));
  EXPECT_TRUE(HasText(c.error().message, "connect timed out"));
  EXPECT_EQ(transport_.requests().size(), 1u);
}

TEST_F(ChainTest, InstanceMetadataGivenUpAtAStopIsAStopNotMissingCredentials) {
  env_.Set("AWS_EC2_METADATA_DISABLED", "false");
  transport_.Push([](const HttpRequest&) -> Result<HttpResponse> {
    return Error::Make(ErrorKind::kCancelled, "gave up waiting for the answer");
  });
  Result<std::shared_ptr<CredentialsProvider>> provider = Build();
  ASSERT_TRUE(provider.ok());
  Result<Credentials> c = (*provider)->GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kCancelled);
  EXPECT_FALSE(HasText(c.error().message, "Unable to locate credentials"));
}

TEST_F(ChainTest, UnknownProfile) {
  Config("[profile dev]\nregion = us-east-1\n");
  for (bool from_flag : {true, false}) {
    if (from_flag) {
      options_.profile = "prod";
    } else {
      options_.profile.reset();
      env_.Set("AWS_PROFILE", "prod");
    }
    Result<std::shared_ptr<CredentialsProvider>> provider = Build();
    ASSERT_FALSE(provider.ok());
    EXPECT_EQ(provider.error().kind, ErrorKind::kConfig);
    EXPECT_TRUE(
        HasText(provider.error().message,
                "The config profile (prod) could not be found in " + dir_.path() + "/.aws/config"));
  }
}

TEST_F(ChainTest, MalformedConfigFile) {
  Config("[default]\nregion = us-east-1\nnot a setting\n");
  Result<std::shared_ptr<CredentialsProvider>> provider = Build();
  ASSERT_FALSE(provider.ok());
  EXPECT_EQ(provider.error().kind, ErrorKind::kConfig);
  EXPECT_TRUE(HasText(provider.error().message, dir_.path() + "/.aws/config line 3"));
}

TEST_F(ChainTest, ConfigPathsFromEnvironment) {
  env_.Set("AWS_CONFIG_FILE", dir_.WriteFile("elsewhere/cfg", "[profile x]\nregion = a\n"));
  env_.Set("AWS_SHARED_CREDENTIALS_FILE",
           dir_.WriteFile("elsewhere/creds",
                          "[x]\naws_access_key_id = AKIDX\naws_secret_access_key = S\n"));
  options_.profile = "x";
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKIDX");
}

// --- Within a profile. ---

TEST_F(ChainTest, CredentialsFileBeatsProcessBeatsConfigFile) {
  const std::string script = dir_.WriteFile(
      "proc.sh",
      "#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\",\"SecretAccessKey\":\"S\"}'\n",
      0755);
  Config("[profile a]\ncredential_process = " + script +
         "\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = S\n"
         "[profile b]\ncredential_process = " +
         script +
         "\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = S\n"
         "[profile c]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = S\n"
         "aws_session_token = TOKENCONFIG\n");
  CredentialsFile("[a]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = S\n");
  options_.profile = "a";
  EXPECT_EQ(Resolve()->access_key_id, "AKIDCREDS");
  options_.profile = "b";
  Result<Credentials> b = Resolve();
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->access_key_id, "AKIDPROC");
  EXPECT_EQ(b->source, "credential_process (profile b)");
  options_.profile = "c";
  EXPECT_EQ(Resolve()->session_token, "TOKENCONFIG");
}

TEST_F(ChainTest, ProcessInDefaultProfile) {
  const std::string script = dir_.WriteFile(
      "proc.sh",
      "#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\",\"SecretAccessKey\":\"S\","
      "\"SessionToken\":\"T\",\"Expiration\":\"2015-08-30T13:36:00Z\"}'\n",
      0755);
  Config("[default]\ncredential_process = " + script + "\n");
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKIDPROC");
  EXPECT_EQ(c->expiration, ParseIso8601("2015-08-30T13:36:00Z"));
}

TEST_F(ChainTest, AssumeRoleWithSourceProfile) {
  Config(
      "[profile dev]\nrole_arn = arn:aws:iam::222:role/dev\nsource_profile = base\n"
      "external_id = ext-7\nrole_session_name = migrator\nduration_seconds = 7200\n"
      "region = eu-central-1\n"
      "[profile base]\nregion = us-west-1\n");
  CredentialsFile("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = SECRETBASE\n");
  RespondAssumeRole("ASIADEV");
  options_.profile = "dev";
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIADEV");
  EXPECT_EQ(c->secret_access_key, "SECRET-ASIADEV");
  EXPECT_EQ(c->session_token, "TOKEN-ASIADEV");
  EXPECT_EQ(c->source, "assume-role arn:aws:iam::222:role/dev");

  ASSERT_EQ(transport_.requests().size(), 1u);
  const HttpRequest request = transport_.requests()[0];
  EXPECT_EQ(request.url, "https://sts.eu-central-1.amazonaws.com/");  // the active profile's
  EXPECT_EQ(Field(request, "Action"), "AssumeRole");
  EXPECT_EQ(Field(request, "Version"), "2011-06-15");
  EXPECT_EQ(Field(request, "RoleArn"), "arn:aws:iam::222:role/dev");
  EXPECT_EQ(Field(request, "ExternalId"), "ext-7");
  EXPECT_EQ(Field(request, "RoleSessionName"), "migrator");
  EXPECT_EQ(Field(request, "DurationSeconds"), "7200");
  EXPECT_TRUE(HasText(Authorization(request),
                      "Credential=AKIDBASE/20150830/eu-central-1/sts/aws4_request"));
}

TEST_F(ChainTest, ChainedSourceProfiles) {
  Config(
      "[profile top]\nrole_arn = arn:aws:iam::3:role/top\nsource_profile = middle\n"
      "[profile middle]\nrole_arn = arn:aws:iam::2:role/middle\nsource_profile = bottom\n"
      "[profile bottom]\naws_access_key_id = AKIDBOTTOM\naws_secret_access_key = S\n");
  RespondAssumeRole("ASIAMIDDLE");
  RespondAssumeRole("ASIATOP");
  options_.profile = "top";
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIATOP");
  const auto requests = transport_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(Field(requests[0], "RoleArn"), "arn:aws:iam::2:role/middle");
  EXPECT_TRUE(HasText(Authorization(requests[0]), "Credential=AKIDBOTTOM/"));
  EXPECT_EQ(Field(requests[1], "RoleArn"), "arn:aws:iam::3:role/top");
  EXPECT_TRUE(HasText(Authorization(requests[1]), "Credential=ASIAMIDDLE/"));
  EXPECT_EQ(*requests[1].FindHeader("X-Amz-Security-Token"), "TOKEN-ASIAMIDDLE");
  EXPECT_EQ(Field(requests[1], "RoleSessionName"), "ddbmigrate-1440938160");
}

TEST_F(ChainTest, SourceProfileKeysWinOverItsRole) {
  Config(
      "[profile top]\nrole_arn = arn:aws:iam::3:role/top\nsource_profile = src\n"
      "[profile src]\nrole_arn = arn:aws:iam::2:role/ignored\nsource_profile = nowhere\n"
      "aws_access_key_id = AKIDSRC\naws_secret_access_key = S\n");
  RespondAssumeRole("ASIATOP");
  options_.profile = "top";
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  ASSERT_EQ(transport_.requests().size(), 1u);
  EXPECT_TRUE(HasText(Authorization(transport_.requests()[0]), "Credential=AKIDSRC/"));
}

TEST_F(ChainTest, SelfReferencingProfileUsesItsOwnKeys) {
  CredentialsFile(
      "[self]\naws_access_key_id = AKIDSELF\naws_secret_access_key = S\n"
      "role_arn = arn:aws:iam::1:role/self\nsource_profile = self\n");
  RespondAssumeRole("ASIASELF");
  options_.profile = "self";
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIASELF");
  EXPECT_TRUE(HasText(Authorization(transport_.requests().at(0)), "Credential=AKIDSELF/"));
}

TEST_F(ChainTest, SourceProfileLoopIsDetected) {
  Config(
      "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
      "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = c\n"
      "[profile c]\nrole_arn = arn:aws:iam::1:role/c\nsource_profile = a\n");
  options_.profile = "a";
  Result<std::shared_ptr<CredentialsProvider>> provider = Build();
  ASSERT_FALSE(provider.ok());
  EXPECT_EQ(provider.error().kind, ErrorKind::kConfig);
  EXPECT_TRUE(HasText(provider.error().message, "a -> b -> c -> a"));
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(ChainTest, CredentialSourceEnvironment) {
  SetEnvKeys();
  Config("[profile ops]\nrole_arn = arn:aws:iam::1:role/ops\ncredential_source = Environment\n");
  RespondAssumeRole("ASIAOPS");
  options_.profile = "ops";
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAOPS");
  EXPECT_TRUE(HasText(Authorization(transport_.requests().at(0)), "Credential=AKIDENV/"));
}

TEST_F(ChainTest, CredentialSourceInstanceMetadata) {
  env_.Set("AWS_EC2_METADATA_DISABLED", "false");
  Config("[default]\nrole_arn = arn:aws:iam::1:role/x\ncredential_source = Ec2InstanceMetadata\n");
  RespondImds("AKIDIMDS");
  RespondAssumeRole("ASIAX");
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAX");
  const auto requests = transport_.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_TRUE(HasText(Authorization(requests[3]), "Credential=AKIDIMDS/"));
}

TEST_F(ChainTest, CredentialSourceInstanceMetadataWhileItIsDisabledIsAConfigError) {
  Config("[default]\nrole_arn = arn:aws:iam::1:role/x\ncredential_source = Ec2InstanceMetadata\n");
  Result<std::shared_ptr<CredentialsProvider>> provider = Build();
  ASSERT_FALSE(provider.ok());
  EXPECT_EQ(provider.error().kind, ErrorKind::kConfig);
  EXPECT_TRUE(HasText(provider.error().message,
                      "profile default has credential_source = Ec2InstanceMetadata, but "
                      "AWS_EC2_METADATA_DISABLED is true"));
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(ChainTest, RoleOnTopOfResolvedCredentials) {
  SetEnvKeys();
  options_.role_arn = "arn:aws:iam::9:role/source-table-reader";
  options_.external_id = "x-1";
  options_.role_session_name = "copy-job";
  options_.region = "ap-southeast-2";
  RespondAssumeRole("ASIAREADER");
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAREADER");
  EXPECT_EQ(c->source, "assume-role arn:aws:iam::9:role/source-table-reader");
  const HttpRequest request = transport_.requests().at(0);
  EXPECT_EQ(request.url, "https://sts.ap-southeast-2.amazonaws.com/");
  EXPECT_EQ(Field(request, "RoleArn"), "arn:aws:iam::9:role/source-table-reader");
  EXPECT_EQ(Field(request, "ExternalId"), "x-1");
  EXPECT_EQ(Field(request, "RoleSessionName"), "copy-job");
  EXPECT_TRUE(HasText(Authorization(request), "Credential=AKIDENV/"));
}

// --debug shows the STS calls too: one line each, never a secret.
TEST_F(ChainTest, StsCallsAreToldToTheDebugLog) {
  SetEnvKeys();
  std::vector<std::string> lines;
  options_.sts_debug_log = [&](const std::string& line) { lines.push_back(line); };
  options_.role_arn = "arn:aws:iam::9:role/source-table-reader";
  RespondAssumeRole("ASIAREADER");
  ASSERT_TRUE(Resolve().ok());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].starts_with("sts AssumeRole -> HTTP 200")) << lines[0];
}

TEST_F(ChainTest, WebIdentityFromProfile) {
  const std::string token = dir_.WriteFile("tok", "eyJ.profile");
  Config("[profile k8s]\nrole_arn = arn:aws:iam::1:role/k8s\nweb_identity_token_file = " + token +
         "\nrole_session_name = k8s-session\n");
  RespondAssumeRole("ASIAK8S", 1h, "AssumeRoleWithWebIdentity");
  options_.profile = "k8s";
  Result<Credentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAK8S");
  const HttpRequest request = transport_.requests().at(0);
  EXPECT_EQ(request.FindHeader("Authorization"), nullptr);
  EXPECT_EQ(Field(request, "WebIdentityToken"), "eyJ.profile");
  EXPECT_EQ(Field(request, "RoleSessionName"), "k8s-session");
}

TEST_F(ChainTest, StsEndpointOverrides) {
  Config(
      "[default]\nrole_arn = arn:aws:iam::1:role/x\ncredential_source = Environment\n"
      "endpoint_url = http://localhost:4566\n");
  SetEnvKeys();
  options_.profile = "default";  // else the environment keys would win over [default]
  RespondAssumeRole("ASIA1");
  ASSERT_TRUE(Resolve().ok());
  EXPECT_EQ(transport_.requests().at(0).url, "http://localhost:4566/");
  env_.Set("AWS_ENDPOINT_URL_STS", "https://sts.vpce.example:8443");
  RespondAssumeRole("ASIA2");
  ASSERT_TRUE(Resolve().ok());
  EXPECT_EQ(transport_.requests().at(1).url, "https://sts.vpce.example:8443/");
}

// --- Refresh. ---

TEST_F(ChainTest, AssumedRoleIsRefreshedBeforeExpiry) {
  SetEnvKeys();
  options_.role_arn = "arn:aws:iam::1:role/long-migration";
  options_.refresh.refresh_window = 10min;
  RespondAssumeRole("ASIAFIRST", 1h);
  Result<std::shared_ptr<CredentialsProvider>> provider = Build();
  ASSERT_TRUE(provider.ok());
  EXPECT_EQ((*provider)->GetCredentials()->access_key_id, "ASIAFIRST");
  clock_.Advance(49min);
  EXPECT_EQ((*provider)->GetCredentials()->access_key_id, "ASIAFIRST");
  EXPECT_EQ(transport_.requests().size(), 1u);
  RespondAssumeRole("ASIASECOND", 1h);
  clock_.Advance(1min + 1s);  // 50:01: inside the 10-minute window
  EXPECT_EQ((*provider)->GetCredentials()->access_key_id, "ASIASECOND");
  EXPECT_EQ(transport_.requests().size(), 2u);
  clock_.Advance(30min);
  EXPECT_EQ((*provider)->GetCredentials()->access_key_id, "ASIASECOND");
  EXPECT_EQ(transport_.requests().size(), 2u);
}

TEST_F(ChainTest, RoleRenewalsRetryAndTellOutagesAsTheyAreTold) {
  SetEnvKeys();
  options_.role_arn = "arn:aws:iam::1:role/long-migration";
  options_.sts_retry.max_attempts = 2;
  options_.sts_retry.outage_window = 60s;
  std::vector<std::string> notices;
  options_.sts_notice = [&](const std::string& line) { notices.push_back(line); };
  RespondAssumeRole("ASIAFIRST", 20min);
  Result<std::shared_ptr<CredentialsProvider>> provider = Build();
  ASSERT_TRUE(provider.ok());
  EXPECT_EQ((*provider)->GetCredentials()->access_key_id, "ASIAFIRST");
  // The session has expired and STS fails four attempts, twice its two: STS answered before,
  // so the renewal rides the outage out, and says when it began and ended.
  clock_.Advance(21min);
  for (int i = 0; i < 4; ++i) {
    transport_.Respond(503,
                       "<ErrorResponse><Error><Code>ServiceUnavailable</Code><Message>down"
                       "</Message></Error></ErrorResponse>");
  }
  RespondAssumeRole("ASIASECOND");
  Result<Credentials> renewed = (*provider)->GetCredentials();
  ASSERT_TRUE(renewed.ok()) << renewed.error().ToString();
  EXPECT_EQ(renewed->access_key_id, "ASIASECOND");
  EXPECT_EQ(transport_.requests().size(), 6u);
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_TRUE(HasText(notices[0], "sts AssumeRole: ServiceUnavailable")) << notices[0];
  EXPECT_TRUE(HasText(notices[1], "sts at sts.us-east-1.amazonaws.com answers again"))
      << notices[1];
}

// --- Configuration errors. ---

struct ConfigErrorCase {
  const char* name;
  const char* config;
  ErrorKind kind;
  const char* what;
};

class ChainConfigErrorTest : public ChainTest,
                             public ::testing::WithParamInterface<ConfigErrorCase> {};

TEST_P(ChainConfigErrorTest, IsReportedAtBuild) {
  Config(GetParam().config);
  options_.profile = "p";
  Result<std::shared_ptr<CredentialsProvider>> provider = Build();
  ASSERT_FALSE(provider.ok());
  EXPECT_EQ(provider.error().kind, GetParam().kind);
  EXPECT_TRUE(HasText(provider.error().message, GetParam().what));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ChainConfigErrorTest,
    ::testing::Values(
        ConfigErrorCase{"RoleWithoutSource", "[profile p]\nrole_arn = arn:aws:iam::1:role/r\n",
                        ErrorKind::kConfig, "neither source_profile nor credential_source"},
        ConfigErrorCase{"BothSources",
                        "[profile p]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = q\n"
                        "credential_source = Environment\n[profile q]\n",
                        ErrorKind::kConfig, "both source_profile and credential_source"},
        ConfigErrorCase{"MissingSourceProfile",
                        "[profile p]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = q\n",
                        ErrorKind::kConfig, "the config profile (q) could not be found"},
        ConfigErrorCase{"SourceWithoutCredentials",
                        "[profile p]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = q\n"
                        "[profile q]\nregion = us-east-1\n",
                        ErrorKind::kConfig, "profile q has no credentials"},
        ConfigErrorCase{"BadCredentialSource",
                        "[profile p]\nrole_arn = arn:aws:iam::1:role/r\n"
                        "credential_source = Laptop\n",
                        ErrorKind::kConfig, "Environment, Ec2InstanceMetadata or EcsContainer"},
        ConfigErrorCase{"EnvironmentSourceWithoutKeys",
                        "[profile p]\nrole_arn = arn:aws:iam::1:role/r\n"
                        "credential_source = Environment\n",
                        ErrorKind::kConfig,
                        "profile p has credential_source = Environment, but AWS_ACCESS_KEY_ID "
                        "and AWS_SECRET_ACCESS_KEY are not set"},
        ConfigErrorCase{"BadDuration",
                        "[profile p]\nrole_arn = arn:aws:iam::1:role/r\n"
                        "source_profile = q\nduration_seconds = 1h\n"
                        "[profile q]\naws_access_key_id = A\naws_secret_access_key = S\n",
                        ErrorKind::kConfig, "900 to 43200"},
        ConfigErrorCase{"Mfa",
                        "[profile p]\nrole_arn = arn:aws:iam::1:role/r\n"
                        "credential_source = Environment\nmfa_serial = arn:aws:iam::1:mfa/u\n",
                        ErrorKind::kConfig, "mfa_serial"},
        ConfigErrorCase{"Sso", "[profile p]\nsso_session = corp\nsso_account_id = 1\n",
                        ErrorKind::kConfig, "IAM Identity Center"},
        ConfigErrorCase{"WebIdentityWithoutRole", "[profile p]\nweb_identity_token_file = /t\n",
                        ErrorKind::kConfig, "no role_arn"},
        ConfigErrorCase{"PartialKeys", "[profile p]\naws_access_key_id = AKID\n",
                        ErrorKind::kConfig,
                        "sets aws_access_key_id but not aws_secret_access_key"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(ChainTest, PartialExplicitCredentials) {
  options_.access_key_id = "AKID";
  Result<std::shared_ptr<CredentialsProvider>> provider = Build();
  ASSERT_FALSE(provider.ok());
  EXPECT_EQ(provider.error().kind, ErrorKind::kInvalidInput);
}

TEST_F(ChainTest, WebIdentityEnvironmentWithoutRole) {
  env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token");
  Result<std::shared_ptr<CredentialsProvider>> provider = Build();
  ASSERT_FALSE(provider.ok());
  EXPECT_EQ(provider.error().kind, ErrorKind::kConfig);
  EXPECT_TRUE(HasText(provider.error().message, "AWS_ROLE_ARN"));
}

// --- No secret in any message. ---

TEST_F(ChainTest, SecretsNeverAppearInMessages) {
  const std::string secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYSECRET";
  const std::string token = "FwoGZXIvYXdzSESSIONTOKEN";
  const std::string web_token = "eyJhbGciOiWEBIDENTITYTOKEN";
  std::vector<std::string> messages;
  auto collect = [&](const Result<Credentials>& r) {
    ASSERT_FALSE(r.ok());
    messages.push_back(r.error().ToString());
  };

  // Half-set environment pair.
  env_.Set("AWS_SECRET_ACCESS_KEY", secret);
  env_.Set("AWS_SESSION_TOKEN", token);
  collect(Resolve());
  env_ = MapEnv();
  env_.Set("HOME", dir_.path());
  env_.Set("AWS_EC2_METADATA_DISABLED", "true");

  // Half-set explicit credentials.
  options_.secret_access_key = secret;
  options_.session_token = token;
  collect(Resolve());
  options_ = CredentialsOptions();
  options_.sts_retry.max_attempts = 1;

  // Half-set profile keys, a malformed credentials line, a failing and a lying process.
  const std::string failing =
      dir_.WriteFile("fail.sh", "#!/bin/sh\necho '" + secret + " " + token + "'\nexit 1\n", 0755);
  const std::string lying =
      dir_.WriteFile("lie.sh", "#!/bin/sh\necho 'SecretAccessKey=" + secret + "'\n", 0755);
  Config("[profile half]\naws_secret_access_key = " + secret + "\naws_session_token = " + token +
         "\n[profile failing]\ncredential_process = " + failing + " --token " + token +
         "\n[profile lying]\ncredential_process = " + lying +
         "\n[profile web]\nrole_arn = arn:aws:iam::1:role/w\nweb_identity_token_file = " +
         dir_.WriteFile("web", web_token) +
         "\n[profile role]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = keys\n"
         "[profile keys]\naws_access_key_id = AKIDKEYS\naws_secret_access_key = " +
         secret + "\naws_session_token = " + token + "\n");
  for (const char* profile : {"half", "failing", "lying"}) {
    options_.profile = profile;
    collect(Resolve());
  }
  // STS rejecting the web identity token and the signed AssumeRole.
  transport_.Respond(400,
                     "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>bad "
                     "token</Message></Error></ErrorResponse>");
  options_.profile = "web";
  collect(Resolve());
  transport_.Respond(403, "<html>" + secret + token + "</html>");
  options_.profile = "role";
  collect(Resolve());

  // A credentials file with a broken line holding the secret.
  CredentialsFile("[x]\naws_secret_access_key " + secret + "\n");
  collect(Resolve());

  ASSERT_EQ(messages.size(), 8u);
  for (const std::string& message : messages) {
    EXPECT_TRUE(LacksText(message, secret));
    EXPECT_TRUE(LacksText(message, token));
    EXPECT_TRUE(LacksText(message, web_token));
  }
}

// --- Region. ---

TEST(ResolveRegionTest, Precedence) {
  Result<IniFile> config = ParseIni("[profile dev]\nregion = eu-west-1\n", "config");
  ASSERT_TRUE(config.ok());
  SharedConfig shared = SharedConfig::FromFiles(*config, IniFile{"credentials", {}});
  MapEnv env;
  EXPECT_EQ(*ResolveRegion(std::nullopt, env, shared, "dev"), "eu-west-1");
  env.Set("AWS_DEFAULT_REGION", "us-west-1");
  EXPECT_EQ(*ResolveRegion(std::nullopt, env, shared, "dev"), "us-west-1");
  env.Set("AWS_REGION", "us-west-2");
  EXPECT_EQ(*ResolveRegion(std::nullopt, env, shared, "dev"), "us-west-2");
  EXPECT_EQ(*ResolveRegion(std::string("ap-east-1"), env, shared, "dev"), "ap-east-1");
}

TEST(ResolveRegionTest, NoneAndInvalid) {
  SharedConfig shared;
  MapEnv env;
  Result<std::string> none = ResolveRegion(std::nullopt, env, shared, "default");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, ErrorKind::kConfig);
  EXPECT_EQ(none.error().message,
            "no region: pass --region, set AWS_REGION, or add region to the profile");
  env.Set("AWS_REGION", "us-east-1/evil");
  Result<std::string> bad = ResolveRegion(std::nullopt, env, shared, "default");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidInput);
  EXPECT_TRUE(HasText(bad.error().message, "AWS_REGION"));
  EXPECT_EQ(*StsRegion(std::nullopt, MapEnv(), shared, "default"), "us-east-1");
}

TEST(ActiveProfileTest, FlagThenEnvThenDefault) {
  MapEnv env;
  EXPECT_EQ(ActiveProfile(std::nullopt, env), "default");
  env.Set("AWS_PROFILE", "env");
  EXPECT_EQ(ActiveProfile(std::nullopt, env), "env");
  EXPECT_EQ(ActiveProfile(std::string("flag"), env), "flag");
}

TEST(ActiveProfileTest, AwsDefaultProfileIsReadWhenAwsProfileIsNot) {
  MapEnv env;
  env.Set("AWS_DEFAULT_PROFILE", "legacy");
  EXPECT_EQ(ActiveProfile(std::nullopt, env), "legacy");
  EXPECT_EQ(ProfileFromEnvironment(env)->variable, "AWS_DEFAULT_PROFILE");
  EXPECT_FALSE(ConflictingProfileVariables(env));
  env.Set("AWS_PROFILE", "legacy");  // the same profile twice is no conflict
  EXPECT_FALSE(ConflictingProfileVariables(env));
  EXPECT_EQ(ProfileFromEnvironment(env)->variable, "AWS_PROFILE");
  env.Set("AWS_PROFILE", "other");
  EXPECT_TRUE(ConflictingProfileVariables(env));
  EXPECT_EQ(ActiveProfile(std::nullopt, env), "other");
  EXPECT_FALSE(ProfileFromEnvironment(MapEnv()).has_value());
}

}  // namespace
}  // namespace ddbm::aws
