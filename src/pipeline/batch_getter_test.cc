// GetItemsFully over a scripted DynamoDB: UnprocessedKeys are asked for again until answered,
// without a time limit, and a stop ends the asking.
#include "pipeline/batch_getter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

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

}  // namespace
}  // namespace ddbm::pipeline
