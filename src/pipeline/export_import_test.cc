#include "pipeline/export_import.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include "storage/data_file_writer.h"
#include "storage/export_layout.h"
#include "storage/gzip.h"
#include "storage/local_store.h"
#include "testing/forwarding_store.h"
#include "testing/scripted_dynamodb.h"
#include "testing/temp_dir.h"

namespace ddbm::pipeline {
namespace {

constexpr std::string_view kFolder = "AWSDynamoDB/01715685260608-c488b4e1/";

// Writes a data file of `lines` (written as given) and returns its manifest entry.
storage::DataFileEntry WriteFile(storage::ObjectStore& store, const std::string& name,
                                 const std::vector<std::string>& lines) {
  auto opened = storage::DataFileWriter::Open(store, std::string(kFolder) + "data/" + name, 6);
  EXPECT_TRUE(opened.ok());
  std::unique_ptr<storage::DataFileWriter> writer = std::move(opened).value();
  for (const std::string& line : lines) EXPECT_TRUE(writer->AddLine(line).ok());
  return std::move(*writer->Finish());
}

// An export manifest as ReadExportManifest would give it.
storage::ExportManifest Manifest(std::vector<storage::DataFileEntry> files, bool incremental) {
  storage::ExportManifest m;
  m.folder = std::string(kFolder);
  m.export_id = "01715685260608-c488b4e1";
  m.files = std::move(files);
  if (incremental) m.summary.export_type = "INCREMENTAL_EXPORT";
  for (const auto& f : m.files) m.summary.item_count += f.item_count;
  return m;
}

// `count` full-export lines of items whose keys are `prefix` followed by 0, 1, 2...
std::vector<std::string> ItemLines(const std::string& prefix, int count) {
  std::vector<std::string> lines;
  for (int i = 0; i < count; ++i)
    lines.push_back(R"({"Item":{"pk":{"S":")" + prefix + std::to_string(i) + R"("}}})");
  return lines;
}

const std::vector<dynamodb::KeySchemaElement> kKeys = {{"pk", "HASH", "S"}};

struct Fixture {
  Fixture() : store(dir.path()), policy(ddb.retry, &ddb.clock) {
    ddb.transport.SetFallback([](const aws::HttpRequest&) -> aws::Result<aws::HttpResponse> {
      aws::HttpResponse r;
      r.status = 200;
      r.body = R"({"UnprocessedItems":{}})";
      return r;
    });
    context.store = &store;
    context.target = ddb.client.get();
    context.write_policy = &policy;
    options.table = "t";
    options.key_schema = kKeys;
    options.writers = 2;
    options.file_readers = 2;
  }
  // Imports `files` as one full export, skipping the keys in `skip`; the key of each file
  // reported imported is added to `done` when given.
  aws::Result<bool> Import(const std::vector<storage::DataFileEntry>& files,
                           std::vector<std::string>* done = nullptr,
                           const std::set<std::string>& skip = {}) {
    return ImportFullExport(
        context, Manifest(files, false), options, skip,
        [done](const std::string& key, uint64_t) {
          if (done != nullptr) done->push_back(key);
          return aws::Status::Ok();
        },
        &counters);
  }
  // Every request body sent, joined.
  std::string Sent() {
    std::string all;
    for (const aws::HttpRequest& r : ddb.transport.requests()) all += r.body + "\n";
    return all;
  }

  testing::TempDir dir;
  storage::LocalStore store;
  testing::ScriptedDynamoDb ddb;
  aws::RetryPolicy policy;
  ImportContext context;
  ImportOptions options;
  ImportCounters counters;
};

TEST(ExportImportTest, ImportsEveryItemAndReportsEachFileOnce) {
  Fixture f;
  std::vector<storage::DataFileEntry> files;
  files.push_back(
      WriteFile(f.store, "a.json.gz",
                {R"({"Item":{"pk":{"S":"1"},"n":{"N":"12345678901234567890123456789012345678"}}})",
                 R"({"Item":{"pk":{"S":"2"},"b":{"B":"AAE="}}})"}));
  const std::vector<std::string> many = ItemLines("m", 60);
  files.push_back(WriteFile(f.store, "b.json.gz", many));
  files.push_back(WriteFile(f.store, "empty.json.gz", {}));
  std::vector<std::string> done;
  aws::Result<bool> result = f.Import(files, &done);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_FALSE(*result);
  EXPECT_EQ(f.counters.writes.items_written.load(), 62u);
  EXPECT_EQ(f.counters.items_read.load(), 62u);
  EXPECT_EQ(done.size(), 3u);
  const std::string sent = f.Sent();
  EXPECT_NE(
      sent.find(
          R"({"PutRequest":{"Item":{"pk":{"S":"1"},"n":{"N":"12345678901234567890123456789012345678"}}}})"),
      std::string::npos)
      << sent;
  EXPECT_NE(sent.find(R"("m59")"), std::string::npos);
}

TEST(ExportImportTest, BatchesAskForConsumedCapacityOnlyWhenTold) {
  for (bool ask : {true, false}) {
    Fixture f;
    f.options.consumed_capacity = ask;
    ASSERT_TRUE(f.Import({WriteFile(f.store, "a.json.gz", ItemLines("k", 30))}).ok());
    ASSERT_FALSE(f.ddb.transport.requests().empty());
    for (const aws::HttpRequest& r : f.ddb.transport.requests()) {
      EXPECT_EQ(r.body.find(R"("ReturnConsumedCapacity":"TOTAL")") != std::string::npos, ask)
          << r.body;
    }
  }
}

// The store of `inner` that calls `on_read` with the key and offset of every read, before it
// reads.
class ReadHookStore final : public testing::ForwardingStore {
 public:
  using Hook = std::function<void(std::string_view key, int64_t offset)>;
  ReadHookStore(storage::ObjectStore* inner, Hook on_read)
      : ForwardingStore(inner), on_read_(std::move(on_read)) {}
  aws::Result<std::string> Get(std::string_view key) const override {
    on_read_(key, 0);
    return inner()->Get(key);
  }
  aws::Result<storage::ObjectRange> GetRange(std::string_view key, int64_t offset,
                                             size_t length) const override {
    on_read_(key, offset);
    return inner()->GetRange(key, offset, length);
  }

 private:
  Hook on_read_;
};

TEST(ExportImportTest, AFileCutShortByAStopIsNotReportedAsImported) {
  Fixture f;
  std::atomic<bool> stop{false};
  // Asks the run to stop, as a Ctrl-C would, once the data file is read: the reader then has
  // the file in hand and nothing of it queued yet.
  ReadHookStore store(&f.store, [&](std::string_view, int64_t) { stop.store(true); });
  f.context.store = &store;
  f.context.stop = &stop;
  const std::vector<std::string> many = ItemLines("m", 500);
  std::vector<storage::DataFileEntry> files = {WriteFile(f.store, "a.json.gz", many)};
  std::vector<std::string> done;
  aws::Result<bool> result = f.Import(files, &done);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(*result);  // stopped
  EXPECT_EQ(f.counters.writes.items_written.load(), 0u);
  // Nothing of the file was queued, so nothing is left unacknowledged when the reader stops:
  // the file must still not count as imported.
  EXPECT_TRUE(done.empty()) << "a file with unwritten items was reported as imported";
}

TEST(ExportImportTest, LinesWithSpacesOrOtherMembersGiveTheirItemByteForByte) {
  Fixture f;
  std::vector<storage::DataFileEntry> files;
  // One plain line among others: the file is read the slower way, each item still exact.
  files.push_back(WriteFile(f.store, "a.json.gz",
                            {R"({"Item":{"pk":{"S":"plain"},"n":{"N":"1.50"}}})",
                             R"({ "Item" : {"pk":{"S":"spaced"},"n":{"N":"2.50"}} })",
                             R"({"Other":1,"Item":{"pk":{"S":"member"},"b":{"B":"AAE="}}})"}));
  aws::Result<bool> result = f.Import(files);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(f.counters.writes.items_written.load(), 3u);
  const std::string sent = f.Sent();
  for (const char* item : {R"({"Item":{"pk":{"S":"plain"},"n":{"N":"1.50"}}})",
                           R"({"Item":{"pk":{"S":"spaced"},"n":{"N":"2.50"}}})",
                           R"({"Item":{"pk":{"S":"member"},"b":{"B":"AAE="}}})"}) {
    EXPECT_NE(sent.find(std::string(R"({"PutRequest":)") + item + "}"), std::string::npos)
        << item << " in " << sent;
  }
}

TEST(ExportImportTest, SkipsFilesAlreadyImported) {
  Fixture f;
  std::vector<storage::DataFileEntry> files;
  files.push_back(WriteFile(f.store, "a.json.gz", {R"({"Item":{"pk":{"S":"1"}}})"}));
  files.push_back(WriteFile(f.store, "b.json.gz", {R"({"Item":{"pk":{"S":"2"}}})"}));
  aws::Result<bool> result = f.Import(files, nullptr, {files[0].data_file_s3_key});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(f.counters.writes.items_written.load(), 1u);
  EXPECT_EQ(f.Sent().find(R"("S":"1")"), std::string::npos);
}

TEST(ExportImportTest, ABadLineIsNamedAndNothingOfItsFileIsWritten) {
  Fixture f;
  f.options.file_readers = 1;
  std::vector<storage::DataFileEntry> files;
  files.push_back(WriteFile(f.store, "bad.json.gz",
                            {R"({"Item":{"pk":{"S":"1"}}})", R"({"Item":{"pk":{"N":"2"}}})"}));
  std::vector<std::string> done;
  aws::Result<bool> result = f.Import(files, &done);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("bad.json.gz line 2"), std::string::npos)
      << result.error().message;
  EXPECT_TRUE(f.ddb.transport.requests().empty());
  EXPECT_TRUE(done.empty());
}

TEST(ExportImportTest, FilesCheckedBeforeABadOneAreStillImported) {
  Fixture f;
  f.options.file_readers = 1;
  std::vector<storage::DataFileEntry> files;
  const std::vector<std::string> good = ItemLines("g", 100);
  files.push_back(WriteFile(f.store, "good.json.gz", good));
  files.push_back(WriteFile(f.store, "bad.json.gz", {"not json"}));
  std::vector<std::string> done;
  aws::Result<bool> result = f.Import(files, &done);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("bad.json.gz line 1"), std::string::npos);
  EXPECT_EQ(f.counters.writes.items_written.load(), 100u);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].ends_with("good.json.gz"));
}

// Items keyed pk+sk, read for a table keyed pk alone: lines 2 of each file repeat pk "a".
TEST(ExportImportTest, TwoItemsWithOneKeyInTheTargetsSchemaAreRefused) {
  Fixture f;
  f.options.file_readers = 1;
  std::vector<storage::DataFileEntry> files;
  files.push_back(WriteFile(f.store, "first.json.gz",
                            {R"({"Item":{"pk":{"S":"a"},"sk":{"N":"1"}}})",
                             R"({"Item":{"pk":{"S":"b"},"sk":{"N":"1"}}})"}));
  files.push_back(WriteFile(f.store, "second.json.gz",
                            {R"({"Item":{"pk":{"S":"c"},"sk":{"N":"1"}}})",
                             R"({"Item":{"pk":{"S":"a"},"sk":{"N":"2"}}})"}));
  std::vector<std::string> done;
  aws::Result<bool> result = f.Import(files, &done);
  ASSERT_FALSE(result.ok());
  const std::string& message = result.error().message;
  EXPECT_EQ(result.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_NE(message.find(R"(second.json.gz line 2: its key in table t, {"pk":{"S":"a"}}, is )"
                         R"(that of another item of the export: the table's key schema (pk) )"
                         R"(does not fit the export's items)"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("nothing of this file was imported"), std::string::npos) << message;
  // The first file was written whole; nothing of the second.
  EXPECT_EQ(done.size(), 1u);
  EXPECT_EQ(f.counters.writes.items_written.load(), 2u);
  EXPECT_EQ(f.Sent().find(R"("S":"c")"), std::string::npos);

  // Within one file too, before any of it is written.
  Fixture g;
  aws::Result<bool> one = g.Import({WriteFile(
      g.store, "one.json.gz",
      {R"({"Item":{"pk":{"S":"x"},"sk":{"N":"1"}}})", R"({"Item":{"pk":{"S":"y"},"sk":{"N":"1"}}})",
       R"({"Item":{"pk":{"S":"x"},"sk":{"N":"2"}}})"})});
  ASSERT_FALSE(one.ok());
  EXPECT_NE(one.error().message.find("one.json.gz line 3"), std::string::npos)
      << one.error().message;
  EXPECT_TRUE(g.ddb.transport.requests().empty());

  // Unchecked when the export is known to be keyed as the table.
  Fixture h;
  h.options.check_duplicate_keys = false;
  ASSERT_TRUE(h.Import({WriteFile(h.store, "same.json.gz",
                                  {R"({"Item":{"pk":{"S":"x"},"n":{"N":"1"}}})",
                                   R"({"Item":{"pk":{"S":"x"},"n":{"N":"2"}}})"})})
                  .ok());
}

// A number key is one key however it is spelt: "1" and "1.0" are one item to the table.
TEST(ExportImportTest, OneNumberKeySpeltTwoWaysIsOneKey) {
  Fixture f;
  f.options.file_readers = 1;
  f.options.key_schema = {{"pk", "HASH", "S"}, {"sk", "RANGE", "N"}};
  std::vector<storage::DataFileEntry> files;
  files.push_back(
      WriteFile(f.store, "first.json.gz", {R"({"Item":{"pk":{"S":"a"},"sk":{"N":"1"}}})"}));
  files.push_back(
      WriteFile(f.store, "second.json.gz", {R"({"Item":{"pk":{"S":"a"},"sk":{"N":"1.0"}}})"}));
  aws::Result<bool> result = f.Import(files);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("second.json.gz line 1: its key in table t"),
            std::string::npos)
      << result.error().message;
}

// Binary keys are compared by their bytes: "AR==" leaves a padding bit set, and decodes to the
// byte 0x01 as "AQ==" does. Text that is not base64 is named as before.
TEST(ExportImportTest, OneBinaryKeyInTwoBase64SpellingsIsOneKey) {
  Fixture f;
  f.options.key_schema = {{"id", "HASH", "B"}};
  aws::Result<bool> result =
      f.Import({WriteFile(f.store, "binary.json.gz",
                          {R"({"Item":{"id":{"B":"AQ=="},"v":{"S":"first"}}})",
                           R"({"Item":{"id":{"B":"Ag=="},"v":{"S":"other"}}})",
                           R"({"Item":{"id":{"B":"AR=="},"v":{"S":"second"}}})"})});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("binary.json.gz line 3: its key in table t"),
            std::string::npos)
      << result.error().message;
  EXPECT_TRUE(f.ddb.transport.requests().empty());

  Fixture g;
  g.options.key_schema = {{"id", "HASH", "B"}};
  aws::Result<bool> invalid =
      g.Import({WriteFile(g.store, "invalid.json.gz",
                          {R"({"Item":{"id":{"B":"AQ=="}}})", R"({"Item":{"id":{"B":"A=Q="}}})"})});
  ASSERT_FALSE(invalid.ok());
  EXPECT_NE(invalid.error().message.find(
                "invalid.json.gz line 2: attribute id: B value is not a base64 string"),
            std::string::npos)
      << invalid.error().message;
}

// Past max_keys_across_files keys, memory stays bounded: keys are compared within each file.
TEST(ExportImportTest, PastTheKeyLimitKeysAreComparedWithinEachFileOnly) {
  Fixture f;
  f.options.file_readers = 1;
  f.options.max_keys_across_files = 1;  // reached by the first file: later ones compare alone
  std::vector<storage::DataFileEntry> files;
  files.push_back(WriteFile(f.store, "first.json.gz",
                            {R"({"Item":{"pk":{"S":"a"},"sk":{"N":"1"}}})",
                             R"({"Item":{"pk":{"S":"b"},"sk":{"N":"1"}}})"}));
  // Repeats "a" of the first file: past the limit, not compared across files.
  files.push_back(WriteFile(f.store, "second.json.gz",
                            {R"({"Item":{"pk":{"S":"a"},"sk":{"N":"2"}}})",
                             R"({"Item":{"pk":{"S":"c"},"sk":{"N":"1"}}})"}));
  // Repeats its own "d": still refused.
  files.push_back(WriteFile(f.store, "third.json.gz",
                            {R"({"Item":{"pk":{"S":"d"},"sk":{"N":"1"}}})",
                             R"({"Item":{"pk":{"S":"d"},"sk":{"N":"2"}}})"}));
  std::vector<std::string> done;
  aws::Result<bool> result = f.Import(files, &done);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("third.json.gz line 2"), std::string::npos)
      << result.error().message;
  EXPECT_EQ(done.size(), 2u);
}

TEST(ExportImportTest, IncrementalKeysOfAnotherSchemaAreRefused) {
  Fixture f;  // the table is keyed pk alone
  const std::vector<std::string> lines = {
      R"({"Metadata":{"WriteTimestampMicros":{"N":"1"}},"Keys":{"pk":{"S":"a"},"sk":{"N":"1"}},)"
      R"("NewImage":{"pk":{"S":"a"},"sk":{"N":"1"}}})",
      R"({"Metadata":{"WriteTimestampMicros":{"N":"2"}},"Keys":{"pk":{"S":"a"},"sk":{"N":"2"}},)"
      R"("NewImage":{"pk":{"S":"a"},"sk":{"N":"2"}}})"};
  aws::Result<bool> result = ApplyIncrementalExport(
      f.context, Manifest({WriteFile(f.store, "k.json.gz", lines)}, true), f.options, &f.counters);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("k.json.gz line 1: Keys: the key holds attribute sk, "
                                        "which is not in the table's key schema (pk)"),
            std::string::npos)
      << result.error().message;
  EXPECT_TRUE(f.ddb.transport.requests().empty());
}

TEST(ExportImportTest, ACountMismatchOrAChangedFileIsRefused) {
  Fixture f;
  std::vector<storage::DataFileEntry> files;
  files.push_back(WriteFile(f.store, "a.json.gz", {R"({"Item":{"pk":{"S":"1"}}})"}));
  files[0].item_count = 2;
  aws::Result<bool> count = f.Import(files);
  ASSERT_FALSE(count.ok());
  EXPECT_NE(count.error().message.find("holds 1 line but its manifest says 2"), std::string::npos)
      << count.error().message;

  files[0].item_count = 1;
  files[0].md5_checksum = "AAAAAAAAAAAAAAAAAAAAAA==";
  aws::Result<bool> md5 = f.Import(files);
  ASSERT_FALSE(md5.ok());
  EXPECT_NE(md5.error().message.find("a.json.gz does not match its manifest"), std::string::npos)
      << md5.error().message;
  EXPECT_TRUE(f.ddb.transport.requests().empty());
}

TEST(ExportImportTest, FilesLargerThanARangeAreCheckedThenWrittenRangeByRange) {
  Fixture f;
  f.options.range_bytes = 64;
  f.options.file_readers = 1;
  std::vector<storage::DataFileEntry> files;
  files.push_back(WriteFile(f.store, "a.json.gz", ItemLines("a", 300)));
  files.push_back(WriteFile(f.store, "b.json.gz", ItemLines("b", 200)));
  std::vector<std::string> done;
  aws::Result<bool> result = f.Import(files, &done);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(f.counters.writes.items_written.load(), 500u);
  EXPECT_EQ(f.counters.items_read.load(), 500u);  // lines checked, not lines read twice
  EXPECT_EQ(done.size(), 2u);
  const std::string sent = f.Sent();
  for (const char* key : {R"("a0")", R"("a299")", R"("b0")", R"("b199")"}) {
    EXPECT_NE(sent.find(key), std::string::npos) << key;
  }

  // A bad line at the very end, or a checksum found wrong at the end: nothing is written.
  Fixture bad;
  bad.options.range_bytes = 64;
  std::vector<std::string> lines = ItemLines("x", 300);
  lines.push_back(R"({"Item":{"pk":{"N":"1"}}})");
  aws::Result<bool> bad_line = bad.Import({WriteFile(bad.store, "bad.json.gz", lines)});
  ASSERT_FALSE(bad_line.ok());
  EXPECT_NE(bad_line.error().message.find("bad.json.gz line 301"), std::string::npos)
      << bad_line.error().message;
  storage::DataFileEntry wrong = WriteFile(bad.store, "md5.json.gz", ItemLines("y", 300));
  wrong.md5_checksum = "AAAAAAAAAAAAAAAAAAAAAA==";
  aws::Result<bool> bad_md5 = bad.Import({wrong});
  ASSERT_FALSE(bad_md5.ok());
  EXPECT_NE(bad_md5.error().message.find("md5.json.gz does not match its manifest"),
            std::string::npos)
      << bad_md5.error().message;
  EXPECT_TRUE(bad.ddb.transport.requests().empty());
}

TEST(ExportImportTest, AFileChangedBetweenCheckAndWriteIsNotReportedAsImported) {
  Fixture f;
  f.options.range_bytes = 64;
  const std::vector<std::string> lines = ItemLines("c", 300);
  const storage::DataFileEntry entry = WriteFile(f.store, "c.json.gz", lines);
  // Open reads the start of the file, the check pass goes on from there, and the write pass
  // starts over: the file is rewritten just before that.
  int starts = 0;
  ReadHookStore store(&f.store, [&](std::string_view, int64_t offset) {
    if (offset == 0 && ++starts == 2) WriteFile(f.store, "c.json.gz", ItemLines("d", 300));
  });
  f.context.store = &store;
  std::vector<std::string> done;
  aws::Result<bool> result = f.Import({entry}, &done);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("c.json.gz changed while it was being read"),
            std::string::npos)
      << result.error().message;
  EXPECT_TRUE(done.empty());
  EXPECT_EQ(f.Sent().find(R"("d0")"), std::string::npos);
}

TEST(ExportImportTest, AStopEndsTheReadingOfALargeFile) {
  for (bool in_check_pass : {true, false}) {
    Fixture f;
    f.options.range_bytes = 64;
    const storage::DataFileEntry entry = WriteFile(f.store, "s.json.gz", ItemLines("s", 3000));
    const int64_t size = f.store.GetRange(entry.data_file_s3_key, 0, 1)->object_size;
    const int ranges = static_cast<int>((size + 63) / 64);  // per pass
    const int stop_at = in_check_pass ? 3 : ranges + 3;
    std::atomic<bool> stop{false};
    int reads = 0;
    ReadHookStore store(&f.store, [&](std::string_view, int64_t) {
      if (++reads == stop_at) stop.store(true);
    });
    f.context.store = &store;
    f.context.stop = &stop;
    std::vector<std::string> done;
    aws::Result<bool> result = f.Import({entry}, &done);
    ASSERT_TRUE(result.ok()) << result.error().ToString();
    EXPECT_TRUE(*result);  // stopped, not failed
    EXPECT_TRUE(done.empty());
    // The range being read when the stop came is finished, then reading ends.
    EXPECT_LE(reads, stop_at + 1) << "of " << ranges << " ranges per pass";
  }
}

// `count` changes of keys k0..k9 in turn, at timestamps first, first + 1...: a put of v = the
// change's number, or, for every seventh, a delete.
std::vector<std::string> Changes(int first, int count) {
  std::vector<std::string> lines;
  for (int i = first; i < first + count; ++i) {
    const std::string key = R"({"pk":{"S":"k)" + std::to_string(i % 10) + R"("}})";
    std::string line = R"({"Metadata":{"WriteTimestampMicros":{"N":")" + std::to_string(i + 1) +
                       R"("}},"Keys":)" + key;
    if (i % 7 != 0) {
      line += R"(,"NewImage":{"pk":{"S":"k)" + std::to_string(i % 10) + R"("},"v":{"N":")" +
              std::to_string(i) + R"("}})";
    }
    lines.push_back(line + "}");
  }
  return lines;
}

TEST(ExportImportTest, IncrementalFilesLargerThanARangeAreApplied) {
  for (size_t range : {size_t{16}, storage::DataFileReader::kDefaultRangeBytes}) {
    Fixture f;
    f.options.range_bytes = range;
    aws::Result<bool> result =
        ApplyIncrementalExport(f.context,
                               Manifest({WriteFile(f.store, "i1.json.gz", Changes(0, 100)),
                                         WriteFile(f.store, "i2.json.gz", Changes(100, 5))},
                                        true),
                               f.options, &f.counters);
    ASSERT_TRUE(result.ok()) << result.error().ToString();
    EXPECT_EQ(f.counters.items_read.load(), 105u);
    EXPECT_EQ(f.counters.writes.items_written.load(), 10u);  // one write per key
    EXPECT_EQ(f.counters.deletes.load(), 1u);                // k8's last change, change 98
    const std::string sent = f.Sent();
    EXPECT_NE(sent.find(R"({"PutRequest":{"Item":{"pk":{"S":"k9"},"v":{"N":"99"}}}})"),
              std::string::npos)
        << sent;
    EXPECT_NE(sent.find(R"({"PutRequest":{"Item":{"pk":{"S":"k4"},"v":{"N":"104"}}}})"),
              std::string::npos);
    EXPECT_NE(sent.find(R"({"DeleteRequest":{"Key":{"pk":{"S":"k8"}}}})"), std::string::npos);
    EXPECT_EQ(sent.find(R"("v":{"N":"94"})"), std::string::npos);  // not k4's last change
  }
}

TEST(ExportImportTest, AnIncrementalFileChangedBetweenItsTwoReadsStopsTheApply) {
  for (size_t range : {size_t{16}, storage::DataFileReader::kDefaultRangeBytes}) {
    Fixture f;
    f.options.range_bytes = range;
    const storage::DataFileEntry entry = WriteFile(f.store, "c.json.gz", Changes(0, 100));
    // Open reads the start of the file once per pass: it is rewritten before the second.
    int starts = 0;
    ReadHookStore store(&f.store, [&](std::string_view, int64_t offset) {
      if (offset == 0 && ++starts == 2) WriteFile(f.store, "c.json.gz", Changes(1, 100));
    });
    f.context.store = &store;
    aws::Result<bool> result =
        ApplyIncrementalExport(f.context, Manifest({entry}, true), f.options, &f.counters);
    ASSERT_FALSE(result.ok()) << range;
    const std::string& message = result.error().message;
    EXPECT_NE(message.find("changed while it was being read"), std::string::npos) << message;
    EXPECT_TRUE(f.ddb.transport.requests().empty()) << range;
  }
}

TEST(ExportImportTest, AnIncrementalLineWhoseNewImageHasAnotherKeyIsRefused) {
  Fixture f;
  const std::vector<std::string> lines = {
      R"({"Metadata":{"WriteTimestampMicros":{"N":"1"}},"Keys":{"pk":{"S":"a"}},)"
      R"("NewImage":{"pk":{"S":"b"},"v":{"N":"1"}}})"};
  aws::Result<bool> result = ApplyIncrementalExport(
      f.context, Manifest({WriteFile(f.store, "k.json.gz", lines)}, true), f.options, &f.counters);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find(
                R"(the key of its NewImage, {"pk":{"S":"b"}}, is not its Keys, {"pk":{"S":"a"}})"),
            std::string::npos)
      << result.error().message;
  EXPECT_TRUE(f.ddb.transport.requests().empty());
}

TEST(ExportImportTest, IncrementalChangesApplyTheLastChangePerKey) {
  Fixture f;
  auto line = [](int64_t micros, const std::string& key, const std::string& image) {
    std::string l = R"({"Metadata":{"WriteTimestampMicros":{"N":")" + std::to_string(micros) +
                    R"("}},"Keys":{"pk":{"S":")" + key + R"("}})";
    if (!image.empty()) {
      l += R"(,"NewImage":{"pk":{"S":")" + key + R"("},"v":{"S":")" + image + R"("}})";
    }
    return l + "}";
  };
  std::vector<storage::DataFileEntry> files;
  // Out of order inside a file: the later timestamp wins wherever it is.
  // The same timestamp twice in a file: the later line wins.
  files.push_back(WriteFile(
      f.store, "i1.json.gz",
      {line(30, "k1", "third"), line(10, "k1", "first"), line(5, "k2", "x"), line(7, "k2", ""),
       line(40, "k4", "early"), line(40, "k4", "late"), line(50, "k5", "put")}));
  // Same timestamp in a later file: the later file wins, a put or a delete.
  files.push_back(WriteFile(f.store, "i2.json.gz",
                            {line(30, "k1", "fourth"), line(1, "k3", ""), line(50, "k5", "")}));
  aws::Result<bool> result =
      ApplyIncrementalExport(f.context, Manifest(files, true), f.options, &f.counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(f.counters.items_read.load(), 10u);
  EXPECT_EQ(f.counters.deletes.load(), 3u);
  const std::string sent = f.Sent();
  EXPECT_NE(sent.find(R"({"PutRequest":{"Item":{"pk":{"S":"k1"},"v":{"S":"fourth"}}}})"),
            std::string::npos)
      << sent;
  EXPECT_EQ(sent.find("third"), std::string::npos);
  EXPECT_NE(sent.find(R"({"DeleteRequest":{"Key":{"pk":{"S":"k2"}}}})"), std::string::npos);
  EXPECT_NE(sent.find(R"({"DeleteRequest":{"Key":{"pk":{"S":"k3"}}}})"), std::string::npos);
  EXPECT_NE(sent.find(R"({"PutRequest":{"Item":{"pk":{"S":"k4"},"v":{"S":"late"}}}})"),
            std::string::npos);
  EXPECT_EQ(sent.find("early"), std::string::npos);
  EXPECT_NE(sent.find(R"({"DeleteRequest":{"Key":{"pk":{"S":"k5"}}}})"), std::string::npos);
  EXPECT_EQ(sent.find(R"("v":{"S":"put"})"), std::string::npos);
}

// Changes to a number key spelt two ways are changes to one item: only the last is applied, and
// a NewImage may spell its key otherwise than Keys.
TEST(ExportImportTest, IncrementalChangesToANumberKeySpeltTwoWaysAreToOneItem) {
  Fixture f;
  f.options.key_schema = {{"pk", "HASH", "N"}};
  const std::vector<std::string> lines = {
      R"({"Metadata":{"WriteTimestampMicros":{"N":"1"}},"Keys":{"pk":{"N":"1E+3"}},)"
      R"("NewImage":{"pk":{"N":"1000"},"v":{"S":"put"}}})",
      R"({"Metadata":{"WriteTimestampMicros":{"N":"2"}},"Keys":{"pk":{"N":"1000.00"}}})"};
  aws::Result<bool> result = ApplyIncrementalExport(
      f.context, Manifest({WriteFile(f.store, "k.json.gz", lines)}, true), f.options, &f.counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  const std::string sent = f.Sent();
  EXPECT_EQ(sent.find("PutRequest"), std::string::npos) << sent;
  EXPECT_NE(sent.find(R"({"DeleteRequest":{"Key":{"pk":{"N":"1000.00"}}}})"), std::string::npos)
      << sent;
  EXPECT_EQ(f.counters.deletes.load(), 1u);
}

TEST(ExportImportTest, AnIncrementalApplyStoppedInItsWritePassAppliesEveryLastChangeWhenRunAgain) {
  Fixture f;
  const storage::ExportManifest manifest =
      Manifest({WriteFile(f.store, "s1.json.gz", Changes(0, 100)),
                WriteFile(f.store, "s2.json.gz", Changes(100, 5))},
               true);
  // The stop comes as the write pass opens the second file, which holds the last changes of
  // k0..k4: the first file's, of k5..k9, may be sent or not.
  std::atomic<bool> stop{false};
  int opens_of_second = 0;
  ReadHookStore store(&f.store, [&](std::string_view key, int64_t offset) {
    if (offset == 0 && key.ends_with("s2.json.gz") && ++opens_of_second == 2) stop.store(true);
  });
  f.context.store = &store;
  f.context.stop = &stop;
  aws::Result<bool> result = ApplyIncrementalExport(f.context, manifest, f.options, &f.counters);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(*result);                                   // stopped
  EXPECT_LE(f.counters.writes.items_written.load(), 5u);  // deletes included
  EXPECT_LE(f.counters.deletes.load(), 1u);

  // Run again from the start, as a resume does: every key's last change is sent, once.
  const size_t before = f.ddb.transport.requests().size();
  stop.store(false);
  ImportCounters again;
  result = ApplyIncrementalExport(f.context, manifest, f.options, &again);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_FALSE(*result);
  EXPECT_EQ(again.writes.items_written.load(), 10u);
  EXPECT_EQ(again.deletes.load(), 1u);  // k8's last change, change 98
  std::string sent;
  const std::vector<aws::HttpRequest> requests = f.ddb.transport.requests();
  for (size_t i = before; i < requests.size(); ++i) sent += requests[i].body;
  for (int k = 0; k < 10; ++k) {
    const int last = 95 + (k + 5) % 10;  // changes 95..104 are the last of k5..k9, k0..k4
    const std::string key = R"({"pk":{"S":"k)" + std::to_string(k) + R"("})";
    const std::string expected = last % 7 == 0 ? R"({"DeleteRequest":{"Key":)" + key + "}}"
                                               : R"({"PutRequest":{"Item":{"pk":{"S":"k)" +
                                                     std::to_string(k) + R"("},"v":{"N":")" +
                                                     std::to_string(last) + R"("}}}})";
    EXPECT_NE(sent.find(expected), std::string::npos) << k << ": " << expected;
  }
}

}  // namespace
}  // namespace ddbm::pipeline
