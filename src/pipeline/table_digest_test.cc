// TableDigest, ParallelScan and GetItemsFully over a scripted DynamoDB.
#include "pipeline/table_digest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "pipeline/batch_getter.h"
#include "pipeline/parallel_scan.h"
#include "testing/fake_clock.h"
#include "testing/scripted_dynamodb.h"

namespace ddbm::pipeline {
namespace {

using aws::HttpRequest;
using aws::HttpResponse;
using aws::Result;

const std::vector<dynamodb::KeySchemaElement> kKeys = {{"pk", "HASH", "S"}};

std::string Item(int i, const std::string& value) {
  return "{\"pk\":{\"S\":\"k" + std::to_string(i) + "\"},\"v\":" + value + "}";
}

// Serves Scan over `items` (segment = index modulo TotalSegments, pages of `page_size`, the
// ExclusiveStartKey carrying the last index as "pos"), and records which segments were read.
class FakeTable {
 public:
  FakeTable(std::vector<std::string> items, int page_size)
      : items_(std::move(items)), page_size_(page_size) {}

  Result<HttpResponse> Handle(const HttpRequest& request) {
    HttpResponse response;
    response.status = 200;
    const std::string& body = request.body;
    const int segment = IntField(body, "Segment");
    const int total = std::max(1, IntField(body, "TotalSegments"));
    const bool asks = body.find(R"("ReturnConsumedCapacity":"TOTAL")") != std::string::npos;
    {
      std::lock_guard lock(mu_);
      segments_.insert(segment);
      ++scans_;
      if (asks) ++asking_;
    }
    int start = 0;
    if (const size_t at = body.find("\"pos\":{\"N\":\""); at != std::string::npos) {
      start = std::stoi(body.substr(at + 12)) + 1;
    }
    std::string out = "{\"Items\":[";
    int emitted = 0;
    int last = -1;
    bool more = false;
    for (int i = start; i < static_cast<int>(items_.size()); ++i) {
      if (i % total != segment) continue;
      if (emitted == page_size_) {
        more = true;
        break;
      }
      out += (emitted++ ? "," : "") + items_[static_cast<size_t>(i)];
      last = i;
    }
    out += "],\"Count\":" + std::to_string(emitted);
    if (more) out += ",\"LastEvaluatedKey\":{\"pos\":{\"N\":\"" + std::to_string(last) + "\"}}";
    if (asks) out += ",\"ConsumedCapacity\":{\"TableName\":\"t\",\"CapacityUnits\":0.5}";
    out += "}";
    response.body = out;
    return response;
  }

  std::set<int> segments() {
    std::lock_guard lock(mu_);
    return segments_;
  }
  // Scans served, and how many of them asked for their consumed capacity.
  std::pair<int, int> scans_and_asking() {
    std::lock_guard lock(mu_);
    return {scans_, asking_};
  }

 private:
  static int IntField(const std::string& body, const std::string& name) {
    const size_t at = body.find("\"" + name + "\":");
    return at == std::string::npos ? 0 : std::stoi(body.substr(at + name.size() + 3));
  }

  std::vector<std::string> items_;
  int page_size_;
  std::mutex mu_;
  std::set<int> segments_;  // guarded by mu_, as are the counts
  int scans_ = 0;
  int asking_ = 0;
};

class TableDigestTest : public ::testing::Test {
 protected:
  Result<BucketDigests> Digest(std::vector<std::string> items, int segments, int page_size,
                               size_t buckets = 64) {
    ddbm::testing::ScriptedDynamoDb ddb;
    FakeTable table(std::move(items), page_size);
    ddb.transport.SetFallback([&](const HttpRequest& r) { return table.Handle(r); });
    DigestOptions options;
    options.table = "t";
    options.key_schema = kKeys;
    options.segments = segments;
    options.buckets = buckets;
    ScanCounters counters;
    Result<BucketDigests> result = DigestTable(*ddb.client, options, nullptr, nullptr, &counters);
    if (result.ok()) EXPECT_EQ(result->Total().count, counters.items.load());
    return result;
  }

  static std::vector<std::string> Items(int n) {
    std::vector<std::string> items;
    for (int i = 0; i < n; ++i) items.push_back(Item(i, "{\"N\":\"" + std::to_string(i) + "\"}"));
    return items;
  }
};

TEST_F(TableDigestTest, SameContentsSameBucketsWhateverTheScanShape) {
  std::vector<std::string> items = Items(300);
  Result<BucketDigests> a = Digest(items, 1, 1000);
  std::reverse(items.begin(), items.end());
  Result<BucketDigests> b = Digest(items, 7, 13);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->Total().count, 300u);
  EXPECT_EQ(a->buckets, b->buckets);
}

TEST_F(TableDigestTest, OneChangedItemChangesExactlyOneBucketAndPassTwoFindsIt) {
  std::vector<std::string> items = Items(300);
  Result<BucketDigests> a = Digest(items, 4, 50);
  items[123] = Item(123, R"({"N":"123.5"})");
  Result<BucketDigests> b = Digest(items, 4, 50);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  std::vector<bool> wanted(a->buckets.size(), false);
  int differing = 0;
  for (size_t i = 0; i < wanted.size(); ++i) {
    wanted[i] = !(a->buckets[i] == b->buckets[i]);
    differing += wanted[i] ? 1 : 0;
  }
  EXPECT_EQ(differing, 1);

  ddbm::testing::ScriptedDynamoDb ddb;
  FakeTable table(items, 50);
  ddb.transport.SetFallback([&](const HttpRequest& r) { return table.Handle(r); });
  DigestOptions options;
  options.table = "t";
  options.key_schema = kKeys;
  options.segments = 3;
  options.buckets = wanted.size();
  ScanCounters counters;
  Result<KeyEntries> keys = CollectKeys(*ddb.client, options, wanted, nullptr, nullptr, &counters);
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(counters.items.load(), 300u);
  bool found = false;
  for (const auto& [canonical, entry] : *keys) {
    if (entry.raw_key == R"({"pk":{"S":"k123"}})") found = true;
  }
  EXPECT_TRUE(found);
  EXPECT_LT(keys->size(), 300u);  // only the wanted bucket's keys are kept
}

TEST_F(TableDigestTest, AMalformedItemIsAnErrorNamingTheTable) {
  std::vector<std::string> items = Items(10);
  items[4] = R"({"v":{"N":"1"}})";  // no key attribute
  Result<BucketDigests> result = Digest(items, 2, 5);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("table t"), std::string::npos);
  EXPECT_NE(result.error().message.find("pk"), std::string::npos);
}

TEST_F(TableDigestTest, BucketsGrowWithTheTableWithinBounds) {
  EXPECT_EQ(BucketsFor(0), 1024u);
  EXPECT_EQ(BucketsFor(100'000), 32768u);
  EXPECT_EQ(BucketsFor(10'000'000'000ULL), size_t{1} << 20);
}

TEST_F(TableDigestTest, ScansAskForTheirConsumedCapacityOnlyWhenTheOptionsSay) {
  for (const bool ask : {false, true}) {
    ddbm::testing::ScriptedDynamoDb ddb;
    FakeTable table(Items(30), 4);
    ddb.transport.SetFallback([&](const HttpRequest& r) { return table.Handle(r); });
    DigestOptions options;
    options.table = "t";
    options.key_schema = kKeys;
    options.segments = 3;
    options.return_consumed_capacity = ask;
    ScanCounters counters;
    ASSERT_TRUE(DigestTable(*ddb.client, options, nullptr, nullptr, &counters).ok());
    const auto [scans, asking] = table.scans_and_asking();
    EXPECT_GT(scans, 3);
    EXPECT_EQ(asking, ask ? scans : 0);
  }
}

// A table of `count` items, all of value {"S":"x"}, served in pages of `page_size` by a scripted
// DynamoDB, with the Scan request (asking for no consumed capacity) and counters a parallel scan
// of it starts from.
struct ScannedTable {
  ScannedTable(int count, int page_size) : table(XItems(count), page_size) {
    ddb.transport.SetFallback([this](const HttpRequest& r) { return table.Handle(r); });
    base.table_name = "t";
  }
  static std::vector<std::string> XItems(int count) {
    std::vector<std::string> items;
    for (int i = 0; i < count; ++i) items.push_back(Item(i, R"({"S":"x"})"));
    return items;
  }

  ddbm::testing::ScriptedDynamoDb ddb;
  FakeTable table;
  dynamodb::ScanRequest base;
  ScanCounters counters;
};

TEST(ParallelScanTest, ScansOnlyTheChosenSegments) {
  ScannedTable scanned(100, 7);
  auto& [ddb, table, base, counters] = scanned;
  std::mutex mu;
  std::set<std::string> seen;
  aws::Status s = ParallelScanSegments(*ddb.client, base, 10, {2, 5}, 4, nullptr, nullptr,
                                       &counters, [&](int, const dynamodb::ItemPage& page) {
                                         std::lock_guard lock(mu);
                                         for (std::string_view item : page.items)
                                           seen.insert(std::string(item));
                                         return aws::Status::Ok();
                                       });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(table.segments(), (std::set<int>{2, 5}));
  EXPECT_EQ(seen.size(), 20u);
  EXPECT_EQ(counters.items.load(), 20u);
}

TEST(ParallelScanTest, AHandlerErrorStopsTheScanAndIsReturned) {
  ScannedTable scanned(100, 5);
  auto& [ddb, table, base, counters] = scanned;
  aws::Status s = ParallelScan(*ddb.client, base, 4, 4, nullptr, nullptr, &counters,
                               [&](int, const dynamodb::ItemPage&) -> aws::Status {
                                 return aws::Error::Make(aws::ErrorKind::kInvalidInput, "bad");
                               });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "bad");
  EXPECT_LE(counters.pages.load(), 4u);  // at most the first page of each segment
}

TEST(ParallelScanTest, ManySegmentsAreReadByAtMostTheGivenReaders) {
  ScannedTable scanned(200, 2);
  auto& [ddb, table, base, counters] = scanned;
  std::mutex mu;
  std::set<std::thread::id> threads;
  aws::Status s = ParallelScan(*ddb.client, base, 50, 3, nullptr, nullptr, &counters,
                               [&](int, const dynamodb::ItemPage&) {
                                 std::lock_guard lock(mu);
                                 threads.insert(std::this_thread::get_id());
                                 return aws::Status::Ok();
                               });
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(table.segments().size(), 50u);
  EXPECT_EQ(counters.items.load(), 200u);
  EXPECT_GE(threads.size(), 1u);
  EXPECT_LE(threads.size(), 3u);
}

TEST(ParallelScanTest, AFlagSharedWithAnotherScanEndsItLikeAStop) {
  ScannedTable scanned(100, 5);
  auto& [ddb, table, base, counters] = scanned;
  const std::atomic<bool> not_interrupted{false};
  std::atomic<bool> other_side_failed{false};
  // The scan beside this one fails while this one reads its first pages.
  aws::Status s = ParallelScan(*ddb.client, base, 10, 2, nullptr,
                               ScanStop(&not_interrupted, &other_side_failed), &counters,
                               [&](int, const dynamodb::ItemPage&) {
                                 other_side_failed.store(true);
                                 return aws::Status::Ok();
                               });
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_LE(counters.pages.load(), 2u);  // the page each reader had asked for, no more
  EXPECT_LE(table.segments().size(), 2u);
}

TEST(ScanStopTest, StopsOnceEitherFlagIsSet) {
  std::atomic<bool> a{false};
  std::atomic<bool> b{false};
  EXPECT_FALSE(ScanStop().stopped());
  EXPECT_FALSE(ScanStop(nullptr).stopped());
  const ScanStop both(&a, &b);
  EXPECT_FALSE(both.stopped());
  b.store(true);
  EXPECT_TRUE(both.stopped());
  EXPECT_FALSE(ScanStop(&a).stopped());
  a.store(true);
  EXPECT_TRUE(ScanStop(&a, nullptr).stopped());
}

// A clock whose every sleep is a Ctrl-C: it sets `stop` and lets no time pass.
class InterruptingClock final : public aws::Clock {
 public:
  explicit InterruptingClock(std::atomic<bool>* stop) : stop_(stop) {}
  WallTime Now() const override { return inner_.Now(); }
  SteadyTime SteadyNow() const override { return inner_.SteadyNow(); }
  void SleepFor(std::chrono::nanoseconds) override {
    ++sleeps;
    stop_->store(true);
  }
  int sleeps = 0;

 private:
  testing::FakeClock inner_;
  std::atomic<bool>* stop_;
};

TEST(ParallelScanTest, AStopWhileAPageWaitsForTheReadLimitSendsNoMoreScans) {
  ScannedTable scanned(100, 5);
  auto& [ddb, table, base, counters] = scanned;
  std::atomic<bool> stop{false};
  InterruptingClock clock(&stop);
  RateLimiterOptions slow;
  slow.units_per_second = 0.01;  // each page of 0.5 units then waits for minutes
  slow.first_request_units = 0.5;
  RateLimiter limiter(slow, &clock);
  aws::Status s = ParallelScan(*ddb.client, base, 1, 1, &limiter, &stop, &counters,
                               [](int, const dynamodb::ItemPage&) { return aws::Status::Ok(); });
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  // The first page fit the bucket's burst; the second waited, and the stop ended the wait.
  EXPECT_EQ(ddb.transport.requests().size(), 1u);
  EXPECT_EQ(counters.pages.load(), 1u);
  EXPECT_EQ(clock.sleeps, 1);
}

TEST(ParallelScanTest, UnderARateLimitEveryScanAsksForItsConsumedCapacity) {
  for (const double rate : {0.0, 1e6}) {  // no limit, then one that never makes a page wait
    ScannedTable scanned(40, 5);
    auto& [ddb, table, base, counters] = scanned;
    ddbm::testing::FakeClock clock;
    RateLimiterOptions limit;
    limit.units_per_second = rate;
    RateLimiter limiter(limit, &clock);
    ASSERT_TRUE(ParallelScan(*ddb.client, base, 2, 2, &limiter, nullptr, &counters,
                             [](int, const dynamodb::ItemPage&) { return aws::Status::Ok(); })
                    .ok());
    const auto [scans, asking] = table.scans_and_asking();
    EXPECT_GT(scans, 2);
    EXPECT_EQ(asking, rate > 0 ? scans : 0) << rate;
    EXPECT_DOUBLE_EQ(counters.read_capacity.load(), rate > 0 ? 0.5 * scans : 0.0);
  }
}

TEST(GetItemsFullyTest, SendsUnprocessedKeysAgainUntilAnswered) {
  ddbm::testing::ScriptedDynamoDb ddb;
  ddb.transport.Respond(200, R"({"Responses":{"t":[{"pk":{"S":"k1"},"v":{"N":"1"}}]},)"
                             R"("UnprocessedKeys":{"t":{"Keys":[{"pk":{"S":"k2"}}]}}})");
  ddb.transport.Respond(200, R"({"Responses":{"t":[{"pk":{"S":"k2"},"v":{"N":"2"}}]},)"
                             R"("UnprocessedKeys":{}})");
  aws::RetryPolicy policy(ddb.retry, &ddb.clock);
  Result<std::vector<std::string>> items = GetItemsFully(
      *ddb.client, "t", {R"({"pk":{"S":"k1"}})", R"({"pk":{"S":"k2"}})", R"({"pk":{"S":"k3"}})"},
      false, policy);
  ASSERT_TRUE(items.ok()) << items.error().ToString();
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0], R"({"pk":{"S":"k1"},"v":{"N":"1"}})");
  EXPECT_EQ((*items)[1], R"({"pk":{"S":"k2"},"v":{"N":"2"}})");
  ASSERT_EQ(ddb.transport.requests().size(), 2u);
  EXPECT_NE(ddb.transport.requests()[1].body.find("k2"), std::string::npos);
  EXPECT_EQ(ddb.transport.requests()[1].body.find("k1"), std::string::npos);
}

}  // namespace
}  // namespace ddbm::pipeline
