#include "storage/export_reader.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "storage/local_store.h"
#include "testing/temp_dir.h"

namespace ddbm::storage {
namespace {

namespace fs = std::filesystem;

const fs::path kExports = fs::path(DDBM_REFDATA_DIR) / "export";

TEST(ExportReaderTest, FindsTheRealAwsExportUnderItsPrefix) {
  LocalStore store((kExports / "scylla-migrator" / "test-bucket").string());
  aws::Result<std::vector<ExportManifest>> found =
      FindExports(store, "dynamodb-export", std::nullopt);
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  ASSERT_EQ(found->size(), 1u);
  const ExportManifest& e = found->front();
  EXPECT_EQ(e.export_id, "01715685260608-c488b4e1");
  EXPECT_EQ(e.summary.item_count, 3);
  ASSERT_EQ(e.files.size(), 1u);
  EXPECT_FALSE(e.table_definition);
  EXPECT_FALSE(e.warnings.empty());  // that copy has no .md5 files

  // The export's own folder names it too.
  aws::Result<std::vector<ExportManifest>> direct =
      FindExports(store, "dynamodb-export/AWSDynamoDB/01715685260608-c488b4e1/", std::nullopt);
  ASSERT_TRUE(direct.ok()) << direct.error().ToString();
  EXPECT_EQ(direct->front().export_id, "01715685260608-c488b4e1");
  // ... and no other export.
  aws::Result<std::vector<ExportManifest>> other =
      FindExports(store, "dynamodb-export/AWSDynamoDB/01715685260608-c488b4e1/",
                  std::string("01715685260608-00000000"));
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("is the folder of export 01715685260608-c488b4e1, not of "
                                       "export 01715685260608-00000000"),
            std::string::npos)
      << other.error().message;
}

TEST(ExportReaderTest, APrefixWithTwoDotsInANameIsNotAParentFolder) {
  testing::TempDir dir;
  fs::copy(kExports / "scylla-migrator" / "test-bucket" / "dynamodb-export",
           fs::path(dir.path()) / "v1..old", fs::copy_options::recursive);
  LocalStore store(dir.path());
  aws::Result<std::vector<ExportManifest>> found = FindExports(store, "v1..old", std::nullopt);
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().export_id, "01715685260608-c488b4e1");
}

TEST(ExportReaderTest, OrdersIncrementalExportsIntoAChain) {
  LocalStore store((kExports / "derived-incremental").string());
  aws::Result<std::vector<ExportManifest>> found = FindExports(store, "", std::nullopt);
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].export_id, "01790000100000-5a1e2b3c");
  EXPECT_EQ((*found)[1].export_id, "01790001000000-9c8d7e6f");
  EXPECT_TRUE((*found)[0].summary.incremental());
  EXPECT_TRUE((*found)[0].warnings.empty());  // both .md5 files present and matching

  aws::Result<std::vector<ExportManifest>> one =
      FindExports(store, "", std::string("01790001000000-9c8d7e6f"));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
  EXPECT_FALSE(FindExports(store, "", std::string("01790001000000-00000000")).ok());
}

TEST(ExportReaderTest, RefusesAManifestThatDoesNotMatchItsMd5) {
  testing::TempDir dir;
  fs::copy(kExports / "derived-incremental", dir.path(), fs::copy_options::recursive);
  LocalStore store(dir.path());
  ASSERT_TRUE(
      store
          .Put("AWSDynamoDB/01790000100000-5a1e2b3c/manifest-files.md5", "AAAAAAAAAAAAAAAAAAAAAA==")
          .ok());
  aws::Result<std::vector<ExportManifest>> found = FindExports(store, "", std::nullopt);
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.error().message.find("manifest-files.json does not match its checksum"),
            std::string::npos)
      << found.error().message;
}

TEST(ExportReaderTest, NamesWhatIsMissing) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  aws::Result<std::vector<ExportManifest>> none = FindExports(store, "backups", std::nullopt);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("no export found"), std::string::npos);
  EXPECT_EQ(none.error().kind, aws::ErrorKind::kInvalidInput);
}

}  // namespace
}  // namespace ddbm::storage
