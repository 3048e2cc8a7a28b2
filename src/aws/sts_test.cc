#include "aws/sts.h"

#include <gtest/gtest.h>

#include <map>

#include "aws/iso8601.h"
#include "aws/static_providers.h"
#include "aws/sts_providers.h"
#include "aws/url.h"
#include "testing/fake_clock.h"
#include "testing/scripted_transport.h"
#include "testing/temp_dir.h"
#include "testing/text_assertions.h"

namespace ddbm::aws {
namespace {

using testing::HasText;
using testing::LacksText;

std::map<std::string, std::string> FormFields(const std::string& body) {
  std::map<std::string, std::string> fields;
  size_t start = 0;
  while (start <= body.size()) {
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

std::string AssumeRoleXml(const std::string& operation, const std::string& key,
                          const std::string& expiration) {
  return "<" + operation +
         "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
         "  <" +
         operation +
         "Result>\n"
         "    <AssumedRoleUser>\n"
         "      <Arn>arn:aws:sts::123456789012:assumed-role/demo/session</Arn>\n"
         "      <AssumedRoleId>AROA123EXAMPLE:session</AssumedRoleId>\n"
         "    </AssumedRoleUser>\n"
         "    <Credentials>\n"
         "      <AccessKeyId>" +
         key +
         "</AccessKeyId>\n"
         "      <SecretAccessKey>TEMPSECRET</SecretAccessKey>\n"
         "      <SessionToken>TEMPTOKEN</SessionToken>\n"
         "      <Expiration>" +
         expiration +
         "</Expiration>\n"
         "    </Credentials>\n"
         "  </" +
         operation +
         "Result>\n"
         "  <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>\n"
         "</" +
         operation + "Response>\n";
}

class StsTest : public ::testing::Test {
 protected:
  StsClient Client(std::shared_ptr<CredentialsProvider> credentials) {
    Result<ServiceClientConfig> config =
        StsClientConfig("us-west-2", env_, {}, std::move(credentials), &transport_, &clock_);
    EXPECT_TRUE(config.ok());
    config->retry.max_attempts = 1;
    return StsClient(std::move(*config));
  }
  std::shared_ptr<CredentialsProvider> Source() {
    return std::make_shared<StaticProvider>(
        Credentials{"AKIDSOURCE", "SOURCESECRET", "SOURCETOKEN", std::nullopt, "test"});
  }

  MapEnv env_;
  testing::FakeClock clock_;
  testing::ScriptedTransport transport_;
};

TEST(FormEncodeTest, EncodesKeysAndValues) {
  EXPECT_EQ(FormEncode({{"Action", "AssumeRole"}, {"RoleArn", "arn:aws:iam::1:role/a b"}}),
            "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b");
  EXPECT_EQ(FormEncode({}), "");
}

TEST_F(StsTest, AssumeRoleSendsASignedForm) {
  transport_.Respond(200, AssumeRoleXml("AssumeRole", "ASIATEMP", "2015-08-30T13:36:00Z"));
  StsClient sts = Client(Source());
  Result<AssumedRole> role = sts.AssumeRole(
      {"arn:aws:iam::123456789012:role/demo", "session", std::string("ext-42"), 1800});
  ASSERT_TRUE(role.ok()) << role.error().ToString();
  EXPECT_EQ(role->credentials.access_key_id, "ASIATEMP");
  EXPECT_EQ(role->credentials.secret_access_key, "TEMPSECRET");
  EXPECT_EQ(role->credentials.session_token, "TEMPTOKEN");
  EXPECT_EQ(role->credentials.expiration, ParseIso8601("2015-08-30T13:36:00Z"));
  EXPECT_EQ(role->credentials.source, "assume-role arn:aws:iam::123456789012:role/demo");
  EXPECT_EQ(role->assumed_role_arn, "arn:aws:sts::123456789012:assumed-role/demo/session");
  EXPECT_EQ(role->assumed_role_id, "AROA123EXAMPLE:session");

  ASSERT_EQ(transport_.requests().size(), 1u);
  const HttpRequest request = transport_.requests()[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://sts.us-west-2.amazonaws.com/");
  ASSERT_NE(request.FindHeader("Content-Type"), nullptr);
  EXPECT_EQ(*request.FindHeader("Content-Type"),
            "application/x-www-form-urlencoded; charset=utf-8");
  const auto fields = FormFields(request.body);
  EXPECT_EQ(fields.at("Action"), "AssumeRole");
  EXPECT_EQ(fields.at("Version"), "2011-06-15");
  EXPECT_EQ(fields.at("RoleArn"), "arn:aws:iam::123456789012:role/demo");
  EXPECT_EQ(fields.at("RoleSessionName"), "session");
  EXPECT_EQ(fields.at("ExternalId"), "ext-42");
  EXPECT_EQ(fields.at("DurationSeconds"), "1800");
  ASSERT_NE(request.FindHeader("Authorization"), nullptr);
  EXPECT_TRUE(HasText(*request.FindHeader("Authorization"),
                      "Credential=AKIDSOURCE/20150830/us-west-2/sts/aws4_request"));
  ASSERT_NE(request.FindHeader("X-Amz-Security-Token"), nullptr);
  EXPECT_EQ(*request.FindHeader("X-Amz-Security-Token"), "SOURCETOKEN");
}

TEST_F(StsTest, OptionalFieldsAreLeftOut) {
  transport_.Respond(200, AssumeRoleXml("AssumeRole", "ASIATEMP", "2015-08-30T13:36:00Z"));
  Result<AssumedRole> role = Client(Source()).AssumeRole({"arn:aws:iam::1:role/r", "s", {}, {}});
  ASSERT_TRUE(role.ok());
  const auto fields = FormFields(transport_.requests()[0].body);
  EXPECT_FALSE(fields.contains("ExternalId"));
  EXPECT_FALSE(fields.contains("DurationSeconds"));
}

TEST_F(StsTest, WebIdentityIsUnsigned) {
  transport_.Respond(200,
                     AssumeRoleXml("AssumeRoleWithWebIdentity", "ASIAWEB", "2015-08-30T13:36:00Z"));
  Result<AssumedRole> role = Client(nullptr).AssumeRoleWithWebIdentity(
      {"arn:aws:iam::1:role/web", "pod", "eyJ.TOKEN.sig", std::nullopt});
  ASSERT_TRUE(role.ok()) << role.error().ToString();
  EXPECT_EQ(role->credentials.access_key_id, "ASIAWEB");
  EXPECT_EQ(role->credentials.source, "web-identity arn:aws:iam::1:role/web");
  const HttpRequest request = transport_.requests().at(0);
  EXPECT_EQ(request.FindHeader("Authorization"), nullptr);
  const auto fields = FormFields(request.body);
  EXPECT_EQ(fields.at("Action"), "AssumeRoleWithWebIdentity");
  EXPECT_EQ(fields.at("WebIdentityToken"), "eyJ.TOKEN.sig");
  EXPECT_EQ(fields.at("RoleSessionName"), "pod");
}

TEST_F(StsTest, GetCallerIdentity) {
  transport_.Respond(
      200,
      "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
      "<GetCallerIdentityResult>"
      "<Arn>arn:aws:iam::123456789012:user/alice</Arn>"
      "<UserId>AIDAEXAMPLE</UserId>"
      "<Account>123456789012</Account>"
      "</GetCallerIdentityResult>"
      "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
      "</GetCallerIdentityResponse>");
  Result<CallerIdentity> who = Client(Source()).GetCallerIdentity();
  ASSERT_TRUE(who.ok()) << who.error().ToString();
  EXPECT_EQ(who->account, "123456789012");
  EXPECT_EQ(who->arn, "arn:aws:iam::123456789012:user/alice");
  EXPECT_EQ(who->user_id, "AIDAEXAMPLE");
  EXPECT_EQ(FormFields(transport_.requests().at(0).body).at("Action"), "GetCallerIdentity");
}

TEST_F(StsTest, XmlErrorBecomesServiceError) {
  transport_.Respond(403,
                     "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                     "<Error><Type>Sender</Type><Code>AccessDenied</Code>"
                     "<Message>User is not authorized to perform: sts:AssumeRole</Message>"
                     "</Error><RequestId>req-403</RequestId></ErrorResponse>");
  Result<AssumedRole> role = Client(Source()).AssumeRole({"arn:aws:iam::1:role/r", "s", {}, {}});
  ASSERT_FALSE(role.ok());
  const Error& e = role.error();
  EXPECT_EQ(e.kind, ErrorKind::kService);
  EXPECT_EQ(e.service, "sts");
  EXPECT_EQ(e.operation, "AssumeRole");
  EXPECT_EQ(e.code, "AccessDenied");
  EXPECT_EQ(e.http_status, 403);
  EXPECT_EQ(e.request_id, "req-403");
  EXPECT_EQ(e.message, "User is not authorized to perform: sts:AssumeRole");
}

TEST(DecodeStsErrorTest, NonXmlBodyIsNotQuoted) {
  HttpResponse response;
  response.status = 502;
  response.body = "<html>proxy said SECRETSECRET";
  std::optional<Error> e = DecodeStsError(response);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, ErrorKind::kService);
  EXPECT_EQ(e->http_status, 502);
  EXPECT_TRUE(LacksText(e->ToString(), "SECRETSECRET"));
}

TEST(DecodeStsErrorTest, MalformedSuccessIsCorruption) {
  HttpResponse response;
  response.status = 200;
  response.body = "<AssumeRoleResponse><AssumeRoleResult>";
  std::optional<Error> e = DecodeStsError(response);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, ErrorKind::kCorruption);
  response.body = "<ok/>";
  EXPECT_FALSE(DecodeStsError(response).has_value());
}

TEST_F(StsTest, AnswerWithoutCredentialsIsCorruptAndNotQuoted) {
  transport_.Respond(200,
                     "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
                     "<SecretAccessKey>SECRETSECRET</SecretAccessKey>"
                     "</Credentials></AssumeRoleResult></AssumeRoleResponse>");
  Result<AssumedRole> role = Client(Source()).AssumeRole({"arn:aws:iam::1:role/r", "s", {}, {}});
  ASSERT_FALSE(role.ok());
  EXPECT_EQ(role.error().kind, ErrorKind::kCorruption);
  EXPECT_TRUE(LacksText(role.error().ToString(), "SECRETSECRET"));
}

TEST_F(StsTest, EndpointOverrides) {
  ConfiguredEndpoints profile;
  profile.profile_url = "http://profile:1";
  env_.Set("AWS_ENDPOINT_URL", "http://localhost:4566");
  Result<ServiceClientConfig> config =
      StsClientConfig("eu-west-1", env_, profile, nullptr, &transport_, &clock_);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->endpoint.Origin(), "http://localhost:4566");
  env_.Set("AWS_ENDPOINT_URL_STS", "https://sts.internal:8443");
  config = StsClientConfig("eu-west-1", env_, {}, nullptr, &transport_, &clock_);
  EXPECT_EQ(config->endpoint.Origin(), "https://sts.internal:8443");
  MapEnv empty;
  config = StsClientConfig("eu-west-1", empty, profile, nullptr, &transport_, &clock_);
  EXPECT_EQ(config->endpoint.Origin(), "http://profile:1");
  config = StsClientConfig("cn-north-1", empty, {}, nullptr, &transport_, &clock_);
  EXPECT_EQ(config->endpoint.Origin(), "https://sts.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(config->signing_name, "sts");
  EXPECT_EQ(config->region, "cn-north-1");
}

TEST_F(StsTest, ProvidersUseTheDefaultSessionNameAndReadTheTokenFile) {
  testing::TempDir dir;
  const std::string token_file = dir.WriteFile("token", "eyJ.first\n");
  transport_.Respond(200, AssumeRoleXml("AssumeRole", "ASIA1", "2015-08-30T13:36:00Z"));
  transport_.Respond(200,
                     AssumeRoleXml("AssumeRoleWithWebIdentity", "ASIA2", "2015-08-30T13:36:00Z"));
  auto signed_sts = std::make_shared<StsClient>(Client(Source()));
  auto unsigned_sts = std::make_shared<StsClient>(Client(nullptr));
  AssumeRoleProvider assume(signed_sts, {"arn:aws:iam::1:role/r", "", {}, {}}, &clock_);
  WebIdentityProvider web(unsigned_sts, {"arn:aws:iam::1:role/w", token_file, "", {}}, &clock_);
  ASSERT_TRUE(assume.GetCredentials().ok());
  ASSERT_TRUE(web.GetCredentials().ok());
  const auto requests = transport_.requests();
  EXPECT_EQ(FormFields(requests[0].body).at("RoleSessionName"), "ddbmigrate-1440938160");
  EXPECT_EQ(FormFields(requests[1].body).at("RoleSessionName"), "ddbmigrate-1440938160");
  EXPECT_EQ(FormFields(requests[1].body).at("WebIdentityToken"), "eyJ.first");
}

TEST_F(StsTest, MissingTokenFileNamesTheFileOnly) {
  auto unsigned_sts = std::make_shared<StsClient>(Client(nullptr));
  WebIdentityProvider web(unsigned_sts, {"arn:aws:iam::1:role/w", "/no/such/token", "", {}},
                          &clock_);
  Result<Credentials> c = web.GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kCredentials);
  EXPECT_TRUE(HasText(c.error().message, "/no/such/token"));
  EXPECT_TRUE(transport_.requests().empty());
}

}  // namespace
}  // namespace ddbm::aws
