// GetItemsFully over a scripted DynamoDB: UnprocessedKeys are asked for again until answered,
// without a time limit, and a stop ends the asking.
#include "pipeline/batch_getter.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>

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

// Two tables of items {"pk":{"S":"k<i>"},"in":{"S":"<table>"}} answered by a scripted
// BatchGetItem (the items found in reverse order of the keys asked), counting the requests and
// the largest batch of each table.
class GetItemPairsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ddb_.transport.SetFallback(
        [this](const aws::HttpRequest& request) { return Respond(request); });
  }

  aws::Result<aws::HttpResponse> Respond(const aws::HttpRequest& request) {
    simdjson::dom::parser parser;
    simdjson::dom::object tables = parser.parse(request.body)["RequestItems"].get_object();
    std::string table;
    std::vector<std::string> found;
    for (auto [name, asked] : tables) {
      table = std::string(name);
      std::vector<std::string> hits;
      size_t count = 0;
      for (simdjson::dom::element key : asked["Keys"].get_array()) {
        ++count;
        const std::string pk(key["pk"]["S"].get_string().value());
        const auto absent = absent_.find(table);
        if (absent != absent_.end() && absent->second.contains(pk)) continue;
        // The target spells one key with a JSON escape: still the same key.
        const std::string spelt = table == "b" && pk == "k5" ? "k\\u0035" : pk;
        hits.push_back(R"({"pk":{"S":")" + spelt + R"("},"in":{"S":")" + table + R"("}})");
      }
      std::lock_guard lock(mu_);
      ++requests_[table];
      largest_[table] = std::max(largest_[table], count);
      if (refuse_ == table) {
        aws::HttpResponse r;
        r.status = 400;
        r.body = R"({"__type":"com.amazonaws.dynamodb.v20120810#AccessDeniedException",)"
                 R"("message":"not allowed"})";
        return r;
      }
      if (stop_after_ > 0 && ++answered_ == stop_after_) stop_.store(true);
      found.assign(hits.rbegin(), hits.rend());
    }
    std::string body = R"({"Responses":{")" + table + R"(":[)";
    for (size_t i = 0; i < found.size(); ++i) body += (i ? "," : "") + found[i];
    return Answer(body + "]}}");
  }

  std::vector<std::string> Keys(int n) {
    std::vector<std::string> keys;
    for (int i = 0; i < n; ++i) keys.push_back(R"({"pk":{"S":"k)" + std::to_string(i) + "\"}}");
    return keys;
  }

  ItemPairs Read(const std::vector<std::string>& keys, int workers, PairCounters* counters) {
    const PairSide a{ddb_.client.get(), "a", &policy_, nullptr};
    const PairSide b{ddb_.client.get(), "b", &policy_, nullptr};
    return GetItemPairs(a, b, {{"pk", "HASH", "S"}}, keys, false, workers, &stop_, counters);
  }

  testing::ScriptedDynamoDb ddb_;
  aws::RetryPolicy policy_{ddb_.retry, &ddb_.clock};
  std::mutex mu_;
  std::map<std::string, std::set<std::string>> absent_;
  std::map<std::string, int> requests_;
  std::map<std::string, size_t> largest_;
  std::string refuse_;
  int stop_after_ = 0;  // sets stop_ on the answer of this number (from 1)
  int answered_ = 0;
  std::atomic<bool> stop_{false};
};

TEST_F(GetItemPairsTest, ReadsBothTablesInBatchesOfAHundredAndMatchesItemsToKeys) {
  absent_["a"] = {"k3"};
  absent_["b"] = {"k3", "k7", "k249"};
  const std::vector<std::string> keys = Keys(250);
  PairCounters counters;
  const ItemPairs read = Read(keys, 3, &counters);
  EXPECT_FALSE(read.failure.has_value());
  EXPECT_FALSE(read.stopped);
  EXPECT_EQ((std::map<std::string, int>{{"a", 3}, {"b", 3}}), requests_);
  EXPECT_EQ(largest_["a"], 100u);
  EXPECT_EQ(counters.first.load(), 250u);
  EXPECT_EQ(counters.second.load(), 250u);
  ASSERT_EQ(read.pairs.size(), 250u);
  for (int i = 0; i < 250; ++i) {
    const std::string pk = "k" + std::to_string(i);
    ASSERT_TRUE(read.pairs[i].has_value()) << pk;
    const ItemPair& pair = *read.pairs[i];
    EXPECT_EQ(pair.first.has_value(), pk != "k3") << pk;
    EXPECT_EQ(pair.second.has_value(), pk != "k3" && pk != "k7" && pk != "k249") << pk;
    if (pair.first) {
      EXPECT_NE(pair.first->find(R"("in":{"S":"a"})"), std::string::npos) << *pair.first;
      EXPECT_NE(pair.first->find(R"({"S":")" + pk + R"("})"), std::string::npos) << *pair.first;
    }
    if (pair.second) {
      EXPECT_NE(pair.second->find(R"("in":{"S":"b"})"), std::string::npos) << *pair.second;
    }
  }
}

TEST_F(GetItemPairsTest, AFailureStartsNoFurtherBatchAndSaysWhichTable) {
  refuse_ = "b";
  const ItemPairs read = Read(Keys(250), 1, nullptr);
  ASSERT_TRUE(read.failure.has_value());
  EXPECT_TRUE(read.failure_in_second);
  EXPECT_EQ(read.failure->code, "AccessDeniedException");
  EXPECT_FALSE(read.stopped);
  // One worker: the first batch read from a, refused by b, and nothing after.
  EXPECT_EQ((std::map<std::string, int>{{"a", 1}, {"b", 1}}), requests_);
  for (const std::optional<ItemPair>& pair : read.pairs) EXPECT_FALSE(pair.has_value());
}

TEST_F(GetItemPairsTest, AStopKeepsTheBatchesReadAndStartsNoOther) {
  stop_after_ = 3;  // the second batch's answer from a
  PairCounters counters;
  const ItemPairs read = Read(Keys(250), 1, &counters);
  EXPECT_FALSE(read.failure.has_value());
  EXPECT_TRUE(read.stopped);
  // The batch under way is finished (nothing waits on a limiter or a resend); the third never
  // starts.
  EXPECT_EQ((std::map<std::string, int>{{"a", 2}, {"b", 2}}), requests_);
  EXPECT_EQ(counters.first.load(), 200u);
  for (int i = 0; i < 250; ++i) EXPECT_EQ(read.pairs[i].has_value(), i < 200) << i;
}

TEST_F(GetItemPairsTest, NoKeysSendNothing) {
  const ItemPairs read = Read({}, 4, nullptr);
  EXPECT_TRUE(read.pairs.empty());
  EXPECT_FALSE(read.failure.has_value());
  EXPECT_FALSE(read.stopped);
  EXPECT_TRUE(requests_.empty());
}

}  // namespace
}  // namespace ddbm::pipeline
