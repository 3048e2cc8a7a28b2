// GetItemsFully over a scripted DynamoDB: UnprocessedKeys are asked for again until answered,
// without a time limit, and a stop ends the asking.
#include "pipeline/batch_getter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "testing/fake_clock.h"
#include "testing/scripted_dynamodb.h"

namespace ddbm::pipeline {
namespace {

constexpr char kKey[] = R"({"pk":{"S":"a"}})";
constexpr char kItem[] = R"({"pk":{"S":"a"},"v":{"N":"1"}})";

aws::HttpResponse Answer(const std::string& body) {
  aws::HttpResponse r;
  r.status = 200;
  r.body = body;
  return r;
}

const std::string kUnprocessed =
    std::string(R"({"Responses":{"t":[]},"UnprocessedKeys":{"t":{"Keys":[)") + kKey + "]}}}";
const std::string kFound = std::string(R"({"Responses":{"t":[)") + kItem + R"(]}})";

TEST(GetItemsFullyTest, UnprocessedKeysAreAskedForAgainForAsLongAsItTakes) {
  testing::ScriptedDynamoDb ddb;
  const auto start = ddb.clock.SteadyNow();
  ddb.transport.SetFallback([&](const aws::HttpRequest&) -> aws::Result<aws::HttpResponse> {
    // An hour of keys handed back unread, far beyond any attempt budget, then the item.
    return Answer(ddb.clock.SteadyNow() - start < std::chrono::hours(1) ? kUnprocessed : kFound);
  });
  aws::RetryPolicy policy(ddb.retry, &ddb.clock);
  aws::Result<std::vector<std::string>> found =
      GetItemsFully(*ddb.client, "t", {kKey}, true, policy);
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0], kItem);
}

TEST(GetItemsFullyTest, AStopEndsTheAskingWithCancelled) {
  testing::ScriptedDynamoDb ddb;
  std::atomic<bool> stop{false};
  int asked = 0;
  ddb.transport.SetFallback([&](const aws::HttpRequest&) -> aws::Result<aws::HttpResponse> {
    if (++asked == 20) stop.store(true);
    return Answer(kUnprocessed);
  });
  aws::RetryPolicy policy(ddb.retry, &ddb.clock);
  aws::Result<std::vector<std::string>> found =
      GetItemsFully(*ddb.client, "t", {kKey}, true, policy, &stop);
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().kind, aws::ErrorKind::kCancelled);
  EXPECT_EQ(asked, 20);
}

TEST(GetItemsFullyTest, ARateLimitPacesTheRequestsBySizeWhenNoCapacityIsReported) {
  testing::ScriptedDynamoDb ddb;
  const std::string other_key = R"({"pk":{"S":"gone"}})";
  // Neither answer reports its ConsumedCapacity: the limiter settles by what came back, one item
  // of under 4 KB and one key not found, read consistently: 2 units.
  ddb.transport.Respond(200, kFound);
  ddb.transport.Respond(200, kFound);
  aws::RetryPolicy policy(ddb.retry, &ddb.clock);
  testing::FakeClock limiter_clock;
  RateLimiterOptions limit;
  limit.units_per_second = 1;
  limit.burst_seconds = 0;
  RateLimiter limiter(limit, &limiter_clock);
  for (int call = 0; call < 2; ++call) {
    aws::Result<std::vector<std::string>> found =
        GetItemsFully(*ddb.client, "t", {kKey, other_key}, true, policy, nullptr, &limiter);
    ASSERT_TRUE(found.ok()) << found.error().ToString();
    ASSERT_EQ(found->size(), 1u);
  }
  ASSERT_EQ(ddb.transport.requests().size(), 2u);
  for (const aws::HttpRequest& r : ddb.transport.requests()) {
    EXPECT_NE(r.body.find(R"("ReturnConsumedCapacity":"TOTAL")"), std::string::npos) << r.body;
  }
  // The first request was free (nothing settled yet); the second paid the first's 2 units.
  EXPECT_DOUBLE_EQ(limiter.ExpectedUnits(), 2);
  EXPECT_DOUBLE_EQ(limiter.stats().spent_units, 4);
  EXPECT_EQ(limiter.stats().acquires, 2u);
  EXPECT_GT(limiter.stats().waited.count(), 0);  // the second one waited for the units
}

TEST(GetItemsFullyTest, ARateLimitSettlesByTheReportedCapacity) {
  testing::ScriptedDynamoDb ddb;
  ddb.transport.Respond(200, std::string(R"({"Responses":{"t":[)") + kItem +
                                 R"(]},"ConsumedCapacity":[{"TableName":"t","CapacityUnits":7}]})");
  aws::RetryPolicy policy(ddb.retry, &ddb.clock);
  testing::FakeClock limiter_clock;
  RateLimiterOptions limit;
  limit.units_per_second = 100;
  RateLimiter limiter(limit, &limiter_clock);
  ASSERT_TRUE(GetItemsFully(*ddb.client, "t", {kKey}, false, policy, nullptr, &limiter).ok());
  EXPECT_DOUBLE_EQ(limiter.ExpectedUnits(), 7);
  EXPECT_DOUBLE_EQ(limiter.stats().spent_units, 7);
}

}  // namespace
}  // namespace ddbm::pipeline
