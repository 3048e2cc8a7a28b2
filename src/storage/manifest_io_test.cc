#include "storage/manifest_io.h"

#include <gtest/gtest.h>

#include "storage/local_store.h"
#include "storage/md5.h"
#include "testing/forwarding_store.h"
#include "testing/temp_dir.h"

namespace ddbm::storage {
namespace {

constexpr char kSummary[] = "AWSDynamoDB/01790000000000-0a1b2c3d/manifest-summary.json";
constexpr char kSummaryMd5[] = "AWSDynamoDB/01790000000000-0a1b2c3d/manifest-summary.md5";

// Fails every Put of a .md5 file: a crash between a manifest and its checksum.
class NoChecksumStore final : public testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  aws::Status Put(std::string_view key, std::string_view bytes) override {
    if (key.ends_with(".md5")) {
      return aws::Error::Make(aws::ErrorKind::kInternal, "killed before the checksum");
    }
    return ForwardingStore::Put(key, bytes);
  }
};

TEST(ManifestIoTest, WritesTheManifestAndItsChecksum) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  EXPECT_EQ(ManifestChecksumKey(kSummary), kSummaryMd5);
  aws::Result<std::optional<std::string>> none = ReadCheckedManifest(store, kSummary);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(PutManifest(store, kSummary, R"({"itemCount":3})", ManifestWrite::kFirst).ok());
  EXPECT_EQ(*store.Get(kSummaryMd5), Md5Base64(R"({"itemCount":3})"));
  aws::Result<std::optional<std::string>> read = ReadCheckedManifest(store, kSummary);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->value_or(""), R"({"itemCount":3})");

  // A checksum that does not match: the manifest is to be written again.
  ASSERT_TRUE(store.Put(kSummaryMd5, "AAAAAAAAAAAAAAAAAAAAAA==").ok());
  read = ReadCheckedManifest(store, kSummary);
  ASSERT_TRUE(read.ok());
  EXPECT_FALSE(read->has_value());
}

TEST(ManifestIoTest, AChecksumFileMayEndWithALineBreakOrBeNamedChecksum) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  const std::string text = R"({"itemCount":3})";
  ASSERT_TRUE(store.Put(kSummary, text).ok());
  ASSERT_TRUE(store.Put(kSummaryMd5, Md5Base64(text) + "\n").ok());
  aws::Result<std::optional<std::string>> read = ReadCheckedManifest(store, kSummary);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->value_or(""), text);

  ASSERT_TRUE(store.Delete(kSummaryMd5).ok());
  std::string checksum_key = kSummaryMd5;
  checksum_key.replace(checksum_key.size() - 4, 4, ".checksum");
  ASSERT_TRUE(store.Put(checksum_key, Md5Base64(text)).ok());
  aws::Result<ManifestRead> both = ReadManifestAndChecksum(store, kSummary);
  ASSERT_TRUE(both.ok());
  EXPECT_TRUE(both->matches());
  EXPECT_EQ(both->checksum_key, checksum_key);
}

TEST(ManifestIoTest, AChecksumFileMayHoldTheDigestInHex) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  const std::string text = R"({"itemCount":3})";
  ASSERT_TRUE(store.Put(kSummary, text).ok());
  for (std::string hex : {LowerHex(Md5::Digest(text)), LowerHex(Md5::Digest(text)) + "\n",
                          LowerHex(Md5::Digest(text)) + "  manifest-summary.json\n"}) {
    ASSERT_TRUE(store.Put(kSummaryMd5, hex).ok());
    aws::Result<std::optional<std::string>> read = ReadCheckedManifest(store, kSummary);
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read->value_or(""), text) << hex;
  }
  std::string upper = LowerHex(Md5::Digest(text));
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ASSERT_TRUE(store.Put(kSummaryMd5, upper).ok());
  EXPECT_TRUE(ReadManifestAndChecksum(store, kSummary)->matches());
  // Another digest in hex is still a mismatch, reported in the manifests' own form.
  ASSERT_TRUE(store.Put(kSummaryMd5, LowerHex(Md5::Digest("other"))).ok());
  aws::Result<ManifestRead> other = ReadManifestAndChecksum(store, kSummary);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->matches());
  EXPECT_EQ(other->expected_md5, Md5Base64("other"));
}

TEST(ManifestIoTest, ACrashBeforeTheChecksumLeavesNoStaleOne) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  ASSERT_TRUE(PutManifest(store, kSummary, R"({"endTime":"1"})", ManifestWrite::kFirst).ok());
  NoChecksumStore crashing(&store);
  ASSERT_FALSE(
      PutManifest(crashing, kSummary, R"({"endTime":"2"})", ManifestWrite::kMayReplace).ok());
  EXPECT_EQ(*store.Get(kSummary), R"({"endTime":"2"})");
  // The old checksum, which the new manifest would contradict, is gone.
  EXPECT_FALSE(*store.Exists(kSummaryMd5));
}

// Counts the Deletes sent through it.
class DeleteCountingStore final : public testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  aws::Status Delete(std::string_view key) override {
    ++deletes;
    return ForwardingStore::Delete(key);
  }
  int deletes = 0;
};

TEST(ManifestIoTest, TheFirstManifestInAFolderIsWrittenWithoutADelete) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  DeleteCountingStore counting(&store);
  ASSERT_TRUE(PutManifest(counting, kSummary, "{}", ManifestWrite::kFirst).ok());
  EXPECT_EQ(counting.deletes, 0);
  EXPECT_EQ(*store.Get(kSummaryMd5), Md5Base64("{}"));
  ASSERT_TRUE(PutManifest(counting, kSummary, "{ }", ManifestWrite::kMayReplace).ok());
  EXPECT_EQ(counting.deletes, 1);
  EXPECT_EQ(*store.Get(kSummaryMd5), Md5Base64("{ }"));
}

}  // namespace
}  // namespace ddbm::storage
