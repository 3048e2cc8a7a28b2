#include "storage/md5.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ddbm::storage {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The data file of a real full export by AWS and the etag its manifest records.
const fs::path kRealDataFile =
    fs::path(DDBM_REFDATA_DIR) / "export" / "scylla-migrator" / "test-bucket" / "dynamodb-export" /
    "AWSDynamoDB" / "01715685260608-c488b4e1" / "data" / "uimbi7eofu2b5kzkxe63gsvb6i.json.gz";

TEST(Md5Test, KnownDigests) {
  EXPECT_EQ(LowerHex(Md5::Digest("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(LowerHex(Md5::Digest("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Md5::Digest("abc").size(), Md5::kDigestSize);
}

TEST(Md5Test, IncrementalEqualsOneShotAndStartsOverAfterFinish) {
  const std::string text = "The quick brown fox jumps over the lazy dog";
  Md5 md5;
  for (char c : text) md5.Update(std::string_view(&c, 1));
  EXPECT_EQ(md5.Finish(), Md5::Digest(text));
  md5.Update("abc");
  EXPECT_EQ(LowerHex(md5.Finish()), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5.FinishBase64(), "1B2M2Y8AsgTpgAmY7PhCfg==");  // nothing since the last Finish

  Md5 moved(std::move(md5));
  moved.Update("abc");
  EXPECT_EQ(LowerHex(moved.Finish()), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(Md5Test, HexEncoding) { EXPECT_EQ(LowerHex(std::string("\x00\xff\x1f", 3)), "00ff1f"); }

TEST(Md5Test, RealExportChecksums) {
  const std::string data = ReadAll(kRealDataFile);
  ASSERT_EQ(data.size(), 253u);
  EXPECT_EQ(Md5Base64(data), "rzAeIrtALbOlNdK5Hh8tgA==");
  EXPECT_EQ(MultipartEtag({Md5::Digest(data)}), "d1663e415aedcbf3c4977cde7002d2bf-1");
  EXPECT_EQ(SinglePartEtag(data), "d1663e415aedcbf3c4977cde7002d2bf-1");
}

TEST(Md5Test, AwsEmptyDataFileChecksums) {
  const std::string empty_gzip(
      "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00", 20);
  EXPECT_EQ(Md5Base64(empty_gzip), "FjvgqIxwymKf1RbbqtrZag==");
  EXPECT_EQ(SinglePartEtag(empty_gzip), "7deb4078f238dd87d6af0538152c04e9-1");
}

TEST(Md5Test, MultipartEtagOfSeveralParts) {
  // Expected values computed independently with Python's hashlib.
  EXPECT_EQ(MultipartEtag({Md5::Digest("0123"), Md5::Digest("4567"), Md5::Digest("89")}),
            "61e3716e3a7767581863b67c4e785584-3");
  EXPECT_EQ(MultipartEtag({Md5::Digest("0123"), Md5::Digest("4567")}),
            "6f6e3a73411a3a634c335e478a2fe8f1-2");
  EXPECT_EQ(SinglePartEtag(""), "59adb24ef3cdbe0297f05b395827453f-1");
}

}  // namespace
}  // namespace ddbm::storage
