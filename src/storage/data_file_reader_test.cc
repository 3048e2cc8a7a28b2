#include "storage/data_file_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "storage/data_file_writer.h"
#include "storage/local_store.h"
#include "storage/md5.h"
#include "testing/forwarding_store.h"
#include "testing/temp_dir.h"

namespace ddbm::storage {
namespace {

constexpr std::string_view kKey = "AWSDynamoDB/01715685260608-c488b4e1/data/f.json.gz";

// `count` full-export lines; item i carries some text so that the file spans many ranges.
std::vector<std::string> Lines(int count) {
  std::vector<std::string> lines;
  for (int i = 0; i < count; ++i) {
    lines.push_back(R"({"Item":{"pk":{"S":"k)" + std::to_string(i) + R"("},"v":{"N":")" +
                    std::to_string(i * 7919 % 100003) + R"("}}})");
  }
  return lines;
}

DataFileEntry Write(ObjectStore& store, const std::vector<std::string>& lines) {
  auto opened = DataFileWriter::Open(store, std::string(kKey), 6);
  EXPECT_TRUE(opened.ok());
  std::unique_ptr<DataFileWriter> writer = std::move(opened).value();
  for (const std::string& line : lines) EXPECT_TRUE(writer->AddLine(line).ok());
  return std::move(*writer->Finish());
}

// One pass: the lines handed out, and how the pass ended.
struct Pass {
  std::vector<std::string> lines;
  aws::Status status = aws::Status::Ok();
};

Pass ReadPass(DataFileReader& reader) {
  Pass pass;
  int64_t expected_number = 1;
  pass.status = reader.ForEachLineBlock([&](LineBlock block) -> aws::Status {
    for (const Line& line : block.lines) {
      EXPECT_EQ(line.number, expected_number++);
      pass.lines.emplace_back(line.text);
    }
    return aws::Status::Ok();
  });
  return pass;
}

std::string Message(const aws::Status& status) { return status.ok() ? "" : status.error().message; }

class DataFileReaderTest : public ::testing::Test {
 protected:
  DataFileReaderTest() : store_(dir_.path()) {}

  testing::TempDir dir_;
  LocalStore store_;
};

TEST_F(DataFileReaderTest, ASmallFileIsCheckedAtOpenAndHeld) {
  const std::vector<std::string> lines = Lines(50);
  const DataFileEntry entry = Write(store_, lines);
  aws::Result<DataFileReader> reader = DataFileReader::Open(&store_, entry);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_TRUE(reader->held());
  EXPECT_EQ(reader->size(), static_cast<int64_t>(store_.Get(kKey)->size()));
  ASSERT_TRUE(store_.Delete(kKey).ok());  // passes read memory
  for (int pass = 0; pass < 2; ++pass) {
    Pass got = ReadPass(*reader);
    EXPECT_TRUE(got.status.ok()) << Message(got.status);
    EXPECT_EQ(got.lines, lines);
  }
}

TEST_F(DataFileReaderTest, ALargeFileIsReadRangeByRangeOnEveryPass) {
  const std::vector<std::string> lines = Lines(3000);
  const DataFileEntry entry = Write(store_, lines);
  for (size_t range : {size_t{1}, size_t{7}, size_t{4096}}) {
    aws::Result<DataFileReader> reader = DataFileReader::Open(&store_, entry, range);
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    EXPECT_FALSE(reader->held());
    for (int pass = 0; pass < 2; ++pass) {
      Pass got = ReadPass(*reader);
      EXPECT_TRUE(got.status.ok()) << range << ": " << Message(got.status);
      EXPECT_EQ(got.lines, lines) << range;
    }
  }
}

TEST_F(DataFileReaderTest, ALineLongerThanAnyItemStopsThePassBeforeItIsHeldWhole) {
  // 40 MB of one line (it compresses to little): the pass stops once 16 MB of it are buffered.
  std::vector<std::string> lines = Lines(2);
  lines.push_back(R"({"Item":{"pk":{"S":")" + std::string(size_t{40} << 20, 'x') + "\"}}}");
  const DataFileEntry entry = Write(store_, lines);
  aws::Result<DataFileReader> reader = DataFileReader::Open(&store_, entry, size_t{1} << 20);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  Pass got = ReadPass(*reader);
  EXPECT_EQ(Message(got.status),
            "data file " + store_.Describe(std::string(kKey)) +
                " line 3 is longer than 16 MB, more than any item DynamoDB accepts; nothing of "
                "this file was imported");
  EXPECT_LE(got.lines.size(), 2u);  // the lines before it, if they came in a block of their own
}

TEST_F(DataFileReaderTest, AChecksumMismatchFailsAtOpenOrAtTheEndOfAPass) {
  DataFileEntry entry = Write(store_, Lines(500));
  entry.md5_checksum = Md5Base64("something else");
  aws::Result<DataFileReader> held = DataFileReader::Open(&store_, entry);
  ASSERT_FALSE(held.ok());
  EXPECT_EQ(held.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_NE(held.error().message.find("does not match its manifest: MD5"), std::string::npos)
      << held.error().message;

  aws::Result<DataFileReader> streamed = DataFileReader::Open(&store_, entry, 100);
  ASSERT_TRUE(streamed.ok());
  Pass got = ReadPass(*streamed);
  EXPECT_EQ(got.lines.size(), 500u);  // handed out before the end told
  ASSERT_FALSE(got.status.ok());
  EXPECT_NE(Message(got.status).find("does not match its manifest: MD5"), std::string::npos);
  EXPECT_NE(Message(got.status).find(store_.Describe(kKey)), std::string::npos);
}

TEST_F(DataFileReaderTest, AnEtagThatIsNoMd5IsNotHeldAgainstAFileWhoseMd5Matches) {
  // In a bucket that encrypts with KMS, S3's ETag of a one-part upload is not made of the MD5.
  DataFileEntry entry = Write(store_, Lines(500));
  ASSERT_TRUE(entry.etag.ends_with("-1"));
  entry.etag = "0123456789abcdef0123456789abcdef-1";
  for (size_t range : {size_t{100}, DataFileReader::kDefaultRangeBytes}) {
    aws::Result<DataFileReader> reader = DataFileReader::Open(&store_, entry, range);
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    const Pass got = ReadPass(*reader);
    EXPECT_TRUE(got.status.ok()) << Message(got.status);
    EXPECT_EQ(got.lines.size(), 500u);
  }
}

TEST_F(DataFileReaderTest, AFileChangedBetweenPassesIsRefused) {
  const DataFileEntry entry = Write(store_, Lines(500));
  aws::Result<DataFileReader> reader = DataFileReader::Open(&store_, entry, 100);
  ASSERT_TRUE(reader.ok());
  EXPECT_TRUE(ReadPass(*reader).status.ok());
  Write(store_, Lines(501));
  Pass got = ReadPass(*reader);
  EXPECT_NE(Message(got.status).find("changed while it was being read"), std::string::npos)
      << Message(got.status);

  // Gone altogether.
  ASSERT_TRUE(store_.Delete(kKey).ok());
  EXPECT_FALSE(ReadPass(*reader).status.ok());
}

// A store that knows no versions, answers ranges no longer than the current cap, and can send
// whole objects instead, as some S3-compatible servers do.
class OddStore final : public testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  aws::Result<ObjectRange> GetRange(std::string_view key, int64_t offset,
                                    size_t length) const override {
    ++calls;
    if (whole) {
      aws::Result<std::string> bytes = inner()->Get(key);
      if (!bytes.ok()) return std::move(bytes).error();
      const auto size = static_cast<int64_t>(bytes->size());
      return ObjectRange{std::move(*bytes), size, "", true};
    }
    aws::Result<ObjectRange> range = inner()->GetRange(key, offset, std::min(length, cap));
    if (range.ok()) range->version.clear();
    return range;
  }
  size_t cap = SIZE_MAX;
  bool whole = false;
  mutable int calls = 0;
};

TEST_F(DataFileReaderTest, ALaterPassHandsOutOnlyWhatTheFirstChecked) {
  const std::vector<std::string> lines = Lines(3000);
  const DataFileEntry entry = Write(store_, lines);
  OddStore odd(&store_);
  aws::Result<DataFileReader> reader = DataFileReader::Open(&odd, entry, 4096);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  ASSERT_TRUE(ReadPass(*reader).status.ok());

  // Short ranges that do not fall where the first pass's did are still checked, and give the
  // same lines.
  for (size_t cap : {size_t{1000}, size_t{4095}, size_t{777}}) {
    odd.cap = cap;
    Pass got = ReadPass(*reader);
    EXPECT_TRUE(got.status.ok()) << cap << ": " << Message(got.status);
    EXPECT_EQ(got.lines, lines) << cap;
  }

  // One byte changed in place, in the third range: no size or version tells, the range's MD5
  // does, before any of its lines is handed out.
  odd.cap = SIZE_MAX;
  std::string bytes = *store_.Get(kKey);
  bytes[2 * 4096 + 10] = static_cast<char>(bytes[2 * 4096 + 10] ^ 0x20);
  ASSERT_TRUE(store_.Put(kKey, bytes).ok());
  Pass got = ReadPass(*reader);
  EXPECT_NE(Message(got.status).find("changed while it was being read"), std::string::npos)
      << Message(got.status);
  EXPECT_LT(got.lines.size(), lines.size());
  for (size_t i = 0; i < got.lines.size(); ++i) ASSERT_EQ(got.lines[i], lines[i]);
}

TEST_F(DataFileReaderTest, AFileAStoreSendsWholeIsHeld) {
  const std::vector<std::string> lines = Lines(3000);
  const DataFileEntry entry = Write(store_, lines);
  OddStore odd(&store_);
  odd.whole = true;
  aws::Result<DataFileReader> reader = DataFileReader::Open(&odd, entry, 100);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_TRUE(reader->held());
  EXPECT_EQ(ReadPass(*reader).lines, lines);
}

TEST_F(DataFileReaderTest, ASmallFileAnsweredShortIsStreamed) {
  const std::vector<std::string> lines = Lines(300);
  const DataFileEntry entry = Write(store_, lines);
  OddStore odd(&store_);
  odd.cap = 500;  // far less than the range and the file
  aws::Result<DataFileReader> reader = DataFileReader::Open(&odd, entry);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_FALSE(reader->held());
  Pass got = ReadPass(*reader);
  EXPECT_TRUE(got.status.ok()) << Message(got.status);
  EXPECT_EQ(got.lines, lines);
}

TEST_F(DataFileReaderTest, AServerThatStopsHonouringRangeIsReadOnceMore) {
  const std::vector<std::string> lines = Lines(3000);
  const DataFileEntry entry = Write(store_, lines);
  OddStore odd(&store_);
  aws::Result<DataFileReader> reader = DataFileReader::Open(&odd, entry, 4096);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  ASSERT_FALSE(reader->held());
  odd.whole = true;  // from the second range on
  Pass got = ReadPass(*reader);
  EXPECT_TRUE(got.status.ok()) << Message(got.status);
  EXPECT_EQ(got.lines, lines);
  EXPECT_EQ(odd.calls, 2);  // the first range at Open, then all the rest in one answer
}

TEST_F(DataFileReaderTest, WhatOneReaderStreamedAnotherMayHold) {
  const std::vector<std::string> lines = Lines(3000);
  const DataFileEntry entry = Write(store_, lines);
  aws::Result<DataFileReader> streamed = DataFileReader::Open(&store_, entry, 4096);
  ASSERT_TRUE(streamed.ok()) << streamed.error().message;
  ASSERT_TRUE(ReadPass(*streamed).status.ok());
  ASSERT_GT(streamed->checked().size(), 1u);
  OddStore odd(&store_);
  odd.whole = true;
  aws::Result<DataFileReader> held = DataFileReader::Open(&odd, entry, 4096, streamed->checked());
  ASSERT_TRUE(held.ok()) << held.error().message;
  EXPECT_TRUE(held->held());
  EXPECT_EQ(ReadPass(*held).lines, lines);
  // One byte changed in place, in the middle: the same size, another digest for one range.
  std::string bytes = *store_.Get(kKey);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x20);
  ASSERT_TRUE(store_.Put(kKey, bytes).ok());
  held = DataFileReader::Open(&odd, entry, 4096, streamed->checked());
  ASSERT_FALSE(held.ok());
  EXPECT_NE(held.error().message.find("changed while"), std::string::npos) << held.error().message;
}

TEST_F(DataFileReaderTest, AReaderGivenWhatAnEarlierOneCheckedHandsOutOnlyThat) {
  for (int count : {50, 3000}) {  // held at 4096 bytes a range, and not
    const std::vector<std::string> lines = Lines(count);
    const DataFileEntry entry = Write(store_, lines);
    aws::Result<DataFileReader> first = DataFileReader::Open(&store_, entry, 4096);
    ASSERT_TRUE(first.ok()) << first.error().message;
    ASSERT_TRUE(ReadPass(*first).status.ok());
    const std::vector<DataFileReader::RangeDigest> checked = first->checked();
    ASSERT_FALSE(checked.empty()) << count;

    // The same file again: the same lines.
    aws::Result<DataFileReader> again = DataFileReader::Open(&store_, entry, 4096, checked);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(ReadPass(*again).lines, lines) << count;

    // Rewritten, larger or smaller, held or not: refused before anything that differs.
    for (int other : {51, 2999, 3001}) {
      Write(store_, Lines(other));
      aws::Result<DataFileReader> changed = DataFileReader::Open(&store_, entry, 4096, checked);
      if (!changed.ok()) {  // held: told at Open, as changed rather than corrupt
        EXPECT_NE(changed.error().message.find("changed while"), std::string::npos)
            << changed.error().message;
        continue;
      }
      // Ranges the rewrite left as they were may come first: only their lines are handed out.
      Pass got = ReadPass(*changed);
      EXPECT_NE(Message(got.status).find("changed while"), std::string::npos)
          << count << " -> " << other << ": " << Message(got.status);
      ASSERT_LT(got.lines.size(), lines.size());
      for (size_t i = 0; i < got.lines.size(); ++i) ASSERT_EQ(got.lines[i], lines[i]);
    }
  }
}

TEST_F(DataFileReaderTest, AMissingFileIsNamed) {
  DataFileEntry entry;
  entry.data_file_s3_key = std::string(kKey);
  aws::Result<DataFileReader> reader = DataFileReader::Open(&store_, entry);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().message,
            "data file " + store_.Describe(kKey) + " is listed in the manifest but missing");
  EXPECT_EQ(reader.error().code, "");  // not S3's NoSuchKey, for a directory too
}

TEST_F(DataFileReaderTest, ATruncatedStreamedFileIsDamaged) {
  const DataFileEntry written = Write(store_, Lines(500));
  const std::string whole = *store_.Get(kKey);
  const std::string truncated = whole.substr(0, whole.size() - 9);
  ASSERT_TRUE(store_.Put(kKey, truncated).ok());
  DataFileEntry entry = written;
  entry.md5_checksum = Md5Base64(truncated);  // a manifest that agrees: only gzip can tell
  entry.etag = SinglePartEtag(truncated);
  for (size_t range : {size_t{64}, DataFileReader::kDefaultRangeBytes}) {
    aws::Result<DataFileReader> reader = DataFileReader::Open(&store_, entry, range);
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    EXPECT_NE(Message(ReadPass(*reader).status).find("is damaged"), std::string::npos) << range;
  }
}

TEST_F(DataFileReaderTest, AnEmptyPartitionsFileHasNoLines) {
  const DataFileEntry entry = Write(store_, {});
  aws::Result<DataFileReader> reader = DataFileReader::Open(&store_, entry, 1);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  Pass got = ReadPass(*reader);
  EXPECT_TRUE(got.status.ok()) << Message(got.status);
  EXPECT_TRUE(got.lines.empty());
}

}  // namespace
}  // namespace ddbm::storage
