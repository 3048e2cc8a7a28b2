// StreamReplicator against an in-memory DynamoDB Streams + DynamoDB service behind a scripted
// transport: shards and their lineage, iterators, pages, faults, the target's writes and the
// checkpoint, all on a fake clock (no real sleeps, no network).
#include "pipeline/stream_replicator.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "aws/url.h"
#include "dynamodb/client.h"
#include "dynamodb/streams_client.h"
#include "testing/fake_clock.h"
#include "testing/scripted_dynamodb.h"
#include "testing/scripted_transport.h"
#include "testing/temp_dir.h"

namespace ddbm::pipeline {
namespace {

using aws::HttpRequest;
using aws::HttpResponse;
using aws::Result;

constexpr int64_t kStart = 1440938160;   // the FakeClock's start, in epoch seconds
constexpr int64_t kOld = kStart - 3600;  // records are an hour old: never "close enough"
constexpr char kArn[] =
    "arn:aws:dynamodb:us-east-1:123456789012:table/src/stream/2015-08-30T11:00:00.000";
// Requests the fake answers before it declares the run runaway: it then sets the stop flag and
// fails every request, so that a replicator that never stops fails its test instead of hanging.
constexpr size_t kMaxCalls = 20000;

std::string Key(const std::string& pk) { return R"({"pk":{"S":")" + pk + R"("}})"; }
std::string Item(const std::string& pk, const std::string& value) {
  return R"({"pk":{"S":")" + pk + R"("},"v":{"S":")" + value + R"("}})";
}

std::string ErrorBody(const std::string& type, const std::string& message) {
  return R"({"__type":"com.amazonaws.dynamodb.v20120810#)" + type + R"(","message":")" + message +
         "\"}";
}

// `e`: a dom::element or a simdjson_result of one.
template <class Element>
std::string StringOr(Element e, std::string_view key) {
  std::string_view v;
  return e[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

// One write the target received, in the order received.
struct Write {
  bool put = true;
  std::string pk;
  std::string value;  // the item's "v" (puts only)
};

// A GetShardIterator request as sent, read back from its JSON body.
struct IteratorRequest {
  std::string shard;
  std::string type;
  std::string sequence;
};

// The fake service. Each shard holds a list of records in the GetRecords wire format; an
// iterator is "it/<shard>/<position>/<serial>", the position being the index of the next record.
// Faults make the nth call of an operation on a shard answer an error instead.
class FakeStreams {
 public:
  explicit FakeStreams(std::string view_type = "NEW_AND_OLD_IMAGES")
      : view_type_(std::move(view_type)) {}

  void SetStopFlag(std::atomic<bool>* stop) { stop_ = stop; }

  void AddShard(const std::string& id, const std::string& parent = "", bool closed = false) {
    std::lock_guard lock(mu_);
    order_.push_back(id);
    Shard& s = shards_[id];
    s.parent = parent;
    s.closed = closed;
  }

  std::string Insert(const std::string& shard, const std::string& pk, const std::string& value,
                     int64_t created = kOld) {
    return Add(shard, "INSERT", pk, Item(pk, value), created);
  }
  std::string Modify(const std::string& shard, const std::string& pk, const std::string& value,
                     int64_t created = kOld) {
    return Add(shard, "MODIFY", pk, Item(pk, value), created);
  }
  std::string Remove(const std::string& shard, const std::string& pk, int64_t created = kOld,
                     bool ttl = false) {
    return Add(shard, "REMOVE", pk, "", created, ttl);
  }
  // A record written to `shard` once a LATEST iterator for it is issued: a change made after the
  // replay started.
  std::string InsertAfterLatest(const std::string& shard, const std::string& pk,
                                const std::string& value, int64_t created = kOld) {
    return Add(shard, "INSERT", pk, Item(pk, value), created, false, /*after_latest=*/true);
  }
  // A record with the given new image (may be invalid).
  std::string Add(const std::string& shard, const std::string& event, const std::string& pk,
                  const std::string& new_image, int64_t created, bool ttl = false,
                  bool after_latest = false) {
    std::lock_guard lock(mu_);
    const std::string seq = std::to_string(4000000000000000000ULL + ++sequence_ * 100);
    std::string r =
        R"({"eventID":"e)" + seq + R"(","eventName":")" + event +
        R"(","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"us-east-1",)" +
        R"("dynamodb":{"ApproximateCreationDateTime":)" + std::to_string(created) + R"(,"Keys":)" +
        Key(pk);
    if (view_type_ != "KEYS_ONLY") {
      if (!new_image.empty()) r += R"(,"NewImage":)" + new_image;
      if (event != "INSERT") r += R"(,"OldImage":)" + Item(pk, "old");
    }
    r += R"(,"SequenceNumber":")" + seq + R"(","SizeBytes":42,"StreamViewType":")" + view_type_ +
         "\"}";
    if (ttl) r += R"(,"userIdentity":{"type":"Service","principalId":"dynamodb.amazonaws.com"})";
    r += "}";
    Shard& s = shards_.at(shard);
    (after_latest ? s.after_latest : s.records).push_back({r, seq});
    return seq;
  }

  // The `nth` call (1-based) of `op` on `shard` answers HTTP `status` with error `type`
  // (`shard` empty for BatchWriteItem).
  void Fail(const std::string& op, const std::string& shard, int nth, const std::string& type,
            int status = 400) {
    std::lock_guard lock(mu_);
    faults_.push_back({op, shard, nth, type, status});
  }

  // GetRecords on `shard` answers `n` empty pages (each with a next iterator) before its records,
  // as the service may before it reaches the part of a shard that holds records.
  void EmptyPagesFirst(const std::string& shard, int n) {
    std::lock_guard lock(mu_);
    shards_.at(shard).empty_pages_first = n;
  }
  // What DescribeTable of the source says: the table gone, or its stream now `stream_arn`
  // (kArn until told).
  void SetSourceDeleted() {
    std::lock_guard lock(mu_);
    source_deleted_ = true;
  }
  void SetSourceStream(std::string stream_arn) {
    std::lock_guard lock(mu_);
    source_stream_ = std::move(stream_arn);
  }
  // DescribeStream's StreamStatus (ENABLED until told).
  void SetStatus(std::string status) {
    std::lock_guard lock(mu_);
    status_ = std::move(status);
  }
  void SetSource(const std::string& pk, const std::string& value) {
    std::lock_guard lock(mu_);
    source_[pk] = Item(pk, value);
  }
  void SetTarget(const std::string& pk, const std::string& value) {
    std::lock_guard lock(mu_);
    target_[pk] = value;
  }

  // The target table: pk -> "v".
  std::map<std::string, std::string> target() const {
    std::lock_guard lock(mu_);
    return target_;
  }
  std::vector<Write> writes() const {
    std::lock_guard lock(mu_);
    return writes_;
  }
  // What happened, in order: "iterator <shard> <type>", "records <shard> <count>", "put <pk>=<v>",
  // "delete <pk>", "get <pk>", "fault <op> <shard> <type>".
  std::vector<std::string> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::vector<std::string> lookup_tables() const {
    std::lock_guard lock(mu_);
    return lookup_tables_;
  }
  bool lookups_consistent() const {
    std::lock_guard lock(mu_);
    return lookups_consistent_;
  }
  bool runaway() const {
    std::lock_guard lock(mu_);
    return runaway_;
  }
  std::string protocol_error() const {
    std::lock_guard lock(mu_);
    return protocol_error_;
  }

  Result<HttpResponse> Handle(const HttpRequest& request) {
    const std::string* target = request.FindHeader("X-Amz-Target");
    std::lock_guard lock(mu_);
    if (++calls_ > kMaxCalls) {
      runaway_ = true;
      if (stop_ != nullptr) stop_->store(true);
      return Answer(400, ErrorBody("ValidationException", "call budget of the fake exhausted"));
    }
    if (target == nullptr || target->find('.') == std::string::npos) {
      return Protocol("request without X-Amz-Target");
    }
    const std::string prefix = target->substr(0, target->find('.'));
    const std::string op = target->substr(target->find('.') + 1);
    simdjson::dom::element body;
    if (parser_.parse(simdjson::padded_string(request.body)).get(body) != simdjson::SUCCESS) {
      return Protocol("request body is not JSON: " + request.body);
    }
    const bool streams_op =
        op == "DescribeStream" || op == "GetShardIterator" || op == "GetRecords";
    if (prefix != (streams_op ? "DynamoDBStreams_20120810" : "DynamoDB_20120810")) {
      return Protocol("wrong target prefix " + *target);
    }
    if (op == "DescribeStream") return DescribeStream(body);
    if (op == "GetShardIterator") return GetShardIterator(body);
    if (op == "GetRecords") return GetRecords(body);
    if (op == "BatchWriteItem") return BatchWriteItem(body);
    if (op == "BatchGetItem") return BatchGetItem(body);
    if (op == "DescribeTable") return DescribeTable(body);
    return Protocol("unexpected operation " + *target);
  }

 private:
  struct Record {
    std::string json;
    std::string sequence;
  };
  struct Shard {
    std::string parent;
    bool closed = false;
    std::vector<Record> records;
    std::vector<Record> after_latest;
    int empty_pages_first = 0;  // GetRecords answers this many empty pages before any record
  };
  struct Fault {
    std::string op;
    std::string shard;
    int nth = 1;
    std::string type;
    int status = 400;
  };

  static Result<HttpResponse> Answer(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  Result<HttpResponse> Protocol(const std::string& what) {
    if (protocol_error_.empty()) protocol_error_ = what;
    return Answer(400, ErrorBody("ValidationException", what));
  }
  // Counts the call of `op` on `shard`; an error answer when a fault is due.
  std::optional<HttpResponse> DueFault(const std::string& op, const std::string& shard) {
    const int n = ++calls_by_[op + " " + shard];
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      if (it->op == op && it->shard == shard && it->nth == n) {
        HttpResponse r;
        r.status = it->status;
        r.body = ErrorBody(it->type, "injected " + it->type);
        events_.push_back("fault " + op + " " + shard + " " + it->type);
        faults_.erase(it);
        return r;
      }
    }
    return std::nullopt;
  }

  Result<HttpResponse> DescribeTable(simdjson::dom::element body) {
    if (StringOr(body, "TableName") != "src") return Protocol("DescribeTable of another table");
    if (source_deleted_) {
      return Answer(400, ErrorBody("ResourceNotFoundException", "Requested resource not found"));
    }
    return Answer(200, R"({"Table":{"TableName":"src","TableStatus":"ACTIVE",)"
                       R"("KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],)"
                       R"("AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],)"
                       R"("StreamSpecification":{"StreamEnabled":true,"StreamViewType":")" +
                           view_type_ + R"("},"LatestStreamArn":")" + source_stream_ + "\"}}");
  }

  Result<HttpResponse> DescribeStream(simdjson::dom::element body) {
    if (StringOr(body, "StreamArn") != kArn) return Protocol("DescribeStream of another stream");
    std::string out =
        R"({"StreamDescription":{"StreamArn":")" + std::string(kArn) +
        R"(","StreamLabel":"2015-08-30T11:00:00.000","StreamStatus":")" + status_ + "\"," +
        R"("StreamViewType":")" + view_type_ +
        R"(","TableName":"src","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],)" +
        R"("Shards":[)";
    bool first = true;
    for (const std::string& id : order_) {
      const Shard& s = shards_.at(id);
      const std::string start = s.records.empty() ? "1" : s.records.front().sequence;
      out += first ? "" : ",";
      first = false;
      out += R"({"ShardId":")" + id + "\"";
      if (!s.parent.empty()) out += R"(,"ParentShardId":")" + s.parent + "\"";
      out += R"(,"SequenceNumberRange":{"StartingSequenceNumber":")" + start + "\"";
      if (s.closed) {
        const std::string end = s.records.empty() ? start : s.records.back().sequence;
        out += R"(,"EndingSequenceNumber":")" + end + "\"";
      }
      out += "}}";
    }
    out += "]}}";
    return Answer(200, out);
  }

  Result<HttpResponse> GetShardIterator(simdjson::dom::element body) {
    const std::string id = StringOr(body, "ShardId");
    const std::string type = StringOr(body, "ShardIteratorType");
    const std::string seq = StringOr(body, "SequenceNumber");
    events_.push_back("iterator " + id + " " + type);
    if (StringOr(body, "StreamArn") != kArn) return Protocol("GetShardIterator on another stream");
    if (std::optional<HttpResponse> fault = DueFault("GetShardIterator", id)) return *fault;
    auto it = shards_.find(id);
    if (it == shards_.end()) {
      return Answer(400, ErrorBody("ResourceNotFoundException", "no shard " + id));
    }
    Shard& s = it->second;
    size_t position = 0;
    if (type == "TRIM_HORIZON") {
      position = 0;
    } else if (type == "LATEST") {
      position = s.records.size();
      s.records.insert(s.records.end(), s.after_latest.begin(), s.after_latest.end());
      s.after_latest.clear();
    } else if (type == "AFTER_SEQUENCE_NUMBER" || type == "AT_SEQUENCE_NUMBER") {
      auto at = std::find_if(s.records.begin(), s.records.end(),
                             [&](const Record& r) { return r.sequence == seq; });
      if (at == s.records.end()) return Protocol("no record " + seq + " in shard " + id);
      position =
          static_cast<size_t>(at - s.records.begin()) + (type == "AFTER_SEQUENCE_NUMBER" ? 1 : 0);
    } else {
      return Protocol("bad ShardIteratorType " + type);
    }
    return Answer(200, R"({"ShardIterator":")" + MakeIterator(id, position) + "\"}");
  }

  std::string MakeIterator(const std::string& shard, size_t position) {
    return "it/" + shard + "/" + std::to_string(position) + "/" + std::to_string(++serial_);
  }

  Result<HttpResponse> GetRecords(simdjson::dom::element body) {
    const std::string iterator = StringOr(body, "ShardIterator");
    int64_t limit = 1000;
    if (int64_t l = 0; body["Limit"].get(l) == simdjson::SUCCESS) limit = l;
    // it/<shard>/<position>/<serial>
    const size_t a = iterator.find('/');
    const size_t b = iterator.find('/', a + 1);
    const size_t c = iterator.find('/', b + 1);
    if (iterator.rfind("it/", 0) != 0 || b == std::string::npos || c == std::string::npos) {
      return Protocol("bad iterator " + iterator);
    }
    const std::string id = iterator.substr(a + 1, b - a - 1);
    const size_t position = std::stoul(iterator.substr(b + 1, c - b - 1));
    if (std::optional<HttpResponse> fault = DueFault("GetRecords", id)) return *fault;
    Shard& s = shards_.at(id);
    if (s.empty_pages_first > 0) {
      --s.empty_pages_first;
      events_.push_back("records " + id + " 0");
      return Answer(200,
                    R"({"Records":[],"NextShardIterator":")" + MakeIterator(id, position) + "\"}");
    }
    const size_t end = std::min(s.records.size(), position + static_cast<size_t>(limit));
    std::string out = R"({"Records":[)";
    for (size_t i = position; i < end; ++i) out += (i == position ? "" : ",") + s.records[i].json;
    out += "]";
    if (!(s.closed && end == s.records.size())) {
      out += R"(,"NextShardIterator":")" + MakeIterator(id, end) + "\"";
    }
    out += "}";
    events_.push_back("records " + id + " " + std::to_string(end - position));
    return Answer(200, out);
  }

  Result<HttpResponse> BatchWriteItem(simdjson::dom::element body) {
    if (std::optional<HttpResponse> fault = DueFault("BatchWriteItem", "")) return *fault;
    simdjson::dom::object tables;
    if (body["RequestItems"].get(tables) != simdjson::SUCCESS) return Protocol("no RequestItems");
    for (auto [table, requests] : tables) {
      if (table != "dst") return Protocol("write to table " + std::string(table));
      simdjson::dom::array list;
      if (requests.get(list) != simdjson::SUCCESS) return Protocol("bad write list");
      if (list.size() > 25) return Protocol("more than 25 writes in a batch");
      for (simdjson::dom::element request : list) {
        simdjson::dom::element item;
        simdjson::dom::element key;
        if (request["PutRequest"]["Item"].get(item) == simdjson::SUCCESS) {
          const std::string pk = StringOr(item["pk"], "S");
          const std::string v = StringOr(item["v"], "S");
          target_[pk] = v;
          writes_.push_back({true, pk, v});
          events_.push_back("put " + pk + "=" + v);
        } else if (request["DeleteRequest"]["Key"].get(key) == simdjson::SUCCESS) {
          const std::string pk = StringOr(key["pk"], "S");
          target_.erase(pk);
          writes_.push_back({false, pk, ""});
          events_.push_back("delete " + pk);
        } else {
          return Protocol("bad write request");
        }
      }
    }
    return Answer(200, R"({"UnprocessedItems":{}})");
  }

  Result<HttpResponse> BatchGetItem(simdjson::dom::element body) {
    simdjson::dom::object tables;
    if (body["RequestItems"].get(tables) != simdjson::SUCCESS) return Protocol("no RequestItems");
    std::string out = R"({"Responses":{)";
    bool first_table = true;
    for (auto [table, request] : tables) {
      lookup_tables_.emplace_back(table);
      bool consistent = false;
      if (request["ConsistentRead"].get(consistent) != simdjson::SUCCESS || !consistent) {
        lookups_consistent_ = false;
      }
      simdjson::dom::array keys;
      if (request["Keys"].get(keys) != simdjson::SUCCESS) return Protocol("bad Keys");
      out += (first_table ? "\"" : ",\"") + std::string(table) + "\":[";
      first_table = false;
      bool first = true;
      for (simdjson::dom::element key : keys) {
        const std::string pk = StringOr(key["pk"], "S");
        events_.push_back("get " + pk);
        auto it = source_.find(pk);
        if (it == source_.end()) continue;
        out += (first ? "" : ",") + it->second;
        first = false;
      }
      out += "]";
    }
    out += R"(},"UnprocessedKeys":{}})";
    return Answer(200, out);
  }

  const std::string view_type_;
  std::string status_ = "ENABLED";  // guarded by mu_
  mutable std::mutex mu_;
  simdjson::dom::parser parser_;  // guarded by mu_
  std::atomic<bool>* stop_ = nullptr;
  bool source_deleted_ = false;
  std::string source_stream_ = kArn;
  std::vector<std::string> order_;
  std::map<std::string, Shard> shards_;
  std::map<std::string, std::string> source_;  // pk -> item JSON
  std::map<std::string, std::string> target_;  // pk -> "v"
  std::vector<Write> writes_;
  std::vector<std::string> events_;
  std::vector<Fault> faults_;
  std::map<std::string, int> calls_by_;
  std::vector<std::string> lookup_tables_;
  bool lookups_consistent_ = true;
  uint64_t sequence_ = 0;
  uint64_t serial_ = 0;
  size_t calls_ = 0;
  bool runaway_ = false;
  std::string protocol_error_;
};

class StreamReplicatorTest : public ::testing::Test {
 protected:
  void SetUp() override { Build("NEW_AND_OLD_IMAGES"); }

  // (Re)creates the fake service with `view_type`, and the clients over it.
  void Build(const std::string& view_type) {
    fake_ = std::make_unique<FakeStreams>(view_type);
    fake_->SetStopFlag(&stop_);
    transport_.SetFallback([this](const HttpRequest& r) { return fake_->Handle(r); });
    aws::ServiceClientConfig config;
    config.service = "dynamodb";
    config.signing_name = "dynamodb";
    config.region = "us-east-1";
    config.endpoint = *aws::ParseUrl("http://127.0.0.1:1");
    config.credentials = std::make_shared<ddbm::testing::StaticTestCredentials>();
    config.transport = &transport_;
    config.clock = &clock_;
    config.retry.max_attempts = 3;
    // Other threads move the shared fake clock quickly; bound retries by attempts only.
    config.retry.max_elapsed = std::chrono::milliseconds(0);
    streams_service_ = std::make_unique<aws::ServiceClient>(config);
    dynamodb_service_ = std::make_unique<aws::ServiceClient>(config);
    streams_ = std::make_unique<dynamodb::DynamoDbStreamsClient>(streams_service_.get());
    dynamodb_ = std::make_unique<dynamodb::DynamoDbClient>(dynamodb_service_.get());
    policy_ = std::make_unique<aws::RetryPolicy>(config.retry, &clock_, /*seed=*/7);
  }

  ReplicateContext Context(DeadLetterFile* dead_letters = nullptr) {
    ReplicateContext c;
    c.streams = streams_.get();
    c.source = dynamodb_.get();
    c.target = dynamodb_.get();
    c.write_policy = policy_.get();
    c.dead_letters = dead_letters;
    c.stop = &stop_;
    c.clock = &clock_;
    c.on_caught_up = [this](double) { caught_up_calls_.fetch_add(1); };
    c.on_started = [this] { iterators_at_start_ = IteratorRequests().size(); };
    return c;
  }

  ReplicateOptions Options() {
    ReplicateOptions o;
    o.source_table = "src";
    o.target_table = "dst";
    o.stream_arn = kArn;
    o.stream_view_type = "NEW_AND_OLD_IMAGES";
    o.key_schema = {{"pk", "HASH", "S"}};
    o.from = "trim-horizon";
    o.writers = 2;
    o.until_caught_up = true;
    // Only the final save: the fake clock races ahead while threads spin.
    o.checkpoint_interval = std::chrono::hours(24 * 365);
    return o;
  }

  Result<ReplicateResult> Run(const ReplicateOptions& options, DeadLetterFile* dead = nullptr) {
    StreamReplicator replicator(Context(dead), options);
    Result<ReplicateResult> result = replicator.Run(&counters_);
    EXPECT_FALSE(fake_->runaway()) << "the replicator did not stop on its own";
    EXPECT_EQ(fake_->protocol_error(), "");
    return result;
  }

  // Every GetShardIterator request, from the JSON bodies the transport saw.
  std::vector<IteratorRequest> IteratorRequests() const {
    std::vector<IteratorRequest> out;
    for (const HttpRequest& r : transport_.requests()) {
      const std::string* target = r.FindHeader("X-Amz-Target");
      if (target == nullptr || !target->ends_with(".GetShardIterator")) continue;
      simdjson::dom::parser parser;
      simdjson::dom::element body;
      EXPECT_EQ(parser.parse(simdjson::padded_string(r.body)).get(body), simdjson::SUCCESS);
      out.push_back({StringOr(body, "ShardId"), StringOr(body, "ShardIteratorType"),
                     StringOr(body, "SequenceNumber")});
    }
    return out;
  }
  // The bodies of the requests for `operation`, in order.
  std::vector<std::string> Bodies(const std::string& operation) const {
    std::vector<std::string> out;
    for (const HttpRequest& r : transport_.requests()) {
      const std::string* target = r.FindHeader("X-Amz-Target");
      if (target != nullptr && target->ends_with("." + operation)) out.push_back(r.body);
    }
    return out;
  }

  static const ShardPosition* Find(const StreamCheckpoint& c, const std::string& shard) {
    for (const ShardPosition& p : c.shards) {
      if (p.shard_id == shard) return &p;
    }
    return nullptr;
  }

  static std::vector<std::string> Lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  ddbm::testing::FakeClock clock_;
  ddbm::testing::ScriptedTransport transport_;
  std::unique_ptr<FakeStreams> fake_;
  std::unique_ptr<aws::ServiceClient> streams_service_;
  std::unique_ptr<aws::ServiceClient> dynamodb_service_;
  std::unique_ptr<dynamodb::DynamoDbStreamsClient> streams_;
  std::unique_ptr<dynamodb::DynamoDbClient> dynamodb_;
  std::unique_ptr<aws::RetryPolicy> policy_;
  std::atomic<bool> stop_{false};
  std::atomic<int> caught_up_calls_{0};
  size_t iterators_at_start_ = 0;  // GetShardIterator requests made when on_started ran
  ReplicateCounters counters_;
  ddbm::testing::TempDir dir_;
};

std::string Describe(const std::vector<Write>& writes) {
  std::string out;
  for (const Write& w : writes)
    out += (w.put ? "put " + w.pk + "=" + w.value : "delete " + w.pk) + "; ";
  return out;
}

using Target = std::map<std::string, std::string>;

// ---------------------------------------------------------------------------------------------
// The data path

TEST_F(StreamReplicatorTest, InsertModifyRemoveAreAppliedAsPutPutDelete) {
  fake_->AddShard("shard-1");
  fake_->Insert("shard-1", "a", "1");
  fake_->Modify("shard-1", "a", "2");
  fake_->Remove("shard-1", "a");
  fake_->Insert("shard-1", "b", "1");
  fake_->Modify("shard-1", "b", "2");
  ReplicateOptions options = Options();
  options.records_limit = 1;  // one record a page: nothing to coalesce
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();

  const std::vector<Write> writes = fake_->writes();
  ASSERT_EQ(writes.size(), 5u) << Describe(writes);
  EXPECT_TRUE(writes[0].put && writes[0].pk == "a" && writes[0].value == "1");
  EXPECT_TRUE(writes[1].put && writes[1].pk == "a" && writes[1].value == "2");
  EXPECT_TRUE(!writes[2].put && writes[2].pk == "a");
  EXPECT_TRUE(writes[3].put && writes[3].pk == "b" && writes[3].value == "1");
  EXPECT_TRUE(writes[4].put && writes[4].pk == "b" && writes[4].value == "2");
  EXPECT_EQ(fake_->target(), (Target{{"b", "2"}}));
  EXPECT_EQ(counters_.records_read.load(), 5u);
  EXPECT_EQ(counters_.records_applied.load(), 5u);
  EXPECT_EQ(counters_.records_coalesced.load(), 0u);
  EXPECT_EQ(counters_.writes.items_written.load(), 5u);
  // Each page asked for one record.
  for (const std::string& body : Bodies("GetRecords")) {
    EXPECT_NE(body.find("\"Limit\":1}"), std::string::npos) << body;
  }
  // A put carries the whole new image, a delete the keys.
  const std::vector<std::string> sent = Bodies("BatchWriteItem");
  ASSERT_EQ(sent.size(), 5u);
  EXPECT_NE(sent[0].find(R"({"PutRequest":{"Item":{"pk":{"S":"a"},"v":{"S":"1"}}}})"),
            std::string::npos)
      << sent[0];
  EXPECT_NE(sent[2].find(R"({"DeleteRequest":{"Key":{"pk":{"S":"a"}}}})"), std::string::npos)
      << sent[2];
}

TEST_F(StreamReplicatorTest, BatchesAskForConsumedCapacityOnlyWhenTold) {
  fake_->AddShard("shard-1");
  fake_->Insert("shard-1", "a", "1");
  ReplicateOptions options = Options();
  options.consumed_capacity = false;
  ASSERT_TRUE(Run(options).ok());
  fake_->Insert("shard-1", "b", "1");
  options.consumed_capacity = true;
  ASSERT_TRUE(Run(options).ok());

  const std::vector<std::string> sent = Bodies("BatchWriteItem");
  ASSERT_GE(sent.size(), 2u);
  for (const std::string& body : sent) {
    const bool asked = body.find(R"("ReturnConsumedCapacity":"TOTAL")") != std::string::npos;
    EXPECT_EQ(asked, body.find(R"("S":"b")") != std::string::npos) << body;
  }
}

TEST_F(StreamReplicatorTest, ChangesToOneKeyInAPageAreCoalescedToTheLast) {
  fake_->AddShard("shard-1");
  fake_->Insert("shard-1", "a", "1");
  fake_->Modify("shard-1", "a", "2");
  fake_->Insert("shard-1", "b", "1");
  fake_->Modify("shard-1", "a", "3");
  fake_->Remove("shard-1", "b");
  fake_->Insert("shard-1", "c", "1");
  Result<ReplicateResult> result = Run(Options());
  ASSERT_TRUE(result.ok()) << result.error().ToString();

  const std::vector<Write> writes = fake_->writes();
  ASSERT_EQ(writes.size(), 3u) << Describe(writes);  // one write per key
  EXPECT_EQ(Bodies("BatchWriteItem").size(), 1u);
  EXPECT_EQ(fake_->target(), (Target{{"a", "3"}, {"c", "1"}}));
  EXPECT_EQ(counters_.records_read.load(), 6u);
  EXPECT_EQ(counters_.records_coalesced.load(), 3u);  // a twice, b once
  EXPECT_EQ(counters_.records_applied.load(), 3u);
  for (const Write& w : writes) {
    if (w.pk == "a") {
      EXPECT_TRUE(w.put && w.value == "3");
    }
    if (w.pk == "b") {
      EXPECT_FALSE(w.put);
    }
  }
}

TEST_F(StreamReplicatorTest, ParentRecordsAreWrittenBeforeChildRecordsAcrossASplit) {
  // The parent is listed after its children, and its ids sort last: only the lineage can order
  // the reads.
  fake_->AddShard("shard-a-left", "shard-z-parent");
  fake_->AddShard("shard-b-right", "shard-z-parent", /*closed=*/true);
  fake_->AddShard("shard-z-parent", "", /*closed=*/true);
  fake_->Insert("shard-z-parent", "k1", "p1");
  fake_->Insert("shard-z-parent", "k2", "p1");
  fake_->Modify("shard-z-parent", "k1", "p2");
  fake_->Insert("shard-z-parent", "k3", "p1");
  fake_->Modify("shard-z-parent", "k2", "p2");
  fake_->Modify("shard-a-left", "k1", "left1");
  fake_->Modify("shard-a-left", "k3", "left1");
  fake_->Modify("shard-a-left", "k1", "left2");
  fake_->Modify("shard-b-right", "k2", "right1");
  fake_->Remove("shard-b-right", "k2");
  fake_->Insert("shard-b-right", "k2", "right2");
  ReplicateOptions options = Options();
  options.records_limit = 2;
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(result->caught_up);

  EXPECT_EQ(fake_->target(), (Target{{"k1", "left2"}, {"k2", "right2"}, {"k3", "left1"}}));
  // For every key: each parent write comes before any child write.
  const std::vector<Write> writes = fake_->writes();
  for (const std::string key : {"k1", "k2", "k3"}) {
    SCOPED_TRACE(key);
    size_t last_parent = 0;
    size_t first_child = writes.size();
    bool parent_seen = false;
    for (size_t i = 0; i < writes.size(); ++i) {
      if (writes[i].pk != key) continue;
      const bool from_parent = writes[i].put && writes[i].value.starts_with("p");
      if (from_parent) {
        last_parent = i;
        parent_seen = true;
      } else {
        first_child = std::min(first_child, i);
      }
    }
    EXPECT_TRUE(parent_seen);
    EXPECT_LT(last_parent, first_child) << Describe(writes);
  }
  // No child iterator is asked for before the parent's last write.
  const std::vector<std::string> events = fake_->events();
  size_t last_parent_write = 0;
  size_t first_child_iterator = events.size();
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].starts_with("put ") && events[i].ends_with("=p1")) last_parent_write = i;
    if (events[i].starts_with("put ") && events[i].ends_with("=p2")) last_parent_write = i;
    if (events[i] == "iterator shard-a-left TRIM_HORIZON" ||
        events[i] == "iterator shard-b-right TRIM_HORIZON") {
      first_child_iterator = std::min(first_child_iterator, i);
    }
  }
  EXPECT_LT(last_parent_write, first_child_iterator);
  EXPECT_LT(first_child_iterator, events.size());

  const StreamCheckpoint& c = result->checkpoint;
  ASSERT_NE(Find(c, "shard-z-parent"), nullptr);
  EXPECT_TRUE(Find(c, "shard-z-parent")->done);
  ASSERT_NE(Find(c, "shard-b-right"), nullptr);
  EXPECT_TRUE(Find(c, "shard-b-right")->done);
  EXPECT_EQ(Find(c, "shard-b-right")->parent_shard_id, "shard-z-parent");
  ASSERT_NE(Find(c, "shard-a-left"), nullptr);
  EXPECT_FALSE(Find(c, "shard-a-left")->done);  // open: read to its tip
  EXPECT_EQ(counters_.shards_done.load(), 2u);
}

TEST_F(StreamReplicatorTest, ClosedShardsAreReadToTheirEndAndMarkedDone) {
  fake_->AddShard("shard-1", "", /*closed=*/true);
  fake_->AddShard("shard-2", "", /*closed=*/true);
  fake_->AddShard("shard-empty", "", /*closed=*/true);
  std::string last1;
  std::string last2;
  for (int i = 0; i < 7; ++i) {
    last1 = fake_->Insert("shard-1", "a" + std::to_string(i), "1", kOld + i);
    last2 = fake_->Insert("shard-2", "b" + std::to_string(i), "1", kOld + 10 + i);
  }
  ReplicateOptions options = Options();
  options.records_limit = 3;
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(result->caught_up);
  EXPECT_FALSE(result->interrupted);

  EXPECT_EQ(fake_->target().size(), 14u);
  EXPECT_EQ(fake_->writes().size(), 14u);
  EXPECT_EQ(counters_.records_read.load(), 14u);
  EXPECT_EQ(counters_.shards_done.load(), 3u);
  const StreamCheckpoint& c = result->checkpoint;
  ASSERT_EQ(c.shards.size(), 3u);
  ASSERT_NE(Find(c, "shard-1"), nullptr);
  EXPECT_TRUE(Find(c, "shard-1")->done);
  EXPECT_EQ(Find(c, "shard-1")->sequence_number, last1);
  EXPECT_EQ(Find(c, "shard-1")->last_applied, kOld + 6);
  ASSERT_NE(Find(c, "shard-2"), nullptr);
  EXPECT_TRUE(Find(c, "shard-2")->done);
  EXPECT_EQ(Find(c, "shard-2")->sequence_number, last2);
  ASSERT_NE(Find(c, "shard-empty"), nullptr);
  EXPECT_TRUE(Find(c, "shard-empty")->done);
  EXPECT_EQ(Find(c, "shard-empty")->sequence_number, "");
  for (const char* shard : {"shard-1", "shard-2", "shard-empty"}) {
    EXPECT_GE(Find(c, shard)->done_at, kStart) << shard;
  }
  EXPECT_EQ(c.LastApplied(), kOld + 16);
  // A closed shard is read once: three pages of three records, one of one.
  std::map<std::string, int> pages;
  for (const std::string& e : fake_->events()) {
    if (e.starts_with("records ")) ++pages[e.substr(8, e.find(' ', 8) - 8)];
  }
  EXPECT_EQ(pages["shard-1"], 3);
  EXPECT_EQ(pages["shard-2"], 3);
  EXPECT_EQ(pages["shard-empty"], 1);
}

TEST_F(StreamReplicatorTest, StopFlagInterruptsTheRun) {
  fake_->AddShard("shard-1");
  fake_->Insert("shard-1", "a", "1");
  stop_.store(true);
  ReplicateOptions options = Options();
  options.until_caught_up = false;
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(result->interrupted);
  EXPECT_FALSE(result->caught_up);
  EXPECT_TRUE(fake_->writes().empty());
}

// ---------------------------------------------------------------------------------------------
// Iterators, the tip and errors

TEST_F(StreamReplicatorTest, ExpiredIteratorIsRenewedAfterTheLastAppliedRecord) {
  fake_->AddShard("shard-1");
  std::vector<std::string> seqs;
  for (int i = 1; i <= 5; ++i) {
    seqs.push_back(fake_->Insert("shard-1", "k" + std::to_string(i), "v", kOld + i));
  }
  fake_->Fail("GetRecords", "shard-1", 2, "ExpiredIteratorException");
  ReplicateOptions options = Options();
  options.records_limit = 2;
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();

  EXPECT_EQ(counters_.iterators_renewed.load(), 1u);
  const std::vector<IteratorRequest> iterators = IteratorRequests();
  ASSERT_EQ(iterators.size(), 2u);
  EXPECT_EQ(iterators[0].type, "TRIM_HORIZON");
  EXPECT_EQ(iterators[0].sequence, "");
  EXPECT_EQ(iterators[1].shard, "shard-1");
  EXPECT_EQ(iterators[1].type, "AFTER_SEQUENCE_NUMBER");
  EXPECT_EQ(iterators[1].sequence, seqs[1]);  // the last record of the first page
  // Nothing lost, nothing written twice.
  const std::vector<Write> writes = fake_->writes();
  ASSERT_EQ(writes.size(), 5u) << Describe(writes);
  std::vector<std::string> keys;
  for (const Write& w : writes) keys.push_back(w.pk);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"k1", "k2", "k3", "k4", "k5"}));
  EXPECT_EQ(counters_.records_read.load(), 5u);
  ASSERT_NE(Find(result->checkpoint, "shard-1"), nullptr);
  EXPECT_EQ(Find(result->checkpoint, "shard-1")->sequence_number, seqs[4]);
}

TEST_F(StreamReplicatorTest, ExpiredIteratorBeforeAnyRecordStartsAgainAtTheTrimHorizon) {
  fake_->AddShard("shard-1");
  fake_->Insert("shard-1", "a", "1");
  fake_->Insert("shard-1", "b", "1");
  fake_->Fail("GetRecords", "shard-1", 1, "ExpiredIteratorException");
  Result<ReplicateResult> result = Run(Options());
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(counters_.iterators_renewed.load(), 1u);
  const std::vector<IteratorRequest> iterators = IteratorRequests();
  ASSERT_EQ(iterators.size(), 2u);
  EXPECT_EQ(iterators[1].type, "TRIM_HORIZON");
  EXPECT_EQ(fake_->writes().size(), 2u);
  EXPECT_EQ(fake_->target(), (Target{{"a", "1"}, {"b", "1"}}));
}

TEST_F(StreamReplicatorTest, EmptyPagesOnAnOpenShardAreTheTip) {
  fake_->AddShard("shard-1");
  fake_->AddShard("shard-quiet");  // open and empty
  fake_->Insert("shard-1", "a", "1");
  fake_->Insert("shard-1", "b", "1");
  Result<ReplicateResult> result = Run(Options());
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(result->caught_up);
  EXPECT_FALSE(result->interrupted);
  EXPECT_TRUE(counters_.caught_up.load());
  EXPECT_EQ(caught_up_calls_.load(), 1);
  EXPECT_EQ(fake_->target(), (Target{{"a", "1"}, {"b", "1"}}));
  // Both shards were polled past their last record and are not done.
  int empty_pages_1 = 0;
  int empty_pages_quiet = 0;
  for (const std::string& e : fake_->events()) {
    if (e == "records shard-1 0") ++empty_pages_1;
    if (e == "records shard-quiet 0") ++empty_pages_quiet;
  }
  EXPECT_GE(empty_pages_1, 1);
  EXPECT_GE(empty_pages_quiet, 1);
  EXPECT_EQ(counters_.shards_done.load(), 0u);
  ASSERT_NE(Find(result->checkpoint, "shard-quiet"), nullptr);
  EXPECT_FALSE(Find(result->checkpoint, "shard-quiet")->done);
  EXPECT_EQ(Find(result->checkpoint, "shard-quiet")->sequence_number, "");
}

// A host clock behind the service's sees its newest records stamped in the future: with
// --max-lag 0 (every record) that is no reason to stop before the tip.
TEST_F(StreamReplicatorTest, WithNoLagAllowedRecordsStampedAheadOfThisClockAreReadToTheTip) {
  fake_->AddShard("shard-1");
  Target expected;
  for (int i = 0; i < 40; ++i) {
    const std::string pk = "k" + std::to_string(i);
    fake_->Insert("shard-1", pk, "1", kStart + 240);
    expected.emplace(pk, "1");
  }
  // The second page waits until the coordinator has looked for a catch-up many times (its
  // ticks move the fake clock) or has found one, so that a wrong one cannot be missed.
  std::atomic<int> pages{0};
  transport_.SetFallback([&](const HttpRequest& r) {
    const std::string* target = r.FindHeader("X-Amz-Target");
    if (target != nullptr && target->ends_with(".GetRecords") && ++pages == 2) {
      const auto until = clock_.SteadyNow() + std::chrono::seconds(2);
      while (clock_.SteadyNow() < until && caught_up_calls_.load() == 0) {
        std::this_thread::yield();
      }
    }
    return fake_->Handle(r);
  });
  ReplicateOptions options = Options();
  options.records_limit = 1;
  options.max_lag_seconds = 0;
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(result->caught_up);
  EXPECT_EQ(fake_->target(), expected);
}

// Lags are measured by the service's clock, read from its answers' Date header: a host clock
// ahead of it would otherwise see records written just now as that much older, never close
// enough, and a shard written to all the time would never be caught up with.
TEST_F(StreamReplicatorTest, LagsAreMeasuredByTheServicesClockFromItsDateHeader) {
  // The service's clock is three minutes behind ours (within what SigV4 allows), and the max
  // lag one minute. Records are stamped as served, by the service's clock (the fake clock
  // moves while the readers start): their lags by this clock are never within the minute,
  // by the service's they are however long the first page takes to be applied.
  constexpr int64_t kBehind = 180;
  for (const bool dated : {true, false}) {
    SCOPED_TRACE(dated ? "answers carry a Date" : "answers carry no Date");
    Build("NEW_AND_OLD_IMAGES");
    stop_.store(false);
    caught_up_calls_.store(0);
    fake_->AddShard("shard-1");
    for (int i = 0; i < 40; ++i) {
      fake_->Insert("shard-1", "k" + std::to_string(i), "1", kStart - kBehind);
    }
    // The second page waits until the coordinator has found a catch-up, or has looked for one
    // for a while (its ticks move the fake clock): records of the first page just applied.
    std::atomic<int> pages{0};
    transport_.SetFallback([&](const HttpRequest& r) {
      const std::string* target = r.FindHeader("X-Amz-Target");
      const bool get_records = target != nullptr && target->ends_with(".GetRecords");
      if (get_records && ++pages == 2) {
        const auto until = clock_.SteadyNow() + std::chrono::seconds(2);
        while (clock_.SteadyNow() < until && caught_up_calls_.load() == 0) {
          std::this_thread::yield();
        }
      }
      Result<HttpResponse> answer = fake_->Handle(r);
      const std::time_t t = aws::EpochSeconds(clock_.Now()) - kBehind;  // the service's time
      if (get_records && answer.ok()) {
        const std::string stamped =
            "\"ApproximateCreationDateTime\":" + std::to_string(kStart - kBehind);
        const std::string now_stamp = "\"ApproximateCreationDateTime\":" + std::to_string(t);
        for (size_t at = answer->body.find(stamped); at != std::string::npos;
             at = answer->body.find(stamped, at + now_stamp.size())) {
          answer->body.replace(at, stamped.size(), now_stamp);
        }
      }
      if (dated && get_records && answer.ok()) {
        std::tm tm{};
        gmtime_r(&t, &tm);
        char date[64];
        std::strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        answer->headers.push_back({"Date", date});
      }
      return answer;
    });
    ReplicateContext context = Context();
    std::atomic<size_t> applied_when_caught_up{0};
    context.on_caught_up = [&](double) {
      applied_when_caught_up.store(fake_->target().size());
      caught_up_calls_.fetch_add(1);
    };
    ReplicateOptions options = Options();
    options.records_limit = 1;
    options.max_lag_seconds = 60;
    options.poll_interval = std::chrono::milliseconds(10);
    StreamReplicator replicator(context, options);
    Result<ReplicateResult> result = replicator.Run(&counters_);
    ASSERT_TRUE(result.ok()) << result.error().ToString();
    EXPECT_FALSE(fake_->runaway());
    EXPECT_TRUE(result->caught_up);
    EXPECT_EQ(caught_up_calls_.load(), 1);
    if (dated) {
      EXPECT_LT(applied_when_caught_up.load(), 40u);  // close enough before the tip
    } else {
      EXPECT_EQ(applied_when_caught_up.load(), 40u);  // only at the tip
    }
  }
}

TEST_F(StreamReplicatorTest, EmptyPagesBeforeAShardsRecordsAreNotItsTip) {
  fake_->AddShard("shard-1");
  fake_->EmptyPagesFirst("shard-1", 2);
  fake_->Insert("shard-1", "a", "1");
  fake_->Insert("shard-1", "b", "1");
  Result<ReplicateResult> result = Run(Options());
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(result->caught_up);
  // Caught up only once the records behind the empty pages were applied.
  EXPECT_EQ(fake_->target(), (Target{{"a", "1"}, {"b", "1"}}));
}

TEST_F(StreamReplicatorTest, AStreamTurnedOffIsAnErrorOnceItsRecordsAreApplied) {
  for (const bool closed : {true, false}) {
    SCOPED_TRACE(closed ? "shards closed" : "shard still open");
    Build("NEW_AND_OLD_IMAGES");
    fake_->AddShard("shard-1", "", closed);
    fake_->Insert("shard-1", "a", "1");
    fake_->SetStatus(closed ? "DISABLED" : "DISABLING");
    Result<ReplicateResult> result = Run(Options());
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("the stream of table src was turned off"),
              std::string::npos)
        << result.error().message;
    EXPECT_FALSE(StreamReplicator::ResumeCanRecover(result.error()));
    EXPECT_NE(result.error().message.find("Enable the stream"), std::string::npos);
    EXPECT_EQ(fake_->target(), (Target{{"a", "1"}}));
    EXPECT_FALSE(counters_.caught_up.load());
    EXPECT_EQ(caught_up_calls_.load(), 0);
  }
}

// Why the stream ended, by the source's description: the table deleted, or the stream replaced
// by a new one. Neither is told to enable the stream.
TEST_F(StreamReplicatorTest, AStreamEndedByTheTablesDeletionOrReplacementSaysSo) {
  constexpr char kNewArn[] =
      "arn:aws:dynamodb:us-east-1:123456789012:table/src/stream/2015-08-30T12:00:00.000";
  for (const bool deleted : {true, false}) {
    SCOPED_TRACE(deleted ? "table deleted" : "stream replaced");
    Build("NEW_AND_OLD_IMAGES");
    fake_->AddShard("shard-1", "", /*closed=*/true);
    fake_->Insert("shard-1", "a", "1");
    fake_->SetStatus("DISABLED");
    if (deleted) {
      fake_->SetSourceDeleted();
    } else {
      fake_->SetSourceStream(kNewArn);
    }
    Result<ReplicateResult> result = Run(Options());
    ASSERT_FALSE(result.ok());
    const std::string& message = result.error().message;
    EXPECT_NE(message.find("the stream of table src was turned off (StreamStatus DISABLED)"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find(deleted ? "with the table, which was deleted"
                                   : std::string("replaced by a new one (") + kNewArn + ")"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find("Enable the stream"), std::string::npos) << message;
    EXPECT_FALSE(StreamReplicator::ResumeCanRecover(result.error()));
    EXPECT_EQ(fake_->target(), (Target{{"a", "1"}}));
  }
}

TEST(StreamReplicatorResume, OtherErrorsCanBeFixedAndResumed) {
  aws::Error denied = aws::Error::Make(aws::ErrorKind::kService, "not allowed");
  denied.code = "AccessDeniedException";
  EXPECT_TRUE(StreamReplicator::ResumeCanRecover(denied));
  EXPECT_TRUE(StreamReplicator::ResumeCanRecover(
      aws::Error::Make(aws::ErrorKind::kTransport, "connection refused")));
}

void ExpectGapError(const Result<ReplicateResult>& result, const std::string& shard) {
  ASSERT_FALSE(result.ok());
  const std::string& message = result.error().message;
  EXPECT_NE(message.find("gap in the stream"), std::string::npos) << message;
  EXPECT_NE(message.find("fresh snapshot"), std::string::npos) << message;
  EXPECT_NE(message.find(shard), std::string::npos) << message;
  EXPECT_NE(message.find("table src"), std::string::npos) << message;
  EXPECT_EQ(result.error().code, "TrimmedDataAccessException");
  EXPECT_FALSE(StreamReplicator::ResumeCanRecover(result.error()));
}

TEST_F(StreamReplicatorTest, TrimmedDataFromGetRecordsIsAGap) {
  fake_->AddShard("shard-1");
  fake_->Insert("shard-1", "a", "1");
  fake_->Fail("GetRecords", "shard-1", 1, "TrimmedDataAccessException");
  Result<ReplicateResult> result = Run(Options());
  ExpectGapError(result, "shard-1");
  EXPECT_TRUE(fake_->writes().empty());
}

TEST_F(StreamReplicatorTest, TheCheckpointExistsBeforeTheFirstWrite) {
  fake_->AddShard("shard-1");
  fake_->Insert("shard-1", "a", "1");
  ReplicateOptions options = Options();
  options.checkpoint_path = dir_.path() + "/stream.json";
  ReplicateContext context = Context();
  bool saved_before_start = false;
  size_t writes_at_start = 1;
  context.on_started = [&] {
    saved_before_start = std::filesystem::exists(options.checkpoint_path);
    writes_at_start = fake_->writes().size();
  };
  StreamReplicator replicator(context, options);
  Result<ReplicateResult> result = replicator.Run(&counters_);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(saved_before_start);
  EXPECT_EQ(writes_at_start, 0u);
  EXPECT_EQ(fake_->target(), (Target{{"a", "1"}}));
}

TEST_F(StreamReplicatorTest, TrimmedDataAfterSomePagesKeepsTheirCheckpoint) {
  fake_->AddShard("shard-1");
  const std::string first = fake_->Insert("shard-1", "a", "1", kOld + 1);
  fake_->Insert("shard-1", "b", "1", kOld + 2);
  fake_->Fail("GetRecords", "shard-1", 2, "TrimmedDataAccessException");
  ReplicateOptions options = Options();
  options.records_limit = 1;
  options.checkpoint_path = dir_.path() + "/stream.json";
  Result<ReplicateResult> result = Run(options);
  ExpectGapError(result, "shard-1");
  EXPECT_EQ(fake_->target(), (Target{{"a", "1"}}));
  // The saved checkpoint is still correct: the first record was applied, nothing after it.
  Result<std::optional<StreamCheckpoint>> saved = LoadStreamCheckpoint(options.checkpoint_path);
  ASSERT_TRUE(saved.ok()) << saved.error().ToString();
  ASSERT_TRUE(saved->has_value());
  ASSERT_NE(Find(**saved, "shard-1"), nullptr);
  EXPECT_EQ(Find(**saved, "shard-1")->sequence_number, first);
  EXPECT_EQ(Find(**saved, "shard-1")->last_applied, kOld + 1);
}

TEST_F(StreamReplicatorTest, TrimmedDataFromGetShardIteratorIsAGap) {
  fake_->AddShard("shard-1");
  fake_->Insert("shard-1", "a", "1");
  fake_->Fail("GetShardIterator", "shard-1", 1, "TrimmedDataAccessException");
  Result<ReplicateResult> result = Run(Options());
  ExpectGapError(result, "shard-1");
  EXPECT_TRUE(Bodies("GetRecords").empty());
  EXPECT_TRUE(fake_->writes().empty());
}

TEST_F(StreamReplicatorTest, ThrottledGetRecordsIsRetriedAndTheRunSucceeds) {
  fake_->AddShard("shard-1");
  fake_->Insert("shard-1", "a", "1");
  fake_->Insert("shard-1", "b", "1");
  fake_->Fail("GetRecords", "shard-1", 1, "LimitExceededException");
  fake_->Fail("GetRecords", "shard-1", 2, "ProvisionedThroughputExceededException");
  Result<ReplicateResult> result = Run(Options());
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(result->caught_up);
  EXPECT_EQ(fake_->target(), (Target{{"a", "1"}, {"b", "1"}}));
  EXPECT_EQ(fake_->writes().size(), 2u);
  // The same request was sent three times: two throttled, the third answered.
  const std::vector<std::string> sent = Bodies("GetRecords");
  ASSERT_GE(sent.size(), 3u);
  EXPECT_EQ(sent[0], sent[1]);
  EXPECT_EQ(sent[1], sent[2]);
  EXPECT_EQ(IteratorRequests().size(), 1u);  // a throttle is not an expired iterator
  EXPECT_EQ(counters_.iterators_renewed.load(), 0u);
}

// ---------------------------------------------------------------------------------------------
// Resume and start points

StreamCheckpoint ResumeFrom(std::vector<ShardPosition> shards) {
  StreamCheckpoint c;
  c.source = "src";
  c.target = "dst";
  c.stream_arn = kArn;
  c.from = "trim-horizon";
  c.start_time = kStart - 600;
  c.shards = std::move(shards);
  return c;
}

TEST_F(StreamReplicatorTest, ResumeAsksForTheRecordsAfterTheCheckpointedSequenceNumber) {
  fake_->AddShard("shard-1");
  std::vector<std::string> seqs;
  for (int i = 1; i <= 4; ++i) {
    seqs.push_back(fake_->Insert("shard-1", "k" + std::to_string(i), "v", kOld + i));
  }
  ReplicateOptions options = Options();
  options.resume = ResumeFrom({{"shard-1", "", seqs[1], false, kOld + 2}});
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();

  const std::vector<IteratorRequest> iterators = IteratorRequests();
  ASSERT_EQ(iterators.size(), 1u);
  EXPECT_EQ(iterators[0].shard, "shard-1");
  EXPECT_EQ(iterators[0].type, "AFTER_SEQUENCE_NUMBER");
  EXPECT_EQ(iterators[0].sequence, seqs[1]);
  EXPECT_EQ(fake_->target(), (Target{{"k3", "v"}, {"k4", "v"}}));
  EXPECT_EQ(counters_.records_read.load(), 2u);
  EXPECT_EQ(result->checkpoint.start_time, kStart - 600);  // the first run's
  ASSERT_NE(Find(result->checkpoint, "shard-1"), nullptr);
  EXPECT_EQ(Find(result->checkpoint, "shard-1")->sequence_number, seqs[3]);
  EXPECT_EQ(Find(result->checkpoint, "shard-1")->last_applied, kOld + 4);
}

TEST_F(StreamReplicatorTest, ResumeSkipsDoneShardsAndReadsTheirChildren) {
  fake_->AddShard("shard-parent", "", /*closed=*/true);
  fake_->AddShard("shard-child", "shard-parent");
  fake_->Insert("shard-parent", "a", "parent");
  fake_->Insert("shard-child", "a", "child");
  ReplicateOptions options = Options();
  options.resume = ResumeFrom({{"shard-parent", "", "", true, kOld}});
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  const std::vector<IteratorRequest> iterators = IteratorRequests();
  ASSERT_EQ(iterators.size(), 1u);
  EXPECT_EQ(iterators[0].shard, "shard-child");
  EXPECT_EQ(iterators[0].type, "TRIM_HORIZON");
  EXPECT_EQ(fake_->target(), (Target{{"a", "child"}}));
}

TEST_F(StreamReplicatorTest, ResumeForgetsDoneShardsTheStreamNoLongerLists) {
  fake_->AddShard("shard-child", "shard-trimmed");
  fake_->Insert("shard-child", "a", "1");
  ReplicateOptions options = Options();
  options.resume = ResumeFrom({{"shard-trimmed", "", "4000000000000000100", true, kOld}});
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(fake_->target(), (Target{{"a", "1"}}));
  EXPECT_EQ(Find(result->checkpoint, "shard-trimmed"), nullptr);
  EXPECT_NE(Find(result->checkpoint, "shard-child"), nullptr);
}

TEST_F(StreamReplicatorTest, ResumeWithAnUnfinishedShardNoLongerListedIsAGap) {
  fake_->AddShard("shard-new");
  fake_->Insert("shard-new", "a", "1");
  ReplicateOptions options = Options();
  options.resume = ResumeFrom({{"shard-gone", "", "4000000000000000100", false, kOld}});
  Result<ReplicateResult> result = Run(options);
  ExpectGapError(result, "shard-gone");
  EXPECT_TRUE(IteratorRequests().empty());
  EXPECT_TRUE(fake_->writes().empty());
}

TEST_F(StreamReplicatorTest, SkipBeforeSkipsOlderRecords) {
  fake_->AddShard("shard-1");
  fake_->Insert("shard-1", "a", "1", kOld - 200);
  fake_->Insert("shard-1", "b", "1", kOld - 100);
  fake_->Insert("shard-1", "c", "1", kOld + 10);
  const std::string last = fake_->Modify("shard-1", "a", "2", kOld + 20);
  ReplicateOptions options = Options();
  options.skip_before = kOld;
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(counters_.records_skipped.load(), 2u);
  EXPECT_EQ(counters_.records_read.load(), 4u);
  EXPECT_EQ(counters_.records_applied.load(), 2u);
  EXPECT_EQ(fake_->target(), (Target{{"a", "2"}, {"c", "1"}}));
  EXPECT_EQ(fake_->writes().size(), 2u);
  EXPECT_EQ(result->checkpoint.skip_before, kOld);
  ASSERT_NE(Find(result->checkpoint, "shard-1"), nullptr);
  EXPECT_EQ(Find(result->checkpoint, "shard-1")->sequence_number, last);
}

TEST_F(StreamReplicatorTest, SkippedRecordsStillMoveTheCheckpoint) {
  fake_->AddShard("shard-1");
  fake_->Insert("shard-1", "a", "1", kOld - 200);
  const std::string last = fake_->Insert("shard-1", "b", "1", kOld - 100);
  ReplicateOptions options = Options();
  options.skip_before = kOld;
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(fake_->writes().empty());
  EXPECT_TRUE(Bodies("BatchWriteItem").empty());
  EXPECT_EQ(counters_.records_skipped.load(), 2u);
  ASSERT_NE(Find(result->checkpoint, "shard-1"), nullptr);
  EXPECT_EQ(Find(result->checkpoint, "shard-1")->sequence_number, last);
}

TEST_F(StreamReplicatorTest, SkipBeforeOlderThanTheRetentionIsAGapUpFront) {
  fake_->AddShard("shard-1");
  fake_->Insert("shard-1", "a", "1");
  ReplicateOptions options = Options();
  options.skip_before = kStart - 25 * 3600;
  Result<ReplicateResult> result = Run(options);
  ExpectGapError(result, "all");
  EXPECT_TRUE(Bodies("DescribeStream").empty());
}

// What migrate --live checks before its copy phase: the same verdict as Run's, without a call.
TEST(StreamReplicatorRetention, AStartOlderThanTheRetentionIsAGap) {
  StreamCheckpoint c = ResumeFrom({});
  c.skip_before = kStart - 25 * 3600;
  aws::Status s = StreamReplicator::CheckStartWithinRetention(c, "src", kStart, 24 * 3600);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("gap in the stream"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("table src"), std::string::npos) << s.error().message;
  EXPECT_EQ(s.error().code, "TrimmedDataAccessException");
  EXPECT_FALSE(StreamReplicator::ResumeCanRecover(s.error()));
}

TEST(StreamReplicatorRetention, AStartWithinTheRetentionIsNoGap) {
  StreamCheckpoint c = ResumeFrom({});
  c.skip_before = kStart - 23 * 3600;
  EXPECT_TRUE(StreamReplicator::CheckStartWithinRetention(c, "src", kStart, 24 * 3600).ok());
}

TEST(StreamReplicatorRetention, ShardsWithAPositionAreLeftToTheService) {
  StreamCheckpoint c = ResumeFrom({{"shard-1", "", "4000000000000000100", false, kOld}});
  c.skip_before = kStart - 30 * 3600;
  EXPECT_TRUE(StreamReplicator::CheckStartWithinRetention(c, "src", kStart, 24 * 3600).ok());
  c.shards.push_back({"shard-2", "", "", false, 0, 0});  // never read: needed since the start
  EXPECT_FALSE(StreamReplicator::CheckStartWithinRetention(c, "src", kStart, 24 * 3600).ok());
}

TEST_F(StreamReplicatorTest, ResumeDaysLaterWithAQuietShardSeenAtItsTipIsNotAGap) {
  // Started 30 hours ago; one shard has records, the other never had one but was read to its tip
  // a minute before the stop: nothing it held can have expired.
  fake_->AddShard("shard-busy");
  fake_->AddShard("shard-quiet");
  const std::string seq = fake_->Insert("shard-busy", "a", "1", kOld);
  fake_->Insert("shard-busy", "b", "2", kOld + 1);
  ReplicateOptions options = Options();
  StreamCheckpoint resume = ResumeFrom(
      {{"shard-busy", "", seq, false, kOld}, {"shard-quiet", "", "", false, 0, kStart - 60}});
  resume.skip_before = kStart - 30 * 3600;
  options.resume = resume;
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(fake_->target(), (Target{{"b", "2"}}));
}

TEST_F(StreamReplicatorTest, ResumeDaysLaterWithAShardNeverReadIsAGap) {
  fake_->AddShard("shard-quiet");
  ReplicateOptions options = Options();
  StreamCheckpoint resume = ResumeFrom({{"shard-quiet", "", "", false, 0, 0}});
  resume.skip_before = kStart - 30 * 3600;
  options.resume = resume;
  ExpectGapError(Run(options), "all");
}

TEST_F(StreamReplicatorTest, ResumeDaysAfterAShardWasReadToItsEndIsAGapForItsChildren) {
  // The parent was read to its end 30 hours ago and has since left the stream; its child began
  // when it closed, so the child's first records are older than the stream keeps.
  fake_->AddShard("shard-child", "shard-parent");
  fake_->Insert("shard-child", "a", "1");
  ReplicateOptions options = Options();
  options.resume =
      ResumeFrom({{"shard-parent", "", "4000000000000000100", true, kOld, 0, kStart - 30 * 3600}});
  ExpectGapError(Run(options), "all");
  EXPECT_TRUE(IteratorRequests().empty());
  EXPECT_TRUE(fake_->writes().empty());
}

TEST_F(StreamReplicatorTest, AChildTakenAfterItsParentEndedNeedsRecordsSinceThen) {
  fake_->AddShard("shard-child", "shard-parent");
  fake_->Insert("shard-child", "a", "1");
  ReplicateOptions options = Options();
  options.resume =
      ResumeFrom({{"shard-parent", "", "4000000000000000100", true, kOld, 0, kStart - 60}});
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(fake_->target(), (Target{{"a", "1"}}));
  // The parent is forgotten; its child keeps the time from which its records are needed.
  EXPECT_EQ(Find(result->checkpoint, "shard-parent"), nullptr);
  ASSERT_NE(Find(result->checkpoint, "shard-child"), nullptr);
  EXPECT_EQ(Find(result->checkpoint, "shard-child")->needed_since, kStart - 60);
}

TEST_F(StreamReplicatorTest, AForgottenParentStaysInTheCheckpointUntilItsChildIsTaken) {
  // A kill between the first save and the child's first save must not lose the time from which
  // the child's records are needed.
  fake_->AddShard("shard-child", "shard-parent");
  fake_->Insert("shard-child", "a", "1");
  ReplicateOptions options = Options();
  options.checkpoint_path = dir_.path() + "/stream.json";
  options.resume =
      ResumeFrom({{"shard-parent", "", "4000000000000000100", true, kOld, 0, kStart - 60}});
  ReplicateContext context = Context();
  bool parent_saved_at_start = false;
  context.on_started = [&] {
    Result<std::optional<StreamCheckpoint>> saved = LoadStreamCheckpoint(options.checkpoint_path);
    parent_saved_at_start = saved.ok() && saved->has_value() &&
                            Find(**saved, "shard-parent") != nullptr &&
                            Find(**saved, "shard-parent")->done_at == kStart - 60;
  };
  StreamReplicator replicator(context, options);
  Result<ReplicateResult> result = replicator.Run(&counters_);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(parent_saved_at_start);
  EXPECT_EQ(Find(result->checkpoint, "shard-parent"), nullptr);
  EXPECT_EQ(Find(result->checkpoint, "shard-child")->needed_since, kStart - 60);
}

TEST_F(StreamReplicatorTest, AShardReadToItsEndLateIsTakenToHaveClosedWhenFirstSeenClosed) {
  fake_->AddShard("shard-1", "", /*closed=*/true);
  for (int i = 0; i < 5; ++i) fake_->Insert("shard-1", "k" + std::to_string(i), "v", kOld + i);
  // Each page takes a (fake) minute: the end is read well after the first DescribeStream. (The
  // backoffs of throttled reads are jittered down to nothing at times: no clock to count on.)
  transport_.SetFallback([this](const HttpRequest& r) {
    const std::string* target = r.FindHeader("X-Amz-Target");
    if (target != nullptr && target->ends_with(".GetRecords")) {
      clock_.Advance(std::chrono::minutes(1));
    }
    return fake_->Handle(r);
  });
  ReplicateOptions options = Options();
  options.records_limit = 1;
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  ASSERT_GT(aws::EpochSeconds(clock_.Now()), kStart);
  ASSERT_NE(Find(result->checkpoint, "shard-1"), nullptr);
  // Seen closed by the first DescribeStream, at the start.
  EXPECT_EQ(Find(result->checkpoint, "shard-1")->done_at, kStart);
}

TEST_F(StreamReplicatorTest, ResumeDaysLaterWithAChildTakenButNeverReadIsAGap) {
  fake_->AddShard("shard-child", "shard-parent");
  ReplicateOptions options = Options();
  options.resume =
      ResumeFrom({{"shard-child", "shard-parent", "", false, 0, 0, 0, kStart - 30 * 3600}});
  ExpectGapError(Run(options), "all");
}

TEST_F(StreamReplicatorTest, ResumeDaysAfterAParentEndedIsNotAGapOnceItsChildWasRead) {
  fake_->AddShard("shard-parent", "", /*closed=*/true);
  fake_->AddShard("shard-child", "shard-parent");
  fake_->Insert("shard-parent", "a", "parent", kOld - 30 * 3600);
  const std::string seq = fake_->Insert("shard-child", "a", "child", kOld);
  fake_->Insert("shard-child", "b", "child", kOld + 1);
  ReplicateOptions options = Options();
  options.resume =
      ResumeFrom({{"shard-parent", "", "4000000000000000001", true, kOld, 0, kStart - 30 * 3600},
                  {"shard-child", "shard-parent", seq, false, kOld, 0, 0, kStart - 30 * 3600}});
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(fake_->target(), (Target{{"b", "child"}}));
}

TEST_F(StreamReplicatorTest, StartAtLatestReadsOpenShardsFromLatestAndSkipsClosedOnes) {
  fake_->AddShard("shard-closed", "", /*closed=*/true);
  fake_->AddShard("shard-open", "shard-closed");
  fake_->AddShard("shard-other");
  fake_->Insert("shard-closed", "old1", "history");
  fake_->Insert("shard-open", "old2", "history");
  fake_->Insert("shard-other", "old3", "history");
  const std::string z = fake_->InsertAfterLatest("shard-open", "z", "new", kOld + 50);
  ReplicateOptions options = Options();
  options.start_at_latest = true;
  options.from = "latest";
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();

  const std::vector<IteratorRequest> iterators = IteratorRequests();
  ASSERT_EQ(iterators.size(), 2u);
  for (const IteratorRequest& it : iterators) {
    EXPECT_NE(it.shard, "shard-closed");
    EXPECT_EQ(it.type, "LATEST") << it.shard;
    EXPECT_EQ(it.sequence, "");
  }
  for (const std::string& e : fake_->events()) {
    EXPECT_FALSE(e.starts_with("records shard-closed")) << e;
  }
  EXPECT_EQ(fake_->target(), (Target{{"z", "new"}}));
  const StreamCheckpoint& c = result->checkpoint;
  EXPECT_EQ(c.from, "latest");
  ASSERT_NE(Find(c, "shard-closed"), nullptr);
  EXPECT_TRUE(Find(c, "shard-closed")->done);
  EXPECT_EQ(Find(c, "shard-closed")->sequence_number, "");
  ASSERT_NE(Find(c, "shard-open"), nullptr);
  EXPECT_EQ(Find(c, "shard-open")->sequence_number, z);
  EXPECT_EQ(Find(c, "shard-open")->parent_shard_id, "shard-closed");
  // Both LATEST iterators were taken before the start was reported: a change made after the
  // report is replayed.
  EXPECT_EQ(iterators_at_start_, 2u);
}

// ---------------------------------------------------------------------------------------------
// What is applied: TTL deletes, invalid records, KEYS_ONLY streams

TEST_F(StreamReplicatorTest, TtlDeletesAreAppliedByDefault) {
  fake_->SetTarget("expired", "x");
  fake_->SetTarget("deleted", "y");
  fake_->AddShard("shard-1");
  fake_->Remove("shard-1", "expired", kOld, /*ttl=*/true);
  fake_->Remove("shard-1", "deleted", kOld, /*ttl=*/false);
  Result<ReplicateResult> result = Run(Options());
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(fake_->target().empty());
  EXPECT_EQ(counters_.ttl_deletes.load(), 1u);
  EXPECT_EQ(counters_.records_skipped.load(), 0u);
  EXPECT_EQ(counters_.records_applied.load(), 2u);
}

TEST_F(StreamReplicatorTest, TtlDeletesAreSkippedWhenAsked) {
  fake_->SetTarget("expired", "x");
  fake_->SetTarget("deleted", "y");
  fake_->AddShard("shard-1");
  fake_->Remove("shard-1", "expired", kOld, /*ttl=*/true);
  const std::string last = fake_->Remove("shard-1", "deleted", kOld, /*ttl=*/false);
  ReplicateOptions options = Options();
  options.skip_ttl_deletes = true;
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(fake_->target(), (Target{{"expired", "x"}}));
  const std::vector<Write> writes = fake_->writes();
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_FALSE(writes[0].put);
  EXPECT_EQ(writes[0].pk, "deleted");
  EXPECT_EQ(counters_.ttl_deletes.load(), 1u);
  EXPECT_EQ(counters_.records_skipped.load(), 1u);
  ASSERT_NE(Find(result->checkpoint, "shard-1"), nullptr);
  EXPECT_EQ(Find(result->checkpoint, "shard-1")->sequence_number, last);
}

TEST_F(StreamReplicatorTest, RecordWithAnInvalidImageIsDeadLetteredAndNotWritten) {
  fake_->AddShard("shard-1");
  fake_->Add("shard-1", "INSERT", "bad", R"({"pk":{"S":"bad"},"tags":{"SS":[]}})", kOld);
  const std::string last = fake_->Insert("shard-1", "good", "1");
  DeadLetterFile dead(dir_.path() + "/dead.jsonl");
  Result<ReplicateResult> result = Run(Options(), &dead);
  ASSERT_TRUE(result.ok()) << result.error().ToString();

  EXPECT_EQ(fake_->target(), (Target{{"good", "1"}}));
  ASSERT_EQ(fake_->writes().size(), 1u);
  EXPECT_EQ(counters_.items_dead_lettered.load(), 1u);
  EXPECT_EQ(counters_.records_applied.load(), 1u);
  const std::vector<std::string> lines = Lines(dead.path());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(R"("Item":{"pk":{"S":"bad"},"tags":{"SS":[]}})"), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("SS"), std::string::npos) << lines[0];
  // Dead-lettered counts as handled: the checkpoint moves past it, and counts it.
  ASSERT_NE(Find(result->checkpoint, "shard-1"), nullptr);
  EXPECT_EQ(Find(result->checkpoint, "shard-1")->sequence_number, last);
  EXPECT_EQ(result->checkpoint.dead_lettered, 1u);
}

TEST_F(StreamReplicatorTest, TheCheckpointKeepsCountingTheDeadLettersOfEarlierRuns) {
  fake_->AddShard("shard-1");
  const std::string first = fake_->Insert("shard-1", "k1", "v", kOld + 1);
  fake_->Add("shard-1", "INSERT", "bad", R"({"pk":{"S":"bad"},"tags":{"SS":[]}})", kOld + 2);
  fake_->Insert("shard-1", "k3", "v", kOld + 3);
  ReplicateOptions options = Options();
  options.resume = ResumeFrom({{"shard-1", "", first, false, kOld + 1}});
  options.resume->dead_lettered = 2;  // by the runs before
  DeadLetterFile dead(dir_.path() + "/dead.jsonl");
  Result<ReplicateResult> result = Run(options, &dead);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(counters_.items_dead_lettered.load(), 1u);  // this run's
  EXPECT_EQ(result->checkpoint.dead_lettered, 3u);
}

TEST_F(StreamReplicatorTest, TheCheckpointNamesTheDeadLetterFile) {
  fake_->AddShard("shard-1");
  const std::string first = fake_->Insert("shard-1", "k1", "v", kOld + 1);
  ReplicateOptions options = Options();
  options.dead_letter_file = "/runs/dead.jsonl";
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(result->checkpoint.dead_letter_file, "/runs/dead.jsonl");

  // A resume records the file it is given, and keeps the earlier one when given none.
  options.resume = ResumeFrom({{"shard-1", "", first, false, kOld + 1}});
  options.resume->dead_letter_file = "/runs/earlier.jsonl";
  result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(result->checkpoint.dead_letter_file, "/runs/dead.jsonl");
  options.dead_letter_file.clear();
  result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(result->checkpoint.dead_letter_file, "/runs/earlier.jsonl");
}

TEST_F(StreamReplicatorTest, RecordWithAnInvalidImageStopsTheRunWithoutADeadLetterFile) {
  fake_->AddShard("shard-1");
  const std::string first = fake_->Insert("shard-1", "good", "1");
  fake_->Add("shard-1", "INSERT", "bad", R"({"pk":{"S":"bad"},"tags":{"SS":[]}})", kOld);
  ReplicateOptions options = Options();
  options.records_limit = 1;
  options.checkpoint_path = dir_.path() + "/stream.json";
  Result<ReplicateResult> result = Run(options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_EQ(fake_->target(), (Target{{"good", "1"}}));
  // The checkpoint stays at the last acknowledged record.
  Result<std::optional<StreamCheckpoint>> saved = LoadStreamCheckpoint(options.checkpoint_path);
  ASSERT_TRUE(saved.ok() && saved->has_value());
  ASSERT_NE(Find(**saved, "shard-1"), nullptr);
  EXPECT_EQ(Find(**saved, "shard-1")->sequence_number, first);
}

TEST_F(StreamReplicatorTest, UntypedEmptyMapsInAnImageAreWrittenAsTypedEmptyMaps) {
  fake_->AddShard("shard-1");
  // DynamoDB Local writes an empty map as {} in stream images.
  fake_->Add("shard-1", "INSERT", "m", R"({"pk":{"S":"m"},"v":{"S":"{}"},"empty":{}})", kOld);
  Result<ReplicateResult> result = Run(Options());
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(fake_->target(), (Target{{"m", "{}"}}));
  EXPECT_EQ(counters_.items_dead_lettered.load(), 0u);
  const std::vector<std::string> sent = Bodies("BatchWriteItem");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_NE(sent[0].find(R"({"pk":{"S":"m"},"v":{"S":"{}"},"empty":{"M":{}}})"), std::string::npos)
      << sent[0];
}

TEST_F(StreamReplicatorTest, AFailedWriteStopsTheRunAndTheCheckpointStaysBehindIt) {
  fake_->AddShard("shard-1");
  const std::string first = fake_->Insert("shard-1", "a", "1", kOld + 1);
  fake_->Insert("shard-1", "b", "1", kOld + 2);
  fake_->Insert("shard-1", "c", "1", kOld + 3);
  fake_->Fail("BatchWriteItem", "", 2, "ResourceNotFoundException");  // the target is gone
  ReplicateOptions options = Options();
  options.records_limit = 1;
  options.checkpoint_path = dir_.path() + "/stream.json";
  Result<ReplicateResult> result = Run(options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "ResourceNotFoundException");
  EXPECT_EQ(fake_->target(), (Target{{"a", "1"}}));
  EXPECT_EQ(counters_.records_applied.load(), 1u);
  Result<std::optional<StreamCheckpoint>> saved = LoadStreamCheckpoint(options.checkpoint_path);
  ASSERT_TRUE(saved.ok() && saved->has_value());
  ASSERT_NE(Find(**saved, "shard-1"), nullptr);
  EXPECT_EQ(Find(**saved, "shard-1")->sequence_number, first);
  EXPECT_EQ(Find(**saved, "shard-1")->last_applied, kOld + 1);
}

TEST_F(StreamReplicatorTest, KeysOnlyStreamsReadTheCurrentItemsFromTheSource) {
  Build("KEYS_ONLY");
  fake_->SetSource("found", "current");
  fake_->SetSource("untouched", "source-only");
  fake_->SetTarget("gone", "stale");
  fake_->SetTarget("removed", "stale");
  fake_->AddShard("shard-1");
  fake_->Insert("shard-1", "found", "ignored");
  fake_->Modify("shard-1", "gone", "ignored");  // deleted from the source since
  fake_->Remove("shard-1", "removed");
  ReplicateOptions options = Options();
  options.stream_view_type = "KEYS_ONLY";
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();

  EXPECT_EQ(fake_->target(), (Target{{"found", "current"}}));
  EXPECT_EQ(counters_.records_looked_up.load(), 1u);
  EXPECT_EQ(counters_.records_applied.load(), 3u);
  // Only the INSERT and MODIFY keys were looked up, in the source table, consistently.
  std::vector<std::string> gets;
  for (const std::string& e : fake_->events()) {
    if (e.starts_with("get ")) gets.push_back(e.substr(4));
  }
  std::sort(gets.begin(), gets.end());
  EXPECT_EQ(gets, (std::vector<std::string>{"found", "gone"}));
  EXPECT_EQ(fake_->lookup_tables(), (std::vector<std::string>{"src"}));
  EXPECT_TRUE(fake_->lookups_consistent());
  const std::vector<Write> writes = fake_->writes();
  ASSERT_EQ(writes.size(), 3u) << Describe(writes);
  for (const Write& w : writes) {
    if (w.pk == "found") {
      EXPECT_TRUE(w.put && w.value == "current");
    } else {
      EXPECT_FALSE(w.put) << w.pk;
    }
  }
}

// With TTL deletions skipped, a lookup that no longer finds an item does not delete it: the item
// is gone because of a REMOVE at or after the change, and that REMOVE decides. A TTL deletion
// skipped leaves the target's item; a user's delete is applied (when read, in a later page too).
// With OLD_IMAGE the TTL record's old image, the item as it expired, is written: the fake's
// REMOVE records carry the value "old".
class SkippedTtlDeleteWithLookupsTest : public StreamReplicatorTest,
                                        public ::testing::WithParamInterface<const char*> {
 protected:
  void SetUp() override {
    StreamReplicatorTest::SetUp();
    Build(GetParam());
  }
  static bool OldImages() { return std::string_view(GetParam()) == "OLD_IMAGE"; }
  ReplicateOptions LookupOptions(int records_limit) {
    ReplicateOptions options = Options();
    options.stream_view_type = GetParam();
    options.skip_ttl_deletes = true;
    options.records_limit = records_limit;
    return options;
  }
};

TEST_P(SkippedTtlDeleteWithLookupsTest, AnItemExpiredAfterItsChangeIsKeptInOnePage) {
  fake_->SetTarget("expired", "as copied");
  fake_->AddShard("shard-1");
  fake_->Modify("shard-1", "expired", "ignored");
  fake_->Remove("shard-1", "expired", kOld, /*ttl=*/true);
  Result<ReplicateResult> result = Run(LookupOptions(1000));
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(counters_.ttl_deletes.load(), 1u);
  if (OldImages()) {
    // The change and the expiry coalesce to a put of the item as it expired; nothing is read.
    EXPECT_EQ(fake_->target(), (Target{{"expired", "old"}}));
    EXPECT_EQ(fake_->writes().size(), 1u) << Describe(fake_->writes());
    EXPECT_EQ(counters_.records_applied.load(), 1u);
    EXPECT_EQ(counters_.records_coalesced.load(), 1u);
    EXPECT_EQ(counters_.records_looked_up.load(), 0u);
    EXPECT_EQ(counters_.records_gone_from_source.load(), 0u);
    EXPECT_EQ(counters_.records_skipped.load(), 0u);
    return;
  }
  EXPECT_EQ(fake_->target(), (Target{{"expired", "as copied"}}));
  EXPECT_TRUE(fake_->writes().empty()) << Describe(fake_->writes());
  EXPECT_EQ(counters_.records_applied.load(), 0u);
  EXPECT_EQ(counters_.records_gone_from_source.load(), 1u);
  EXPECT_EQ(counters_.records_skipped.load(), 1u);
}

TEST_P(SkippedTtlDeleteWithLookupsTest, AnItemExpiredAfterItsChangeIsKeptAcrossPages) {
  // The lookup of the first page already misses the item: the TTL deletion is read only later.
  fake_->SetTarget("expired", "as copied");
  fake_->AddShard("shard-1");
  fake_->Insert("shard-1", "expired", "ignored");
  fake_->Remove("shard-1", "expired", kOld, /*ttl=*/true);
  Result<ReplicateResult> result = Run(LookupOptions(1));
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(counters_.records_gone_from_source.load(), 1u);
  if (OldImages()) {
    EXPECT_EQ(fake_->target(), (Target{{"expired", "old"}}));
    EXPECT_EQ(counters_.records_applied.load(), 1u);
    return;
  }
  EXPECT_EQ(fake_->target(), (Target{{"expired", "as copied"}}));
  EXPECT_TRUE(fake_->writes().empty()) << Describe(fake_->writes());
  EXPECT_EQ(counters_.records_applied.load(), 0u);
}

TEST_P(SkippedTtlDeleteWithLookupsTest, AUserDeleteInALaterPageIsStillApplied) {
  fake_->SetTarget("deleted", "as copied");
  fake_->SetSource("kept", "current");
  fake_->AddShard("shard-1");
  fake_->Modify("shard-1", "deleted", "ignored");
  fake_->Modify("shard-1", "kept", "ignored");
  fake_->Remove("shard-1", "deleted");
  Result<ReplicateResult> result = Run(LookupOptions(1));
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(fake_->target(), (Target{{"kept", "current"}}));
  EXPECT_EQ(counters_.records_applied.load(), 2u);  // the put of "kept", the delete
  EXPECT_EQ(counters_.records_gone_from_source.load(), 1u);
}

TEST_P(SkippedTtlDeleteWithLookupsTest, AUserDeleteSupersededInThePageIsNotUndone) {
  // Deleted by the user, created again, then expired: the user's delete stands (the target must
  // not keep the version from before it); the item created again is gone from the source.
  fake_->SetTarget("a", "before the delete");
  fake_->AddShard("shard-1");
  fake_->Remove("shard-1", "a");
  fake_->Insert("shard-1", "a", "ignored");
  fake_->Remove("shard-1", "a", kOld, /*ttl=*/true);
  Result<ReplicateResult> result = Run(LookupOptions(1000));
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  // With OLD_IMAGE the item created again is written as it expired, which the delete preceded.
  EXPECT_EQ(fake_->target(), (OldImages() ? Target{{"a", "old"}} : Target{}));
  EXPECT_EQ(counters_.records_applied.load(), 1u);
  EXPECT_EQ(counters_.records_gone_from_source.load(), 0u);
}

TEST_P(SkippedTtlDeleteWithLookupsTest, AnExpiredKeyCreatedAgainIsPutFromTheSource) {
  fake_->SetTarget("a", "as copied");
  fake_->SetSource("a", "created again");
  fake_->AddShard("shard-1");
  fake_->Modify("shard-1", "a", "ignored");
  fake_->Remove("shard-1", "a", kOld, /*ttl=*/true);
  fake_->Insert("shard-1", "a", "ignored");
  Result<ReplicateResult> result = Run(LookupOptions(1000));
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(fake_->target(), (Target{{"a", "created again"}}));
  EXPECT_EQ(counters_.records_applied.load(), 1u);
}

INSTANTIATE_TEST_SUITE_P(LookupStreams, SkippedTtlDeleteWithLookupsTest,
                         ::testing::Values("KEYS_ONLY", "OLD_IMAGE"));

TEST_F(StreamReplicatorTest, WithTtlDeletesAppliedALookupThatFindsNoItemDeletes) {
  Build("KEYS_ONLY");
  fake_->SetTarget("expired", "as copied");
  fake_->AddShard("shard-1");
  fake_->Modify("shard-1", "expired", "ignored");
  fake_->Remove("shard-1", "expired", kOld, /*ttl=*/true);
  ReplicateOptions options = Options();
  options.stream_view_type = "KEYS_ONLY";
  options.records_limit = 1;
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(fake_->target(), Target{});
  EXPECT_EQ(counters_.records_gone_from_source.load(), 0u);
}

// A record's Keys may spell the key otherwise than the item the lookup reads (DynamoDB Local
// keeps a number key of an UpdateItem as sent, "1E+3" for "1000"; here a string escape): the
// item found is still the record's, and is put, not deleted.
TEST_F(StreamReplicatorTest, ALookedUpItemMatchesItsKeySpeltAnotherWay) {
  Build("KEYS_ONLY");
  fake_->SetSource("a", "current");
  fake_->AddShard("shard-1");
  fake_->Insert("shard-1", "\\u0061", "ignored");  // "a", escaped
  ReplicateOptions options = Options();
  options.stream_view_type = "KEYS_ONLY";
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(fake_->target(), (Target{{"a", "current"}}));
  EXPECT_EQ(counters_.records_looked_up.load(), 1u);
}

TEST_F(StreamReplicatorTest, ChangesToOneKeySpeltTwoWaysAreCoalesced) {
  fake_->SetTarget("a", "stale");
  fake_->AddShard("shard-1");
  fake_->Insert("shard-1", "\\u0061", "1");
  fake_->Remove("shard-1", "a");
  Result<ReplicateResult> result = Run(Options());
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  const std::vector<Write> writes = fake_->writes();
  ASSERT_EQ(writes.size(), 1u) << Describe(writes);
  EXPECT_FALSE(writes[0].put);
  EXPECT_EQ(counters_.records_coalesced.load(), 1u);
  EXPECT_EQ(fake_->target(), Target{});
}

TEST_F(StreamReplicatorTest, NeedsLookupsForKeysOnlyAndOldImageStreams) {
  EXPECT_TRUE(StreamReplicator::NeedsLookups("KEYS_ONLY"));
  EXPECT_TRUE(StreamReplicator::NeedsLookups("OLD_IMAGE"));
  EXPECT_FALSE(StreamReplicator::NeedsLookups("NEW_IMAGE"));
  EXPECT_FALSE(StreamReplicator::NeedsLookups("NEW_AND_OLD_IMAGES"));
}

// ---------------------------------------------------------------------------------------------
// The checkpoint file

TEST_F(StreamReplicatorTest, CheckpointFileHoldsEachShardsSequenceNumber) {
  fake_->AddShard("shard-1");
  fake_->AddShard("shard-2", "", /*closed=*/true);
  fake_->Insert("shard-1", "a", "1", kOld + 1);
  const std::string last1 = fake_->Insert("shard-1", "b", "1", kOld + 2);
  const std::string last2 = fake_->Insert("shard-2", "c", "1", kOld + 3);
  ReplicateOptions options = Options();
  options.checkpoint_path = dir_.path() + "/stream.json";
  Result<ReplicateResult> result = Run(options);
  ASSERT_TRUE(result.ok()) << result.error().ToString();

  Result<std::optional<StreamCheckpoint>> saved = LoadStreamCheckpoint(options.checkpoint_path);
  ASSERT_TRUE(saved.ok()) << saved.error().ToString();
  ASSERT_TRUE(saved->has_value());
  const StreamCheckpoint& c = **saved;
  EXPECT_EQ(c.operation, "replicate");
  EXPECT_EQ(c.source, "src");
  EXPECT_EQ(c.target, "dst");
  EXPECT_EQ(c.stream_arn, kArn);
  EXPECT_EQ(c.from, "trim-horizon");
  EXPECT_EQ(c.start_time, kStart);
  ASSERT_EQ(c.shards.size(), 2u);
  ASSERT_NE(Find(c, "shard-1"), nullptr);
  EXPECT_EQ(Find(c, "shard-1")->sequence_number, last1);
  EXPECT_EQ(Find(c, "shard-1")->last_applied, kOld + 2);
  EXPECT_FALSE(Find(c, "shard-1")->done);
  ASSERT_NE(Find(c, "shard-2"), nullptr);
  EXPECT_EQ(Find(c, "shard-2")->sequence_number, last2);
  EXPECT_TRUE(Find(c, "shard-2")->done);
  EXPECT_EQ(c.LastApplied(), kOld + 3);
  // The file and the result agree.
  EXPECT_EQ(SerializeStreamCheckpoint(c), SerializeStreamCheckpoint(result->checkpoint));

  // A second run resumes from it: nothing new, nothing written again.
  const size_t writes_before = fake_->writes().size();
  options.resume = c;
  Result<ReplicateResult> again = Run(options);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(fake_->writes().size(), writes_before);
  const std::vector<IteratorRequest> iterators = IteratorRequests();
  ASSERT_FALSE(iterators.empty());
  EXPECT_EQ(iterators.back().shard, "shard-1");
  EXPECT_EQ(iterators.back().type, "AFTER_SEQUENCE_NUMBER");
  EXPECT_EQ(iterators.back().sequence, last1);
}

}  // namespace
}  // namespace ddbm::pipeline
