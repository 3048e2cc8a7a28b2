#include "pipeline/table_export.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "storage/gzip.h"
#include "storage/local_store.h"
#include "storage/md5.h"
#include "testing/fake_clock.h"
#include "testing/forwarding_store.h"
#include "testing/scripted_dynamodb.h"
#include "testing/temp_dir.h"

namespace ddbm::pipeline {
namespace {

// Answers Scan requests: segment 0 has two pages (3 items, then 2), segment 1 is empty.
aws::Result<aws::HttpResponse> ScanAnswer(const aws::HttpRequest& request) {
  aws::HttpResponse r;
  r.status = 200;
  const bool segment0 = request.body.find(R"("Segment":0)") != std::string::npos;
  const bool second_page = request.body.find("ExclusiveStartKey") != std::string::npos;
  if (!segment0) {
    r.body = R"({"Items":[],"Count":0,"ScannedCount":0})";
  } else if (!second_page) {
    r.body =
        R"({"Items":[{"pk":{"S":"a"},"n":{"N":"1.50"}},{"pk":{"S":"b"},"b":{"B":"AAE="}},)"
        R"({"pk":{"S":"c"},"m":{"M":{"x":{"L":[{"NULL":true}]}}}}],"Count":3,"ScannedCount":3,)"
        R"("LastEvaluatedKey":{"pk":{"S":"c"}}})";
  } else {
    r.body = R"({"Items":[{"pk":{"S":"d"}},{"pk":{"S":"e"},"s":{"SS":["x","y"]}}],)"
             R"("Count":2,"ScannedCount":2})";
  }
  return r;
}

// Options for table "t" in `segments` segments, every data file named x/data/f.json.gz.
TableExportOptions OneNameOptions(int segments) {
  TableExportOptions options;
  options.table_name = "t";
  options.segments = segments;
  options.data_folder = "x/data/";
  options.new_file_name = [] { return std::string("f.json.gz"); };
  return options;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(TableExportTest, WritesOneLinePerItemAndAnEmptyFileForAnEmptySegment) {
  testing::ScriptedDynamoDb ddb;
  ddb.transport.SetFallback(ScanAnswer);
  testing::TempDir dir;
  storage::LocalStore store(dir.path());
  TableExportOptions options;
  options.table_name = "t";
  options.segments = 2;
  options.data_folder = "AWSDynamoDB/01715685260608-c488b4e1/data/";
  int names = 0;
  options.new_file_name = [&] { return "file" + std::to_string(names++) + ".json.gz"; };
  TableExportCounters counters;
  aws::Result<TableExportResult> result =
      ExportTable(*ddb.client, store, options, nullptr, nullptr, &counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_FALSE(result->interrupted);
  ASSERT_EQ(result->files.size(), 2u);
  EXPECT_EQ(counters.scan.items.load(), 5u);
  EXPECT_EQ(counters.files.load(), 2u);

  int64_t total = 0;
  std::string all_lines;
  for (const storage::DataFileEntry& f : result->files) {
    const std::string bytes = ReadFile(std::filesystem::path(dir.path()) / f.data_file_s3_key);
    EXPECT_EQ(storage::Md5Base64(bytes), f.md5_checksum);
    EXPECT_EQ(storage::SinglePartEtag(bytes), f.etag);
    aws::Result<std::string> text = storage::GzipDecompress(bytes);
    ASSERT_TRUE(text.ok());
    if (f.item_count == 0) {
      EXPECT_EQ(bytes.size(), 20u);  // AWS's empty gzip
      EXPECT_EQ(f.md5_checksum, "FjvgqIxwymKf1RbbqtrZag==");
    }
    total += f.item_count;
    all_lines += *text;
  }
  EXPECT_EQ(total, 5);
  EXPECT_EQ(all_lines,
            "{\"Item\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1.50\"}}}\n"
            "{\"Item\":{\"pk\":{\"S\":\"b\"},\"b\":{\"B\":\"AAE=\"}}}\n"
            "{\"Item\":{\"pk\":{\"S\":\"c\"},\"m\":{\"M\":{\"x\":{\"L\":[{\"NULL\":true}]}}}}}\n"
            "{\"Item\":{\"pk\":{\"S\":\"d\"}}}\n"
            "{\"Item\":{\"pk\":{\"S\":\"e\"},\"s\":{\"SS\":[\"x\",\"y\"]}}}\n");
}

TEST(TableExportTest, ReadsAtMostReadersSegmentsAtOnce) {
  testing::ScriptedDynamoDb ddb;
  std::atomic<int> in_flight{0};
  std::atomic<int> most{0};
  ddb.transport.SetFallback([&](const aws::HttpRequest& request) {
    const int now = in_flight.fetch_add(1) + 1;
    for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // overlap, if allowed
    in_flight.fetch_sub(1);
    return ScanAnswer(request);
  });
  testing::TempDir dir;
  storage::LocalStore store(dir.path());
  TableExportOptions options = OneNameOptions(20);
  options.readers = 2;
  int names = 0;
  std::mutex names_mu;
  options.new_file_name = [&] {
    std::lock_guard lock(names_mu);
    return "f" + std::to_string(names++) + ".json.gz";
  };
  TableExportCounters counters;
  aws::Result<TableExportResult> result =
      ExportTable(*ddb.client, store, options, nullptr, nullptr, &counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(result->files.size(), 20u);  // a file per segment, the empty ones included
  EXPECT_EQ(counters.scan.items.load(), 5u);
  EXPECT_LE(most.load(), 2);
}

TEST(TableExportTest, ScansAskForTheirConsumedCapacityOnlyWhenTheOptionsSay) {
  for (const bool ask : {false, true}) {
    testing::ScriptedDynamoDb ddb;
    std::atomic<int> scans{0};
    std::atomic<int> asking{0};
    ddb.transport.SetFallback([&](const aws::HttpRequest& request) {
      ++scans;
      if (request.body.find(R"("ReturnConsumedCapacity":"TOTAL")") != std::string::npos) {
        ++asking;
      }
      return ScanAnswer(request);
    });
    testing::TempDir dir;
    storage::LocalStore store(dir.path());
    TableExportOptions options;
    options.table_name = "t";
    options.segments = 2;
    options.return_consumed_capacity = ask;
    options.data_folder = "AWSDynamoDB/01715685260608-c488b4e1/data/";
    int names = 0;
    options.new_file_name = [&] { return "file" + std::to_string(names++) + ".json.gz"; };
    TableExportCounters counters;
    ASSERT_TRUE(ExportTable(*ddb.client, store, options, nullptr, nullptr, &counters).ok());
    EXPECT_EQ(scans.load(), 3);
    EXPECT_EQ(asking.load(), ask ? 3 : 0);
  }
}

TEST(TableExportTest, StartsANewFileOnceTheCurrentOneIsFull) {
  testing::ScriptedDynamoDb ddb;
  ddb.transport.SetFallback(ScanAnswer);
  testing::TempDir dir;
  storage::LocalStore store(dir.path());
  TableExportOptions options;
  options.table_name = "t";
  options.segments = 2;
  options.data_folder = "x/data/";
  options.max_file_bytes = 1;  // every page fills a file
  int names = 0;
  options.new_file_name = [&] { return "f" + std::to_string(names++) + ".json.gz"; };
  TableExportCounters counters;
  aws::Result<TableExportResult> result =
      ExportTable(*ddb.client, store, options, nullptr, nullptr, &counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  // A file per page from segment 0 (files end at page boundaries), an empty one from segment 1.
  ASSERT_EQ(result->files.size(), 3u);
  EXPECT_EQ(result->files[0].item_count, 3);
  EXPECT_EQ(result->files[1].item_count, 2);
  EXPECT_EQ(result->files[2].item_count, 0);
}

TEST(TableExportTest, AStopWritesNoManifestEntries) {
  testing::ScriptedDynamoDb ddb;
  ddb.transport.SetFallback(ScanAnswer);
  testing::TempDir dir;
  storage::LocalStore store(dir.path());
  TableExportOptions options = OneNameOptions(2);
  std::atomic<bool> stop{true};
  TableExportCounters counters;
  aws::Result<TableExportResult> result =
      ExportTable(*ddb.client, store, options, nullptr, &stop, &counters);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->interrupted);
  EXPECT_TRUE(result->files.empty());
}

// Writers whose Finish is the request a Ctrl-C cut short: it asks the run to stop and fails as
// a cancelled request does. Aborts are counted.
class CancellingStore final : public testing::ForwardingStore {
 public:
  CancellingStore(storage::ObjectStore* inner, std::atomic<bool>* stop)
      : ForwardingStore(inner), stop_(stop) {}
  aws::Result<std::unique_ptr<storage::ObjectWriter>> OpenWriter(std::string_view key) override {
    aws::Result<std::unique_ptr<storage::ObjectWriter>> writer = inner()->OpenWriter(key);
    if (!writer.ok()) return writer;
    return std::unique_ptr<storage::ObjectWriter>(
        std::make_unique<Writer>(std::move(*writer), stop_, &aborted));
  }
  std::atomic<int> aborted{0};

 private:
  class Writer final : public storage::ObjectWriter {
   public:
    Writer(std::unique_ptr<storage::ObjectWriter> inner, std::atomic<bool>* stop,
           std::atomic<int>* aborted)
        : inner_(std::move(inner)), stop_(stop), aborted_(aborted) {}
    ~Writer() override {
      if (!finished_) aborted_->fetch_add(1);
    }
    aws::Status Append(std::string_view bytes) override { return inner_->Append(bytes); }
    aws::Result<std::string> Finish() override {
      stop_->store(true);
      return aws::Error::Make(aws::ErrorKind::kCancelled, "stopped while retrying UploadPart");
    }
    void Abort() override { inner_->Abort(); }

   private:
    std::unique_ptr<storage::ObjectWriter> inner_;
    std::atomic<bool>* stop_;
    std::atomic<int>* aborted_;
    bool finished_ = false;
  };
  std::atomic<bool>* stop_;
};

TEST(TableExportTest, AnUploadAStopCutShortStopsTheExportWithoutFailingIt) {
  testing::ScriptedDynamoDb ddb;
  ddb.transport.SetFallback(ScanAnswer);
  testing::TempDir dir;
  storage::LocalStore local(dir.path());
  std::atomic<bool> stop{false};
  CancellingStore store(&local, &stop);
  TableExportOptions options = OneNameOptions(1);
  TableExportCounters counters;
  aws::Result<TableExportResult> result =
      ExportTable(*ddb.client, store, options, nullptr, &stop, &counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(result->interrupted);
  EXPECT_TRUE(result->files.empty());
  EXPECT_EQ(store.aborted.load(), 1);  // the file being written was dropped, and its bytes
  EXPECT_EQ(counters.compressed_bytes.load(), 0u);
  EXPECT_EQ(counters.uncompressed_bytes.load(), 0u);
  ASSERT_EQ(result->checkpoint.segments.size(), 1u);
  EXPECT_FALSE(result->checkpoint.segments[0].done);
  EXPECT_FALSE(result->checkpoint.segments[0].exclusive_start_key.has_value());
}

TEST(TableExportTest, AScanErrorIsReturned) {
  testing::ScriptedDynamoDb ddb(1);
  ddb.transport.SetFallback([](const aws::HttpRequest&) -> aws::Result<aws::HttpResponse> {
    aws::HttpResponse r;
    r.status = 400;
    r.body = R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",)"
             R"("message":"Requested resource not found"})";
    return r;
  });
  testing::TempDir dir;
  storage::LocalStore store(dir.path());
  TableExportOptions options = OneNameOptions(2);
  TableExportCounters counters;
  aws::Result<TableExportResult> result =
      ExportTable(*ddb.client, store, options, nullptr, nullptr, &counters);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "ResourceNotFoundException");
}

TEST(TableExportTest, SavesTheCheckpointBeforeTheFirstScan) {
  testing::TempDir dir;
  storage::LocalStore store(dir.path());
  TableExportOptions options = OneNameOptions(2);
  options.checkpoint_path = dir.path() + "/export.checkpoint";
  options.checkpoint_source = "arn:aws:dynamodb:us-east-1:111122223333:table/t";
  options.checkpoint_target = "x/";
  options.checkpoint_s3_sse_algorithm = "KMS";
  options.checkpoint_s3_sse_kms_key_id = "alias/exports";
  testing::FakeClock clock;  // no time passes: no save is due when a file is finished
  options.clock = &clock;
  // What the checkpoint held when each Scan was sent.
  std::mutex mu;
  std::vector<std::optional<Checkpoint>> seen;
  testing::ScriptedDynamoDb ddb;
  ddb.transport.SetFallback([&](const aws::HttpRequest& r) {
    aws::Result<std::optional<Checkpoint>> saved = LoadCheckpoint(options.checkpoint_path);
    {
      std::lock_guard lock(mu);
      seen.push_back(saved.ok() ? *saved : std::nullopt);
    }
    return ScanAnswer(r);
  });
  TableExportCounters counters;
  ASSERT_TRUE(ExportTable(*ddb.client, store, options, nullptr, nullptr, &counters).ok());
  ASSERT_EQ(seen.size(), 3u);  // segment 0's two pages, segment 1's one
  for (const std::optional<Checkpoint>& c : seen) {
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->operation, "export");
    EXPECT_EQ(c->target, "x/");
    EXPECT_EQ(c->s3_sse_algorithm, "KMS");
    EXPECT_EQ(c->s3_sse_kms_key_id, "alias/exports");
    EXPECT_EQ(c->total_segments, 2);
  }
  // Whichever Scan came first found every segment at its start, with no file.
  const auto at_start = [](const Checkpoint& c) {
    for (const SegmentPosition& p : c.segments) {
      if (p.done || p.exclusive_start_key ||
          p.state != R"({"Files":[],"CompressedBytes":0,"UncompressedBytes":0})") {
        return false;
      }
    }
    return c.segments.size() == 2;
  };
  EXPECT_TRUE(at_start(*seen.front()));
}

// Notes, for every Put, whether the checkpoint file existed then; fails the Puts of `refused`.
class PutWatchingStore final : public testing::ForwardingStore {
 public:
  PutWatchingStore(storage::ObjectStore* inner, std::string checkpoint, std::string refused = "")
      : ForwardingStore(inner), checkpoint_(std::move(checkpoint)), refused_(std::move(refused)) {}
  aws::Status Put(std::string_view key, std::string_view bytes) override {
    puts.emplace_back(std::string(key), std::filesystem::exists(checkpoint_));
    if (key == refused_) return aws::Error::Make(aws::ErrorKind::kService, "AccessDenied");
    return ForwardingStore::Put(key, bytes);
  }
  std::vector<std::pair<std::string, bool>> puts;  // (key, checkpoint saved before it)

 private:
  std::string checkpoint_;
  std::string refused_;
};

TEST(TableExportTest, PutsTheStartObjectsOnceTheCheckpointIsSavedAndBeforeTheFirstScan) {
  testing::TempDir dir;
  storage::LocalStore local(dir.path());
  TableExportOptions options = OneNameOptions(1);
  options.checkpoint_path = dir.path() + "/export.checkpoint";
  options.start_objects = {{"x/_started", ""}, {"x/table.json", "{}"}};
  PutWatchingStore store(&local, options.checkpoint_path);
  std::atomic<int> scans_before_start_objects{-1};
  testing::ScriptedDynamoDb ddb;
  ddb.transport.SetFallback([&](const aws::HttpRequest& r) {
    int unset = -1;
    scans_before_start_objects.compare_exchange_strong(unset, static_cast<int>(store.puts.size()));
    return ScanAnswer(r);
  });
  TableExportCounters counters;
  ASSERT_TRUE(ExportTable(*ddb.client, store, options, nullptr, nullptr, &counters).ok());
  ASSERT_GE(store.puts.size(), 2u);
  EXPECT_EQ(store.puts[0], std::make_pair(std::string("x/_started"), true));
  EXPECT_EQ(store.puts[1], std::make_pair(std::string("x/table.json"), true));
  EXPECT_EQ(scans_before_start_objects.load(), 2);  // the first Scan came after both
  EXPECT_EQ(ReadFile(dir.path() + "/x/table.json"), "{}");
}

TEST(TableExportTest, AStartObjectThatCannotBePutFailsAFreshExportAndLeavesNoCheckpoint) {
  testing::TempDir dir;
  storage::LocalStore local(dir.path());
  TableExportOptions options = OneNameOptions(1);
  options.start_objects = {{"x/_started", ""}};
  options.checkpoint_path = dir.path() + "/export.checkpoint";
  PutWatchingStore store(&local, options.checkpoint_path, "x/_started");
  testing::ScriptedDynamoDb ddb;
  std::atomic<int> scans{0};
  ddb.transport.SetFallback([&](const aws::HttpRequest& r) {
    ++scans;
    return ScanAnswer(r);
  });
  TableExportCounters counters;
  aws::Result<TableExportResult> result =
      ExportTable(*ddb.client, store, options, nullptr, nullptr, &counters);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "AccessDenied");
  EXPECT_EQ(scans.load(), 0);
  ASSERT_EQ(store.puts.size(), 1u);
  EXPECT_TRUE(store.puts[0].second);  // saved before the put was tried, and removed after it
  EXPECT_FALSE(std::filesystem::exists(options.checkpoint_path));
}

TEST(TableExportTest, ResumesAfterTheLastFinishedFileOfEachSegment) {
  testing::TempDir dir;
  storage::LocalStore store(dir.path());
  TableExportOptions options;
  options.table_name = "t";
  options.segments = 2;
  options.data_folder = "x/data/";
  options.max_file_bytes = 1;  // every page fills a file
  options.checkpoint_path = dir.path() + "/export.checkpoint";
  options.checkpoint_source = "arn:aws:dynamodb:us-east-1:111122223333:table/t";
  options.checkpoint_target = "x/";
  // No time passes: the checkpoint holds what the saves at the end of each run wrote.
  testing::FakeClock clock;
  options.clock = &clock;
  options.checkpoint_interval = std::chrono::hours(1);
  int names = 0;
  options.new_file_name = [&] { return "f" + std::to_string(names++) + ".json.gz"; };

  // Temporary files of a killed run: one of a data file, one of a manifest outside the data
  // folder.
  const std::filesystem::path root(dir.path());
  const std::filesystem::path writing = root / "x/data/.w.json.gz.77-0-0123abcd.ddbm-tmp";
  const std::filesystem::path manifest = root / "x/.manifest-files.json.77-1-0123abcd.ddbm-tmp";
  std::filesystem::create_directories(root / "x/data");
  std::ofstream(writing) << "partial";
  std::ofstream(manifest) << "partial";

  // First run: segment 0's second page fails, after its first page filled a file; the file is
  // recorded all the same. The failure waits for segment 1 to be read, which it would
  // otherwise stop before it starts.
  {
    testing::ScriptedDynamoDb ddb(1);
    std::atomic<bool> segment1_read{false};
    ddb.transport.SetFallback([&](const aws::HttpRequest& r) -> aws::Result<aws::HttpResponse> {
      if (r.body.find(R"("Segment":1)") != std::string::npos) segment1_read.store(true);
      if (r.body.find("ExclusiveStartKey") == std::string::npos) return ScanAnswer(r);
      for (int i = 0; i < 5000 && !segment1_read.load(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      aws::HttpResponse failure;
      failure.status = 400;
      failure.body = R"({"__type":"com.amazonaws.dynamodb.v20120810#ValidationException",)"
                     R"("message":"boom"})";
      return failure;
    });
    TableExportCounters counters;
    ASSERT_FALSE(ExportTable(*ddb.client, store, options, nullptr, nullptr, &counters).ok());
  }
  aws::Result<std::optional<Checkpoint>> saved = LoadCheckpoint(options.checkpoint_path);
  ASSERT_TRUE(saved.ok() && saved->has_value());
  const Checkpoint& first = **saved;
  EXPECT_EQ(first.operation, "export");
  EXPECT_EQ(first.source, options.checkpoint_source);
  ASSERT_EQ(first.segments.size(), 2u);
  EXPECT_FALSE(first.segments[0].done);
  EXPECT_EQ(first.segments[0].exclusive_start_key, R"({"pk":{"S":"c"}})");
  EXPECT_EQ(first.segments[0].items_acknowledged, 3u);
  EXPECT_TRUE(first.segments[1].done);

  // A file finished after the last save of a killed run: the resume deletes it.
  ASSERT_TRUE(store.Put("x/data/stale.json.gz", "old").ok());
  // Only a resume aborts what a killed run was writing, and only in the data folder.
  EXPECT_TRUE(std::filesystem::exists(writing));
  // The resume reads only segment 0, from its key, and lists every file of both runs.
  testing::ScriptedDynamoDb ddb;
  ddb.transport.SetFallback(ScanAnswer);
  options.resume = first;
  TableExportCounters counters;
  aws::Result<TableExportResult> result =
      ExportTable(*ddb.client, store, options, nullptr, nullptr, &counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_FALSE(result->interrupted);
  EXPECT_EQ(result->stale_files_deleted, 1u);
  EXPECT_FALSE(*store.Exists("x/data/stale.json.gz"));
  EXPECT_EQ(result->incomplete_uploads_aborted, 1u);
  EXPECT_FALSE(std::filesystem::exists(writing));
  EXPECT_TRUE(std::filesystem::exists(manifest));
  ASSERT_EQ(ddb.transport.requests().size(), 1u);
  EXPECT_NE(ddb.transport.requests()[0].body.find(R"("ExclusiveStartKey":{"pk":{"S":"c"}})"),
            std::string::npos);
  EXPECT_EQ(counters.scan.items.load(), 2u);
  ASSERT_EQ(result->files.size(), 3u);
  EXPECT_EQ(result->files[0].item_count, 3);
  for (const storage::DataFileEntry& f : result->files) {
    const std::string bytes = ReadFile(std::filesystem::path(dir.path()) / f.data_file_s3_key);
    EXPECT_EQ(storage::Md5Base64(bytes), f.md5_checksum) << f.data_file_s3_key;
  }
  EXPECT_EQ(result->files[1].item_count, 2);
  EXPECT_EQ(result->files[2].item_count, 0);
  // The export's figures are of both runs' files, as stored; the first run's are counted apart.
  EXPECT_EQ(result->item_count, 5);
  EXPECT_EQ(result->items_from_earlier_runs, 3);
  uint64_t compressed = 0;
  uint64_t uncompressed = 0;
  for (const storage::DataFileEntry& f : result->files) {
    const std::string bytes = ReadFile(std::filesystem::path(dir.path()) / f.data_file_s3_key);
    compressed += bytes.size();
    aws::Result<std::string> lines = storage::GzipDecompress(bytes);
    ASSERT_TRUE(lines.ok());
    uncompressed += lines->size();
  }
  EXPECT_EQ(result->compressed_bytes, compressed);
  EXPECT_EQ(result->uncompressed_bytes, uncompressed);
  EXPECT_GT(uncompressed, 0u);
  // This run's counters hold only the file it wrote.
  const std::string second =
      ReadFile(std::filesystem::path(dir.path()) / result->files[1].data_file_s3_key);
  EXPECT_EQ(counters.compressed_bytes.load(), second.size());
  EXPECT_TRUE(result->checkpoint.complete());
  aws::Result<std::optional<Checkpoint>> last = LoadCheckpoint(options.checkpoint_path);
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_TRUE((*last)->complete());
  EXPECT_EQ((*last)->items_acknowledged(), 5u);
}

TEST(TableExportTest, AResumeOfAFinishedExportCountsEveryItemAsEarlier) {
  testing::TempDir dir;
  storage::LocalStore store(dir.path());
  TableExportOptions options = OneNameOptions(2);
  options.checkpoint_path = dir.path() + "/export.checkpoint";
  std::atomic<int> names{0};
  options.new_file_name = [&] { return "f" + std::to_string(names++) + ".json.gz"; };
  {
    testing::ScriptedDynamoDb ddb;
    ddb.transport.SetFallback(ScanAnswer);
    TableExportCounters counters;
    ASSERT_TRUE(ExportTable(*ddb.client, store, options, nullptr, nullptr, &counters).ok());
  }
  aws::Result<std::optional<Checkpoint>> saved = LoadCheckpoint(options.checkpoint_path);
  ASSERT_TRUE(saved.ok() && saved->has_value());
  options.resume = **saved;
  testing::ScriptedDynamoDb ddb;  // answers nothing: no segment is read again
  TableExportCounters counters;
  aws::Result<TableExportResult> result =
      ExportTable(*ddb.client, store, options, nullptr, nullptr, &counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(ddb.transport.requests().empty());
  EXPECT_FALSE(result->interrupted);
  EXPECT_EQ(result->item_count, 5);
  EXPECT_EQ(result->items_from_earlier_runs, 5);
  uint64_t compressed = 0;
  for (const storage::DataFileEntry& f : result->files) {
    compressed += ReadFile(std::filesystem::path(dir.path()) / f.data_file_s3_key).size();
  }
  EXPECT_EQ(result->compressed_bytes, compressed);
  EXPECT_GT(result->uncompressed_bytes, 0u);
  EXPECT_EQ(counters.compressed_bytes.load(), 0u);

  // A state saved before sizes were recorded: its files count no bytes.
  for (SegmentPosition& p : options.resume->segments)
    p.state = p.state->substr(0, p.state->find(R"(,"CompressedBytes")")) + "}";
  result = ExportTable(*ddb.client, store, options, nullptr, nullptr, &counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(result->item_count, 5);
  EXPECT_EQ(result->items_from_earlier_runs, 5);
  EXPECT_EQ(result->compressed_bytes, 0u);
  EXPECT_EQ(result->uncompressed_bytes, 0u);
}

TEST(TableExportTest, AResumeWhoseFinishedFilesAreGoneIsRefused) {
  testing::TempDir dir;
  storage::LocalStore store(dir.path());
  TableExportOptions options = OneNameOptions(2);
  options.max_file_bytes = 1;  // segment 0 writes two files, segment 1 an empty one
  options.checkpoint_path = dir.path() + "/export.checkpoint";
  options.checkpoint_target = store.Describe("x/");
  std::atomic<int> names{0};
  options.new_file_name = [&] { return "f" + std::to_string(names++) + ".json.gz"; };
  {
    testing::ScriptedDynamoDb ddb;
    ddb.transport.SetFallback(ScanAnswer);
    TableExportCounters counters;
    aws::Result<TableExportResult> first =
        ExportTable(*ddb.client, store, options, nullptr, nullptr, &counters);
    ASSERT_TRUE(first.ok()) << first.error().ToString();
    ASSERT_EQ(first->files.size(), 3u);
  }
  const std::string checkpoint_text = ReadFile(options.checkpoint_path);
  aws::Result<std::optional<Checkpoint>> saved = LoadCheckpoint(options.checkpoint_path);
  ASSERT_TRUE(saved.ok() && saved->has_value());
  options.resume = **saved;

  aws::Result<std::vector<storage::ObjectInfo>> listed = store.List("x/data/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 3u);
  const std::string gone = listed->at(1).key;
  ASSERT_TRUE(store.Delete(gone).ok());
  // A stale file, which a resume that went on would delete.
  ASSERT_TRUE(store.Put("x/data/stale.json.gz", "old").ok());

  testing::ScriptedDynamoDb ddb;  // answers nothing: no segment may be read
  TableExportCounters counters;
  bool started = false;
  options.on_start = [&] { started = true; };
  aws::Result<TableExportResult> result =
      ExportTable(*ddb.client, store, options, nullptr, nullptr, &counters);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_EQ(result.error().code, kMissingDataFiles);
  const std::string& message = result.error().message;
  EXPECT_NE(message.find("1 of the 3 data files that checkpoint " + options.checkpoint_path +
                         " records as finished is missing from " + store.Describe("x/data/") +
                         " (e.g. " + store.Describe(gone) + ")"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("delete the export's folder " + store.Describe("x/")), std::string::npos)
      << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_TRUE(ddb.transport.requests().empty());
  EXPECT_FALSE(started);
  // Nothing was deleted and the checkpoint is as it was.
  EXPECT_TRUE(*store.Exists("x/data/stale.json.gz"));
  EXPECT_EQ(ReadFile(options.checkpoint_path), checkpoint_text);

  // The whole folder gone: every file is missing.
  std::filesystem::remove_all(std::filesystem::path(dir.path()) / "x");
  result = ExportTable(*ddb.client, store, options, nullptr, nullptr, &counters);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("3 of the 3 data files"), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find(" are missing from "), std::string::npos);
}

}  // namespace
}  // namespace ddbm::pipeline
