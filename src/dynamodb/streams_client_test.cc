// DynamoDbStreamsClient over a scripted transport, with records from testdata/refdata/streams
// (see PROVENANCE.md there).
#include "dynamodb/streams_client.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "aws/static_providers.h"
#include "testing/fake_clock.h"
#include "testing/scripted_transport.h"

namespace ddbm::dynamodb {
namespace {

namespace fs = std::filesystem;
using aws::Result;
using testing::FakeClock;
using testing::ScriptedTransport;

const fs::path kStreams = fs::path(DDBM_REFDATA_DIR) / "streams";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Minify(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  EXPECT_EQ(parser.parse(simdjson::padded_string(json)).get(e), simdjson::SUCCESS) << json;
  return simdjson::minify(e);
}

// The botocore examples of the Streams API (official AWS examples).
class StreamsExamples {
 public:
  StreamsExamples() : text_(ReadFile(kStreams / "botocore" / "examples-1.json")) {
    EXPECT_EQ(parser_.parse(text_).get(root_), simdjson::SUCCESS);
  }
  simdjson::dom::element Get(std::string_view operation, std::string_view part) {
    return root_["examples"][operation].at(0)[part];
  }

 private:
  std::string text_;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

// Checks that `page` holds exactly the records of `expected_records` (a JSON array), each as a
// slice of the page body that starts at its '{' and ends at its '}'.
void ExpectRecords(const RecordsPage& page, simdjson::dom::array expected_records) {
  ASSERT_EQ(page.records.size(), expected_records.size());
  size_t i = 0;
  const char* previous_end = page.body->data();
  for (simdjson::dom::element expected : expected_records) {
    SCOPED_TRACE(i);
    std::string_view record = page.records[i++];
    ASSERT_FALSE(record.empty());
    EXPECT_EQ(record.front(), '{');
    EXPECT_EQ(record.back(), '}');
    EXPECT_GE(record.data(), previous_end);
    EXPECT_LE(record.data() + record.size(), page.body->data() + page.body->size());
    previous_end = record.data() + record.size();
    EXPECT_EQ(Minify(record), simdjson::minify(expected));
  }
}

class StreamsClientTest : public ::testing::Test {
 protected:
  StreamsClientTest() {
    aws::ServiceClientConfig config;
    config.service = "dynamodbstreams";
    config.signing_name = "dynamodb";
    config.region = "us-west-2";
    config.endpoint = *aws::ParseUrl("https://streams.dynamodb.us-west-2.amazonaws.com");
    config.credentials = std::make_shared<aws::StaticProvider>(
        aws::Credentials{"AKID", "SECRET", "", std::nullopt, "test"});
    config.transport = &transport_;
    config.clock = &clock_;
    config.retry.max_attempts = 2;
    service_ = std::make_unique<aws::ServiceClient>(std::move(config));
    client_ = std::make_unique<DynamoDbStreamsClient>(service_.get());
  }

  std::string SentBody(size_t i) const {
    const auto sent = transport_.requests();
    EXPECT_LT(i, sent.size());
    return i < sent.size() ? sent[i].body : std::string();
  }
  std::string SentTarget(size_t i) const {
    const auto sent = transport_.requests();
    EXPECT_LT(i, sent.size());
    if (i >= sent.size() || sent[i].FindHeader("X-Amz-Target") == nullptr) return {};
    return *sent[i].FindHeader("X-Amz-Target");
  }

  FakeClock clock_;
  ScriptedTransport transport_;
  std::unique_ptr<aws::ServiceClient> service_;
  std::unique_ptr<DynamoDbStreamsClient> client_;
  StreamsExamples examples_;
};

// ---------------------------------------------------------------------------------------------
// ParseRecordsPage

TEST_F(StreamsClientTest, ParseRecordsPageOnTheGetRecordsExample) {
  simdjson::dom::element output = examples_.Get("GetRecords", "output");
  const std::string body = simdjson::minify(output);
  Result<RecordsPage> page = DynamoDbStreamsClient::ParseRecordsPage(body);
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  ExpectRecords(*page, output["Records"].get_array());
  // Compact input: the slices are the very bytes of the records.
  std::vector<std::string> expected;
  for (simdjson::dom::element r : output["Records"].get_array()) {
    expected.push_back(simdjson::minify(r));
  }
  ASSERT_EQ(page->records.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(page->records[i], expected[i]);
  std::string_view next;
  ASSERT_EQ(output["NextShardIterator"].get(next), simdjson::SUCCESS);
  EXPECT_EQ(page->next_shard_iterator, std::string(next));
  EXPECT_NE(page->records[0].find(R"("eventName":"INSERT")"), std::string_view::npos);
  EXPECT_NE(page->records[2].find(R"("eventName":"REMOVE")"), std::string_view::npos);
}

// A Lambda event file is {"Records":[...]}: add a NextShardIterator and it has the shape of a
// GetRecords answer, pretty-printed as the file is.
std::string AsGetRecordsAnswer(std::string event, std::string_view next_iterator) {
  const size_t close = event.rfind('}');
  EXPECT_NE(close, std::string::npos);
  event.insert(close, ",\"NextShardIterator\":\"" + std::string(next_iterator) + "\"\n");
  return event;
}

TEST_F(StreamsClientTest, ParseRecordsPageOnLambdaEvents) {
  for (const char* file :
       {"aws-lambda-go/dynamodb-event.json", "aws-lambda-java-libs/dynamo_event.json",
        "aws-lambda-dotnet/dynamodb-event.json",
        "aws-lambda-rust-runtime/example-dynamodb-event.json",
        "powertools-lambda-python/dynamoStreamEvent.json",
        "powertools-lambda-typescript/dynamodb__base.json", "aws-sam-cli/DynamoDBUpdate.json"}) {
    SCOPED_TRACE(file);
    std::string event = ReadFile(kStreams / file);
    // The .NET fixture starts with a UTF-8 byte order mark, which no service answer has.
    if (event.starts_with("\xEF\xBB\xBF")) event.erase(0, 3);
    const std::string body = AsGetRecordsAnswer(event, "arn:aws:dynamodb:us-east-1:1:x|1|AAAA+/=");
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(body).get(root), simdjson::SUCCESS);
    Result<RecordsPage> page = DynamoDbStreamsClient::ParseRecordsPage(body);
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    ExpectRecords(*page, root["Records"].get_array());
    EXPECT_EQ(page->next_shard_iterator, "arn:aws:dynamodb:us-east-1:1:x|1|AAAA+/=");
    EXPECT_EQ(*page->body, body);
  }
}

TEST_F(StreamsClientTest, ParseRecordsPageKeepsBinaryAndSetsByteForByte) {
  const std::string event = ReadFile(kStreams / "aws-lambda-go" / "dynamodb-event.json");
  Result<RecordsPage> page =
      DynamoDbStreamsClient::ParseRecordsPage(AsGetRecordsAnswer(event, "it"));
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  ASSERT_EQ(page->records.size(), 2u);
  // The record's bytes are the file's bytes, indentation and all.
  EXPECT_NE(event.find(page->records[1]), std::string::npos);
  EXPECT_NE(page->records[1].find("\"B\": \"AAEqQQ==\""), std::string_view::npos);
  EXPECT_NE(page->records[1].find("\"N\": \"3.14159\""), std::string_view::npos);
}

TEST(ParseRecordsPageTest, ClosedShardHasNoNextIterator) {
  Result<RecordsPage> page =
      DynamoDbStreamsClient::ParseRecordsPage(R"({"Records":[],"NextShardIterator":null})");
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  EXPECT_TRUE(page->records.empty());
  EXPECT_FALSE(page->next_shard_iterator.has_value());
  page = DynamoDbStreamsClient::ParseRecordsPage(R"({"Records":[]})");
  ASSERT_TRUE(page.ok());
  EXPECT_FALSE(page->next_shard_iterator.has_value());
}

TEST(ParseRecordsPageTest, Malformed) {
  for (const char* body :
       {"", "[]", R"({"Records":{}})", R"({"Records":[1]})", R"({"Records":[{"a":1}})"}) {
    SCOPED_TRACE(body);
    Result<RecordsPage> page = DynamoDbStreamsClient::ParseRecordsPage(body);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.error().kind, aws::ErrorKind::kCorruption);
  }
}

TEST_F(StreamsClientTest, GetRecordsSendsIteratorAndLimit) {
  simdjson::dom::element output = examples_.Get("GetRecords", "output");
  transport_.Respond(200, simdjson::minify(output));
  const std::string iterator =
      "arn:aws:dynamodb:us-west-2:111122223333:table/Forum/stream/x|1|AA\"+/";
  Result<RecordsPage> page = client_->GetRecords(iterator, 1000);
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  EXPECT_EQ(page->records.size(), 3u);
  EXPECT_EQ(SentTarget(0), "DynamoDBStreams_20120810.GetRecords");
  EXPECT_EQ(
      SentBody(0),
      R"({"ShardIterator":"arn:aws:dynamodb:us-west-2:111122223333:table/Forum/stream/x|1|AA\"+/",)"
      R"("Limit":1000})");
  const auto sent = transport_.requests();
  EXPECT_EQ(sent[0].url, "https://streams.dynamodb.us-west-2.amazonaws.com/");
  EXPECT_NE(sent[0].FindHeader("Authorization")->find("/us-west-2/dynamodb/aws4_request"),
            std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// DescribeStream

TEST_F(StreamsClientTest, DescribeStreamPaginatesShards) {
  // The example's four shards, served two per page.
  simdjson::dom::element output = examples_.Get("DescribeStream", "output");
  simdjson::dom::element description = output["StreamDescription"];
  std::vector<std::string> shards;
  for (simdjson::dom::element s : description["Shards"].get_array()) {
    shards.push_back(simdjson::minify(s));
  }
  ASSERT_EQ(shards.size(), 4u);
  const std::string arn(description["StreamArn"].get_string().value());
  auto page = [&](size_t from, const char* last) {
    std::string body = R"({"StreamDescription":{"StreamArn":")" + arn +
                       R"(","StreamLabel":"2015-05-20T20:51:10.252","StreamStatus":"ENABLED",)"
                       R"("StreamViewType":"NEW_AND_OLD_IMAGES","TableName":"Forum","Shards":[)" +
                       shards[from] + "," + shards[from + 1] + "]";
    if (last != nullptr) body += R"(,"LastEvaluatedShardId":")" + std::string(last) + "\"";
    return body + "}}";
  };
  transport_.Respond(200, page(0, "shardId-00000001414576573621-f55eea83"));
  transport_.Respond(200, page(2, nullptr));

  Result<StreamDescription> d = client_->DescribeStream(arn);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->stream_arn, arn);
  EXPECT_EQ(d->stream_status, "ENABLED");
  EXPECT_EQ(d->stream_view_type, "NEW_AND_OLD_IMAGES");
  EXPECT_EQ(d->table_name, "Forum");
  ASSERT_EQ(d->shards.size(), 4u);
  EXPECT_EQ(d->shards[0].shard_id, "shardId-00000001414562045508-2bac9cd2");
  EXPECT_EQ(d->shards[0].parent_shard_id, "");
  EXPECT_EQ(d->shards[0].starting_sequence_number, "20500000000000000910398");
  EXPECT_EQ(d->shards[0].ending_sequence_number, "20500000000000000910398");
  EXPECT_EQ(d->shards[1].parent_shard_id, "shardId-00000001414562045508-2bac9cd2");
  EXPECT_EQ(d->shards[3].shard_id, "shardId-00000001414608446368-3a1afbaf");
  EXPECT_EQ(d->shards[3].parent_shard_id, "shardId-00000001414592258131-674fd923");
  EXPECT_EQ(d->shards[3].starting_sequence_number, "2574600000000000000935255");
  EXPECT_EQ(d->shards[3].ending_sequence_number, "");  // still open

  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(SentTarget(0), "DynamoDBStreams_20120810.DescribeStream");
  EXPECT_EQ(SentBody(0), R"({"StreamArn":")" + arn + R"("})");
  EXPECT_EQ(SentBody(1),
            R"({"StreamArn":")" + arn +
                R"(","ExclusiveStartShardId":"shardId-00000001414576573621-f55eea83"})");
}

TEST_F(StreamsClientTest, DescribeStreamRecordedExampleInOnePage) {
  simdjson::dom::element example_input = examples_.Get("DescribeStream", "input");
  transport_.Respond(200, simdjson::minify(examples_.Get("DescribeStream", "output")));
  const std::string arn(example_input["StreamArn"].get_string().value());
  Result<StreamDescription> d = client_->DescribeStream(arn);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->shards.size(), 4u);
  EXPECT_EQ(SentBody(0), simdjson::minify(example_input));
}

TEST_F(StreamsClientTest, DescribeStreamNotFound) {
  transport_.Respond(400,
                     R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",)"
                     R"("message":"Requested resource not found: Stream: arn:x not found"})",
                     {{"x-amzn-RequestId", "RID"}});
  Result<StreamDescription> d = client_->DescribeStream("arn:x");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, "ResourceNotFoundException");
  EXPECT_EQ(d.error().operation, "DescribeStream");
  EXPECT_EQ(d.error().service, "dynamodbstreams");
  EXPECT_EQ(d.error().request_id, "RID");
  EXPECT_EQ(transport_.requests().size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// GetShardIterator and ListStreams

TEST_F(StreamsClientTest, GetShardIteratorRecordedExample) {
  simdjson::dom::element input = examples_.Get("GetShardIterator", "input");
  simdjson::dom::element output = examples_.Get("GetShardIterator", "output");
  transport_.Respond(200, simdjson::minify(output));
  Result<std::string> iterator = client_->GetShardIterator(
      input["StreamArn"].get_string().value(), input["ShardId"].get_string().value(),
      input["ShardIteratorType"].get_string().value());
  ASSERT_TRUE(iterator.ok()) << iterator.error().ToString();
  EXPECT_EQ(*iterator, std::string(output["ShardIterator"].get_string().value()));
  EXPECT_EQ(SentTarget(0), "DynamoDBStreams_20120810.GetShardIterator");
  EXPECT_EQ(
      SentBody(0),
      R"({"StreamArn":"arn:aws:dynamodb:us-west-2:111122223333:table/Forum/stream/2015-05-20T20:51:10.252",)"
      R"("ShardId":"00000001414576573621-f55eea83","ShardIteratorType":"TRIM_HORIZON"})");
}

TEST_F(StreamsClientTest, GetShardIteratorAfterSequenceNumber) {
  transport_.Respond(200, R"({"ShardIterator":"it-1"})");
  Result<std::string> iterator = client_->GetShardIterator(
      "arn:s", "shard-1", "AFTER_SEQUENCE_NUMBER", "300000000000000499659");
  ASSERT_TRUE(iterator.ok()) << iterator.error().ToString();
  EXPECT_EQ(*iterator, "it-1");
  EXPECT_EQ(
      SentBody(0),
      R"({"StreamArn":"arn:s","ShardId":"shard-1","ShardIteratorType":"AFTER_SEQUENCE_NUMBER",)"
      R"("SequenceNumber":"300000000000000499659"})");
}

TEST_F(StreamsClientTest, GetShardIteratorMissingIsMalformed) {
  transport_.Respond(200, "{}");
  Result<std::string> iterator = client_->GetShardIterator("arn:s", "shard-1", "LATEST");
  ASSERT_FALSE(iterator.ok());
  EXPECT_EQ(iterator.error().kind, aws::ErrorKind::kCorruption);
}

TEST_F(StreamsClientTest, ListStreamsPaginates) {
  simdjson::dom::element output = examples_.Get("ListStreams", "output");
  std::string first = simdjson::minify(output);
  first.insert(
      first.size() - 1,
      R"(,"LastEvaluatedStreamArn":"arn:aws:dynamodb:us-west-2:111122223333:table/Forum/stream/2015-05-19T23:03:50.641")");
  transport_.Respond(200, first);
  transport_.Respond(
      200, R"({"Streams":[{"StreamArn":"arn:4","StreamLabel":"l4","TableName":"Forum"}]})");
  Result<std::vector<StreamSummary>> streams = client_->ListStreams("Forum");
  ASSERT_TRUE(streams.ok()) << streams.error().ToString();
  ASSERT_EQ(streams->size(), 4u);
  EXPECT_EQ((*streams)[1].stream_label, "2015-05-20T20:50:02.714");
  EXPECT_EQ((*streams)[1].table_name, "Forum");
  EXPECT_EQ((*streams)[3].stream_arn, "arn:4");
  EXPECT_EQ(SentTarget(0), "DynamoDBStreams_20120810.ListStreams");
  EXPECT_EQ(SentBody(0), R"({"TableName":"Forum"})");
  EXPECT_EQ(
      SentBody(1),
      R"({"TableName":"Forum","ExclusiveStartStreamArn":"arn:aws:dynamodb:us-west-2:111122223333:table/Forum/stream/2015-05-19T23:03:50.641"})");
}

}  // namespace
}  // namespace ddbm::dynamodb
