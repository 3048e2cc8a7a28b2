// DynamoDbClient over a scripted transport: request bodies, byte-exact item slices, pagination,
// batch operations and control-plane parsing against recorded answers (testdata/refdata).
#include "dynamodb/client.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "aws/static_providers.h"
#include "testing/fake_clock.h"
#include "testing/scripted_transport.h"

namespace ddbm::dynamodb {
namespace {

namespace fs = std::filesystem;
using aws::HttpRequest;
using aws::Result;
using testing::FakeClock;
using testing::ScriptedTransport;

const fs::path kResponses = fs::path(DDBM_REFDATA_DIR) / "responses";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A recorded HTTP answer: status line, headers, blank line, body (CRLF line ends).
struct RecordedResponse {
  int status = 0;
  std::vector<aws::HttpHeader> headers;
  std::string body;
};

RecordedResponse ReadHttpFile(const fs::path& path) {
  const std::string text = ReadFile(path);
  RecordedResponse r;
  const size_t head_end = text.find("\r\n\r\n");
  EXPECT_NE(head_end, std::string::npos) << path;
  if (head_end == std::string::npos) return r;
  r.body = text.substr(head_end + 4);
  std::istringstream head(text.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  // "HTTP/1.1 200 OK"
  r.status = std::stoi(line.substr(line.find(' ') + 1));
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    r.headers.push_back({line.substr(0, colon), value});
  }
  return r;
}

std::string Header(const std::vector<aws::HttpHeader>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (aws::EqualsIgnoreCase(h.name, name)) return h.value;
  }
  return {};
}

// True when `slice` lies inside `body`'s bytes (a view, not a copy).
bool IsSliceOf(std::string_view slice, const std::string& body) {
  return slice.data() >= body.data() && slice.data() + slice.size() <= body.data() + body.size();
}

class DynamoDbClientTest : public ::testing::Test {
 protected:
  DynamoDbClientTest() { Reset(/*max_attempts=*/3); }

  void Reset(int max_attempts) {
    aws::ServiceClientConfig config;
    config.service = "dynamodb";
    config.signing_name = "dynamodb";
    config.region = "us-east-1";
    config.endpoint = *aws::ParseUrl("https://dynamodb.us-east-1.amazonaws.com");
    config.credentials = std::make_shared<aws::StaticProvider>(
        aws::Credentials{"AKID", "SECRET", "", std::nullopt, "test"});
    config.transport = &transport_;
    config.clock = &clock_;
    config.retry.max_attempts = max_attempts;
    config.retry.throttles_count_toward_attempts = true;
    service_ = std::make_unique<aws::ServiceClient>(std::move(config));
    client_ = std::make_unique<DynamoDbClient>(service_.get());
  }

  // The body and operation of the i-th request sent.
  std::string SentBody(size_t i) const {
    const std::vector<HttpRequest> sent = transport_.requests();
    EXPECT_LT(i, sent.size());
    return i < sent.size() ? sent[i].body : std::string();
  }
  std::string SentTarget(size_t i) const {
    const std::vector<HttpRequest> sent = transport_.requests();
    EXPECT_LT(i, sent.size());
    if (i >= sent.size() || sent[i].FindHeader("X-Amz-Target") == nullptr) return {};
    return *sent[i].FindHeader("X-Amz-Target");
  }

  FakeClock clock_;
  ScriptedTransport transport_;
  std::unique_ptr<aws::ServiceClient> service_;
  std::unique_ptr<DynamoDbClient> client_;
};

// ---------------------------------------------------------------------------------------------
// Scan request bodies

TEST(ScanRequestJsonTest, MinimalRequest) {
  ScanRequest r;
  r.table_name = "Music";
  EXPECT_EQ(DynamoDbClient::ScanRequestJson(r), R"({"TableName":"Music"})");
  r.total_segments = 1;  // one segment is a plain scan
  r.segment = 0;
  EXPECT_EQ(DynamoDbClient::ScanRequestJson(r), R"({"TableName":"Music"})");
}

TEST(ScanRequestJsonTest, EveryOption) {
  ScanRequest r;
  r.table_name = "Mu\"sic";
  r.index_name = "ByAlbum";
  r.segment = 3;
  r.total_segments = 8;
  r.exclusive_start_key =
      R"({"pk":{"S":"a\"b"},"sk":{"N":"12345678901234567890123456789012345678"}})";
  r.limit = 250;
  r.projection_expression = "#a, b";
  r.filter_expression = "attribute_exists(b)";
  r.expression_attribute_names = R"({"#a":"a"})";
  r.expression_attribute_values = R"({":v":{"N":"1E+125"}})";
  r.consistent_read = true;
  r.return_consumed_capacity = true;
  EXPECT_EQ(
      DynamoDbClient::ScanRequestJson(r),
      R"({"TableName":"Mu\"sic","Segment":3,"TotalSegments":8,"IndexName":"ByAlbum",)"
      R"("ExclusiveStartKey":{"pk":{"S":"a\"b"},"sk":{"N":"12345678901234567890123456789012345678"}},)"
      R"json("Limit":250,"ProjectionExpression":"#a, b","FilterExpression":"attribute_exists(b)",)json"
      R"("ExpressionAttributeNames":{"#a":"a"},"ExpressionAttributeValues":{":v":{"N":"1E+125"}},)"
      R"("ConsistentRead":true,"ReturnConsumedCapacity":"TOTAL"})");
}

TEST(ScanRequestJsonTest, SegmentZeroOfMany) {
  ScanRequest r;
  r.table_name = "t";
  r.segment = 0;
  r.total_segments = 4;
  EXPECT_EQ(DynamoDbClient::ScanRequestJson(r),
            R"({"TableName":"t","Segment":0,"TotalSegments":4})");
}

TEST_F(DynamoDbClientTest, ScanSendsTheRequestJson) {
  ScanRequest r;
  r.table_name = "t";
  r.segment = 1;
  r.total_segments = 2;
  r.limit = 10;
  r.consistent_read = true;
  r.return_consumed_capacity = true;
  transport_.Respond(200, R"({"Items":[],"Count":0,"ScannedCount":0})");
  Result<ItemPage> page = client_->Scan(r);
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  EXPECT_EQ(SentTarget(0), "DynamoDB_20120810.Scan");
  EXPECT_EQ(SentBody(0), DynamoDbClient::ScanRequestJson(r));
  EXPECT_EQ(SentBody(0),
            R"({"TableName":"t","Segment":1,"TotalSegments":2,"Limit":10,"ConsistentRead":true,)"
            R"("ReturnConsumedCapacity":"TOTAL"})");
  EXPECT_TRUE(page->items.empty());
  EXPECT_FALSE(page->last_evaluated_key.has_value());
}

// ---------------------------------------------------------------------------------------------
// ParseItemPage

// Items whose bytes must survive untouched: 38-digit and extreme numbers, binary, sets, nesting,
// escapes and non-ASCII text.
const std::vector<std::string> kTrickyItems = {
    R"({"pk":{"S":"a\"b\\c\u00e9"},"n38":{"N":"12345678901234567890123456789012345678"},)"
    R"("big":{"N":"1E+125"},"small":{"N":"-1E-130"},"bin":{"B":"AAEC/w=="}})",
    R"({"pk":{"S":"caf\u00e9 é 日本 😀"},"ss":{"SS":["x","y\n"]},)"
    R"("ns":{"NS":["1","-0.00000000000000000000000000000000000001","9.9999999999999999999999999999999999999E+125"]},)"
    R"("bs":{"BS":["AAEC/w==","AA=="]},)"
    R"("l":{"L":[{"N":"1"},{"L":[{"M":{"k":{"NULL":true}}}]},{"BOOL":false}]},)"
    R"("m":{"M":{"nested":{"M":{"deep":{"L":[]}}},"empty":{"S":""},"\u0000x":{"S":"\ud83d\ude00"}}}})",
    R"({"pk":{"S":"\/\b\f\n\r\t"},"n":{"N":"0"}})",
};

std::string PageBody(const std::vector<std::string>& items, std::string_view rest) {
  std::string body = R"({"Items":[)";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) body += ",";
    body += items[i];
  }
  body += "]";
  body += rest;
  body += "}";
  return body;
}

TEST(ParseItemPageTest, ItemsAreByteIdenticalSlices) {
  const std::string lek = R"({"pk":{"S":"a\"b\\c\u00e9"}})";
  const std::string body =
      PageBody(kTrickyItems, R"(,"Count":3,"ScannedCount":7,"LastEvaluatedKey":)" + lek +
                                 R"(,"ConsumedCapacity":{"TableName":"t","CapacityUnits":2.5})");
  Result<ItemPage> page = DynamoDbClient::ParseItemPage("Scan", body);
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  ASSERT_EQ(page->items.size(), kTrickyItems.size());
  for (size_t i = 0; i < kTrickyItems.size(); ++i) {
    EXPECT_EQ(page->items[i], kTrickyItems[i]) << i;
    EXPECT_TRUE(IsSliceOf(page->items[i], *page->body)) << i;
  }
  ASSERT_TRUE(page->last_evaluated_key.has_value());
  EXPECT_EQ(*page->last_evaluated_key, lek);
  EXPECT_EQ(page->count, 3);
  EXPECT_EQ(page->scanned_count, 7);
  EXPECT_DOUBLE_EQ(page->consumed_capacity, 2.5);
  EXPECT_EQ(*page->body, body);
}

TEST(ParseItemPageTest, SlicesExcludeWhitespaceBetweenItems) {
  // Pretty-printed, as a local emulator or a proxy may send it.
  const std::string body = "{\n  \"Items\" : [\n    " + kTrickyItems[0] + " ,\n    " +
                           kTrickyItems[2] +
                           "\n  ] ,\n  \"LastEvaluatedKey\" : {\"pk\":{\"S\":\"x\"}}\n ,"
                           " \"Count\" : 2 }\n";
  Result<ItemPage> page = DynamoDbClient::ParseItemPage("Scan", body);
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0], kTrickyItems[0]);
  EXPECT_EQ(page->items[1], kTrickyItems[2]);
  EXPECT_EQ(page->last_evaluated_key, R"({"pk":{"S":"x"}})");
  EXPECT_EQ(page->count, 2);
}

TEST(ParseItemPageTest, RecordedLongNumbersSurvive) {
  // The values DynamoDB hands back for dynalite's long-number put (recorded against DynamoDB).
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const std::string text = ReadFile(kResponses / "dynalite" / "dynalite-putitem-vectors.json");
  ASSERT_EQ(parser.parse(text).get(root), simdjson::SUCCESS);
  std::vector<std::string> items;
  for (simdjson::dom::element c : root["roundtrip"].get_array()) {
    simdjson::dom::element returned;
    // One case returns "same as put_item": the item comes back unchanged.
    if (c["get_item_returns"].get(returned) != simdjson::SUCCESS || returned.is_string()) {
      returned = c["put_item"];
    }
    items.push_back(simdjson::minify(returned));
  }
  ASSERT_FALSE(items.empty());
  bool has_38_digits = false;
  for (const std::string& item : items) {
    has_38_digits |= item.find("12345678901234567890123456789012345678") != std::string::npos;
  }
  EXPECT_TRUE(has_38_digits);
  Result<ItemPage> page =
      DynamoDbClient::ParseItemPage("Query", PageBody(items, R"(,"Count":1,"ScannedCount":1)"));
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  ASSERT_EQ(page->items.size(), items.size());
  for (size_t i = 0; i < items.size(); ++i) EXPECT_EQ(page->items[i], items[i]);
}

TEST(ParseItemPageTest, RecordedScanExample) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const std::string text = ReadFile(kResponses / "botocore" / "examples-1.json");
  ASSERT_EQ(parser.parse(text).get(root), simdjson::SUCCESS);
  simdjson::dom::element output = root["examples"]["Scan"].at(0)["output"];
  Result<ItemPage> page = DynamoDbClient::ParseItemPage("Scan", simdjson::minify(output));
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0],
            R"({"AlbumTitle":{"S":"Somewhat Famous"},"SongTitle":{"S":"Call Me Today"}})");
  EXPECT_EQ(page->count, 2);
  EXPECT_EQ(page->scanned_count, 3);
  EXPECT_EQ(page->consumed_capacity, 0);  // "ConsumedCapacity":{}
  EXPECT_FALSE(page->last_evaluated_key.has_value());
}

TEST(ParseItemPageTest, EmptyAndLastPage) {
  Result<ItemPage> page = DynamoDbClient::ParseItemPage("Scan", R"({"Count":0,"ScannedCount":0})");
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());
  EXPECT_FALSE(page->last_evaluated_key.has_value());
  // Even a tiny body, which a std::string keeps inline, parses in place.
  page = DynamoDbClient::ParseItemPage("Scan", "{}");
  ASSERT_TRUE(page.ok());
}

TEST(ParseItemPageTest, ConsumedCapacityFromIndexesToo) {
  // A Query on an index reports the index's units within the same object; only the total counts.
  Result<ItemPage> page = DynamoDbClient::ParseItemPage(
      "Query",
      R"({"Items":[],"ConsumedCapacity":{"TableName":"t","CapacityUnits":4,)"
      R"("Table":{"CapacityUnits":1},"GlobalSecondaryIndexes":{"i":{"CapacityUnits":3}}}})");
  ASSERT_TRUE(page.ok());
  EXPECT_DOUBLE_EQ(page->consumed_capacity, 4);
}

TEST(ParseItemPageTest, MalformedBodies) {
  for (const char* body :
       {"", "[]", "not json", R"({"Items":{}})", R"({"Items":[1]})", R"({"Items":[{"a":1})",
        R"({"LastEvaluatedKey":"x"})", R"({"Count":"3"})"}) {
    SCOPED_TRACE(body);
    Result<ItemPage> page = DynamoDbClient::ParseItemPage("Scan", body);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.error().kind, aws::ErrorKind::kCorruption);
    EXPECT_EQ(page.error().operation, "Scan");
  }
}

// ---------------------------------------------------------------------------------------------
// ScanPages

TEST_F(DynamoDbClientTest, ScanPagesFollowsLastEvaluatedKey) {
  const std::string k1 = R"({"pk":{"S":"k1"},"sk":{"N":"12345678901234567890123456789012345678"}})";
  const std::string k2 = R"({"pk":{"S":"k2\u00e9"},"sk":{"N":"-1E-130"}})";
  transport_.Respond(
      200, PageBody({kTrickyItems[0]}, R"(,"Count":1,"ScannedCount":1,"LastEvaluatedKey":)" + k1));
  transport_.Respond(200, PageBody({kTrickyItems[1], kTrickyItems[2]},
                                   R"(,"Count":2,"ScannedCount":2,"LastEvaluatedKey":)" + k2));
  transport_.Respond(200, PageBody({}, R"(,"Count":0,"ScannedCount":4)"));

  ScanRequest request;
  request.table_name = "t";
  request.segment = 2;
  request.total_segments = 5;
  Paginator<ItemPage> pages = client_->ScanPages(request);
  EXPECT_FALSE(pages.done());
  EXPECT_FALSE(pages.position().has_value());

  std::vector<std::string> seen;
  Result<ItemPage> page = pages.Next();
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  for (auto item : page->items) seen.emplace_back(item);
  EXPECT_EQ(pages.position(), k1);
  EXPECT_FALSE(pages.done());

  page = pages.Next();
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  for (auto item : page->items) seen.emplace_back(item);
  EXPECT_EQ(pages.position(), k2);
  EXPECT_FALSE(pages.done());

  page = pages.Next();
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  EXPECT_TRUE(page->items.empty());
  EXPECT_FALSE(pages.position().has_value());
  EXPECT_TRUE(pages.done());

  EXPECT_EQ(seen, kTrickyItems);
  ASSERT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(SentBody(0), R"({"TableName":"t","Segment":2,"TotalSegments":5})");
  EXPECT_EQ(SentBody(1),
            R"({"TableName":"t","Segment":2,"TotalSegments":5,"ExclusiveStartKey":)" + k1 + "}");
  EXPECT_EQ(SentBody(2),
            R"({"TableName":"t","Segment":2,"TotalSegments":5,"ExclusiveStartKey":)" + k2 + "}");
}

TEST_F(DynamoDbClientTest, ScanPagesResumesFromAStartKey) {
  const std::string start = R"({"pk":{"S":"resume"}})";
  transport_.Respond(200, PageBody({}, R"(,"Count":0)"));
  ScanRequest request;
  request.table_name = "t";
  request.exclusive_start_key = start;
  Paginator<ItemPage> pages = client_->ScanPages(request);
  EXPECT_EQ(pages.position(), start);
  ASSERT_TRUE(pages.Next().ok());
  EXPECT_TRUE(pages.done());
  EXPECT_EQ(SentBody(0), R"({"TableName":"t","ExclusiveStartKey":)" + start + "}");
}

TEST_F(DynamoDbClientTest, ScanPagesErrorKeepsPosition) {
  Reset(/*max_attempts=*/1);
  const std::string k1 = R"({"pk":{"S":"k1"}})";
  transport_.Respond(200, PageBody({kTrickyItems[0]}, R"(,"LastEvaluatedKey":)" + k1));
  transport_.Respond(500, R"({"__type":"InternalServerError","message":"boom"})");
  transport_.Respond(200, PageBody({kTrickyItems[1]}, ""));
  ScanRequest request;
  request.table_name = "t";
  Paginator<ItemPage> pages = client_->ScanPages(request);
  ASSERT_TRUE(pages.Next().ok());
  Result<ItemPage> failed = pages.Next();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().http_status, 500);
  EXPECT_EQ(pages.position(), k1);
  EXPECT_FALSE(pages.done());
  Result<ItemPage> last = pages.Next();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->items.at(0), kTrickyItems[1]);
  EXPECT_TRUE(pages.done());
  EXPECT_EQ(SentBody(1), SentBody(2));  // the failed page was asked for again
}

TEST_F(DynamoDbClientTest, QuerySendsItsOptions) {
  QueryRequest q;
  q.table_name = "t";
  q.index_name = "i";
  q.key_condition_expression = "pk = :v";
  q.expression_attribute_values = R"({":v":{"S":"a"}})";
  q.scan_index_forward = false;
  q.limit = 5;
  transport_.Respond(200, PageBody({kTrickyItems[2]}, R"(,"Count":1,"ScannedCount":1)"));
  Result<ItemPage> page = client_->Query(q);
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  EXPECT_EQ(page->items.at(0), kTrickyItems[2]);
  EXPECT_EQ(SentTarget(0), "DynamoDB_20120810.Query");
  EXPECT_EQ(SentBody(0),
            R"({"TableName":"t","KeyConditionExpression":"pk = :v","ScanIndexForward":false,)"
            R"("IndexName":"i","Limit":5,"ExpressionAttributeValues":{":v":{"S":"a"}}})");
}

// ---------------------------------------------------------------------------------------------
// BatchWriteItem

TEST(BatchWriteItemRequestJsonTest, PutsAndDeletes) {
  const std::vector<WriteRequest> requests = {
      {WriteRequest::Kind::kPut, kTrickyItems[0]},
      {WriteRequest::Kind::kDelete, R"({"pk":{"S":"gone"}})"},
      {WriteRequest::Kind::kPut, kTrickyItems[2]},
  };
  EXPECT_EQ(DynamoDbClient::BatchWriteItemRequestJson("Mu\"sic", requests, false),
            R"({"RequestItems":{"Mu\"sic":[{"PutRequest":{"Item":)" + kTrickyItems[0] +
                R"(}},{"DeleteRequest":{"Key":{"pk":{"S":"gone"}}}},{"PutRequest":{"Item":)" +
                kTrickyItems[2] + R"(}}]}})");
  EXPECT_EQ(DynamoDbClient::BatchWriteItemRequestJson("t", std::span(requests).subspan(1, 1), true),
            R"({"RequestItems":{"t":[{"DeleteRequest":{"Key":{"pk":{"S":"gone"}}}}]},)"
            R"("ReturnConsumedCapacity":"TOTAL"})");
}

TEST(BatchWriteItemRequestJsonTest, MatchesTheRecordedExampleRequest) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const std::string text = ReadFile(kResponses / "botocore" / "examples-1.json");
  ASSERT_EQ(parser.parse(text).get(root), simdjson::SUCCESS);
  simdjson::dom::element input = root["examples"]["BatchWriteItem"].at(0)["input"];
  std::vector<std::string> items;
  for (simdjson::dom::element w : input["RequestItems"]["Music"].get_array()) {
    items.push_back(simdjson::minify(w["PutRequest"]["Item"]));
  }
  std::vector<WriteRequest> requests;
  for (const std::string& item : items) requests.push_back({WriteRequest::Kind::kPut, item});
  EXPECT_EQ(DynamoDbClient::BatchWriteItemRequestJson("Music", requests, false),
            simdjson::minify(input));
}

TEST_F(DynamoDbClientTest, BatchWriteItemParsesUnprocessedItems) {
  const std::string put1 = kTrickyItems[1];
  const std::string del1 =
      R"({"pk":{"S":"k\"1"},"sk":{"N":"12345678901234567890123456789012345678"}})";
  const std::string put2 = kTrickyItems[2];
  const std::string answer =
      R"({"UnprocessedItems":{"t":[{"PutRequest":{"Item":)" + put1 +
      R"(}},{"DeleteRequest":{"Key":)" + del1 + R"(}},{"PutRequest":{"Item":)" + put2 +
      R"(}}]},"ConsumedCapacity":[{"TableName":"t","CapacityUnits":3.5},{"TableName":"u","CapacityUnits":1}]})";
  transport_.Respond(200, answer);
  const std::vector<WriteRequest> requests = {
      {WriteRequest::Kind::kPut, kTrickyItems[0]},
      {WriteRequest::Kind::kPut, put1},
      {WriteRequest::Kind::kDelete, del1},
      {WriteRequest::Kind::kPut, put2},
  };
  Result<BatchWriteItemResult> result = client_->BatchWriteItem("t", requests, true);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(SentTarget(0), "DynamoDB_20120810.BatchWriteItem");
  EXPECT_EQ(SentBody(0), DynamoDbClient::BatchWriteItemRequestJson("t", requests, true));
  ASSERT_EQ(result->unprocessed.size(), 3u);
  EXPECT_EQ(result->unprocessed[0].kind, WriteRequest::Kind::kPut);
  EXPECT_EQ(result->unprocessed[0].json, put1);
  EXPECT_EQ(result->unprocessed[1].kind, WriteRequest::Kind::kDelete);
  EXPECT_EQ(result->unprocessed[1].json, del1);
  EXPECT_EQ(result->unprocessed[2].kind, WriteRequest::Kind::kPut);
  EXPECT_EQ(result->unprocessed[2].json, put2);
  for (const WriteRequest& w : result->unprocessed) {
    EXPECT_TRUE(IsSliceOf(w.json, *result->body));
  }
  EXPECT_DOUBLE_EQ(result->consumed_capacity, 4.5);
}

TEST_F(DynamoDbClientTest, BatchWriteItemAllProcessed) {
  // The recorded example answer: {} (nothing left over).
  transport_.Respond(200, R"({"UnprocessedItems":{}})");
  transport_.Respond(200, "{}");
  const std::vector<WriteRequest> requests = {{WriteRequest::Kind::kPut, kTrickyItems[0]}};
  for (int i = 0; i < 2; ++i) {
    Result<BatchWriteItemResult> result = client_->BatchWriteItem("t", requests);
    ASSERT_TRUE(result.ok()) << result.error().ToString();
    EXPECT_TRUE(result->unprocessed.empty());
    EXPECT_EQ(result->consumed_capacity, 0);
  }
}

TEST_F(DynamoDbClientTest, BatchWriteItemMalformedUnprocessedItems) {
  Reset(/*max_attempts=*/1);
  transport_.Respond(200, R"({"UnprocessedItems":{"t":[{"PutRequest":{"Item":"x"}}]}})");
  const std::vector<WriteRequest> requests = {{WriteRequest::Kind::kPut, kTrickyItems[0]}};
  Result<BatchWriteItemResult> result = client_->BatchWriteItem("t", requests);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, aws::ErrorKind::kCorruption);
}

TEST_F(DynamoDbClientTest, AnAnswerThatIsNotJsonIsNamedAsNotFromTheService) {
  Reset(/*max_attempts=*/1);
  transport_.Respond(200, "<html><body>Welcome to the proxy</body></html>");
  Result<TableDescription> table = client_->DescribeTable("t");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.error().kind, aws::ErrorKind::kCorruption);
  EXPECT_NE(table.error().message.find("not JSON, so not from the service"), std::string::npos)
      << table.error().message;
  transport_.Respond(200, R"({"Table":{"TableName":"t")");
  table = client_->DescribeTable("t");
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.error().message.find("not complete JSON (truncated?)"), std::string::npos)
      << table.error().message;
}

// ---------------------------------------------------------------------------------------------
// BatchGetItem and GetItem

TEST_F(DynamoDbClientTest, BatchGetItem) {
  const std::vector<std::string_view> keys = {R"({"pk":{"S":"a"}})", R"({"pk":{"S":"b\u00e9"}})",
                                              R"({"pk":{"S":"c"}})"};
  const std::string answer =
      R"({"Responses":{"t":[)" + kTrickyItems[0] + "," + kTrickyItems[1] +
      R"(]},"UnprocessedKeys":{"t":{"Keys":[{"pk":{"S":"c"}}],"ConsistentRead":true}},)"
      R"("ConsumedCapacity":[{"TableName":"t","CapacityUnits":1.5}]})";
  transport_.Respond(200, answer);
  Result<BatchGetItemResult> result = client_->BatchGetItem("t", keys, true);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(SentTarget(0), "DynamoDB_20120810.BatchGetItem");
  EXPECT_EQ(SentBody(0), R"({"RequestItems":{"t":{"Keys":[{"pk":{"S":"a"}},{"pk":{"S":"b\u00e9"}},)"
                         R"({"pk":{"S":"c"}}],"ConsistentRead":true}}})");
  ASSERT_EQ(result->items.size(), 2u);
  EXPECT_EQ(result->items[0], kTrickyItems[0]);
  EXPECT_EQ(result->items[1], kTrickyItems[1]);
  ASSERT_EQ(result->unprocessed_keys.size(), 1u);
  EXPECT_EQ(result->unprocessed_keys[0], R"({"pk":{"S":"c"}})");
  EXPECT_DOUBLE_EQ(result->consumed_capacity, 1.5);
  for (auto item : result->items) EXPECT_TRUE(IsSliceOf(item, *result->body));
}

TEST_F(DynamoDbClientTest, BatchGetItemAsksForItsConsumedCapacityWhenTold) {
  const std::vector<std::string_view> keys = {R"({"pk":{"S":"a"}})"};
  transport_.Respond(200, R"({"Responses":{"t":[]}})");
  ASSERT_TRUE(client_->BatchGetItem("t", keys, false, true).ok());
  EXPECT_EQ(SentBody(0), R"({"RequestItems":{"t":{"Keys":[{"pk":{"S":"a"}}]}},)"
                         R"("ReturnConsumedCapacity":"TOTAL"})");
}

TEST_F(DynamoDbClientTest, BatchGetItemRecordedExample) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const std::string text = ReadFile(kResponses / "botocore" / "examples-1.json");
  ASSERT_EQ(parser.parse(text).get(root), simdjson::SUCCESS);
  simdjson::dom::element output = root["examples"]["BatchGetItem"].at(0)["output"];
  transport_.Respond(200, simdjson::minify(output));
  const std::vector<std::string_view> keys = {R"({"Artist":{"S":"Acme Band"}})"};
  Result<BatchGetItemResult> result = client_->BatchGetItem("Music", keys);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  ASSERT_EQ(result->items.size(), 3u);
  EXPECT_EQ(result->items[1], R"({"AlbumTitle":{"S":"Blue Sky Blues"}})");
  EXPECT_TRUE(result->unprocessed_keys.empty());
  EXPECT_EQ(SentBody(0), R"({"RequestItems":{"Music":{"Keys":[{"Artist":{"S":"Acme Band"}}]}}})");
}

TEST_F(DynamoDbClientTest, GetItemFound) {
  transport_.Respond(200, R"({"Item":)" + kTrickyItems[1] + "}");
  Result<std::optional<std::string>> item =
      client_->GetItem("t", R"({"pk":{"S":"caf\u00e9"}})", /*consistent_read=*/true);
  ASSERT_TRUE(item.ok()) << item.error().ToString();
  ASSERT_TRUE(item->has_value());
  EXPECT_EQ(**item, kTrickyItems[1]);
  EXPECT_EQ(SentTarget(0), "DynamoDB_20120810.GetItem");
  EXPECT_EQ(SentBody(0),
            R"({"TableName":"t","Key":{"pk":{"S":"caf\u00e9"}},"ConsistentRead":true})");
}

TEST_F(DynamoDbClientTest, GetItemFoundAfterOtherMembers) {
  transport_.Respond(200, R"({"ConsumedCapacity":{"TableName":"t","CapacityUnits":0.5},"Item":)" +
                              kTrickyItems[0] + "}");
  Result<std::optional<std::string>> item = client_->GetItem("t", R"({"pk":{"S":"x"}})");
  ASSERT_TRUE(item.ok()) << item.error().ToString();
  ASSERT_TRUE(item->has_value());
  EXPECT_EQ(**item, kTrickyItems[0]);
  EXPECT_EQ(SentBody(0), R"({"TableName":"t","Key":{"pk":{"S":"x"}}})");
}

TEST_F(DynamoDbClientTest, GetItemNotFound) {
  transport_.Respond(200, "{}");
  transport_.Respond(200, R"({"ConsumedCapacity":{"TableName":"t","CapacityUnits":0.5}})");
  for (int i = 0; i < 2; ++i) {
    Result<std::optional<std::string>> item = client_->GetItem("t", R"({"pk":{"S":"x"}})");
    ASSERT_TRUE(item.ok()) << item.error().ToString();
    EXPECT_FALSE(item->has_value());
  }
}

TEST_F(DynamoDbClientTest, PutAndDeleteItemBodies) {
  transport_.Respond(200, "{}");
  transport_.Respond(200, "{}");
  ASSERT_TRUE(client_->PutItem("t", kTrickyItems[0]).ok());
  ASSERT_TRUE(client_->DeleteItem("t", R"({"pk":{"S":"a"}})").ok());
  EXPECT_EQ(SentTarget(0), "DynamoDB_20120810.PutItem");
  EXPECT_EQ(SentBody(0), R"({"TableName":"t","Item":)" + kTrickyItems[0] + "}");
  EXPECT_EQ(SentTarget(1), "DynamoDB_20120810.DeleteItem");
  EXPECT_EQ(SentBody(1), R"({"TableName":"t","Key":{"pk":{"S":"a"}}})");
}

// ---------------------------------------------------------------------------------------------
// DescribeTable and ListTables

// The recorded answer to `operation` under `name` in a localstack snapshot, as compact JSON.
std::string SnapshotAnswer(const fs::path& file, std::string_view test_suffix,
                           std::string_view name) {
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  const std::string text = ReadFile(file);
  EXPECT_EQ(parser.parse(text).get(root), simdjson::SUCCESS);
  for (auto [test, value] : root) {
    if (!std::string_view(test).ends_with(test_suffix)) continue;
    simdjson::dom::element answer;
    if (value["recorded-content"][name].get(answer) == simdjson::SUCCESS) {
      return simdjson::minify(answer);
    }
  }
  ADD_FAILURE() << "no " << name << " in " << test_suffix;
  return "{}";
}

TEST_F(DynamoDbClientTest, DescribeTableRecordedExample) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const std::string text = ReadFile(kResponses / "botocore" / "examples-1.json");
  ASSERT_EQ(parser.parse(text).get(root), simdjson::SUCCESS);
  simdjson::dom::element example = root["examples"]["DescribeTable"].at(0);
  transport_.Respond(200, simdjson::minify(example["output"]));
  Result<TableDescription> table = client_->DescribeTable("Music");
  ASSERT_TRUE(table.ok()) << table.error().ToString();
  EXPECT_EQ(SentTarget(0), "DynamoDB_20120810.DescribeTable");
  EXPECT_EQ(SentBody(0), simdjson::minify(example["input"]));
  EXPECT_EQ(table->table_name, "Music");
  EXPECT_EQ(table->table_status, "ACTIVE");
  EXPECT_EQ(table->billing_mode, "PROVISIONED");
  EXPECT_EQ(table->read_capacity_units, 5);
  EXPECT_EQ(table->write_capacity_units, 5);
  EXPECT_EQ(table->item_count, 0);
  ASSERT_EQ(table->key_schema.size(), 2u);
  EXPECT_EQ(table->key_schema[0].attribute_name, "Artist");
  EXPECT_EQ(table->key_schema[0].key_type, "HASH");
  EXPECT_EQ(table->key_schema[0].attribute_type, "S");
  EXPECT_EQ(table->key_schema[1].attribute_name, "SongTitle");
  EXPECT_EQ(table->key_schema[1].key_type, "RANGE");
  EXPECT_EQ(table->key_schema[1].attribute_type, "S");
  ASSERT_NE(table->hash_key(), nullptr);
  EXPECT_EQ(table->hash_key()->attribute_name, "Artist");
  ASSERT_NE(table->range_key(), nullptr);
  EXPECT_EQ(table->range_key()->attribute_name, "SongTitle");
  EXPECT_EQ(table->KeySchemaText(), "Artist (S, HASH), SongTitle (S, RANGE)");
  EXPECT_EQ(table->raw_json, simdjson::minify(example["output"]["Table"]));
  EXPECT_TRUE(table->latest_stream_arn.empty());
  EXPECT_TRUE(table->stream_view_type.empty());
  EXPECT_EQ(table->global_secondary_index_count, 0);
}

TEST_F(DynamoDbClientTest, DescribeTableOnDemandWithIndex) {
  transport_.Respond(
      200, SnapshotAnswer(kResponses / "localstack" / "test_dynamodb.snapshot.json",
                          "test_gsi_with_billing_mode[PAY_PER_REQUEST]", "describe-table"));
  Result<TableDescription> table = client_->DescribeTable("<table-name:1>");
  ASSERT_TRUE(table.ok()) << table.error().ToString();
  EXPECT_EQ(table->table_name, "<table-name:1>");
  EXPECT_EQ(table->table_arn,
            "arn:<partition>:dynamodb:<region>:111111111111:table/<table-name:1>");
  EXPECT_EQ(table->billing_mode, "PAY_PER_REQUEST");
  EXPECT_EQ(table->read_capacity_units, 0);
  EXPECT_EQ(table->global_secondary_index_count, 1);
  EXPECT_EQ(table->local_secondary_index_count, 0);
  EXPECT_FALSE(table->deletion_protection);
  ASSERT_EQ(table->key_schema.size(), 1u);
  EXPECT_EQ(table->key_schema[0].attribute_name, "TID");
  EXPECT_EQ(table->key_schema[0].attribute_type, "S");
  EXPECT_EQ(table->range_key(), nullptr);
}

TEST_F(DynamoDbClientTest, DescribeTableWithStream) {
  transport_.Respond(200, SnapshotAnswer(fs::path(DDBM_REFDATA_DIR) / "streams" / "localstack" /
                                             "test_dynamodb_streams.snapshot.json",
                                         "test_table_v2_stream", "global-table-v2"));
  Result<TableDescription> table = client_->DescribeTable("<table-name:1>");
  ASSERT_TRUE(table.ok()) << table.error().ToString();
  EXPECT_EQ(table->latest_stream_arn, "<latest-stream-arn:1>");
  EXPECT_EQ(table->stream_view_type, "NEW_AND_OLD_IMAGES");
  EXPECT_EQ(table->billing_mode, "PAY_PER_REQUEST");
}

std::string TableAnswer(std::string_view status, std::string_view index_status = {}) {
  std::string body = R"({"Table":{"TableName":"t","TableStatus":")" + std::string(status) +
                     R"(","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}])";
  if (!index_status.empty()) {
    body += R"(,"GlobalSecondaryIndexes":[{"IndexName":"i","IndexStatus":")" +
            std::string(index_status) + R"("}])";
  }
  return body + "}}";
}

TEST_F(DynamoDbClientTest, WaitUntilActivePollsUntilTableAndIndexesAreActive) {
  transport_.Respond(200, TableAnswer("CREATING"));
  transport_.Respond(200, TableAnswer("ACTIVE", "CREATING"));
  transport_.Respond(200, TableAnswer("ACTIVE", "ACTIVE"));
  Result<TableDescription> table = client_->WaitUntilActive("t", std::chrono::seconds(60));
  ASSERT_TRUE(table.ok()) << table.error().ToString();
  EXPECT_EQ(table->table_status, "ACTIVE");
  EXPECT_EQ(table->global_secondary_index_count, 1);
  EXPECT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(clock_.sleeps(),
            std::vector<std::chrono::nanoseconds>(2, std::chrono::milliseconds(500)));
}

TEST_F(DynamoDbClientTest, WaitUntilActiveTimesOut) {
  transport_.SetFallback([](const HttpRequest&) -> Result<aws::HttpResponse> {
    aws::HttpResponse r;
    r.status = 200;
    r.body = TableAnswer("UPDATING");
    return r;
  });
  Result<TableDescription> table = client_->WaitUntilActive("t", std::chrono::seconds(2));
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.error().message.find("still UPDATING"), std::string::npos)
      << table.error().message;
  EXPECT_EQ(table.error().operation, "DescribeTable");
  // Polls at 0, 0.5, 1, 1.5 and 2 s.
  EXPECT_EQ(transport_.requests().size(), 5u);
  EXPECT_EQ(clock_.sleeps().size(), 4u);
}

TEST_F(DynamoDbClientTest, DescribeTimeToLive) {
  transport_.Respond(
      200, R"({"TimeToLiveDescription":{"TimeToLiveStatus":"ENABLED","AttributeName":"expires"}})");
  transport_.Respond(200, R"({"TimeToLiveDescription":{"TimeToLiveStatus":"DISABLED"}})");
  Result<TimeToLiveDescription> ttl = client_->DescribeTimeToLive("t");
  ASSERT_TRUE(ttl.ok()) << ttl.error().ToString();
  EXPECT_EQ(ttl->status, "ENABLED");
  EXPECT_EQ(ttl->attribute_name, "expires");
  ttl = client_->DescribeTimeToLive("t");
  ASSERT_TRUE(ttl.ok()) << ttl.error().ToString();
  EXPECT_EQ(ttl->status, "DISABLED");
  EXPECT_EQ(ttl->attribute_name, "");
  EXPECT_EQ(SentTarget(0), "DynamoDB_20120810.DescribeTimeToLive");
  EXPECT_EQ(SentBody(0), R"({"TableName":"t"})");
}

TEST(ParseTableDescriptionTest, HashKeyFirstEvenWhenListedSecond) {
  Result<TableDescription> table = ParseTableDescription(
      "DescribeTable",
      R"({"TableName":"t","KeySchema":[{"AttributeName":"sk","KeyType":"RANGE"},)"
      R"({"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[)"
      R"({"AttributeName":"pk","AttributeType":"B"},{"AttributeName":"sk","AttributeType":"N"}],)"
      R"("DeletionProtectionEnabled":true,"TableClassSummary":{"TableClass":"STANDARD_INFREQUENT_ACCESS"},)"
      R"("StreamSpecification":{"StreamEnabled":false,"StreamViewType":"KEYS_ONLY"}})");
  ASSERT_TRUE(table.ok()) << table.error().ToString();
  ASSERT_EQ(table->key_schema.size(), 2u);
  EXPECT_EQ(table->key_schema[0].attribute_name, "pk");
  EXPECT_EQ(table->key_schema[0].attribute_type, "B");
  EXPECT_EQ(table->key_schema[1].attribute_name, "sk");
  EXPECT_EQ(table->key_schema[1].attribute_type, "N");
  EXPECT_TRUE(table->deletion_protection);
  EXPECT_EQ(table->table_class, "STANDARD_INFREQUENT_ACCESS");
  EXPECT_TRUE(table->stream_view_type.empty());  // the stream is disabled
}

TEST(ParseTableDescriptionTest, IdentityFields) {
  Result<TableDescription> aws_table = ParseTableDescription(
      "DescribeTable",
      R"({"TableName":"t","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],)"
      R"("TableArn":"arn:aws:dynamodb:eu-west-1:123456789012:table/t",)"
      R"("TableId":"11991185-e7ab-4da5-8bab-03f0db0b7bfd","CreationDateTime":1715685260.608})");
  ASSERT_TRUE(aws_table.ok()) << aws_table.error().ToString();
  EXPECT_EQ(aws_table->table_id, "11991185-e7ab-4da5-8bab-03f0db0b7bfd");
  EXPECT_DOUBLE_EQ(aws_table->creation_date_time, 1715685260.608);
  // DynamoDB Local: no TableId; an integral CreationDateTime is read as well.
  Result<TableDescription> local = ParseTableDescription(
      "DescribeTable", R"({"TableName":"t","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],)"
                       R"("CreationDateTime":1796266832})");
  ASSERT_TRUE(local.ok()) << local.error().ToString();
  EXPECT_TRUE(local->table_id.empty());
  EXPECT_DOUBLE_EQ(local->creation_date_time, 1796266832.0);
}

TEST(ParseTableDescriptionTest, MissingKeySchemaIsMalformed) {
  Result<TableDescription> table = ParseTableDescription("DescribeTable", R"({"TableName":"t"})");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.error().kind, aws::ErrorKind::kCorruption);
  EXPECT_FALSE(ParseTableDescription("DescribeTable", "[]").ok());
}

TEST_F(DynamoDbClientTest, ListTablesRecordedAnswer) {
  const RecordedResponse recorded =
      ReadHttpFile(kResponses / "aws-sdk-net" / "listtables-200.http");
  ASSERT_EQ(recorded.status, 200);
  ASSERT_EQ(Header(recorded.headers, "Content-Length"), std::to_string(recorded.body.size()));
  ASSERT_FALSE(Header(recorded.headers, "x-amz-crc32").empty());  // checked by the client
  transport_.Respond(recorded.status, recorded.body, recorded.headers);
  Result<std::vector<std::string>> names = client_->ListTables();
  ASSERT_TRUE(names.ok()) << names.error().ToString();
  EXPECT_EQ(*names, (std::vector<std::string>{"Images", "Logs"}));
  EXPECT_EQ(SentTarget(0), "DynamoDB_20120810.ListTables");
  EXPECT_EQ(SentBody(0), "{}");
  EXPECT_EQ(transport_.requests().size(), 1u);
}

TEST_F(DynamoDbClientTest, ListTablesPaginates) {
  transport_.Respond(200, R"({"TableNames":["a","b\u00e9"],"LastEvaluatedTableName":"b\u00e9"})");
  transport_.Respond(200, R"({"TableNames":["c"],"LastEvaluatedTableName":"c"})");
  transport_.Respond(200, R"({"TableNames":[]})");
  Result<std::vector<std::string>> names = client_->ListTables();
  ASSERT_TRUE(names.ok()) << names.error().ToString();
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b\u00e9", "c"}));
  ASSERT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(SentBody(0), "{}");
  EXPECT_EQ(SentBody(1), "{\"ExclusiveStartTableName\":\"b\u00e9\"}");
  EXPECT_EQ(SentBody(2), R"({"ExclusiveStartTableName":"c"})");
}

TEST_F(DynamoDbClientTest, ListTablesMissingNamesIsMalformed) {
  Reset(/*max_attempts=*/1);
  transport_.Respond(200, R"({"Tables":[]})");
  Result<std::vector<std::string>> names = client_->ListTables();
  ASSERT_FALSE(names.ok());
  EXPECT_EQ(names.error().kind, aws::ErrorKind::kCorruption);
}

TEST_F(DynamoDbClientTest, DescribeTableNotFoundRecordedAnswer) {
  const RecordedResponse recorded =
      ReadHttpFile(kResponses / "aws-sdk-net" / "describetable-404-resourcenotfound.http");
  // DynamoDB sends ResourceNotFoundException with HTTP 400.
  ASSERT_EQ(recorded.status, 400);
  transport_.Respond(recorded.status, recorded.body, recorded.headers);
  transport_.Respond(200, "{}");  // must not be reached: the error is final
  Result<TableDescription> table = client_->DescribeTable("FakeTable");
  ASSERT_FALSE(table.ok());
  const aws::Error& e = table.error();
  EXPECT_EQ(e.kind, aws::ErrorKind::kService);
  EXPECT_EQ(e.service, "dynamodb");
  EXPECT_EQ(e.operation, "DescribeTable");
  EXPECT_EQ(e.code, "ResourceNotFoundException");
  EXPECT_EQ(e.message, "Requested resource not found: Table: FakeTable not found");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.request_id, "2222222222222222222222222222222222222222222222222222");
  EXPECT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(SentBody(0), R"({"TableName":"FakeTable"})");
}

TEST_F(DynamoDbClientTest, RecordedPutItemErrorBody) {
  // botocore's raw wire error body for PutItem, and what it parses to.
  const std::string body = ReadFile(kResponses / "botocore" / "errors__dynamodb-put-item.json");
  simdjson::dom::parser parser;
  simdjson::dom::element expected;
  const std::string expected_text =
      ReadFile(kResponses / "botocore" / "expected__dynamodb-put-item.json");
  ASSERT_EQ(parser.parse(expected_text).get(expected), simdjson::SUCCESS);
  std::string_view code;
  std::string_view message;
  ASSERT_EQ(expected["Error"]["Code"].get(code), simdjson::SUCCESS);
  ASSERT_EQ(expected["Error"]["Message"].get(message), simdjson::SUCCESS);
  // A throttle: retried until the budget (3 attempts) is spent, then reported.
  for (int i = 0; i < 3; ++i) transport_.Respond(400, body, {{"x-amzn-RequestId", "RID"}});
  aws::Status status = client_->PutItem("t", R"({"pk":{"S":"a"}})");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(service_->counters().throttles.load(), 2u);
  EXPECT_EQ(status.error().code, code);
  EXPECT_EQ(status.error().message, message);
  EXPECT_EQ(status.error().request_id, "RID");
  EXPECT_EQ(status.error().operation, "PutItem");
}

}  // namespace
}  // namespace ddbm::dynamodb
