// ServiceClient over a scripted transport and a fake clock: signing, error decoding, retries.
#include "aws/service_client.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "dynamodb/json_rpc.h"
#include "testing/fake_clock.h"
#include "testing/scripted_transport.h"

namespace ddbm::aws {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing::FakeClock;
using testing::ScriptedTransport;

class FixedCredentials final : public CredentialsProvider {
 public:
  Result<Credentials> GetCredentials() override {
    ++calls;
    if (fail) return Error::Make(ErrorKind::kCredentials, "no credentials configured");
    if (error) return *error;
    Credentials c;
    c.access_key_id = "AKID";
    c.secret_access_key = "SECRET";
    c.session_token = session_token;
    c.source = "test";
    return c;
  }
  std::string session_token;
  int calls = 0;
  bool fail = false;
  std::optional<Error> error;  // returned instead, when set
};

std::string Crc32(const std::string& body) {
  const uLong crc = crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(body.data()),
                          static_cast<uInt>(body.size()));
  return std::to_string(crc);
}

constexpr char kGoodBody[] = R"({"Items":[],"Count":0,"ScannedCount":0})";

class ServiceClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServiceClient> MakeClient(
      const std::string& endpoint = "https://dynamodb.us-east-1.amazonaws.com",
      int max_attempts = 5, const std::atomic<bool>* stop = nullptr) {
    ServiceClientConfig config;
    config.service = "dynamodb";
    config.signing_name = "dynamodb";
    config.region = "us-east-1";
    Result<Url> url = ParseUrl(endpoint);
    EXPECT_TRUE(url.ok());
    config.endpoint = *url;
    config.credentials = credentials_;
    config.transport = &transport_;
    config.clock = &clock_;
    config.retry.max_attempts = max_attempts;
    config.stop = stop;
    if (configure_) configure_(config);
    return std::make_unique<ServiceClient>(std::move(config));
  }

  // A client of two attempts and an outage window of `window`, telling its notices to
  // `notices`, that the service has answered once already. `stop` as in MakeClient.
  std::unique_ptr<ServiceClient> AnsweredClient(std::chrono::seconds window,
                                                std::vector<std::string>* notices,
                                                const std::atomic<bool>* stop = nullptr) {
    configure_ = [window, notices](ServiceClientConfig& config) {
      config.retry.outage_window = window;
      config.notice = [notices](const std::string& line) { notices->push_back(line); };
    };
    auto client = MakeClient("https://dynamodb.us-east-1.amazonaws.com", /*max_attempts=*/2, stop);
    transport_.Respond(200, kGoodBody);
    EXPECT_TRUE(Call(*client).ok());
    return client;
  }

  static HttpRequest Request(std::string body = "{}") {
    HttpRequest request;
    request.method = "POST";
    request.url = "/";
    request.headers.push_back({"Content-Type", "application/x-amz-json-1.0"});
    request.headers.push_back({"X-Amz-Target", "DynamoDB_20120810.Scan"});
    request.body = std::move(body);
    return request;
  }

  Result<HttpResponse> Call(const ServiceClient& client, std::string body = "{}") {
    return client.Call("Scan", Request(std::move(body)), dynamodb::DecodeJsonError);
  }

  FakeClock clock_;
  ScriptedTransport transport_;
  std::function<void(ServiceClientConfig&)> configure_;  // last edit of MakeClient's config
  std::shared_ptr<FixedCredentials> credentials_ = std::make_shared<FixedCredentials>();
};

TEST_F(ServiceClientTest, SuccessOnFirstAttempt) {
  auto client = MakeClient();
  const std::string body = kGoodBody;
  transport_.Respond(200, body, {{"x-amz-crc32", Crc32(body)}});
  Result<HttpResponse> r = Call(*client);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, body);
  EXPECT_EQ(client->counters().requests.load(), 1u);
  EXPECT_EQ(client->counters().retries.load(), 0u);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(ServiceClientTest, ARefusedClientFailsEveryCallWithoutSending) {
  ServiceClientConfig config = MakeClient()->config();
  config.refused = Error::Make(ErrorKind::kConfig, "AWS_USE_FIPS_ENDPOINT asks for FIPS endpoints");
  ServiceClient client(std::move(config));
  for (int i = 0; i < 2; ++i) {
    Result<HttpResponse> r = Call(client);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::kConfig);
    EXPECT_EQ(r.error().service, "dynamodb");
    EXPECT_FALSE(r.error().operation.empty());
    EXPECT_EQ(r.error().message, "AWS_USE_FIPS_ENDPOINT asks for FIPS endpoints");
  }
  EXPECT_TRUE(transport_.requests().empty());
  EXPECT_EQ(client.counters().requests.load(), 0u);
}

TEST_F(ServiceClientTest, RequestIsAddressedAndSigned) {
  auto client = MakeClient();
  transport_.Respond(200, kGoodBody);
  dynamodb::JsonRpc rpc(client.get(), dynamodb::kDynamoDbTargetPrefix);
  Result<HttpResponse> r = rpc.Call("DescribeTable", R"({"TableName":"t"})");
  ASSERT_TRUE(r.ok()) << r.error().ToString();

  const std::vector<HttpRequest> sent = transport_.requests();
  ASSERT_EQ(sent.size(), 1u);
  const HttpRequest& req = sent[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://dynamodb.us-east-1.amazonaws.com/");
  EXPECT_EQ(req.body, R"({"TableName":"t"})");
  ASSERT_NE(req.FindHeader("Host"), nullptr);
  EXPECT_EQ(*req.FindHeader("Host"), "dynamodb.us-east-1.amazonaws.com");
  ASSERT_NE(req.FindHeader("X-Amz-Target"), nullptr);
  EXPECT_EQ(*req.FindHeader("X-Amz-Target"), "DynamoDB_20120810.DescribeTable");
  ASSERT_NE(req.FindHeader("Content-Type"), nullptr);
  EXPECT_EQ(*req.FindHeader("Content-Type"), "application/x-amz-json-1.0");
  ASSERT_NE(req.FindHeader("User-Agent"), nullptr);
  EXPECT_EQ(*req.FindHeader("User-Agent"), "ddbmigrate");
  ASSERT_NE(req.FindHeader("X-Amz-Date"), nullptr);
  EXPECT_EQ(*req.FindHeader("X-Amz-Date"), "20150830T123600Z");  // the fake clock's time
  const std::string* authorization = req.FindHeader("Authorization");
  ASSERT_NE(authorization, nullptr);
  EXPECT_EQ(authorization->rfind("AWS4-HMAC-SHA256 Credential=AKID/", 0), 0u) << *authorization;
  EXPECT_NE(authorization->find("Credential=AKID/20150830/us-east-1/dynamodb/aws4_request"),
            std::string::npos)
      << *authorization;
  EXPECT_NE(authorization->find("SignedHeaders="), std::string::npos);
  EXPECT_NE(authorization->find("x-amz-target"), std::string::npos);
  EXPECT_NE(authorization->find("Signature="), std::string::npos);
  EXPECT_EQ(credentials_->calls, 1);
}

TEST_F(ServiceClientTest, EndpointWithPortAndPath) {
  auto client = MakeClient("http://localhost:8000");
  transport_.Respond(200, kGoodBody);
  ASSERT_TRUE(Call(*client).ok());
  auto client2 = MakeClient("https://proxy.example.com/prefix/");
  transport_.Respond(200, kGoodBody);
  ASSERT_TRUE(Call(*client2).ok());

  const std::vector<HttpRequest> sent = transport_.requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].url, "http://localhost:8000/");
  EXPECT_EQ(*sent[0].FindHeader("Host"), "localhost:8000");
  EXPECT_EQ(sent[1].url, "https://proxy.example.com/prefix/");
  EXPECT_EQ(*sent[1].FindHeader("Host"), "proxy.example.com");
}

TEST_F(ServiceClientTest, ThrottleThenSuccess) {
  auto client = MakeClient();
  transport_.Respond(
      400,
      R"({"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",)"
      R"("message":"The level of configured provisioned throughput for the table was exceeded."})");
  transport_.Respond(200, kGoodBody);
  Result<HttpResponse> r = Call(*client);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->body, kGoodBody);
  EXPECT_EQ(transport_.requests().size(), 2u);
  ASSERT_EQ(clock_.sleeps().size(), 1u);
  // A throttle's first wait is within [0, 4 * 25 ms].
  EXPECT_LE(clock_.sleeps()[0], milliseconds(100));
  EXPECT_EQ(client->counters().requests.load(), 2u);
  EXPECT_EQ(client->counters().retries.load(), 1u);
  EXPECT_EQ(client->counters().throttles.load(), 1u);
}

TEST_F(ServiceClientTest, ASignatureErrorNeverQuotesTheSessionToken) {
  credentials_->session_token = "TOKENSECRET/abc+def==";
  auto client = MakeClient();
  // As AWS words it: the canonical request it expected, headers and all, on several lines.
  transport_.Respond(
      400,
      R"({"__type":"com.amazon.coral.service#InvalidSignatureException","message":)"
      R"("The request signature we calculated does not match the signature you provided.\n)"
      R"(Check your AWS Secret Access Key and signing method.\n\nThe Canonical String for this )"
      R"(request should have been\n'POST\n/\n\nhost:dynamodb.us-east-1.amazonaws.com\n)"
      R"(x-amz-security-token:TOKENSECRET/abc+def==\n'\n\nThe String-to-Sign should have )"
      R"(been\n'AWS4-HMAC-SHA256\n20261205T000000Z'\n"})");
  Result<HttpResponse> r = Call(*client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.");
  EXPECT_EQ(r.error().ToString().find('\n'), std::string::npos);
  EXPECT_EQ(r.error().ToString().find("TOKENSECRET"), std::string::npos);
}

// The fake clock reads 2015-08-30T12:36:00Z: seven minutes ahead of the answer's Date.
TEST_F(ServiceClientTest, ASignatureRefusedForTheClockSaysHowFarOffItIs) {
  auto client = MakeClient();
  const std::string expired =
      R"({"__type":"com.amazon.coral.service#InvalidSignatureException","message":)"
      R"x("Signature expired: 20150830T123600Z is now earlier than 20150830T122400Z )x"
      R"x((20150830T122900Z - 5 min.)"})x";
  transport_.Respond(400, expired, {{"Date", "Sun, 30 Aug 2015 12:29:00 GMT"}});
  Result<HttpResponse> r = Call(*client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidSignatureException");
  EXPECT_EQ(r.error().message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T122400Z "
            "(20150830T122900Z - 5 min.); this host's clock is 420 s ahead of the service's, by "
            "its answer's Date header: set it right, e.g. with NTP");
  // Behind, and S3's code for it.
  transport_.Respond(403, R"({"__type":"RequestTimeTooSkewed","message":"too large"})",
                     {{"date", "Sun, 30 Aug 2015 12:46:01 GMT"}});
  r = Call(*client);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("this host's clock is 601 s behind the service's"),
            std::string::npos)
      << r.error().message;
  // Not a clock's refusal, a clock within the allowance, or no Date: nothing added.
  for (const auto& [code, date] : std::vector<std::pair<std::string, std::string>>{
           {"AccessDeniedException", "Sun, 30 Aug 2015 12:29:00 GMT"},
           {"InvalidSignatureException", "Sun, 30 Aug 2015 12:33:00 GMT"},
           {"InvalidSignatureException", "yesterday"}}) {
    transport_.Respond(400, R"({"__type":")" + code + R"(","message":"no"})", {{"Date", date}});
    r = Call(*client);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "no") << code << " " << date;
  }
  // An answer without a message gets the advice as its message.
  transport_.Respond(400, R"({"__type":"InvalidSignatureException"})",
                     {{"Date", "Sun, 30 Aug 2015 12:29:00 GMT"}});
  r = Call(*client);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().message.starts_with("this host's clock is 420 s ahead"))
      << r.error().message;
}

// S3 allows 15 minutes, and its SignatureDoesNotMatch is a wrong key, not a clock.
TEST_F(ServiceClientTest, S3sClockRefusalIsItsOwn) {
  configure_ = [](ServiceClientConfig& config) { config.service = "s3"; };
  auto client = MakeClient();
  for (const auto& [code, date, advised] : std::vector<std::tuple<std::string, std::string, bool>>{
           {"SignatureDoesNotMatch", "Sun, 30 Aug 2015 12:19:00 GMT", false},
           {"RequestTimeTooSkewed", "Sun, 30 Aug 2015 12:26:00 GMT", false},
           {"RequestTimeTooSkewed", "Sun, 30 Aug 2015 12:19:00 GMT", true}}) {
    transport_.Respond(403, R"({"__type":")" + code + R"(","message":"no"})", {{"Date", date}});
    Result<HttpResponse> r = Call(*client);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message.find("this host's clock is 1020 s ahead") != std::string::npos,
              advised)
        << code << " " << date << ": " << r.error().message;
  }
}

TEST(PrintableServiceMessageTest, OneLineWithoutSecretsAndBounded) {
  EXPECT_EQ(PrintableServiceMessage("  a\n\tb  \r\n c "), "a b c");
  EXPECT_EQ(PrintableServiceMessage("denied for token T0K3N here", "T0K3N"),
            "denied for token [redacted] here");
  EXPECT_EQ(PrintableServiceMessage("bad header x-amz-security-token:abc def"), "bad header");
  EXPECT_EQ(PrintableServiceMessage("The Canonical String for this request should have been 'x'"),
            "(the message quoted the signed request and is not shown)");
  EXPECT_EQ(PrintableServiceMessage(" \n"), "");
  const std::string long_text(3000, 'x');
  EXPECT_EQ(PrintableServiceMessage(long_text), std::string(1000, 'x') + "...");
  // Cut on a character boundary: never half of a UTF-8 sequence.
  std::string accented(999, 'a');
  for (int i = 0; i < 10; ++i) accented += "\xC3\xA9";
  const std::string cut = PrintableServiceMessage(accented);
  EXPECT_EQ(cut, std::string(999, 'a') + "...");
}

TEST_F(ServiceClientTest, ThrottlingOutlastingTheAttemptBudgetEndsOnlyAtAStop) {
  std::atomic<bool> stop{false};
  auto client = MakeClient("https://dynamodb.us-east-1.amazonaws.com", /*max_attempts=*/3, &stop);
  int sent = 0;
  transport_.SetFallback([&](const HttpRequest&) -> Result<HttpResponse> {
    if (++sent == 50) stop.store(true);
    HttpResponse response;
    response.status = 400;
    response.body = R"({"__type":"ProvisionedThroughputExceededException","message":"slow down"})";
    return response;
  });
  Result<HttpResponse> r = Call(*client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(sent, 50);  // far past max_attempts: throttles do not count toward it
  EXPECT_EQ(r.error().kind, ErrorKind::kCancelled);
  EXPECT_EQ(r.error().code, "ProvisionedThroughputExceededException");
  EXPECT_EQ(r.error().operation, "Scan");
  EXPECT_EQ(client->counters().throttles.load(), 50u);
}

TEST_F(ServiceClientTest, ServerErrorThenSuccess) {
  auto client = MakeClient();
  transport_.Respond(500, R"({"__type":"com.amazon.coral.service#InternalFailure"})");
  transport_.Respond(200, kGoodBody);
  Result<HttpResponse> r = Call(*client);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(clock_.sleeps().size(), 1u);
  EXPECT_EQ(client->counters().retries.load(), 1u);
  EXPECT_EQ(client->counters().throttles.load(), 0u);
}

TEST_F(ServiceClientTest, TransportResetThenSuccess) {
  auto client = MakeClient();
  transport_.Fail("connection reset by peer");
  transport_.Respond(200, kGoodBody);
  // A body of batch size: each attempt borrows it from the caller's request.
  const std::string body = R"({"RequestItems":")" + std::string(40'000, 'x') + R"("})";
  Result<HttpResponse> r = Call(*client, body);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(clock_.sleeps().size(), 1u);
  EXPECT_EQ(client->counters().requests.load(), 2u);
  EXPECT_EQ(client->counters().retries.load(), 1u);
  // Each attempt is signed afresh and sends the same body.
  const std::vector<HttpRequest> sent = transport_.requests();
  EXPECT_EQ(sent[0].body, body);
  EXPECT_EQ(sent[1].body, body);
  EXPECT_EQ(credentials_->calls, 2);
}

TEST_F(ServiceClientTest, CrcMismatchIsRetriedThenGoodAnswerAccepted) {
  auto client = MakeClient();
  const std::string body = R"({"Items":[{"pk":{"S":"a"}}],"Count":1,"ScannedCount":1})";
  const std::string good_crc = Crc32(body);
  const std::string bad_crc = std::to_string(std::stoull(good_crc) ^ 1);
  // The body arrives damaged: its checksum does not match.
  transport_.Respond(200, body, {{"x-amz-crc32", bad_crc}});
  transport_.Respond(200, body, {{"x-amz-crc32", good_crc}});
  Result<HttpResponse> r = Call(*client);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->body, body);
  EXPECT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(client->counters().retries.load(), 1u);
  EXPECT_EQ(clock_.sleeps().size(), 1u);
}

TEST_F(ServiceClientTest, CrcMismatchDecodedAsCorruption) {
  HttpResponse response;
  response.status = 200;
  response.body = kGoodBody;
  response.headers.push_back({"X-Amz-Crc32", "12345"});
  std::optional<Error> e = dynamodb::DecodeJsonError(response);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, ErrorKind::kCorruption);
  EXPECT_EQ(e->http_status, 200);
  EXPECT_NE(e->message.find("CRC32"), std::string::npos);
  EXPECT_EQ(ClassifyError(*e), RetryClass::kTransient);

  // A checksum header that is not a number at all cannot vouch for the body.
  response.headers[0].value = "not-a-number";
  e = dynamodb::DecodeJsonError(response);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, ErrorKind::kCorruption);

  response.headers[0].value = Crc32(response.body);
  EXPECT_FALSE(dynamodb::DecodeJsonError(response).has_value());
}

TEST_F(ServiceClientTest, TruncatedBodyWithoutCrcIsRetried) {
  auto client = MakeClient();
  const std::string body = R"({"Items":[{"pk":{"S":"a"}}],"Count":1,"ScannedCount":1})";
  transport_.Respond(200, body.substr(0, body.size() / 2));
  transport_.Respond(200, body);
  Result<HttpResponse> r = Call(*client);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->body, body);
  EXPECT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(clock_.sleeps().size(), 1u);
}

TEST_F(ServiceClientTest, ValidationErrorIsFinalAndFullyDescribed) {
  auto client = MakeClient();
  transport_.Respond(
      400,
      R"({"__type":"com.amazon.coral.validate#ValidationException","message":"One or more parameter values were invalid"})",
      {{"x-amzn-RequestId", "REQ123ABC"}});
  transport_.Respond(200, kGoodBody);  // must not be reached
  Result<HttpResponse> r = Call(*client);
  ASSERT_FALSE(r.ok());
  const Error& e = r.error();
  EXPECT_EQ(e.kind, ErrorKind::kService);
  EXPECT_EQ(e.service, "dynamodb");
  EXPECT_EQ(e.operation, "Scan");
  EXPECT_EQ(e.code, "ValidationException");
  EXPECT_EQ(e.message, "One or more parameter values were invalid");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.request_id, "REQ123ABC");
  EXPECT_FALSE(e.retry_after.has_value());
  EXPECT_EQ(e.ToString(),
            "dynamodb Scan: ValidationException (HTTP 400): One or more parameter values were "
            "invalid [request id REQ123ABC]");
  EXPECT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(transport_.remaining(), 1u);
  EXPECT_TRUE(clock_.sleeps().empty());
  EXPECT_EQ(client->counters().retries.load(), 0u);
}

// A request refused after an earlier sending of it went unanswered may have been refused only
// because that sending was carried out: the error says so. A throttle is an answer that
// nothing was done, and a first refusal has no earlier sending.
TEST_F(ServiceClientTest, ARefusalAfterAnUnansweredSendingIsMarked) {
  constexpr char kInUse[] =
      R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceInUseException","message":"in use"})";
  auto client = MakeClient();
  transport_.Fail("connection reset by peer");
  transport_.Respond(400, kInUse);
  Result<HttpResponse> after_reset = Call(*client);
  ASSERT_FALSE(after_reset.ok());
  EXPECT_EQ(after_reset.error().code, "ResourceInUseException");
  EXPECT_TRUE(after_reset.error().earlier_sending_unanswered);

  transport_.Respond(500, R"({"__type":"com.amazon.coral.service#InternalFailure"})");
  transport_.Respond(400, kInUse);
  Result<HttpResponse> after_500 = Call(*client);
  ASSERT_FALSE(after_500.ok());
  EXPECT_TRUE(after_500.error().earlier_sending_unanswered);

  transport_.Respond(
      400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"slow"})");
  transport_.Respond(400, kInUse);
  Result<HttpResponse> after_throttle = Call(*client);
  ASSERT_FALSE(after_throttle.ok());
  EXPECT_FALSE(after_throttle.error().earlier_sending_unanswered);

  transport_.Respond(400, kInUse);
  Result<HttpResponse> first = Call(*client);
  ASSERT_FALSE(first.ok());
  EXPECT_FALSE(first.error().earlier_sending_unanswered);

  // The transport sent it twice to get this answer (a kept connection failed under the first).
  transport_.Push([&](const HttpRequest&) -> Result<HttpResponse> {
    HttpResponse r;
    r.status = 400;
    r.body = kInUse;
    r.sent_again = true;
    return r;
  });
  const uint64_t retries_before = client->counters().retries.load();
  Result<HttpResponse> resent_by_transport = Call(*client);
  ASSERT_FALSE(resent_by_transport.ok());
  EXPECT_TRUE(resent_by_transport.error().earlier_sending_unanswered);
  EXPECT_EQ(transport_.remaining(), 0u);
  // The transport's sending again counts as a retry.
  EXPECT_EQ(client->counters().retries.load(), retries_before + 1);
}

TEST_F(ServiceClientTest, UppercaseMessageMemberAndS3StyleRequestId) {
  auto client = MakeClient();
  transport_.Respond(400, R"({"__type":"ResourceNotFoundException","Message":"gone"})",
                     {{"x-amz-request-id", "S3REQ"}});
  Result<HttpResponse> r = Call(*client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ResourceNotFoundException");
  EXPECT_EQ(r.error().message, "gone");
  EXPECT_EQ(r.error().request_id, "S3REQ");
}

TEST_F(ServiceClientTest, NonJsonErrorBody) {
  auto client = MakeClient(/*endpoint=*/"https://dynamodb.us-east-1.amazonaws.com",
                           /*max_attempts=*/1);
  transport_.Respond(502, "<html>Bad Gateway</html>");
  Result<HttpResponse> r = Call(*client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 502);
  EXPECT_NE(r.error().message.find("Bad Gateway"), std::string::npos);
  EXPECT_EQ(ClassifyError(r.error()), RetryClass::kTransient);

  transport_.Respond(413, "");
  r = Call(*client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "RequestEntityTooLarge");
  EXPECT_EQ(r.error().http_status, 413);
}

TEST_F(ServiceClientTest, MaxAttemptsExhaustionReturnsLastError) {
  auto client = MakeClient("https://dynamodb.us-east-1.amazonaws.com", /*max_attempts=*/3);
  for (int i = 1; i <= 3; ++i) {
    transport_.Respond(
        500, R"({"__type":"InternalServerError","message":"attempt )" + std::to_string(i) + R"("})",
        {{"x-amzn-RequestId", "R" + std::to_string(i)}});
  }
  transport_.Respond(200, kGoodBody);  // beyond the budget
  Result<HttpResponse> r = Call(*client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "attempt 3");
  EXPECT_EQ(r.error().request_id, "R3");
  EXPECT_EQ(r.error().http_status, 500);
  EXPECT_EQ(r.error().service, "dynamodb");
  EXPECT_EQ(r.error().operation, "Scan");
  EXPECT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(clock_.sleeps().size(), 2u);
  EXPECT_EQ(client->counters().requests.load(), 3u);
  EXPECT_EQ(client->counters().retries.load(), 2u);
}

TEST_F(ServiceClientTest, OnceAnsweredTransientErrorsAreRiddenOutThroughTheOutageWindow) {
  std::vector<std::string> notices;
  configure_ = [&](ServiceClientConfig& config) {
    config.retry.outage_window = std::chrono::seconds(60);
    config.retry.max_delay = std::chrono::seconds(5);
    config.notice = [&](const std::string& line) { notices.push_back(line); };
  };
  auto client = MakeClient("https://dynamodb.us-east-1.amazonaws.com", /*max_attempts=*/2);
  // Never answered yet (a wrong endpoint, say): two attempts, then the error.
  transport_.Fail("connection refused");
  transport_.Fail("connection refused");
  Result<HttpResponse> r = Call(*client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "connection refused");
  EXPECT_TRUE(notices.empty());
  // An endpoint that takes connections and never answers is not waited on in silence: said
  // once.
  transport_.Fail("timed out waiting for the answer");
  transport_.Fail("timed out waiting for the answer");
  transport_.Fail("timed out waiting for the answer");
  transport_.Fail("timed out waiting for the answer");
  ASSERT_FALSE(Call(*client).ok());
  ASSERT_FALSE(Call(*client).ok());
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0],
            "dynamodb Scan: timed out waiting for the answer; no answer from "
            "dynamodb.us-east-1.amazonaws.com yet: retrying, up to 2 attempts in all");
  notices.clear();
  transport_.Respond(200, kGoodBody);
  ASSERT_TRUE(Call(*client).ok());  // now it has answered

  // An outage of six failed attempts is ridden out, and told once as it begins and as it ends.
  for (int i = 0; i < 5; ++i) transport_.Fail("connection reset");
  transport_.Respond(503, R"({"__type":"ServiceUnavailable","message":"later"})");
  transport_.Respond(200, kGoodBody);
  r = Call(*client);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_EQ(notices[0],
            "dynamodb Scan: connection reset; still failing after 2 attempts, but "
            "dynamodb.us-east-1.amazonaws.com answered before: each call is retried for up to "
            "60 s");
  EXPECT_EQ(
      notices[1].rfind("dynamodb at dynamodb.us-east-1.amazonaws.com answers again, after ", 0), 0u)
      << notices[1];

  // An outage longer than the window ends the call with its last error, and is not said to end.
  notices.clear();
  for (int i = 0; i < 200; ++i) transport_.Fail("connection reset " + std::to_string(i));
  const auto start = clock_.SteadyNow();
  r = Call(*client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTransport);
  EXPECT_GE(clock_.SteadyNow() - start, std::chrono::seconds(60));
  EXPECT_LT(clock_.SteadyNow() - start, std::chrono::seconds(66));
  EXPECT_EQ(notices.size(), 1u);
}

TEST_F(ServiceClientTest, AnOutageEndsWhenTheCallsInItSucceedNotWhenAnotherCallDoes) {
  std::vector<std::string> notices;
  auto client = AnsweredClient(std::chrono::seconds(60), &notices);
  // One call fails past its attempts; meanwhile (on its fourth attempt) another call succeeds:
  // the outage is not over until the first one succeeds too.
  size_t notices_after_other_call = 0;
  for (int i = 0; i < 3; ++i) transport_.Fail("connection reset");
  transport_.Push([&](const HttpRequest&) -> Result<HttpResponse> {
    EXPECT_TRUE(Call(*client).ok());
    notices_after_other_call = notices.size();
    return Error::Make(ErrorKind::kTransport, "connection reset");
  });
  transport_.Respond(200, kGoodBody);  // the other call's
  transport_.Respond(200, kGoodBody);  // the first call's fifth attempt
  ASSERT_TRUE(Call(*client).ok());
  EXPECT_EQ(notices_after_other_call, 1u);
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_NE(notices[0].find("still failing"), std::string::npos) << notices[0];
  EXPECT_NE(notices[1].find("answers again"), std::string::npos) << notices[1];
}

TEST_F(ServiceClientTest, CallsWaitingInAnOutageRetryOnceTheServiceAnswersAgain) {
  std::vector<std::string> notices;
  auto client = AnsweredClient(std::chrono::seconds(300), &notices);
  // The call fails past its two attempts; each 503 asks for 30 s. While it waits the first time,
  // another call succeeds: it retries at once. While it waits the second time a third call
  // succeeds, but the outage's recovery was told already (the service may keep failing this one
  // request): it waits its 30 s.
  const std::vector<HttpHeader> later = {{"Retry-After", "30"}};
  const std::string unavailable = R"({"__type":"ServiceUnavailable","message":"down"})";
  std::vector<Clock::SteadyTime> sent;
  auto record = [&](int status) {
    return [&, status](const HttpRequest&) -> Result<HttpResponse> {
      sent.push_back(clock_.SteadyNow());
      HttpResponse r;
      r.status = status;
      r.body = status == 200 ? kGoodBody : unavailable;
      if (status != 200) r.headers = later;
      return r;
    };
  };
  transport_.Push(record(503));
  transport_.Push(record(503));  // past the attempts: the outage begins
  std::vector<Clock::SteadyTime> others;
  clock_.OnSleep([&] {
    const bool first_wait_in_window = sent.size() == 2 && others.empty();
    const bool second_wait_in_window = sent.size() == 3 && others.size() == 1;
    if (!first_wait_in_window && !second_wait_in_window) return;
    transport_.Respond(200, kGoodBody);  // the other call's answer
    others.push_back(clock_.SteadyNow());
    EXPECT_TRUE(Call(*client).ok());
    transport_.Push(record(first_wait_in_window ? 503 : 200));  // this call's next attempt
  });
  Result<HttpResponse> r = Call(*client);
  clock_.OnSleep(nullptr);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(sent.size(), 4u);
  ASSERT_EQ(others.size(), 2u);
  EXPECT_LE(sent[2] - others[0], RetryState::kStopPollInterval);  // woken by the first success
  EXPECT_GE(sent[3] - sent[2], seconds(30));                      // not by the second
  EXPECT_EQ(transport_.requests().size(), 7u);
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_NE(notices[1].find("answers again"), std::string::npos) << notices[1];

  // A later outage is told again, and woken again.
  notices.clear();
  sent.clear();
  others.clear();
  transport_.Push(record(503));
  transport_.Push(record(503));
  clock_.OnSleep([&] {
    if (sent.size() != 2 || !others.empty()) return;
    transport_.Respond(200, kGoodBody);
    others.push_back(clock_.SteadyNow());
    EXPECT_TRUE(Call(*client).ok());
    transport_.Push(record(200));
  });
  r = Call(*client);
  clock_.OnSleep(nullptr);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_LE(sent[2] - others.at(0), RetryState::kStopPollInterval);
  EXPECT_EQ(notices.size(), 2u);

  // Another call succeeding while this one's attempt is in flight cuts the wait after it short.
  notices.clear();
  sent.clear();
  transport_.Push(record(503));
  transport_.Push(record(503));  // the outage begins; the 30 s are waited out
  transport_.Push([&](const HttpRequest& request) -> Result<HttpResponse> {
    transport_.Respond(200, kGoodBody);  // the other call's answer
    EXPECT_TRUE(Call(*client).ok());
    transport_.Push(record(200));  // this call's next attempt
    return record(503)(request);
  });
  r = Call(*client);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_GE(sent[2] - sent[1], seconds(30));
  EXPECT_LE(sent[3] - sent[2], RetryState::kStopPollInterval);
  EXPECT_EQ(notices.size(), 2u);
}

TEST_F(ServiceClientTest, ASuccessSentBeforeAnOutageBeganDoesNotEndItsWaits) {
  std::vector<std::string> notices;
  std::mutex mu;
  std::condition_variable cv;
  bool other_sent = false, began = false, other_done = false;
  configure_ = [&](ServiceClientConfig& config) {
    config.retry.outage_window = std::chrono::seconds(300);
    config.notice = [&](const std::string& line) {
      std::lock_guard lock(mu);
      notices.push_back(line);
      began = true;
      cv.notify_all();
    };
  };
  auto client = MakeClient("https://dynamodb.us-east-1.amazonaws.com", /*max_attempts=*/2);
  transport_.Respond(200, kGoodBody);
  ASSERT_TRUE(Call(*client).ok());
  // The other call is sent first, and answered (well) only once this call's outage began.
  transport_.Push([&](const HttpRequest&) -> Result<HttpResponse> {
    std::unique_lock lock(mu);
    other_sent = true;
    cv.notify_all();
    cv.wait(lock, [&] { return began; });
    HttpResponse r;
    r.status = 200;
    r.body = kGoodBody;
    return r;
  });
  std::thread other([&] {
    EXPECT_TRUE(Call(*client).ok());
    std::lock_guard lock(mu);
    other_done = true;
    cv.notify_all();
  });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return other_sent; });
  }
  const std::vector<HttpHeader> later = {{"Retry-After", "30"}};
  const std::string unavailable = R"({"__type":"ServiceUnavailable","message":"down"})";
  transport_.Respond(503, unavailable, later);
  transport_.Respond(503, unavailable, later);  // past the attempts: the outage begins
  Clock::SteadyTime entered{}, retried{};
  transport_.Push([&](const HttpRequest&) -> Result<HttpResponse> {
    retried = clock_.SteadyNow();
    HttpResponse r;
    r.status = 200;
    r.body = kGoodBody;
    return r;
  });
  clock_.OnSleep([&] {
    std::unique_lock lock(mu);
    if (!began || entered != Clock::SteadyTime{}) return;
    entered = clock_.SteadyNow();
    cv.wait(lock, [&] { return other_done; });  // the other call's success is in
  });
  Result<HttpResponse> r = Call(*client);
  clock_.OnSleep(nullptr);
  other.join();
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_GE(retried - entered, seconds(29));  // the whole Retry-After, less the first slice
  EXPECT_EQ(notices.size(), 2u);
}

TEST_F(ServiceClientTest, AnOutageEndsWithItsLastCallAndIsToldWhenAnyCallInItSucceeded) {
  std::vector<std::string> notices;
  std::atomic<bool> stop{false};
  auto client = AnsweredClient(std::chrono::seconds(300), &notices, &stop);
  // A fails past its attempts and waits in the window; meanwhile B does the same, then
  // succeeds. A retries at once, fails, and is stopped while it waits: the outage ends with A,
  // and is told to have ended, B having succeeded in it.
  transport_.Fail("connection reset A1");
  transport_.Fail("connection reset A2");
  enum { kAWaits, kBRuns, kARetries } phase = kAWaits;
  clock_.OnSleep([&] {
    if (phase != kAWaits || transport_.requests().size() != 3) return;
    phase = kBRuns;
    transport_.Fail("connection reset B1");
    transport_.Fail("connection reset B2");
    transport_.Respond(200, kGoodBody);
    EXPECT_TRUE(Call(*client).ok());
    EXPECT_EQ(notices.size(), 1u);  // B left, A is still in the window
    phase = kARetries;
    transport_.Push([&](const HttpRequest&) -> Result<HttpResponse> {
      stop.store(true);
      return Error::Make(ErrorKind::kTransport, "connection reset A3");
    });
  });
  Result<HttpResponse> r = Call(*client);
  clock_.OnSleep(nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kCancelled);
  EXPECT_EQ(transport_.requests().size(), 7u);
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_NE(notices[0].find("connection reset A2; still failing after 2 attempts"),
            std::string::npos)
      << notices[0];
  EXPECT_NE(notices[1].find("answers again"), std::string::npos) << notices[1];

  // An outage whose only call gives up is not said to end; the next one is told to begin.
  notices.clear();
  stop.store(false);
  transport_.Fail("connection reset C1");
  transport_.Fail("connection reset C2");
  transport_.Push([&](const HttpRequest&) -> Result<HttpResponse> {
    stop.store(true);
    return Error::Make(ErrorKind::kTransport, "connection reset C3");
  });
  EXPECT_FALSE(Call(*client).ok());
  EXPECT_EQ(notices.size(), 1u);
  stop.store(false);
  transport_.Fail("connection reset D1");
  transport_.Fail("connection reset D2");
  transport_.Respond(200, kGoodBody);
  EXPECT_TRUE(Call(*client).ok());
  ASSERT_EQ(notices.size(), 3u);
  EXPECT_NE(notices[1].find("D2; still failing"), std::string::npos) << notices[1];
  EXPECT_NE(notices[2].find("answers again"), std::string::npos) << notices[2];
}

TEST_F(ServiceClientTest, AThrottleCountsAsAnAnswer) {
  configure_ = [&](ServiceClientConfig& config) {
    config.retry.outage_window = std::chrono::seconds(60);
  };
  auto client = MakeClient("https://dynamodb.us-east-1.amazonaws.com", /*max_attempts=*/2);
  // Throttled, then failing past its two attempts: the throttle showed a live service.
  transport_.Respond(400, R"({"__type":"ThrottlingException","message":"slow down"})");
  for (int i = 0; i < 4; ++i) transport_.Fail("connection reset");
  transport_.Respond(200, kGoodBody);
  Result<HttpResponse> r = Call(*client);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(transport_.requests().size(), 6u);
}

TEST_F(ServiceClientTest, TransportExhaustionIsTagged) {
  auto client = MakeClient("https://dynamodb.us-east-1.amazonaws.com", /*max_attempts=*/2);
  transport_.Fail("timeout 1");
  transport_.Fail("timeout 2");
  Result<HttpResponse> r = Call(*client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTransport);
  EXPECT_EQ(r.error().message, "timeout 2");
  EXPECT_EQ(r.error().service, "dynamodb");
  EXPECT_EQ(r.error().operation, "Scan");
  EXPECT_EQ(r.error().http_status, 0);
}

TEST_F(ServiceClientTest, RetryAfterHeaderIsHonoured) {
  auto client = MakeClient();
  transport_.Respond(503, R"({"__type":"ServiceUnavailable","message":"busy"})",
                     {{"Retry-After", "2"}});
  transport_.Respond(429, R"({"__type":"ThrottlingException","message":"slow down"})",
                     {{"retry-after", "7"}});
  transport_.Respond(200, kGoodBody);
  Result<HttpResponse> r = Call(*client);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const std::vector<nanoseconds> sleeps = clock_.sleeps();
  ASSERT_EQ(sleeps.size(), 2u);
  EXPECT_GE(sleeps[0], seconds(2));
  EXPECT_GE(sleeps[1], seconds(7));
  EXPECT_EQ(client->counters().throttles.load(), 1u);
}

TEST_F(ServiceClientTest, MalformedRetryAfterIsIgnored) {
  auto client = MakeClient();
  transport_.Respond(503, R"({"__type":"ServiceUnavailable"})",
                     {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}});
  transport_.Respond(200, kGoodBody);
  Result<HttpResponse> r = Call(*client);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(clock_.sleeps().size(), 1u);
  EXPECT_LE(clock_.sleeps()[0], milliseconds(25));
}

TEST_F(ServiceClientTest, CredentialsFailureIsFinalAndSendsNothing) {
  credentials_->fail = true;
  auto client = MakeClient();
  transport_.Respond(200, kGoodBody);
  Result<HttpResponse> r = Call(*client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kCredentials);
  EXPECT_EQ(r.error().service, "dynamodb");
  EXPECT_EQ(r.error().operation, "Scan");
  EXPECT_TRUE(transport_.requests().empty());
  EXPECT_EQ(credentials_->calls, 1);
}

TEST_F(ServiceClientTest, ARenewalThatFailedThroughItsOwnRetriesIsNotRetriedAgain) {
  // STS down past its own retries: retrying the DynamoDB call would start them all over.
  Error sts = Error::Make(ErrorKind::kService, "down");
  sts.service = "sts";
  sts.operation = "AssumeRole";
  sts.code = "ServiceUnavailable";
  sts.http_status = 503;
  credentials_->error = sts;
  auto client = MakeClient();
  Result<HttpResponse> r = Call(*client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kCredentials);
  EXPECT_EQ(r.error().ToString(), "sts AssumeRole: ServiceUnavailable (HTTP 503): down");
  EXPECT_EQ(credentials_->calls, 1);
  EXPECT_TRUE(transport_.requests().empty());
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(ServiceClientTest, NoCredentialsSendsUnsigned) {
  credentials_ = nullptr;
  auto client = MakeClient();
  transport_.Respond(200, kGoodBody);
  ASSERT_TRUE(Call(*client).ok());
  const std::vector<HttpRequest> sent = transport_.requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].FindHeader("Authorization"), nullptr);
  EXPECT_NE(sent[0].FindHeader("Host"), nullptr);
}

}  // namespace
}  // namespace ddbm::aws
