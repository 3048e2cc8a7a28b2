// WriteBatchFully against a scripted DynamoDB that leaves part of each batch unprocessed.
#include "pipeline/batch_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/static_providers.h"
#include "testing/fake_clock.h"
#include "testing/scripted_transport.h"

namespace ddbm::pipeline {
namespace {

using dynamodb::WriteRequest;
using testing::FakeClock;
using testing::ScriptedTransport;

class BatchWriterTest : public ::testing::Test {
 protected:
  BatchWriterTest() {
    aws::ServiceClientConfig config;
    config.service = "dynamodb";
    config.signing_name = "dynamodb";
    config.region = "us-east-1";
    config.endpoint = *aws::ParseUrl("https://dynamodb.us-east-1.amazonaws.com");
    config.credentials = std::make_shared<aws::StaticProvider>(
        aws::Credentials{"AKID", "SECRET", "", std::nullopt, "test"});
    config.transport = &transport_;
    config.clock = &clock_;
    config.retry.max_attempts = 3;
    config.retry.throttles_count_toward_attempts = true;
    service_ = std::make_unique<aws::ServiceClient>(std::move(config));
    client_ = std::make_unique<dynamodb::DynamoDbClient>(service_.get());

    // Ten writes sliced out of one "page" body, as a scan hands them over: eight puts of items
    // with awkward values, two deletes.
    auto page = std::make_shared<std::string>();
    std::vector<std::pair<size_t, size_t>> spans;
    for (int i = 0; i < 10; ++i) {
      std::string json =
          i < 8
              ? R"({"pk":{"S":"item)" + std::to_string(i) +
                    R"(\"\u00e9"},"n":{"N":"12345678901234567890123456789012345678"},"b":{"B":"AAEC/w=="}})"
              : R"({"pk":{"S":"gone)" + std::to_string(i) + R"("}})";
      if (!page->empty()) page->append(",");
      spans.emplace_back(page->size(), json.size());
      page->append(json);
      texts_.push_back(json);
    }
    for (size_t i = 0; i < spans.size(); ++i) {
      batch_.requests.push_back({i < 8 ? WriteRequest::Kind::kPut : WriteRequest::Kind::kDelete,
                                 std::string_view(*page).substr(spans[i].first, spans[i].second)});
    }
    batch_.keep_alive = page;
  }

  // A BatchWriteItem answer that leaves `indexes` (into texts_) unprocessed.
  std::string Unprocessed(const std::vector<int>& indexes) const {
    std::string body = R"({"UnprocessedItems":{"t":[)";
    for (size_t i = 0; i < indexes.size(); ++i) {
      if (i > 0) body += ",";
      const int k = indexes[i];
      body += k < 8 ? R"({"PutRequest":{"Item":)" + texts_[k] + "}}"
                    : R"({"DeleteRequest":{"Key":)" + texts_[k] + "}}";
    }
    body += R"(]},"ConsumedCapacity":[{"TableName":"t","CapacityUnits":1}]})";
    return body;
  }

  // The exact request body that carries the writes `indexes` (into texts_), in that order.
  std::string ExpectedBody(const std::vector<int>& indexes) const {
    std::vector<WriteRequest> writes;
    for (int k : indexes) {
      writes.push_back({k < 8 ? WriteRequest::Kind::kPut : WriteRequest::Kind::kDelete, texts_[k]});
    }
    return dynamodb::DynamoDbClient::BatchWriteItemRequestJson("t", writes,
                                                               /*return_consumed_capacity=*/true);
  }

  FakeClock clock_;
  ScriptedTransport transport_;
  std::unique_ptr<aws::ServiceClient> service_;
  std::unique_ptr<dynamodb::DynamoDbClient> client_;
  std::vector<std::string> texts_;
  WriteBatch batch_;
  WriteCounters counters_;
};

TEST(CutIntoBatchesTest, AtMost25RequestsAndTheByteLimitPerBatchInOrder) {
  const std::string small(100, 'x');
  const std::string big(kMaxBatchBytes / 3, 'y');  // three fit, a fourth does not
  const std::string huge(kMaxBatchBytes + 1, 'z');
  auto keep = std::make_shared<const std::string>("page");

  EXPECT_TRUE(CutIntoBatches({}, keep).empty());

  std::vector<WriteRequest> requests(60, WriteRequest{WriteRequest::Kind::kPut, small});
  std::vector<WriteBatch> batches = CutIntoBatches(requests, keep);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].requests.size(), 25u);
  EXPECT_EQ(batches[2].requests.size(), 10u);
  EXPECT_EQ(batches[2].keep_alive, keep);

  requests.assign(5, WriteRequest{WriteRequest::Kind::kPut, big});
  requests.insert(requests.begin() + 2, WriteRequest{WriteRequest::Kind::kDelete, huge});
  batches = CutIntoBatches(requests, keep);
  // big big | huge (alone: too large for any batch) | big big big
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].requests.size(), 2u);
  ASSERT_EQ(batches[1].requests.size(), 1u);
  EXPECT_EQ(batches[1].requests[0].kind, WriteRequest::Kind::kDelete);
  EXPECT_EQ(batches[2].requests.size(), 3u);
  size_t total = 0;
  for (const WriteBatch& b : batches) total += b.requests.size();
  EXPECT_EQ(total, 6u);
}

TEST_F(BatchWriterTest, AllWrittenAtOnce) {
  transport_.Respond(200, R"({"UnprocessedItems":{}})");
  const aws::RetryPolicy policy(aws::RetryOptions{}, &clock_);
  std::optional<BatchFailure> failure =
      WriteBatchFully(*client_, "t", std::move(batch_), policy, &counters_);
  ASSERT_FALSE(failure.has_value()) << failure->error.ToString();
  EXPECT_EQ(counters_.items_written.load(), 10u);
  EXPECT_EQ(counters_.batches.load(), 1u);
  EXPECT_EQ(counters_.unprocessed_resent.load(), 0u);
  EXPECT_TRUE(clock_.sleeps().empty());
  ASSERT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(transport_.requests()[0].body, ExpectedBody({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  // It asks for consumed capacity and adds it up.
  EXPECT_NE(transport_.requests()[0].body.find(R"("ReturnConsumedCapacity":"TOTAL")"),
            std::string::npos);
}

TEST_F(BatchWriterTest, ConsumedCapacityLeftOutUnlessALimiterNeedsIt) {
  const aws::RetryPolicy policy(aws::RetryOptions{}, &clock_);
  WriteBatch copy = batch_;
  transport_.Respond(200, R"({"UnprocessedItems":{}})");
  ASSERT_FALSE(WriteBatchFully(*client_, "t", std::move(copy), policy, &counters_, nullptr,
                               /*consumed_capacity=*/false)
                   .has_value());
  ASSERT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(transport_.requests()[0].body.find("ReturnConsumedCapacity"), std::string::npos);

  // A rate limiter settles against the consumed capacity, so it is asked for anyway.
  RateLimiterOptions options;
  options.units_per_second = 1000;
  RateLimiter limiter(options, &clock_);
  transport_.Respond(
      200, R"({"UnprocessedItems":{},"ConsumedCapacity":[{"TableName":"t","CapacityUnits":10}]})");
  ASSERT_FALSE(WriteBatchFully(*client_, "t", std::move(batch_), policy, &counters_, &limiter,
                               /*consumed_capacity=*/false)
                   .has_value());
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_NE(transport_.requests()[1].body.find(R"("ReturnConsumedCapacity":"TOTAL")"),
            std::string::npos);
  EXPECT_EQ(counters_.items_written.load(), 20u);
}

TEST_F(BatchWriterTest, StopEndsTheResendingOfUnprocessedItems) {
  // UnprocessedItems are resent without a time limit; a stop must end that.
  aws::RetryOptions options;
  options.max_attempts = 0;
  options.max_elapsed = std::chrono::milliseconds(0);
  const aws::RetryPolicy policy(options, &clock_);
  std::atomic<bool> stop{true};  // already asked: the batch is sent once, never resent
  transport_.Respond(200, Unprocessed({2, 8}));
  std::optional<BatchFailure> failure = WriteBatchFully(*client_, "t", batch_, policy, &counters_,
                                                        nullptr, /*consumed_capacity=*/true, &stop);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->error.kind, aws::ErrorKind::kCancelled);
  ASSERT_EQ(failure->remaining.requests.size(), 2u);
  EXPECT_EQ(failure->remaining.requests[0].json, texts_[2]);
  EXPECT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(counters_.items_written.load(), 8u);
  EXPECT_EQ(counters_.unprocessed_resent.load(), 0u);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(BatchWriterTest, StopWhileWaitingForTheRateLimitSendsNothing) {
  const aws::RetryPolicy policy(aws::RetryOptions{}, &clock_);
  RateLimiterOptions options;
  options.units_per_second = 5;
  options.adaptive = false;
  RateLimiter limiter(options, &clock_);
  limiter.Acquire(100);  // 19 s of debt
  std::atomic<bool> stop{true};
  std::optional<BatchFailure> failure = WriteBatchFully(
      *client_, "t", batch_, policy, &counters_, &limiter, /*consumed_capacity=*/true, &stop);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->error.kind, aws::ErrorKind::kCancelled);
  EXPECT_EQ(failure->remaining.requests.size(), 10u);
  EXPECT_TRUE(transport_.requests().empty());
  EXPECT_TRUE(clock_.sleeps().empty());
  EXPECT_EQ(counters_.items_written.load(), 0u);

  // Not stopped: the same batch waits its turn and goes.
  stop.store(false);
  transport_.Respond(200, R"({"UnprocessedItems":{}})");
  EXPECT_FALSE(WriteBatchFully(*client_, "t", std::move(batch_), policy, &counters_, &limiter,
                               /*consumed_capacity=*/true, &stop)
                   .has_value());
  EXPECT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(counters_.items_written.load(), 10u);
}

TEST_F(BatchWriterTest, PartialUnprocessedTwiceThenDone) {
  transport_.Respond(200, Unprocessed({1, 4, 8, 9}));
  transport_.Respond(200, Unprocessed({9}));
  transport_.Respond(
      200, R"({"UnprocessedItems":{},"ConsumedCapacity":[{"TableName":"t","CapacityUnits":0.5}]})");
  const aws::RetryPolicy policy(aws::RetryOptions{}, &clock_, 1);
  std::optional<BatchFailure> failure =
      WriteBatchFully(*client_, "t", std::move(batch_), policy, &counters_);
  ASSERT_FALSE(failure.has_value()) << failure->error.ToString();

  // Every item counted once: 6 + 3 + 1.
  EXPECT_EQ(counters_.items_written.load(), 10u);
  EXPECT_EQ(counters_.batches.load(), 3u);
  EXPECT_EQ(counters_.unprocessed_resent.load(), 5u);
  EXPECT_DOUBLE_EQ(counters_.consumed_capacity.load(), 2.5);
  EXPECT_EQ(clock_.sleeps().size(), 2u);

  const std::vector<aws::HttpRequest> sent = transport_.requests();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].body, ExpectedBody({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(sent[1].body, ExpectedBody({1, 4, 8, 9}));
  EXPECT_EQ(sent[2].body, ExpectedBody({9}));
  // Resent items are spliced byte for byte, not re-encoded.
  for (int k : {1, 4}) {
    EXPECT_NE(sent[1].body.find(texts_[k]), std::string::npos) << k;
  }
  EXPECT_NE(sent[2].body.find(R"({"DeleteRequest":{"Key":)" + texts_[9] + "}}"), std::string::npos);
}

TEST_F(BatchWriterTest, ProgressKeepsWaitsShort) {
  // Each answer takes some of the batch: the wait never grows past the first retry's ceiling.
  transport_.Respond(200, Unprocessed({1, 2, 3, 4, 5, 6, 7, 8, 9}));
  transport_.Respond(200, Unprocessed({2, 3, 4, 5, 6, 7, 8, 9}));
  transport_.Respond(200, Unprocessed({3, 4, 5, 6, 7, 8, 9}));
  transport_.Respond(200, Unprocessed({4, 5, 6, 7, 8, 9}));
  transport_.Respond(200, "{}");
  aws::RetryOptions options;
  options.max_attempts = 5;
  options.throttles_count_toward_attempts = true;
  const aws::RetryPolicy policy(options, &clock_, 2);
  std::optional<BatchFailure> failure =
      WriteBatchFully(*client_, "t", std::move(batch_), policy, &counters_);
  ASSERT_FALSE(failure.has_value()) << failure->error.ToString();
  EXPECT_EQ(counters_.items_written.load(), 10u);
  EXPECT_EQ(counters_.unprocessed_resent.load(), 9u + 8u + 7u + 6u);
  const auto sleeps = clock_.sleeps();
  ASSERT_EQ(sleeps.size(), 4u);
  // A throttle's first retry: within 4 * base.
  for (auto s : sleeps) EXPECT_LE(s, options.base_delay * options.throttle_base_multiplier);
}

TEST_F(BatchWriterTest, UnprocessedForeverReturnsTheRemainder) {
  // Two items are never accepted.
  transport_.SetFallback([this](const aws::HttpRequest&) -> aws::Result<aws::HttpResponse> {
    aws::HttpResponse r;
    r.status = 200;
    r.body = Unprocessed({3, 8});
    return r;
  });
  aws::RetryOptions options;
  options.max_attempts = 4;
  options.throttles_count_toward_attempts = true;
  const aws::RetryPolicy policy(options, &clock_, 3);
  std::optional<BatchFailure> failure =
      WriteBatchFully(*client_, "t", std::move(batch_), policy, &counters_);
  ASSERT_TRUE(failure.has_value());

  EXPECT_EQ(failure->error.kind, aws::ErrorKind::kService);
  EXPECT_EQ(failure->error.operation, "BatchWriteItem");
  EXPECT_EQ(failure->error.code, "ProvisionedThroughputExceededException");
  EXPECT_NE(failure->error.message.find("retry budget"), std::string::npos)
      << failure->error.message;

  // 8 written by the first answer, none after; nothing counted twice.
  EXPECT_EQ(counters_.items_written.load(), 8u);
  EXPECT_EQ(counters_.batches.load(), 4u);
  EXPECT_EQ(counters_.unprocessed_resent.load(), 2u * 3u);
  EXPECT_EQ(transport_.requests().size(), 4u);
  EXPECT_EQ(clock_.sleeps().size(), 3u);

  // The remainder is intact: the two writes, their JSON still readable.
  ASSERT_EQ(failure->remaining.requests.size(), 2u);
  ASSERT_NE(failure->remaining.keep_alive, nullptr);
  EXPECT_EQ(failure->remaining.requests[0].kind, WriteRequest::Kind::kPut);
  EXPECT_EQ(failure->remaining.requests[0].json, texts_[3]);
  EXPECT_EQ(failure->remaining.requests[1].kind, WriteRequest::Kind::kDelete);
  EXPECT_EQ(failure->remaining.requests[1].json, texts_[8]);
  // The slices point into the answer that keep_alive owns, not into anything freed since.
  const std::string& owner = *failure->remaining.keep_alive;
  simdjson::dom::parser parser;
  for (const WriteRequest& w : failure->remaining.requests) {
    EXPECT_GE(w.json.data(), owner.data());
    EXPECT_LE(w.json.data() + w.json.size(), owner.data() + owner.size());
    simdjson::dom::element e;
    EXPECT_EQ(parser.parse(std::string(w.json)).get(e), simdjson::SUCCESS) << w.json;
  }
  const std::vector<aws::HttpRequest> sent = transport_.requests();
  for (size_t i = 1; i < sent.size(); ++i) EXPECT_EQ(sent[i].body, ExpectedBody({3, 8}));
}

TEST_F(BatchWriterTest, UnprocessedForeverBoundedByElapsedTime) {
  transport_.SetFallback([this](const aws::HttpRequest&) -> aws::Result<aws::HttpResponse> {
    aws::HttpResponse r;
    r.status = 200;
    r.body = Unprocessed({0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    return r;
  });
  aws::RetryOptions options;
  options.max_attempts = 0;
  options.max_elapsed = std::chrono::seconds(60);
  const aws::RetryPolicy policy(options, &clock_, 4);
  std::optional<BatchFailure> failure =
      WriteBatchFully(*client_, "t", std::move(batch_), policy, &counters_);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(counters_.items_written.load(), 0u);
  EXPECT_EQ(failure->remaining.requests.size(), 10u);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(failure->remaining.requests[i].json, texts_[i]);
  EXPECT_GE(clock_.SteadyNow() - aws::Clock::SteadyTime(std::chrono::hours(1)),
            std::chrono::seconds(60));
}

TEST_F(BatchWriterTest, RequestErrorReturnsTheWholeBatch) {
  for (int i = 0; i < 3; ++i) {
    transport_.Respond(500, R"({"__type":"InternalServerError","message":"boom"})");
  }
  const aws::RetryPolicy policy(aws::RetryOptions{}, &clock_);
  std::optional<BatchFailure> failure =
      WriteBatchFully(*client_, "t", std::move(batch_), policy, &counters_);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->error.http_status, 500);
  EXPECT_EQ(failure->remaining.requests.size(), 10u);
  EXPECT_EQ(failure->remaining.requests[0].json, texts_[0]);
  EXPECT_EQ(counters_.items_written.load(), 0u);
  EXPECT_EQ(counters_.batches.load(), 0u);
}

TEST_F(BatchWriterTest, ErrorAfterPartialProgressReturnsOnlyTheRest) {
  transport_.Respond(200, Unprocessed({5, 9}));
  transport_.Respond(400, R"({"__type":"ValidationException","message":"bad"})");
  const aws::RetryPolicy policy(aws::RetryOptions{}, &clock_);
  std::optional<BatchFailure> failure =
      WriteBatchFully(*client_, "t", std::move(batch_), policy, &counters_);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->error.code, "ValidationException");
  EXPECT_EQ(counters_.items_written.load(), 8u);
  ASSERT_EQ(failure->remaining.requests.size(), 2u);
  EXPECT_EQ(failure->remaining.requests[0].json, texts_[5]);
  EXPECT_EQ(failure->remaining.requests[1].json, texts_[9]);
  EXPECT_EQ(failure->remaining.requests[1].kind, WriteRequest::Kind::kDelete);
}

}  // namespace
}  // namespace ddbm::pipeline
