// TableTransfer over a scripted DynamoDB: the data path, acknowledgements, dead letters,
// checkpoints and stop requests, without a network or real time.
#include "pipeline/table_transfer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "dynamodb/client.h"
#include "testing/fake_clock.h"
#include "testing/scripted_transport.h"
#include "testing/temp_dir.h"

namespace ddbm::pipeline {
namespace {

using aws::HttpRequest;
using aws::HttpResponse;
using aws::Result;

class StaticCredentials final : public aws::CredentialsProvider {
 public:
  Result<aws::Credentials> GetCredentials() override {
    return aws::Credentials{"AKID", "secret", "", std::nullopt, "test"};
  }
};

std::string Item(int i) {
  return "{\"pk\":{\"S\":\"k" + std::to_string(i) + "\"},\"v\":{\"N\":\"" + std::to_string(i) +
         ".50\"}}";
}

// A fake table service: Scan serves `items` split into segments by index modulo, pages of
// `page_size`; BatchWriteItem records puts, and rejects any batch holding a poisoned item with a
// ValidationException, as DynamoDB rejects a whole batch for one bad item.
class FakeDynamoDb {
 public:
  FakeDynamoDb(int count, int page_size) : page_size_(page_size) {
    for (int i = 0; i < count; ++i) items_.push_back(Item(i));
  }
  void Poison(int i) { poisoned_.insert(Item(i)); }

  Result<HttpResponse> Handle(const HttpRequest& request) {
    const std::string target = *request.FindHeader("X-Amz-Target");
    HttpResponse response;
    response.status = 200;
    if (target.ends_with(".Scan")) {
      response.body = Scan(request.body);
    } else if (target.ends_with(".BatchWriteItem")) {
      std::lock_guard lock(mu_);
      ++batch_calls_;
      for (const auto& p : poisoned_) {
        if (request.body.find(p) != std::string::npos) {
          response.status = 400;
          response.body =
              R"({"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"Item size has exceeded the maximum allowed size"})";
          return response;
        }
      }
      for (const auto& item : items_) {
        if (request.body.find(item) != std::string::npos) written_.insert(item);
      }
      response.body =
          R"({"UnprocessedItems":{},"ConsumedCapacity":[{"TableName":"dst","CapacityUnits":1}]})";
    }
    return response;
  }

  std::set<std::string> written() {
    std::lock_guard lock(mu_);
    return written_;
  }
  // The most segments read at once: begun (first page served) and not yet at their last page.
  int max_open_segments() {
    std::lock_guard lock(mu_);
    return max_open_;
  }
  std::set<int> segments_finished() {
    std::lock_guard lock(mu_);
    return finished_;
  }

 private:
  // Request bodies are ours, so simple string search is enough to read them.
  static int IntField(const std::string& body, const std::string& name) {
    const size_t at = body.find("\"" + name + "\":");
    return at == std::string::npos ? 0 : std::stoi(body.substr(at + name.size() + 3));
  }
  std::string Scan(const std::string& body) {
    const int segment = IntField(body, "Segment");
    const int total = std::max(1, IntField(body, "TotalSegments"));
    int start = 0;  // ExclusiveStartKey carries the index to continue after, as "pos"
    if (const size_t at = body.find("\"pos\":{\"N\":\""); at != std::string::npos) {
      start = std::stoi(body.substr(at + 12)) + 1;
    }
    std::vector<int> mine;
    for (int i = 0; i < static_cast<int>(items_.size()); ++i) {
      if (i % total == segment) mine.push_back(i);
    }
    std::string out = "{\"Items\":[";
    int emitted = 0;
    int last = -1;
    for (int i : mine) {
      if (i < start || emitted == page_size_) continue;
      out += (emitted++ ? "," : "") + items_[static_cast<size_t>(i)];
      last = i;
    }
    out += "],\"Count\":" + std::to_string(emitted);
    const bool more = emitted == page_size_ && last != mine.back();
    {
      std::lock_guard lock(mu_);
      if (start == 0) open_.insert(segment);
      max_open_ = std::max(max_open_, static_cast<int>(open_.size()));
      if (!more) {
        open_.erase(segment);
        finished_.insert(segment);
      }
    }
    if (more) out += ",\"LastEvaluatedKey\":{\"pos\":{\"N\":\"" + std::to_string(last) + "\"}}";
    out += ",\"ConsumedCapacity\":{\"TableName\":\"src\",\"CapacityUnits\":0.5}}";
    return out;
  }

  int page_size_;
  std::vector<std::string> items_;
  std::set<std::string> poisoned_;
  std::mutex mu_;
  std::set<std::string> written_;
  int batch_calls_ = 0;
  std::set<int> open_;
  std::set<int> finished_;
  int max_open_ = 0;
};

class TableTransferTest : public ::testing::Test {
 protected:
  TableTransferTest() {
    transport_.SetFallback([this](const HttpRequest& r) { return fake_->Handle(r); });
    aws::ServiceClientConfig config;
    config.service = "dynamodb";
    config.signing_name = "dynamodb";
    config.region = "us-east-1";
    config.endpoint = *aws::ParseUrl("http://127.0.0.1:1");
    config.credentials = std::make_shared<StaticCredentials>();
    config.transport = &transport_;
    config.clock = &clock_;
    config.retry.max_attempts = 3;
    service_ = std::make_unique<aws::ServiceClient>(config);
    client_ = std::make_unique<dynamodb::DynamoDbClient>(service_.get());
    policy_ = std::make_unique<aws::RetryPolicy>(config.retry, &clock_);
  }

  TransferContext Context(DeadLetterFile* dead_letters, const std::atomic<bool>* stop = nullptr) {
    TransferContext c;
    c.source = client_.get();
    c.target = client_.get();
    c.write_policy = policy_.get();
    c.dead_letters = dead_letters;
    c.stop = stop;
    c.clock = &clock_;
    return c;
  }

  // Runs a transfer with `options`, dead letters going to dead.jsonl in the test's folder.
  Result<TransferResult> Run(const TransferOptions& options, TransferCounters* counters,
                             const std::atomic<bool>* stop = nullptr) {
    DeadLetterFile dead(dir_.path() + "/dead.jsonl");
    TableTransfer transfer(Context(&dead, stop), options);
    return transfer.Run(counters);
  }

  // A checkpoint of a copy from src to dst in `total_segments` segments, with no positions yet.
  static Checkpoint CopyCheckpoint(int total_segments) {
    Checkpoint c;
    c.operation = "copy";
    c.source = "src";
    c.target = "dst";
    c.total_segments = total_segments;
    return c;
  }

  TransferOptions Options(int segments) {
    TransferOptions o;
    o.source_table = "src";
    o.target_table = "dst";
    o.segments = segments;
    o.writers = 4;
    return o;
  }

  std::unique_ptr<FakeDynamoDb> fake_;
  ddbm::testing::ScriptedTransport transport_;
  ddbm::testing::FakeClock clock_;
  std::unique_ptr<aws::ServiceClient> service_;
  std::unique_ptr<dynamodb::DynamoDbClient> client_;
  std::unique_ptr<aws::RetryPolicy> policy_;
  ddbm::testing::TempDir dir_;
};

TEST_F(TableTransferTest, CopiesEveryItemOnceAcrossSegmentsAndPages) {
  fake_ = std::make_unique<FakeDynamoDb>(1000, 60);
  TransferOptions options = Options(4);
  options.checkpoint_path = dir_.path() + "/cp.json";
  TransferCounters counters;
  auto result = Run(options, &counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_FALSE(result->interrupted);
  EXPECT_EQ(counters.scan.items.load(), 1000u);
  EXPECT_EQ(counters.writes.items_written.load(), 1000u);
  EXPECT_EQ(fake_->written().size(), 1000u);
  EXPECT_EQ(counters.items_dead_lettered.load(), 0u);
  auto saved = LoadCheckpoint(options.checkpoint_path);
  ASSERT_TRUE(saved.ok() && saved->has_value());
  EXPECT_TRUE((*saved)->complete());
  EXPECT_EQ((*saved)->items_acknowledged(), 1000u);
}

TEST_F(TableTransferTest, MoreSegmentsThanReadersAreReadAFewAtATime) {
  fake_ = std::make_unique<FakeDynamoDb>(600, 20);
  TransferOptions options = Options(12);
  options.readers = 3;
  options.checkpoint_path = dir_.path() + "/cp.json";
  TransferCounters counters;
  auto result = Run(options, &counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(fake_->written().size(), 600u);
  EXPECT_EQ(counters.writes.items_written.load(), 600u);
  EXPECT_EQ(fake_->segments_finished().size(), 12u);
  EXPECT_LE(fake_->max_open_segments(), 3);
  ASSERT_EQ(result->checkpoint.segments.size(), 12u);
  EXPECT_TRUE(result->checkpoint.complete());
  EXPECT_EQ(result->checkpoint.items_acknowledged(), 600u);
}

TEST_F(TableTransferTest, ResumeWithFewReadersReadsOnlyTheUnfinishedSegments) {
  fake_ = std::make_unique<FakeDynamoDb>(120, 5);
  Checkpoint resume = CopyCheckpoint(6);
  for (int s = 0; s < 6; ++s) {
    const bool done = s % 2 == 0;  // even segments finished earlier; odd ones never started
    resume.segments.push_back({std::nullopt, done, done ? 20u : 0u});
  }
  TransferOptions options = Options(6);
  options.readers = 2;
  options.resume = resume;
  TransferCounters counters;
  auto result = Run(options, &counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(counters.scan.items.load(), 60u);
  EXPECT_EQ(fake_->segments_finished(), (std::set<int>{1, 3, 5}));
  for (int i = 1; i < 120; i += 2) EXPECT_TRUE(fake_->written().count(Item(i))) << i;
  EXPECT_EQ(fake_->written().size(), 60u);
  EXPECT_TRUE(result->checkpoint.complete());
  EXPECT_EQ(result->checkpoint.items_acknowledged(), 120u);
}

TEST_F(TableTransferTest, ConsumedCapacityIsAskedForOnlyWhenWanted) {
  // Reads and writes are asked for apart: every combination, checked on each request sent.
  for (const bool reads : {true, false}) {
    for (const bool writes : {true, false}) {
      fake_ = std::make_unique<FakeDynamoDb>(100, 30);
      const size_t before = transport_.requests().size();
      TransferOptions options = Options(2);
      options.read_consumed_capacity = reads;
      options.write_consumed_capacity = writes;
      TransferCounters counters;
      auto result = Run(options, &counters);
      ASSERT_TRUE(result.ok()) << result.error().ToString();
      EXPECT_EQ(fake_->written().size(), 100u);
      const std::vector<HttpRequest> sent = transport_.requests();
      ASSERT_GT(sent.size(), before);
      for (size_t i = before; i < sent.size(); ++i) {
        const HttpRequest& r = sent[i];
        const std::string* target = r.FindHeader("X-Amz-Target");
        const bool scan = target != nullptr && target->ends_with(".Scan");
        EXPECT_EQ(r.body.find(R"("ReturnConsumedCapacity":"TOTAL")") != std::string::npos,
                  scan ? reads : writes)
            << r.body;
      }
    }
  }
}

TEST_F(TableTransferTest, BadItemsAreIsolatedAndDeadLetteredTheRestIsWritten) {
  fake_ = std::make_unique<FakeDynamoDb>(200, 50);
  fake_->Poison(7);
  fake_->Poison(123);
  DeadLetterFile dead(dir_.path() + "/dead.jsonl");
  TableTransfer transfer(Context(&dead), Options(2));
  TransferCounters counters;
  auto result = transfer.Run(&counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(counters.items_dead_lettered.load(), 2u);
  EXPECT_EQ(counters.writes.items_written.load(), 198u);
  EXPECT_EQ(fake_->written().size(), 198u);
  std::ifstream in(dead.path());
  std::stringstream lines;
  lines << in.rdbuf();
  EXPECT_NE(lines.str().find("\"Item\":" + Item(7)), std::string::npos) << lines.str();
  EXPECT_NE(lines.str().find("\"Item\":" + Item(123)), std::string::npos);
  EXPECT_NE(lines.str().find("\"Code\":\"ValidationException\""), std::string::npos);
  // The checkpoint counts them, so that a resumed run still reports them.
  EXPECT_EQ(result->checkpoint.items_dead_lettered(), 2u);
  EXPECT_EQ(result->checkpoint.items_acknowledged(), 200u);

  TransferOptions resumed = Options(2);
  resumed.resume = result->checkpoint;
  TransferCounters again;
  auto finished = TableTransfer(Context(&dead), resumed).Run(&again);
  ASSERT_TRUE(finished.ok()) << finished.error().ToString();
  EXPECT_EQ(again.items_dead_lettered_resumed.load(), 2u);
  EXPECT_EQ(again.items_dead_lettered.load(), 0u);
}

TEST_F(TableTransferTest, ResumeSkipsDoneSegmentsAndContinuesAfterThePosition) {
  fake_ = std::make_unique<FakeDynamoDb>(100, 10);
  Checkpoint resume = CopyCheckpoint(2);
  resume.segments.push_back({std::nullopt, true, 50});  // segment 0 finished earlier
  // Segment 1 holds odd indexes; continue after index 49.
  resume.segments.push_back({std::string("{\"pos\":{\"N\":\"49\"}}"), false, 25});
  TransferOptions options = Options(2);
  options.resume = resume;
  TransferCounters counters;
  auto result = Run(options, &counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(counters.scan.items.load(), 25u);  // odd indexes 51..99
  EXPECT_EQ(counters.items_resumed.load(), 75u);
  for (int i = 51; i < 100; i += 2) EXPECT_TRUE(fake_->written().count(Item(i))) << i;
  EXPECT_FALSE(fake_->written().count(Item(49)));
  EXPECT_TRUE(result->checkpoint.complete());
}

TEST_F(TableTransferTest, StopRequestEndsCleanlyWithAResumableCheckpoint) {
  fake_ = std::make_unique<FakeDynamoDb>(500, 10);
  std::atomic<bool> stop{true};  // asked to stop before the first page
  TransferOptions options = Options(2);
  options.checkpoint_path = dir_.path() + "/cp.json";
  TransferCounters counters;
  auto result = Run(options, &counters, &stop);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->interrupted);
  auto saved = LoadCheckpoint(options.checkpoint_path);
  ASSERT_TRUE(saved.ok() && saved->has_value());
  EXPECT_FALSE((*saved)->complete());
}

// A transform of item k<i>: i % 4 == 0 nothing, 1 itself, 2 itself and a twin, 3 an item
// without its key, which the target cannot take. Answers as a transform command would, read by
// ReadTransformAnswers, and confirms them all at Finish, or none when `finish_fails`. With
// `fail_at`, the page holding that item is an error.
class FakeTransform final : public ItemTransform {
 public:
  explicit FakeTransform(int fail_at = -1, bool finish_fails = false)
      : fail_at_(fail_at), finish_fails_(finish_fails) {}
  aws::Status Finish() override {
    if (finish_fails_) {
      aws::Error error = aws::Error::Make(aws::ErrorKind::kInvalidInput, "extra lines");
      error.code = std::string(kTransformOutOfStep);
      return error;
    }
    std::lock_guard lock(mu_);
    for (auto& confirm : unconfirmed_) confirm();
    unconfirmed_.clear();
    return aws::Status::Ok();
  }
  aws::Result<TransformedPage> Apply(const std::vector<std::string_view>& items,
                                     const std::function<bool()>&,
                                     std::function<void()> confirmed) override {
    {
      std::lock_guard lock(mu_);
      unconfirmed_.push_back(std::move(confirmed));
    }
    std::string answers;
    for (std::string_view item : items) {
      const int i = std::stoi(std::string(item.substr(item.find("\"k") + 2)));
      if (i == fail_at_) return aws::Error::Make(aws::ErrorKind::kInvalidInput, "broken");
      const std::string twin = "{\"pk\":{\"S\":\"t" + std::to_string(i) + "\"}}";
      switch (i % 4) {
        case 0:
          answers += "null\n";
          break;
        case 1:
          answers += std::string(item) + "\n";
          break;
        case 2:
          answers += "[" + std::string(item) + "," + twin + "]\n";
          break;
        default:
          answers += "{\"v\":{\"N\":\"1\"}}\n";
          break;
      }
    }
    return ReadTransformAnswers(std::move(answers), items.size(), {{"pk", "HASH", "S"}}, "t");
  }

 private:
  int fail_at_;
  bool finish_fails_;
  std::mutex mu_;
  std::vector<std::function<void()>> unconfirmed_;  // guarded by mu_
};

TEST_F(TableTransferTest, TransformedItemsAreWrittenAndRefusedOnesDeadLettered) {
  fake_ = std::make_unique<FakeDynamoDb>(400, 30);
  FakeTransform transform;
  DeadLetterFile dead(dir_.path() + "/dead.jsonl");
  TransferContext context = Context(&dead);
  context.transform = &transform;
  TransferOptions options = Options(3);
  options.checkpoint_path = dir_.path() + "/cp.json";
  options.transform = "fake";
  TransferCounters counters;
  auto result = TableTransfer(context, options).Run(&counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(counters.scan.items.load(), 400u);
  EXPECT_EQ(counters.items_dropped.load(), 100u);
  EXPECT_EQ(counters.items_refused.load(), 100u);
  EXPECT_EQ(counters.items_dead_lettered.load(), 100u);
  EXPECT_EQ(counters.items_transformed.load(), 400u);  // 100 + 2 * 100 + 100
  EXPECT_EQ(counters.writes.items_written.load(), 300u);
  for (int i = 0; i < 400; ++i) {
    EXPECT_EQ(fake_->written().count(Item(i)) == 1, i % 4 == 1 || i % 4 == 2) << i;
  }
  std::ifstream in(dead.path());
  std::stringstream lines;
  lines << in.rdbuf();
  EXPECT_NE(lines.str().find("the transformed item does not fit the target's key"),
            std::string::npos)
      << lines.str();
  // The checkpoint counts the items read, and names the transform.
  auto saved = LoadCheckpoint(options.checkpoint_path);
  ASSERT_TRUE(saved.ok() && saved->has_value()) << saved.error().ToString();
  EXPECT_TRUE((*saved)->complete());
  EXPECT_EQ((*saved)->items_acknowledged(), 400u);
  EXPECT_EQ((*saved)->items_dead_lettered(), 100u);
  EXPECT_EQ((*saved)->transform, "fake");
}

// Answers each item with two of its key: an older version of it, then the item itself.
class VersionsTransform final : public ItemTransform {
 public:
  aws::Status Finish() override {
    std::lock_guard lock(mu_);
    for (auto& confirm : unconfirmed_) confirm();
    unconfirmed_.clear();
    return aws::Status::Ok();
  }
  aws::Result<TransformedPage> Apply(const std::vector<std::string_view>& items,
                                     const std::function<bool()>&,
                                     std::function<void()> confirmed) override {
    {
      std::lock_guard lock(mu_);
      unconfirmed_.push_back(std::move(confirmed));
    }
    std::string answers;
    for (std::string_view item : items) {
      std::string older(item);
      older.insert(1, R"("older":{"BOOL":true},)");
      answers += "[" + older + "," + std::string(item) + "]\n";
    }
    return ReadTransformAnswers(std::move(answers), items.size(), {{"pk", "HASH", "S"}}, "t");
  }

 private:
  std::mutex mu_;
  std::vector<std::function<void()>> unconfirmed_;  // guarded by mu_
};

TEST_F(TableTransferTest, OnlyTheLastItemOfAKeyMadeForAPageIsWritten) {
  fake_ = std::make_unique<FakeDynamoDb>(100, 30);
  VersionsTransform transform;
  DeadLetterFile dead(dir_.path() + "/dead.jsonl");
  TransferContext context = Context(&dead);
  context.transform = &transform;
  TransferCounters counters;
  auto result = TableTransfer(context, Options(2)).Run(&counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(counters.items_transformed.load(), 200u);
  EXPECT_EQ(counters.items_superseded.load(), 100u);
  EXPECT_EQ(counters.writes.items_written.load(), 100u);
  EXPECT_EQ(counters.items_dead_lettered.load(), 0u);
  EXPECT_EQ(fake_->written().size(), 100u);
  // No older version went out (written() records only items as read, so the bodies are read).
  for (const HttpRequest& sent : transport_.requests()) {
    EXPECT_EQ(sent.body.find("\"older\""), std::string::npos) << sent.body;
  }
  // The batches of the items read (2 segments of 50, pages of 30 and 20: 25 + 5 + 20 each),
  // not of the items made.
  EXPECT_EQ(counters.writes.batches.load(), 6u);
}

TEST_F(TableTransferTest, PagesWhoseAnswersAreNotConfirmedAreNotDone) {
  fake_ = std::make_unique<FakeDynamoDb>(100, 10);
  FakeTransform transform(/*fail_at=*/-1, /*finish_fails=*/true);
  DeadLetterFile dead(dir_.path() + "/dead.jsonl");
  TransferContext context = Context(&dead);
  context.transform = &transform;
  TransferOptions options = Options(2);
  options.checkpoint_path = dir_.path() + "/cp.json";
  TransferCounters counters;
  auto result = TableTransfer(context, options).Run(&counters);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "extra lines");
  auto saved = LoadCheckpoint(options.checkpoint_path);
  ASSERT_TRUE(saved.ok() && saved->has_value());
  // Written, but not counted; and the checkpoint says it cannot be resumed.
  EXPECT_EQ((*saved)->items_acknowledged(), 0u);
  EXPECT_FALSE((*saved)->segments[0].exclusive_start_key.has_value());
  EXPECT_FALSE((*saved)->complete());
  EXPECT_EQ((*saved)->unusable, "extra lines");
}

TEST_F(TableTransferTest, ATransformThatFailsStopsTheRunBeforeItsPage) {
  fake_ = std::make_unique<FakeDynamoDb>(200, 10);
  FakeTransform transform(/*fail_at=*/101);  // segment 1's sixth page
  DeadLetterFile dead(dir_.path() + "/dead.jsonl");
  TransferContext context = Context(&dead);
  context.transform = &transform;
  TransferOptions options = Options(2);
  options.readers = 1;
  options.checkpoint_path = dir_.path() + "/cp.json";
  TransferCounters counters;
  auto result = TableTransfer(context, options).Run(&counters);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "broken");
  auto saved = LoadCheckpoint(options.checkpoint_path);
  ASSERT_TRUE(saved.ok() && saved->has_value());
  // Segment 1 is not past the failed page (segment 0 may not be done either: the failure drops
  // the batches still queued).
  EXPECT_FALSE((*saved)->segments[1].done);
  EXPECT_LE((*saved)->segments[1].items_acknowledged, 50u);
  EXPECT_FALSE(fake_->written().count(Item(101)));
}

// Throttling has no time limit; what ends it is a stop, and then the run is interrupted, with a
// checkpoint a resume continues from, not failed.
class ThrottledUntilStopTest : public TableTransferTest,
                               public ::testing::WithParamInterface<const char*> {};

TEST_P(ThrottledUntilStopTest, EndsAsInterruptedWithAResumableCheckpoint) {
  const std::string throttled_operation = GetParam();
  fake_ = std::make_unique<FakeDynamoDb>(100, 10);
  std::atomic<bool> stop{false};
  std::atomic<int> throttled{0};
  transport_.SetFallback([&](const HttpRequest& r) -> Result<HttpResponse> {
    if (!r.FindHeader("X-Amz-Target")->ends_with("." + throttled_operation)) {
      return fake_->Handle(r);
    }
    if (++throttled == 40) stop.store(true);
    HttpResponse response;
    response.status = 400;
    response.body = R"({"__type":"ThrottlingException","message":"Rate exceeded"})";
    return response;
  });
  aws::ServiceClientConfig config = service_->config();
  config.stop = &stop;
  aws::ServiceClient service(config);
  dynamodb::DynamoDbClient client(&service);
  DeadLetterFile dead(dir_.path() + "/dead.jsonl");
  TransferContext context = Context(&dead, &stop);
  context.source = &client;
  context.target = &client;
  TransferOptions options = Options(2);
  options.checkpoint_path = dir_.path() + "/cp.json";
  TransferCounters counters;
  TableTransfer transfer(context, options);
  Result<TransferResult> result = transfer.Run(&counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(result->interrupted);
  EXPECT_GE(throttled.load(), 40);  // far beyond the client's 3 attempts
  EXPECT_TRUE(fake_->written().empty());
  EXPECT_EQ(counters.writes.items_written.load(), 0u);
  auto saved = LoadCheckpoint(options.checkpoint_path);
  ASSERT_TRUE(saved.ok() && saved->has_value());
  EXPECT_FALSE((*saved)->complete());
  for (const SegmentPosition& position : (*saved)->segments) {
    EXPECT_EQ(position.items_acknowledged, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Operations, ThrottledUntilStopTest,
                         ::testing::Values("Scan", "BatchWriteItem"));

TEST_F(TableTransferTest, FinalErrorsStopTheRun) {
  fake_ = std::make_unique<FakeDynamoDb>(100, 10);
  transport_.SetFallback([](const HttpRequest& r) -> Result<HttpResponse> {
    HttpResponse response;
    if (r.FindHeader("X-Amz-Target")->ends_with(".Scan")) {
      response.status = 200;
      response.body = R"({"Items":[{"pk":{"S":"a"}}],"Count":1})";
    } else {
      response.status = 400;
      response.body =
          R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"})";
    }
    return response;
  });
  TransferCounters counters;
  auto result = Run(Options(1), &counters);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "ResourceNotFoundException");
  EXPECT_EQ(counters.items_dead_lettered.load(), 0u);
}

}  // namespace
}  // namespace ddbm::pipeline
