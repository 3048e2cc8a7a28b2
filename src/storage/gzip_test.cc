#include "storage/gzip.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace ddbm::storage {
namespace {

namespace fs = std::filesystem;

const std::string kAwsEmptyGzip(
    "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00", 20);

// Python's gzip: a member with a file name (FNAME flag, XFL 2) followed by a second member.
const std::string kPythonTwoMembers(
    "\x1f\x8b\x08\x08\x00\x00\x00\x00\x02\xff\x70\x61\x72\x74\x31\x2e\x6a\x73\x6f\x6e\x00\xab\x56"
    "\xf2\x2c\x49\xcd\x55\xb2\xaa\x56\xca\x4c\x01\x91\xc1\x4a\x56\x4a\x89\x4a\xb5\xb5\xb5\x5c\x00"
    "\x55\x24\xf5\xed\x1a\x00\x00\x00\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xab\x56\xf2\x2c\x49"
    "\xcd\x55\xb2\xaa\x56\xca\x4c\x01\x91\xc1\x4a\x56\x4a\x49\x4a\xb5\xb5\xb5\x5c\x00\xfb\x56\x61"
    "\x6b\x1a\x00\x00\x00",
    97);
constexpr size_t kPythonFirstMemberSize = 54;

const fs::path kRealDataFile =
    fs::path(DDBM_REFDATA_DIR) / "export" / "scylla-migrator" / "test-bucket" / "dynamodb-export" /
    "AWSDynamoDB" / "01715685260608-c488b4e1" / "data" / "uimbi7eofu2b5kzkxe63gsvb6i.json.gz";

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Lines of about 1 KB that look like export lines, with enough variety not to compress away.
std::vector<std::string> ExportLines(int count) {
  std::mt19937 random(42);
  std::vector<std::string> lines;
  for (int i = 0; i < count; ++i) {
    std::string line =
        R"({"Item":{"id":{"S":"item-)" + std::to_string(i) + R"("},"payload":{"S":")";
    while (line.size() < 1000) line += static_cast<char>('a' + random() % 26);
    line += R"("},"n":{"N":")" + std::to_string(random()) + "\"}}}\n";
    lines.push_back(std::move(line));
  }
  return lines;
}

// Decompresses `compressed` feeding it `chunk` bytes at a time.
aws::Result<std::string> Inflate(std::string_view compressed, size_t chunk) {
  GzipReader reader;
  std::string out;
  for (size_t i = 0; i < compressed.size(); i += chunk) {
    if (aws::Status s = reader.Feed(compressed.substr(i, chunk), &out); !s.ok()) {
      return std::move(s).error();
    }
  }
  if (aws::Status s = reader.Finish(); !s.ok()) return std::move(s).error();
  return out;
}

std::string ErrorOf(std::string_view compressed, size_t chunk = 1 << 20) {
  aws::Result<std::string> r = Inflate(compressed, chunk);
  EXPECT_FALSE(r.ok()) << "accepted";
  if (r.ok()) return "";
  EXPECT_EQ(r.error().kind, aws::ErrorKind::kCorruption);
  return r.error().message;
}

// ---- GzipWriter ----

TEST(GzipWriterTest, EmptyInputAtLevel6IsAwsEmptyFile) {
  EXPECT_EQ(GzipCompress("", 6), kAwsEmptyGzip);
  GzipWriter writer(6);
  std::string out;
  writer.Write("", &out);
  writer.Finish(&out);
  EXPECT_EQ(out, kAwsEmptyGzip);
  EXPECT_EQ(writer.bytes_in(), 0u);
  EXPECT_EQ(writer.bytes_out(), 20u);
}

TEST(GzipWriterTest, HeaderIsAwsAtEveryLevel) {
  for (int level = 0; level <= 9; ++level) {
    const std::string out = GzipCompress("{\"Item\":{}}\n", level);
    ASSERT_GE(out.size(), 18u);
    // magic, CM 8, FLG 0, MTIME 0; XFL (byte 8) depends on the level; OS 255.
    EXPECT_EQ(out.substr(0, 8), std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00", 8)) << level;
    EXPECT_EQ(static_cast<unsigned char>(out[9]), 0xff) << level;
  }
  EXPECT_EQ(GzipCompress("x", 6)[8], '\0');  // level 6: XFL 0, as in AWS's files
}

TEST(GzipWriterTest, LevelIsValidated) {
  EXPECT_TRUE(CheckGzipLevel(0).ok());
  EXPECT_TRUE(CheckGzipLevel(9).ok());
  ASSERT_FALSE(CheckGzipLevel(10).ok());
  EXPECT_EQ(CheckGzipLevel(10).error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_NE(CheckGzipLevel(-1).error().message.find("0"), std::string::npos);
  EXPECT_THROW(GzipWriter(10), std::invalid_argument);
  EXPECT_THROW(GzipWriter(-1), std::invalid_argument);
}

TEST(GzipWriterTest, ManySmallWritesRoundTripAtSeveralLevels) {
  const std::vector<std::string> lines = ExportLines(1500);
  std::string expected;
  for (const std::string& line : lines) expected += line;
  for (int level : {0, 1, 6, 9}) {
    GzipWriter writer(level);
    std::string out;
    size_t calls_that_produced = 0;
    for (const std::string& line : lines) {
      const size_t before = out.size();
      writer.Write(line, &out);
      if (out.size() != before) ++calls_that_produced;
    }
    writer.Finish(&out);
    // zlib buffers: most writes of one line release nothing.
    EXPECT_LT(calls_that_produced, lines.size() / 4) << level;
    EXPECT_EQ(writer.bytes_in(), expected.size());
    EXPECT_EQ(writer.bytes_out(), out.size());
    if (level > 0) {
      EXPECT_LT(out.size(), expected.size() * 3 / 4) << level;
    }
    for (size_t chunk : {size_t{1} << 20, level == 6 ? size_t{7} : size_t{4096}}) {
      aws::Result<std::string> back = Inflate(out, chunk);
      ASSERT_TRUE(back.ok()) << level << ": " << back.error().message;
      EXPECT_TRUE(*back == expected) << "level " << level << " chunk " << chunk;
    }
  }
}

TEST(GzipWriterTest, MovedWriterKeepsItsStream) {
  GzipWriter first(6);
  std::string out;
  first.Write("abc", &out);
  GzipWriter second(std::move(first));
  second.Write("def", &out);
  GzipWriter third(1);
  third = std::move(second);
  third.Finish(&out);
  aws::Result<std::string> back = GzipDecompress(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "abcdef");
}

// ---- GzipReader ----

TEST(GzipReaderTest, HighRatioOutputInOneFeed) {
  const std::string zeros(4 << 20, '\0');
  const std::string compressed = GzipCompress(zeros);
  EXPECT_LT(compressed.size(), 8000u);
  aws::Result<std::string> back = GzipDecompress(compressed);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(*back == zeros);
}

TEST(GzipReaderTest, IncompressibleDataAtLevel0) {
  std::mt19937 random(7);
  std::string data(3 << 20, '\0');
  for (char& c : data) c = static_cast<char>(random());
  aws::Result<std::string> back = Inflate(GzipCompress(data, 0), 100000);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(*back == data);
}

TEST(GzipReaderTest, AcceptsConcatenatedMembers) {
  for (size_t chunk : {size_t{1}, size_t{2}, size_t{5}, size_t{1000}}) {
    GzipReader reader;
    std::string out;
    for (size_t i = 0; i < kPythonTwoMembers.size(); i += chunk) {
      ASSERT_TRUE(reader.Feed(std::string_view(kPythonTwoMembers).substr(i, chunk), &out).ok());
    }
    ASSERT_TRUE(reader.Finish().ok()) << chunk;
    EXPECT_EQ(out, "{\"Item\":{\"id\":{\"S\":\"a\"}}}\n{\"Item\":{\"id\":{\"S\":\"b\"}}}\n");
    EXPECT_EQ(reader.members(), 2);
    EXPECT_EQ(reader.bytes_in(), kPythonTwoMembers.size());
    EXPECT_EQ(reader.bytes_out(), out.size());
  }
  // Our own members, including AWS's empty one, concatenated.
  aws::Result<std::string> back =
      GzipDecompress(GzipCompress("one\n") + kAwsEmptyGzip + GzipCompress("two\n", 1));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, "one\ntwo\n");
}

TEST(GzipReaderTest, AwsEmptyFileHasNoBytes) {
  aws::Result<std::string> back = GzipDecompress(kAwsEmptyGzip);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, "");
}

TEST(GzipReaderTest, ZeroBytesAreAnError) {
  EXPECT_NE(ErrorOf("").find("empty (0 bytes)"), std::string::npos);
  GzipReader reader;
  std::string out;
  ASSERT_TRUE(reader.Feed("", &out).ok());
  aws::Status s = reader.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("0 bytes"), std::string::npos);
}

TEST(GzipReaderTest, TruncationAtEveryByteIsReported) {
  const std::string lines =
      "{\"Item\":{\"id\":{\"S\":\"bar\"}}}\n{\"Item\":{\"id\":{\"S\":\"x\"}}}\n";
  for (const std::string& stream : {GzipCompress(lines), kAwsEmptyGzip, kPythonTwoMembers}) {
    for (size_t size = 1; size < stream.size(); ++size) {
      if (stream == kPythonTwoMembers && size == kPythonFirstMemberSize) continue;  // whole member
      for (size_t chunk : {size_t{1}, size_t{1000}}) {
        GzipReader reader;
        std::string out;
        const std::string_view prefix = std::string_view(stream).substr(0, size);
        for (size_t i = 0; i < prefix.size(); i += chunk) {
          ASSERT_TRUE(reader.Feed(prefix.substr(i, chunk), &out).ok()) << size;
        }
        aws::Status s = reader.Finish();
        ASSERT_FALSE(s.ok()) << "a stream cut to " << size << " bytes was accepted";
        EXPECT_EQ(s.error().kind, aws::ErrorKind::kCorruption);
        EXPECT_NE(s.error().message.find("truncated"), std::string::npos) << s.error().message;
      }
    }
  }
}

TEST(GzipReaderTest, BadCrcAndLengthAreReported) {
  const std::string good = GzipCompress("{\"Item\":{\"id\":{\"S\":\"bar\"}}}\n");
  std::string bad_crc = good;
  bad_crc[good.size() - 8] ^= 0x01;
  EXPECT_NE(ErrorOf(bad_crc).find("CRC-32 mismatch"), std::string::npos) << ErrorOf(bad_crc);
  EXPECT_NE(ErrorOf(bad_crc, 1).find("CRC-32 mismatch"), std::string::npos);
  std::string bad_size = good;
  bad_size[good.size() - 4] ^= 0x01;
  EXPECT_NE(ErrorOf(bad_size).find("ISIZE mismatch"), std::string::npos) << ErrorOf(bad_size);
  // The CRC of the second member.
  std::string bad_second = kPythonTwoMembers;
  bad_second[bad_second.size() - 6] ^= 0x40;
  EXPECT_NE(ErrorOf(bad_second).find("CRC-32 mismatch"), std::string::npos);
}

TEST(GzipReaderTest, TrailingGarbageIsReported) {
  const std::string good = GzipCompress("line\n");
  for (const std::string& garbage :
       {std::string("garbage"), std::string(1, '\0'), std::string(512, '\0'),
        std::string("\x1f\x00", 2), std::string("\n")}) {
    for (size_t chunk : {size_t{1}, size_t{3}, size_t{1000}}) {
      const std::string message = ErrorOf(good + garbage, chunk);
      EXPECT_NE(message.find("trailing garbage"), std::string::npos) << message;
      EXPECT_NE(message.find("byte " + std::to_string(good.size())), std::string::npos) << message;
    }
  }
  // A lone first magic byte looks like the start of a member that was cut short.
  EXPECT_NE(ErrorOf(good + "\x1f").find("truncated"), std::string::npos);
  // A second member whose header is wrong is corruption, not garbage.
  const std::string message = ErrorOf(good + std::string("\x1f\x8b\x07\x00", 4) + good);
  EXPECT_NE(message.find("corrupt gzip data"), std::string::npos) << message;
}

TEST(GzipReaderTest, NotGzipAndDamagedDataAreReported) {
  EXPECT_NE(ErrorOf("{\"Item\":{}}\n").find("not a gzip file"), std::string::npos);
  EXPECT_NE(ErrorOf(std::string("\x1f\x9d", 2)).find("not a gzip file"), std::string::npos);
  // A damaged deflate body is caught by the decoder or by the CRC.
  const std::string good = GzipCompress(std::string(ExportLines(20)[3]));
  for (size_t i = 10; i + 9 < good.size(); i += 7) {  // not the last byte: padding bits
    std::string bad = good;
    bad[i] ^= 0x5a;
    EXPECT_FALSE(Inflate(bad, 1 << 20).ok()) << "flipped byte " << i;
  }
}

TEST(GzipReaderTest, ErrorsAreSticky) {
  GzipReader reader;
  std::string out;
  ASSERT_FALSE(reader.Feed("not gzip", &out).ok());
  aws::Status again = reader.Feed(GzipCompress("x"), &out);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("not a gzip file"), std::string::npos);
  EXPECT_FALSE(reader.Finish().ok());
}

TEST(GzipReaderTest, RealAwsDataFile) {
  const std::string compressed = ReadAll(kRealDataFile);
  ASSERT_EQ(compressed.size(), 253u);
  GzipReader gzip;
  LineReader lines(64);
  std::vector<std::string> got;
  for (size_t i = 0; i < compressed.size(); i += 50) {
    ASSERT_TRUE(gzip.Feed(std::string_view(compressed).substr(i, 50), lines.buffer()).ok());
    for (const Line& line : lines.TakeLines().lines) got.emplace_back(line.text);
  }
  ASSERT_TRUE(gzip.Finish().ok());
  for (const Line& line : lines.Finish().lines) got.emplace_back(line.text);
  EXPECT_EQ(gzip.members(), 1);
  EXPECT_EQ(gzip.bytes_out(), 388u);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], R"({"Item":{"id":{"S":"bar"},"baz":{"N":"0"}}})");
  EXPECT_TRUE(got[1].starts_with(R"({"Item":{"id":{"S":"K3TXQk84Si"})")) << got[1];
  EXPECT_TRUE(got[2].starts_with(R"({"Item":{"id":{"S":"foo"})")) << got[2];
  EXPECT_EQ(lines.lines(), 3);
}

// ---- LineReader ----

struct Collected {
  std::vector<std::string> texts;
  std::vector<int64_t> numbers;
};

void Collect(const LineBlock& block, Collected* out) {
  if (block.lines.empty()) {
    EXPECT_EQ(block.bytes, nullptr);
    return;
  }
  ASSERT_NE(block.bytes, nullptr);
  const char* begin = block.bytes->data();
  const char* end = begin + block.bytes->size();
  for (const Line& line : block.lines) {
    // Lines point into the block's bytes.
    EXPECT_GE(line.text.data(), begin);
    EXPECT_LE(line.text.data() + line.text.size(), end);
    out->texts.emplace_back(line.text);
    out->numbers.push_back(line.number);
  }
}

// Splits `text` appending it in pieces of `piece` bytes, taking lines after each.
Collected SplitInPieces(std::string_view text, size_t piece) {
  LineReader reader(8);
  Collected got;
  for (size_t i = 0; i < text.size(); i += piece) {
    reader.Append(text.substr(i, piece));
    Collect(reader.TakeLines(), &got);
  }
  Collect(reader.Finish(), &got);
  return got;
}

TEST(LineReaderTest, LinesAcrossChunkBoundaries) {
  const std::string text = "first\nsecond line\n\nfourth\r\nlast without newline";
  const std::vector<std::string> expected = {"first", "second line", "", "fourth",
                                             "last without newline"};
  for (size_t piece = 1; piece <= text.size(); ++piece) {
    Collected got = SplitInPieces(text, piece);
    EXPECT_EQ(got.texts, expected) << "piece " << piece;
    EXPECT_EQ(got.numbers, (std::vector<int64_t>{1, 2, 3, 4, 5})) << "piece " << piece;
  }
}

TEST(LineReaderTest, EdgeCases) {
  EXPECT_TRUE(SplitInPieces("", 1).texts.empty());
  EXPECT_EQ(SplitInPieces("\n", 1).texts, std::vector<std::string>{""});
  EXPECT_EQ(SplitInPieces("a\n", 1).texts, std::vector<std::string>{"a"});
  EXPECT_EQ(SplitInPieces("a", 1).texts, std::vector<std::string>{"a"});
  EXPECT_EQ(SplitInPieces("a\n\n", 2).texts, (std::vector<std::string>{"a", ""}));
  EXPECT_EQ(SplitInPieces("\r\n", 2).texts, std::vector<std::string>{""});
  // Only one '\r' before '\n' is dropped; others are data.
  EXPECT_EQ(SplitInPieces("a\r\r\nb\rc\n", 3).texts, (std::vector<std::string>{"a\r", "b\rc"}));

  LineReader reader;
  EXPECT_TRUE(reader.Finish().lines.empty());
}

TEST(LineReaderTest, ManyWholeLinesComeInOneBlock) {
  LineReader reader;
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "line " + std::to_string(i) + "\n";
  reader.Append(text);
  reader.Append("partial");
  LineBlock block = reader.TakeLines();
  ASSERT_EQ(block.lines.size(), 1000u);
  EXPECT_EQ(block.lines[999].text, "line 999");
  EXPECT_EQ(block.lines[999].number, 1000);
  EXPECT_EQ(block.bytes->size(), text.size());  // the partial line stayed behind
  EXPECT_TRUE(reader.TakeLines().lines.empty());
  reader.Append(" end\n");
  block = reader.TakeLines();
  ASSERT_EQ(block.lines.size(), 1u);
  EXPECT_EQ(block.lines[0].text, "partial end");
  EXPECT_EQ(block.lines[0].number, 1001);
}

TEST(LineReaderTest, BlocksOutliveTheReader) {
  std::shared_ptr<const std::string> kept;
  std::vector<std::string_view> views;
  {
    LineReader reader(16);
    reader.Append("{\"Item\":1}\n{\"Item\":2}\n{\"Ite");
    LineBlock block = reader.TakeLines();
    kept = block.bytes;
    for (const Line& line : block.lines) views.push_back(line.text);
    reader.Append("m\":3}\n");
    EXPECT_EQ(reader.TakeLines().lines.at(0).text, "{\"Item\":3}");
    reader.Append(std::string(100000, 'x'));
    EXPECT_EQ(reader.Finish().lines.at(0).text.size(), 100000u);
  }
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views[0], "{\"Item\":1}");
  EXPECT_EQ(views[1], "{\"Item\":2}");
}

}  // namespace
}  // namespace ddbm::storage
