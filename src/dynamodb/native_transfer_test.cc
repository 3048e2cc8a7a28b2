// Native export and import over a scripted transport: request bodies member by member, answers
// in the API reference's shapes, the waits on a fake clock, and the import plan derived from a
// CreateTable plan.
#include "dynamodb/native_transfer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "aws/retry.h"
#include "testing/scripted_dynamodb.h"
#include "testing/text_assertions.h"

namespace ddbm::dynamodb {
namespace {

using aws::ErrorKind;
using aws::Result;
using std::chrono::seconds;
using testing::HasText;
using testing::LacksText;

constexpr std::string_view kTableArn = "arn:aws:dynamodb:eu-central-1:164221962816:table/Orders";
constexpr std::string_view kExportArn =
    "arn:aws:dynamodb:eu-central-1:164221962816:table/Orders/export/01715685260608-c488b4e1";
constexpr std::string_view kImportArn =
    "arn:aws:dynamodb:eu-central-1:164221962816:table/OrdersCopy/import/"
    "01715699999123-6f1d2a3b";

// ExportDescription as DynamoDB reports it while the export runs...
std::string ExportInProgress() {
  return R"({"ExportDescription":{"ClientToken":"1b4e28ba-2fa1-41d2-883f-0016d3cca427",)"
         R"("ExportArn":")" +
         std::string(kExportArn) +
         R"(","ExportFormat":"DYNAMODB_JSON","ExportStatus":"IN_PROGRESS",)"
         R"("ExportTime":1.715685260608E9,"ExportType":"FULL_EXPORT",)"
         R"("S3Bucket":"test-bucket","S3Prefix":"dynamodb-export","S3SseAlgorithm":"AES256",)"
         R"("StartTime":1.715685260608E9,"TableArn":")" +
         std::string(kTableArn) + R"(","TableId":"11991185-e7ab-4da5-8bab-03f0db0b7bfd"}})";
}

// ...once it has completed...
std::string ExportCompleted() {
  return R"({"ExportDescription":{"BilledSizeBytes":19,)"
         R"("ClientToken":"1b4e28ba-2fa1-41d2-883f-0016d3cca427","EndTime":1715685566.869,)"
         R"("ExportArn":")" +
         std::string(kExportArn) +
         R"(","ExportFormat":"DYNAMODB_JSON",)"
         R"("ExportManifest":"dynamodb-export/AWSDynamoDB/01715685260608-c488b4e1/manifest-summary.json",)"
         R"("ExportStatus":"COMPLETED","ExportTime":1.715685260608E9,"ExportType":"FULL_EXPORT",)"
         R"("ItemCount":3,"S3Bucket":"test-bucket","S3BucketOwner":"164221962816",)"
         R"("S3Prefix":"dynamodb-export","S3SseAlgorithm":"AES256","StartTime":1.715685260608E9,)"
         R"("TableArn":")" +
         std::string(kTableArn) + R"(","TableId":"11991185-e7ab-4da5-8bab-03f0db0b7bfd"}})";
}

// ...and when it has failed.
std::string ExportFailed() {
  return R"({"ExportDescription":{"EndTime":1715685300,"ExportArn":")" + std::string(kExportArn) +
         R"(","ExportFormat":"DYNAMODB_JSON","ExportStatus":"FAILED","ExportType":"FULL_EXPORT",)"
         R"("FailureCode":"S3AccessDenied","FailureMessage":"Access Denied to bucket test-bucket",)"
         R"("S3Bucket":"test-bucket","StartTime":1715685260,"TableArn":")" +
         std::string(kTableArn) + R"("}})";
}

std::string ImportAnswer(std::string_view status, std::string_view extra = "") {
  return R"({"ImportTableDescription":{"ClientToken":"9f0c2a4e-1d3b-4c5a-8e7f-0a1b2c3d4e5f",)"
         R"("CloudWatchLogGroupArn":"arn:aws:logs:eu-central-1:164221962816:log-group:/aws-dynamodb/imports:*",)"
         R"("ErrorCount":2,"ImportArn":")" +
         std::string(kImportArn) + R"(","ImportStatus":")" + std::string(status) +
         R"(","ImportedItemCount":998,"InputCompressionType":"GZIP","InputFormat":"DYNAMODB_JSON",)"
         R"("ProcessedItemCount":1000,"ProcessedSizeBytes":524288,)"
         R"("S3BucketSource":{"S3Bucket":"test-bucket","S3KeyPrefix":"dynamodb-export/AWSDynamoDB/01715685260608-c488b4e1/data/"},)"
         R"("StartTime":1.715699999123E9,)"
         R"("TableArn":"arn:aws:dynamodb:eu-central-1:164221962816:table/OrdersCopy",)"
         R"("TableCreationParameters":{"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],)"
         R"("BillingMode":"PAY_PER_REQUEST","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],)"
         R"("TableName":"OrdersCopy"},"TableId":"0d2f3e4a-5b6c-4d7e-8f90-a1b2c3d4e5f6")" +
         std::string(extra) + "}}";
}

class NativeTransferTest : public ::testing::Test {
 protected:
  const DynamoDbClient& client() const { return *ddb_.client; }
  testing::ScriptedTransport& transport() { return ddb_.transport; }

  std::string SentBody(size_t i) const {
    const std::vector<aws::HttpRequest> sent = ddb_.transport.requests();
    EXPECT_LT(i, sent.size());
    return i < sent.size() ? sent[i].body : std::string();
  }
  std::string SentTarget(size_t i) const {
    const std::vector<aws::HttpRequest> sent = ddb_.transport.requests();
    EXPECT_LT(i, sent.size());
    if (i >= sent.size() || sent[i].FindHeader("X-Amz-Target") == nullptr) return {};
    return *sent[i].FindHeader("X-Amz-Target");
  }
  size_t SentCount() const { return ddb_.transport.requests().size(); }

  testing::ScriptedDynamoDb ddb_;
};

using NativeExportTest = NativeTransferTest;
using NativeImportTest = NativeTransferTest;
using NativeWaitTest = NativeTransferTest;

// A client token as the SDKs make them: a version 4 UUID.
bool IsUuid4(std::string_view s) {
  if (s.size() != 36 || s[14] != '4') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && std::string_view("0123456789abcdef").find(s[i]) == std::string_view::npos) {
      return false;
    }
  }
  return std::string_view("89ab").find(s[19]) != std::string_view::npos;
}

// The ClientToken member of a request body.
std::string TokenOf(const std::string& body) {
  const std::string key = R"("ClientToken":")";
  const size_t at = body.find(key);
  if (at == std::string::npos) return {};
  const size_t start = at + key.size();
  return body.substr(start, body.find('"', start) - start);
}

TEST_F(NativeExportTest, RequestNamesEveryMemberAsTheApiDoes) {
  transport().Respond(200, ExportInProgress());
  ExportTableToPointInTimeRequest request;
  request.table_arn = std::string(kTableArn);
  request.s3_bucket = "test-bucket";
  request.s3_bucket_owner = "164221962816";
  request.s3_prefix = "dynamodb-export";
  request.s3_sse_algorithm = "KMS";
  request.s3_sse_kms_key_id = "arn:aws:kms:eu-central-1:164221962816:key/abcd";
  request.client_token = "orders-2024-05-14";
  Result<ExportDescription> started = ExportTableToPointInTime(client(), request);
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  EXPECT_EQ(SentTarget(0), "DynamoDB_20120810.ExportTableToPointInTime");
  EXPECT_EQ(SentBody(0), R"({"TableArn":")" + std::string(kTableArn) +
                             R"(","S3Bucket":"test-bucket","S3BucketOwner":"164221962816",)"
                             R"("S3Prefix":"dynamodb-export","S3SseAlgorithm":"KMS",)"
                             R"("S3SseKmsKeyId":"arn:aws:kms:eu-central-1:164221962816:key/abcd",)"
                             R"("ExportFormat":"DYNAMODB_JSON","ExportType":"FULL_EXPORT",)"
                             R"("ClientToken":"orders-2024-05-14"})");
  EXPECT_EQ(started->export_arn, kExportArn);
  EXPECT_EQ(started->export_status, "IN_PROGRESS");
}

TEST_F(NativeExportTest, UnsetMembersAreLeftOutAndAResendKeepsTheGeneratedToken) {
  transport().Respond(500, R"({"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError",)"
                           R"("message":"Internal server error"})");
  transport().Respond(200, ExportInProgress());
  ExportTableToPointInTimeRequest request;
  request.table_arn = std::string(kTableArn);
  request.s3_bucket = "test-bucket";
  Result<ExportDescription> started = ExportTableToPointInTime(client(), request);
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  ASSERT_EQ(SentCount(), 2u);
  const std::string token = TokenOf(SentBody(0));
  EXPECT_TRUE(IsUuid4(token)) << token;
  EXPECT_EQ(SentBody(0), R"({"TableArn":")" + std::string(kTableArn) +
                             R"(","S3Bucket":"test-bucket","ExportFormat":"DYNAMODB_JSON",)"
                             R"("ExportType":"FULL_EXPORT","ClientToken":")" +
                             token + R"("})");
  // The same token: DynamoDB treats the resend as the first request, not a second export.
  EXPECT_EQ(SentBody(1), SentBody(0));

  // Each call gets a token of its own.
  transport().Respond(200, ExportInProgress());
  ASSERT_TRUE(ExportTableToPointInTime(client(), request).ok());
  EXPECT_NE(TokenOf(SentBody(2)), token);
}

TEST_F(NativeExportTest, MissingTableArnOrBucketIsRefusedUnsent) {
  ExportTableToPointInTimeRequest request;
  request.s3_bucket = "test-bucket";
  Result<ExportDescription> no_arn = ExportTableToPointInTime(client(), request);
  ASSERT_FALSE(no_arn.ok());
  EXPECT_EQ(no_arn.error().kind, ErrorKind::kInvalidInput);
  request.table_arn = std::string(kTableArn);
  request.s3_bucket.clear();
  Result<ExportDescription> no_bucket = ExportTableToPointInTime(client(), request);
  ASSERT_FALSE(no_bucket.ok());
  EXPECT_EQ(no_bucket.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(SentCount(), 0u);
}

TEST_F(NativeExportTest, ServiceRefusalKeepsItsCode) {
  transport().Respond(
      400,
      R"({"__type":"com.amazonaws.dynamodb.v20120810#PointInTimeRecoveryUnavailableException",)"
      R"("message":"Point in time recovery is not enabled for table 'Orders'"})");
  ExportTableToPointInTimeRequest request;
  request.table_arn = std::string(kTableArn);
  request.s3_bucket = "test-bucket";
  Result<ExportDescription> started = ExportTableToPointInTime(client(), request);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, "PointInTimeRecoveryUnavailableException");
  EXPECT_TRUE(HasText(started.error().message, "not enabled"));
}

// DynamoDB Local answers so: the commands tell it by this code.
TEST_F(NativeExportTest, UnknownOperationKeepsItsCode) {
  transport().Respond(400,
                      R"({"__type":"com.amazonaws.dynamodb.v20120810#UnknownOperationException",)"
                      R"("message":"An unknown operation was requested."})");
  ExportTableToPointInTimeRequest request;
  request.table_arn = std::string(kTableArn);
  request.s3_bucket = "test-bucket";
  Result<ExportDescription> started = ExportTableToPointInTime(client(), request);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().kind, aws::ErrorKind::kService);
  EXPECT_EQ(started.error().code, "UnknownOperationException");
  EXPECT_EQ(started.error().operation, "ExportTableToPointInTime");
}

TEST(ExportIdOfArnTest, IsWhatFollowsTheLastExportSegment) {
  EXPECT_EQ(ExportIdOfArn(kExportArn), "01715685260608-c488b4e1");
  EXPECT_EQ(ExportIdOfArn("arn:aws:dynamodb:us-east-1:111122223333:table/export/export/01-ab"),
            "01-ab");
  EXPECT_EQ(ExportIdOfArn("arn:aws:dynamodb:us-east-1:111122223333:table/T/export/"), "");
  EXPECT_EQ(ExportIdOfArn("arn:aws:dynamodb:us-east-1:111122223333:table/T/import/0abc"), "");
  EXPECT_EQ(ExportIdOfArn("arn:aws:dynamodb:us-east-1:111122223333:table/T/export/1/x"), "");
  EXPECT_EQ(ExportIdOfArn(""), "");
}

TEST_F(NativeExportTest, DescribeExportReadsACompletedExport) {
  transport().Respond(200, ExportCompleted());
  Result<ExportDescription> d = DescribeExport(client(), kExportArn);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(SentTarget(0), "DynamoDB_20120810.DescribeExport");
  EXPECT_EQ(SentBody(0), R"({"ExportArn":")" + std::string(kExportArn) + R"("})");
  EXPECT_EQ(d->export_arn, kExportArn);
  EXPECT_EQ(d->export_status, "COMPLETED");
  EXPECT_EQ(d->table_arn, kTableArn);
  EXPECT_EQ(d->item_count, 3);
  EXPECT_EQ(d->billed_size_bytes, 19);
  EXPECT_EQ(d->s3_bucket, "test-bucket");
  EXPECT_EQ(d->s3_prefix, "dynamodb-export");
  EXPECT_EQ(d->export_manifest,
            "dynamodb-export/AWSDynamoDB/01715685260608-c488b4e1/manifest-summary.json");
  EXPECT_EQ(d->export_format, "DYNAMODB_JSON");
  EXPECT_EQ(d->export_type, "FULL_EXPORT");
  EXPECT_DOUBLE_EQ(d->start_time, 1715685260.608);
  EXPECT_DOUBLE_EQ(d->end_time, 1715685566.869);
  EXPECT_TRUE(d->failure_code.empty());
  EXPECT_TRUE(HasText(d->raw_json, R"("TableId":"11991185-e7ab-4da5-8bab-03f0db0b7bfd")"));
}

TEST_F(NativeExportTest, NullMembersReadAsAbsentAndWholeSecondsAsTimes) {
  transport().Respond(200, R"({"ExportDescription":{"ExportArn":")" + std::string(kExportArn) +
                               R"(","ExportStatus":"IN_PROGRESS","FailureCode":null,)"
                               R"("FailureMessage":null,"S3Prefix":null,"StartTime":1715685260}})");
  Result<ExportDescription> d = DescribeExport(client(), kExportArn);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_TRUE(d->failure_code.empty());
  EXPECT_TRUE(d->s3_prefix.empty());
  EXPECT_DOUBLE_EQ(d->start_time, 1715685260);
  EXPECT_EQ(d->end_time, 0);
}

TEST_F(NativeExportTest, AnswerWithoutArnOrStatusIsCorrupt) {
  transport().Respond(200, R"({"ExportDescription":{"ExportStatus":"COMPLETED"}})");
  transport().Respond(
      200, R"({"ExportDescription":{"ExportArn":")" + std::string(kExportArn) + R"("}})");
  transport().Respond(200, R"({"Export":{}})");
  for (int i = 0; i < 3; ++i) {
    Result<ExportDescription> d = DescribeExport(client(), kExportArn);
    ASSERT_FALSE(d.ok()) << i;
    EXPECT_EQ(d.error().kind, ErrorKind::kCorruption) << i;
    EXPECT_EQ(d.error().operation, "DescribeExport") << i;
  }
}

TEST_F(NativeImportTest, RequestNamesEveryMemberAsTheApiDoes) {
  transport().Respond(200, ImportAnswer("IN_PROGRESS"));
  ImportTableRequest request;
  request.s3_bucket = "test-bucket";
  request.s3_bucket_owner = "164221962816";
  request.s3_key_prefix = "dynamodb-export/AWSDynamoDB/01715685260608-c488b4e1/data/";
  request.input_compression_type = "GZIP";
  request.table_creation_parameters =
      R"({"TableName":"OrdersCopy","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],)"
      R"("KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"})";
  request.client_token = "import-orders-1";
  Result<ImportDescription> started = ImportTable(client(), request);
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  EXPECT_EQ(SentTarget(0), "DynamoDB_20120810.ImportTable");
  EXPECT_EQ(SentBody(0),
            R"({"S3BucketSource":{"S3Bucket":"test-bucket","S3BucketOwner":"164221962816",)"
            R"("S3KeyPrefix":"dynamodb-export/AWSDynamoDB/01715685260608-c488b4e1/data/"},)"
            R"("InputFormat":"DYNAMODB_JSON","InputCompressionType":"GZIP",)"
            R"("TableCreationParameters":)" +
                request.table_creation_parameters + R"(,"ClientToken":"import-orders-1"})");
  EXPECT_EQ(started->import_arn, kImportArn);
  EXPECT_EQ(started->import_status, "IN_PROGRESS");
}

TEST_F(NativeImportTest, UnsetMembersAreLeftOutAndATokenIsGenerated) {
  transport().Respond(200, ImportAnswer("IN_PROGRESS"));
  ImportTableRequest request;
  request.s3_bucket = "test-bucket";
  request.input_compression_type = "NONE";
  request.table_creation_parameters = R"({"TableName":"T"})";
  ASSERT_TRUE(ImportTable(client(), request).ok());
  const std::string token = TokenOf(SentBody(0));
  EXPECT_TRUE(IsUuid4(token)) << token;
  EXPECT_EQ(SentBody(0), R"({"S3BucketSource":{"S3Bucket":"test-bucket"},)"
                         R"("InputFormat":"DYNAMODB_JSON","InputCompressionType":"NONE",)"
                         R"("TableCreationParameters":{"TableName":"T"},"ClientToken":")" +
                             token + R"("})");
}

TEST_F(NativeImportTest, MissingBucketOrParametersThatAreNoObjectAreRefusedUnsent) {
  ImportTableRequest request;
  request.table_creation_parameters = R"({"TableName":"T"})";
  Result<ImportDescription> no_bucket = ImportTable(client(), request);
  ASSERT_FALSE(no_bucket.ok());
  EXPECT_EQ(no_bucket.error().kind, ErrorKind::kInvalidInput);
  request.s3_bucket = "test-bucket";
  for (const char* parameters : {"", "[]", R"({"TableName":)", "\"T\""}) {
    request.table_creation_parameters = parameters;
    Result<ImportDescription> bad = ImportTable(client(), request);
    ASSERT_FALSE(bad.ok()) << parameters;
    EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidInput) << parameters;
    EXPECT_TRUE(HasText(bad.error().message, "TableCreationParameters")) << parameters;
  }
  EXPECT_EQ(SentCount(), 0u);
}

TEST_F(NativeImportTest, DescribeImportReadsEveryCounter) {
  transport().Respond(200, ImportAnswer("COMPLETED", R"(,"EndTime":1715700123.5)"));
  Result<ImportDescription> d = DescribeImport(client(), kImportArn);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(SentTarget(0), "DynamoDB_20120810.DescribeImport");
  EXPECT_EQ(SentBody(0), R"({"ImportArn":")" + std::string(kImportArn) + R"("})");
  EXPECT_EQ(d->import_arn, kImportArn);
  EXPECT_EQ(d->import_status, "COMPLETED");
  EXPECT_EQ(d->table_arn, "arn:aws:dynamodb:eu-central-1:164221962816:table/OrdersCopy");
  EXPECT_EQ(d->processed_item_count, 1000);
  EXPECT_EQ(d->imported_item_count, 998);
  EXPECT_EQ(d->error_count, 2);
  EXPECT_EQ(d->processed_size_bytes, 524288);
  EXPECT_EQ(d->cloud_watch_log_group_arn,
            "arn:aws:logs:eu-central-1:164221962816:log-group:/aws-dynamodb/imports:*");
  EXPECT_DOUBLE_EQ(d->start_time, 1715699999.123);
  EXPECT_DOUBLE_EQ(d->end_time, 1715700123.5);
  EXPECT_TRUE(d->failure_code.empty());
}

TEST_F(NativeImportTest, AnswerWithoutArnOrStatusIsCorrupt) {
  transport().Respond(
      200, R"({"ImportTableDescription":{"ImportArn":")" + std::string(kImportArn) + R"("}})");
  Result<ImportDescription> d = DescribeImport(client(), kImportArn);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().kind, ErrorKind::kCorruption);
}

TEST_F(NativeWaitTest, ExportInProgressThenCompletedPollsWithGrowingWaits) {
  transport().Respond(200, ExportInProgress());
  transport().Respond(200, ExportInProgress());
  transport().Respond(200, ExportCompleted());
  std::vector<std::string> seen;
  Result<ExportDescription> done =
      WaitForExport(client(), kExportArn, NativeWaitOptions{},
                    [&](const ExportDescription& d) { seen.push_back(d.export_status); });
  ASSERT_TRUE(done.ok()) << done.error().ToString();
  EXPECT_EQ(done->export_status, "COMPLETED");
  EXPECT_EQ(done->item_count, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"IN_PROGRESS", "IN_PROGRESS", "COMPLETED"}));
  EXPECT_EQ(ddb_.clock.sleeps(), (std::vector<std::chrono::nanoseconds>{seconds(5), seconds(10)}));
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(SentTarget(i), "DynamoDB_20120810.DescribeExport");
  }
}

TEST_F(NativeWaitTest, PollIntervalStopsGrowingAtItsMaximum) {
  for (int i = 0; i < 5; ++i) transport().Respond(200, ExportInProgress());
  transport().Respond(200, ExportCompleted());
  NativeWaitOptions options;
  options.poll_interval = seconds(10);
  options.max_poll_interval = seconds(25);
  ASSERT_TRUE(WaitForExport(client(), kExportArn, options).ok());
  EXPECT_EQ(ddb_.clock.sleeps(),
            (std::vector<std::chrono::nanoseconds>{seconds(10), seconds(20), seconds(25),
                                                   seconds(25), seconds(25)}));
}

TEST_F(NativeWaitTest, FailedExportIsAnErrorWithItsCodeAndMessage) {
  transport().Respond(200, ExportInProgress());
  transport().Respond(200, ExportFailed());
  int polls = 0;
  Result<ExportDescription> done = WaitForExport(client(), kExportArn, NativeWaitOptions{},
                                                 [&](const ExportDescription&) { ++polls; });
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(polls, 2);
  const aws::Error& error = done.error();
  EXPECT_EQ(error.kind, ErrorKind::kService);
  EXPECT_EQ(error.service, "dynamodb");
  EXPECT_EQ(error.operation, "ExportTableToPointInTime");
  EXPECT_EQ(error.code, "S3AccessDenied");
  EXPECT_TRUE(HasText(error.message, "Access Denied to bucket test-bucket"));
  EXPECT_TRUE(HasText(error.message, kExportArn));
  EXPECT_TRUE(HasText(error.message, "FAILED"));
  EXPECT_NE(aws::ClassifyError(error), aws::RetryClass::kTransient);
}

TEST_F(NativeWaitTest, ExportStillRunningAtTheTimeoutIsAnError) {
  transport().SetFallback([](const aws::HttpRequest&) -> Result<aws::HttpResponse> {
    aws::HttpResponse r;
    r.status = 200;
    r.body = ExportInProgress();
    return r;
  });
  NativeWaitOptions options;
  options.timeout = seconds(60);
  const auto start = ddb_.clock.SteadyNow();
  Result<ExportDescription> done = WaitForExport(client(), kExportArn, options);
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().kind, ErrorKind::kService);
  EXPECT_EQ(done.error().operation, "DescribeExport");
  EXPECT_TRUE(HasText(done.error().message, "still IN_PROGRESS after 60 s"));
  EXPECT_TRUE(HasText(done.error().message, "started 2024-05-14T11:14:20Z"));
  // The last wait is cut short so the final poll falls on the deadline itself.
  EXPECT_EQ(ddb_.clock.sleeps(), (std::vector<std::chrono::nanoseconds>{seconds(5), seconds(10),
                                                                        seconds(20), seconds(25)}));
  EXPECT_EQ(ddb_.clock.SteadyNow() - start, seconds(60));
  EXPECT_EQ(SentCount(), 5u);
}

TEST_F(NativeWaitTest, DescribeFailureEndsTheWait) {
  transport().Respond(200, ExportInProgress());
  transport().Respond(400,
                      R"({"__type":"com.amazonaws.dynamodb.v20120810#ExportNotFoundException",)"
                      R"("message":"Export not found"})");
  Result<ExportDescription> done = WaitForExport(client(), kExportArn, NativeWaitOptions{});
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().code, "ExportNotFoundException");
  EXPECT_EQ(done.error().operation, "DescribeExport");
}

TEST_F(NativeWaitTest, StopEndsTheWaitWithinASecond) {
  transport().SetFallback([](const aws::HttpRequest&) -> Result<aws::HttpResponse> {
    aws::HttpResponse r;
    r.status = 200;
    r.body = ExportInProgress();
    return r;
  });
  std::atomic<bool> stop{false};
  NativeWaitOptions options;
  options.stop = &stop;
  int polls = 0;
  Result<ExportDescription> done =
      WaitForExport(client(), kExportArn, options, [&](const ExportDescription&) {
        if (++polls == 2) stop = true;
      });
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().kind, ErrorKind::kCancelled);
  EXPECT_TRUE(HasText(done.error().message, kExportArn));
  EXPECT_EQ(polls, 2);
  // Five one-second steps of the first wait, then nothing once the flag is up.
  EXPECT_EQ(ddb_.clock.sleeps(), std::vector<std::chrono::nanoseconds>(5, seconds(1)));
}

TEST_F(NativeWaitTest, CompletedImportWithErrorsIsReturned) {
  transport().Respond(200, ImportAnswer("IN_PROGRESS"));
  transport().Respond(200, ImportAnswer("COMPLETED"));
  std::vector<int64_t> processed;
  Result<ImportDescription> done = WaitForImport(
      client(), kImportArn, NativeWaitOptions{},
      [&](const ImportDescription& d) { processed.push_back(d.processed_item_count); });
  ASSERT_TRUE(done.ok()) << done.error().ToString();
  EXPECT_EQ(done->import_status, "COMPLETED");
  EXPECT_EQ(done->error_count, 2);
  EXPECT_EQ(processed, (std::vector<int64_t>{1000, 1000}));
  EXPECT_EQ(SentTarget(1), "DynamoDB_20120810.DescribeImport");
  EXPECT_EQ(ddb_.clock.sleeps(), std::vector<std::chrono::nanoseconds>{seconds(5)});
}

TEST_F(NativeWaitTest, FailedImportIsAnErrorWithItsCodeAndMessage) {
  transport().Respond(200, ImportAnswer("FAILED", R"(,"FailureCode":"ValidationError",)"
                                                  R"("FailureMessage":"Invalid input format")"));
  Result<ImportDescription> done = WaitForImport(client(), kImportArn, NativeWaitOptions{});
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().kind, ErrorKind::kService);
  EXPECT_EQ(done.error().operation, "ImportTable");
  EXPECT_EQ(done.error().code, "ValidationError");
  EXPECT_TRUE(HasText(done.error().message, "Invalid input format"));
  EXPECT_TRUE(HasText(done.error().message, kImportArn));
}

TEST_F(NativeWaitTest, CancellingOrCancelledImportIsAnErrorWithoutWaitingItOut) {
  for (std::string_view status : {"CANCELLING", "CANCELLED"}) {
    transport().Respond(200, ImportAnswer(status));
    Result<ImportDescription> done = WaitForImport(client(), kImportArn, NativeWaitOptions{});
    ASSERT_FALSE(done.ok()) << status;
    EXPECT_EQ(done.error().kind, ErrorKind::kService) << status;
    EXPECT_TRUE(done.error().code.empty()) << status;
    EXPECT_TRUE(HasText(done.error().message, status));
    EXPECT_TRUE(HasText(done.error().message, "no reason"));
  }
  EXPECT_TRUE(ddb_.clock.sleeps().empty());
}

TEST_F(NativeWaitTest, ImportStillRunningAtTheTimeoutNamesItsProgress) {
  transport().SetFallback([](const aws::HttpRequest&) -> Result<aws::HttpResponse> {
    aws::HttpResponse r;
    r.status = 200;
    r.body = ImportAnswer("IN_PROGRESS");
    return r;
  });
  NativeWaitOptions options;
  options.timeout = seconds(0);
  Result<ImportDescription> done = WaitForImport(client(), kImportArn, options);
  ASSERT_FALSE(done.ok());
  EXPECT_TRUE(HasText(done.error().message, "still IN_PROGRESS after 0 s"));
  EXPECT_TRUE(HasText(done.error().message, "1000 items processed, 998 imported, 2 errors"));
  EXPECT_EQ(SentCount(), 1u);
}

// A provisioned table with two local and one global secondary index, as DescribeTable reports
// it. "device" is a key of a local index only; "region" of a local and the global index.
constexpr std::string_view kSessionsTable = R"({
  "AttributeDefinitions": [
    {"AttributeName": "user", "AttributeType": "S"},
    {"AttributeName": "started", "AttributeType": "N"},
    {"AttributeName": "device", "AttributeType": "S"},
    {"AttributeName": "region", "AttributeType": "S"}
  ],
  "TableName": "Sessions",
  "KeySchema": [
    {"AttributeName": "user", "KeyType": "HASH"},
    {"AttributeName": "started", "KeyType": "RANGE"}
  ],
  "TableStatus": "ACTIVE",
  "CreationDateTime": 1712345678.123,
  "ProvisionedThroughput": {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 20,
                            "WriteCapacityUnits": 10},
  "TableSizeBytes": 4096,
  "ItemCount": 12,
  "TableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/Sessions",
  "TableId": "4a3c2b1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d",
  "LocalSecondaryIndexes": [
    {
      "IndexName": "ByDevice",
      "KeySchema": [
        {"AttributeName": "user", "KeyType": "HASH"},
        {"AttributeName": "device", "KeyType": "RANGE"}
      ],
      "Projection": {"ProjectionType": "KEYS_ONLY"},
      "IndexSizeBytes": 300,
      "ItemCount": 12,
      "IndexArn": "arn:aws:dynamodb:us-east-1:123456789012:table/Sessions/index/ByDevice"
    },
    {
      "IndexName": "ByRegion",
      "KeySchema": [
        {"AttributeName": "user", "KeyType": "HASH"},
        {"AttributeName": "region", "KeyType": "RANGE"}
      ],
      "Projection": {"ProjectionType": "ALL"},
      "IndexSizeBytes": 4096,
      "ItemCount": 12,
      "IndexArn": "arn:aws:dynamodb:us-east-1:123456789012:table/Sessions/index/ByRegion"
    }
  ],
  "GlobalSecondaryIndexes": [
    {
      "IndexName": "RegionIndex",
      "KeySchema": [
        {"AttributeName": "region", "KeyType": "HASH"},
        {"AttributeName": "started", "KeyType": "RANGE"}
      ],
      "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["device"]},
      "IndexStatus": "ACTIVE",
      "ProvisionedThroughput": {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 5,
                                "WriteCapacityUnits": 4},
      "IndexSizeBytes": 1024,
      "ItemCount": 12,
      "IndexArn": "arn:aws:dynamodb:us-east-1:123456789012:table/Sessions/index/RegionIndex"
    }
  ],
  "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"},
  "LatestStreamLabel": "2024-04-05T19:34:38.123",
  "LatestStreamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/Sessions/stream/2024-04-05T19:34:38.123",
  "SSEDescription": {
    "Status": "ENABLED",
    "SSEType": "KMS",
    "KMSMasterKeyArn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  },
  "TableClassSummary": {"TableClass": "STANDARD_INFREQUENT_ACCESS"},
  "DeletionProtectionEnabled": true
})";

constexpr std::string_view kSessionsCreationParameters =
    R"({"TableName":"SessionsImported","AttributeDefinitions":[)"
    R"({"AttributeName":"user","AttributeType":"S"},{"AttributeName":"started","AttributeType":"N"},)"
    R"({"AttributeName":"region","AttributeType":"S"}],)"
    R"("KeySchema":[{"AttributeName":"user","KeyType":"HASH"},)"
    R"({"AttributeName":"started","KeyType":"RANGE"}],)"
    R"("BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":20,"WriteCapacityUnits":10},)"
    R"("GlobalSecondaryIndexes":[{"IndexName":"RegionIndex","KeySchema":[)"
    R"({"AttributeName":"region","KeyType":"HASH"},{"AttributeName":"started","KeyType":"RANGE"}],)"
    R"("Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["device"]},)"
    R"("ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":4}}],)"
    R"("SSESpecification":{"Enabled":true,"SSEType":"KMS",)"
    R"("KMSMasterKeyId":"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}})";

TableDescription Describe(std::string_view table_json) {
  Result<TableDescription> d = ParseTableDescription("DescribeTable", table_json);
  EXPECT_TRUE(d.ok()) << d.error().ToString();
  return d.ok() ? *d : TableDescription{};
}

const SettingNote* FindNote(const std::vector<SettingNote>& notes, std::string_view setting) {
  for (const SettingNote& note : notes) {
    if (note.setting == setting) return &note;
  }
  ADD_FAILURE() << "no note for " << setting;
  return nullptr;
}

TEST(NativeImportPlanTest, TableWithLocalAndGlobalIndexesGivesTheExactParameters) {
  Result<ImportTablePlan> plan = PlanImportTable(
      Describe(kSessionsTable), "SessionsImported", TimeToLiveDescription{"ENABLED", "expires"},
      ContinuousBackupsDescription{"ENABLED", "ENABLED"},
      {{"team", "web"}, {"aws:cloudformation:stack-name", "web"}});
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  EXPECT_EQ(plan->table_name, "SessionsImported");
  EXPECT_EQ(plan->table_creation_parameters, kSessionsCreationParameters);
  EXPECT_EQ(plan->updates_after_import,
            (std::vector<std::string>{
                R"({"TableName":"SessionsImported","StreamSpecification":)"
                R"({"StreamEnabled":true,"StreamViewType":"NEW_IMAGE"}})",
                R"({"TableName":"SessionsImported","TableClass":"STANDARD_INFREQUENT_ACCESS"})",
                R"({"TableName":"SessionsImported","DeletionProtectionEnabled":true})"}));
  EXPECT_TRUE(plan->deferred_index_updates.empty());
  ASSERT_TRUE(plan->ttl.has_value());
  EXPECT_EQ(plan->ttl->attribute_name, "expires");
  EXPECT_TRUE(plan->point_in_time_recovery);
  ASSERT_EQ(plan->tags.size(), 1u);
  EXPECT_EQ(plan->tags[0].key, "team");
}

TEST(NativeImportPlanTest, NotesSayWhatTheImportCarriesWhatFollowsItAndWhatIsLost) {
  Result<ImportTablePlan> plan = PlanImportTable(
      Describe(kSessionsTable), "SessionsImported", TimeToLiveDescription{"ENABLED", "expires"},
      ContinuousBackupsDescription{"ENABLED", "ENABLED"}, {{"team", "web"}});
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  const auto& notes = plan->notes;
  for (std::string_view lsi :
       {"local secondary index ByDevice", "local secondary index ByRegion"}) {
    const SettingNote* note = FindNote(notes, lsi);
    ASSERT_NE(note, nullptr);
    EXPECT_FALSE(note->copied) << lsi;
    EXPECT_TRUE(HasText(note->detail, "ImportTable cannot create local secondary indexes"));
  }
  const SettingNote* gsi = FindNote(notes, "global secondary index RegionIndex");
  ASSERT_NE(gsi, nullptr);
  EXPECT_TRUE(gsi->copied);

  struct Expected {
    std::string_view setting;
    std::string_view text;
  };
  for (const Expected& e : {Expected{"stream",
                                     "NEW_IMAGE; enabled with UpdateTable once the "
                                     "import has completed"},
                            Expected{"table class", "STANDARD_INFREQUENT_ACCESS"},
                            Expected{"table class", "UpdateTable once the import has completed"},
                            Expected{"deletion protection", "UpdateTable once the import"},
                            Expected{"tags", "1 (team); added with TagResource once the import"},
                            Expected{"time to live", "attribute expires with UpdateTimeToLive"},
                            Expected{"point-in-time recovery", "UpdateContinuousBackups once"},
                            Expected{"encryption", "or ImportTable fails"}}) {
    const SettingNote* note = FindNote(notes, e.setting);
    ASSERT_NE(note, nullptr);
    EXPECT_TRUE(note->copied) << e.setting;
    EXPECT_TRUE(HasText(note->detail, e.text)) << e.setting;
    EXPECT_TRUE(LacksText(note->detail, "once the table exists")) << e.setting;
    EXPECT_TRUE(LacksText(note->detail, "CreateTable")) << e.setting;
  }
  // One note per setting, as in the CreateTable plan.
  for (const SettingNote& note : notes) {
    int count = 0;
    for (const SettingNote& other : notes) count += other.setting == note.setting;
    EXPECT_EQ(count, 1) << note.setting;
  }
}

TEST(NativeImportPlanTest, PlainOnDemandTableNeedsNothingAfterTheImport) {
  constexpr std::string_view kEvents = R"({
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "B"}],
    "TableName": "Events",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "TableStatus": "ACTIVE",
    "ProvisionedThroughput": {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0,
                              "WriteCapacityUnits": 0},
    "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
    "OnDemandThroughput": {"MaxReadRequestUnits": 400, "MaxWriteRequestUnits": -1},
    "TableClassSummary": {"TableClass": "STANDARD"},
    "DeletionProtectionEnabled": false
  })";
  Result<ImportTablePlan> plan =
      PlanImportTable(Describe(kEvents), "EventsImported", TimeToLiveDescription{"DISABLED", ""},
                      ContinuousBackupsDescription{"ENABLED", "DISABLED"}, {});
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  EXPECT_EQ(plan->table_creation_parameters,
            R"({"TableName":"EventsImported","AttributeDefinitions":[)"
            R"({"AttributeName":"id","AttributeType":"B"}],)"
            R"("KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],)"
            R"("BillingMode":"PAY_PER_REQUEST","OnDemandThroughput":{"MaxReadRequestUnits":400,)"
            R"("MaxWriteRequestUnits":-1}})");
  EXPECT_TRUE(plan->updates_after_import.empty());
  EXPECT_FALSE(plan->ttl.has_value());
  EXPECT_FALSE(plan->point_in_time_recovery);
  const SettingNote* stream = FindNote(plan->notes, "stream");
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(stream->detail, "disabled on the source");
}

TEST(NativeImportPlanTest, GlobalIndexesDeferredByTheCreatePlanStayDeferred) {
  TargetTableOptions options;
  options.target_table_name = "SessionsImported";
  options.create_indexes_after = true;
  Result<TargetTablePlan> create_plan =
      PlanTargetTable(Describe(kSessionsTable), options, std::nullopt, std::nullopt, {});
  ASSERT_TRUE(create_plan.ok()) << create_plan.error().ToString();
  Result<ImportTablePlan> plan = PlanImportTable(*create_plan);
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  EXPECT_TRUE(LacksText(plan->table_creation_parameters, "GlobalSecondaryIndexes"));
  // Only the table's key attributes remain defined.
  EXPECT_TRUE(HasText(plan->table_creation_parameters,
                      R"("AttributeDefinitions":[{"AttributeName":"user","AttributeType":"S"},)"
                      R"({"AttributeName":"started","AttributeType":"N"}],)"));
  EXPECT_EQ(plan->deferred_index_updates, create_plan->deferred_index_updates);
  ASSERT_EQ(plan->deferred_index_updates.size(), 1u);
  EXPECT_TRUE(HasText(plan->deferred_index_updates[0], R"("IndexName":"RegionIndex")"));
}

TEST(NativeImportPlanTest, MembersImportTableHasNoPlaceForAreNoted) {
  TargetTablePlan create_plan;
  create_plan.table_name = "T";
  create_plan.create_table_json =
      R"({"TableName":"T","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],)"
      R"("KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST",)"
      R"("WarmThroughput":{"ReadUnitsPerSecond":12000}})";
  Result<ImportTablePlan> plan = PlanImportTable(create_plan);
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  EXPECT_TRUE(LacksText(plan->table_creation_parameters, "WarmThroughput"));
  const SettingNote* note = FindNote(plan->notes, "WarmThroughput");
  ASSERT_NE(note, nullptr);
  EXPECT_FALSE(note->copied);

  create_plan.create_table_json = "[]";
  Result<ImportTablePlan> broken = PlanImportTable(create_plan);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().kind, ErrorKind::kInternal);
}

TEST(NativeImportPlanTest, PlannerErrorsPassThrough) {
  Result<ImportTablePlan> plan =
      PlanImportTable(Describe(kSessionsTable), "", std::nullopt, std::nullopt, {});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().kind, ErrorKind::kInvalidInput);
}

}  // namespace
}  // namespace ddbm::dynamodb
