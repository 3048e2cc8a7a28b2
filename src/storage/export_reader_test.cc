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

TEST(ExportReaderTest, APrefixEndingInAwsDynamoDbMayHoldAnother) {
  // An export --to .../AWSDynamoDB writes .../AWSDynamoDB/AWSDynamoDB/<id>/, as AWS does: the
  // same location finds it.
  testing::TempDir dir;
  fs::create_directories(fs::path(dir.path()) / "backups");
  fs::copy(kExports / "scylla-migrator" / "test-bucket" / "dynamodb-export",
           fs::path(dir.path()) / "backups" / "AWSDynamoDB", fs::copy_options::recursive);
  LocalStore store(dir.path());
  for (const char* location : {"backups/AWSDynamoDB", "backups/AWSDynamoDB/AWSDynamoDB"}) {
    aws::Result<std::vector<ExportManifest>> found = FindExports(store, location, std::nullopt);
    ASSERT_TRUE(found.ok()) << location << ": " << found.error().ToString();
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ(found->front().export_id, "01715685260608-c488b4e1");
  }
  aws::Result<std::vector<ExportManifest>> none = FindExports(store, "backups", std::nullopt);
  EXPECT_FALSE(none.ok());
}

TEST(ExportReaderTest, AnExportIdIsLookedForInBothFoldersALocationEndingInAwsDynamoDbNames) {
  // loc/AWSDynamoDB holds an export, and (written by an export --to loc/AWSDynamoDB) another
  // AWSDynamoDB/ with others: --export-id finds an export in either.
  testing::TempDir dir;
  const fs::path loc = fs::path(dir.path()) / "loc";
  fs::copy(kExports / "scylla-migrator" / "test-bucket" / "dynamodb-export", loc,
           fs::copy_options::recursive);
  fs::copy(kExports / "derived-incremental", loc / "AWSDynamoDB", fs::copy_options::recursive);
  LocalStore store(dir.path());
  for (const char* id : {"01715685260608-c488b4e1", "01790001000000-9c8d7e6f"}) {
    aws::Result<std::vector<ExportManifest>> found =
        FindExports(store, "loc/AWSDynamoDB", std::string(id));
    ASSERT_TRUE(found.ok()) << id << ": " << found.error().ToString();
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ(found->front().export_id, id);
  }
  // Without one, the folder named holds the exports.
  aws::Result<std::vector<ExportManifest>> found =
      FindExports(store, "loc/AWSDynamoDB", std::nullopt);
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().export_id, "01715685260608-c488b4e1");
  EXPECT_FALSE(FindExports(store, "loc/AWSDynamoDB", std::string("01790001000000-00000000")).ok());
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

// Writes beside the fixture's incremental exports of `orders` a full export of the same table
// taken at `export_time` (manifests only: FindExports reads no data file).
constexpr char kOrdersArn[] = "arn:aws:dynamodb:us-east-1:111111111111:table/orders";
constexpr char kOrdersId[] = "6f1c2a4e-0d3b-4c59-9a57-2e8f0b1d7c33";

void AddFullOrdersExport(LocalStore& store, const std::string& export_id,
                         const std::string& export_time, const std::string& table_arn = kOrdersArn,
                         const std::string& table_id = kOrdersId) {
  const std::string folder = "AWSDynamoDB/" + export_id + "/";
  ManifestSummary s;
  s.export_arn = "arn:aws:dynamodb:us-east-1:111111111111:table/orders/export/" + export_id;
  s.start_time = s.end_time = s.export_time = export_time;
  s.table_arn = table_arn;
  s.table_id = table_id;
  s.manifest_files_s3_key = folder + "manifest-files.json";
  ASSERT_TRUE(store.Put(folder + "manifest-files.json", "").ok());
  ASSERT_TRUE(store.Put(folder + "manifest-files.md5", Md5Base64("")).ok());
  const std::string summary = SerializeManifestSummary(s);
  ASSERT_TRUE(store.Put(folder + "manifest-summary.json", summary).ok());
  ASSERT_TRUE(store.Put(folder + "manifest-summary.md5", Md5Base64(summary)).ok());
}

std::vector<std::string> Ids(const std::vector<ExportManifest>& exports) {
  std::vector<std::string> ids;
  for (const ExportManifest& e : exports) ids.push_back(e.export_id);
  return ids;
}

// The fixture's incremental exports cover 10:00 to 10:15 and 10:15 to 10:30 of 2026-09-22.
constexpr char kFirstIncremental[] = "01790000100000-5a1e2b3c";
constexpr char kSecondIncremental[] = "01790001000000-9c8d7e6f";
constexpr char kFull[] = "01790000000000-0f0f0f0f";

TEST(ExportReaderTest, SkipsIncrementalExportsThatEndedBeforeTheFullExport) {
  struct Case {
    std::string export_time;
    std::vector<std::string> applied;  // after the full export
    std::vector<std::string> skipped;
  };
  const std::vector<Case> cases = {
      {"2026-09-22T10:05:00.000Z", {kFirstIncremental, kSecondIncremental}, {}},
      {"2026-09-22T10:00:00.000Z", {kFirstIncremental, kSecondIncremental}, {}},
      // A window that ends when the full export was taken holds nothing newer than it.
      {"2026-09-22T10:15:00.000Z", {kSecondIncremental}, {kFirstIncremental}},
      {"2026-09-22T10:20:00.000Z", {kSecondIncremental}, {kFirstIncremental}},
      // Other writers may give no fraction of a second: compared as times, not as text.
      {"2026-09-22T10:15:00Z", {kSecondIncremental}, {kFirstIncremental}},
      {"2026-09-22T10:14:59.5Z", {kFirstIncremental, kSecondIncremental}, {}},
      {"2026-09-22T10:30:00.000Z", {}, {kFirstIncremental, kSecondIncremental}},
      {"2026-09-23T00:00:00.000Z", {}, {kFirstIncremental, kSecondIncremental}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.export_time);
    testing::TempDir dir;
    fs::copy(kExports / "derived-incremental", dir.path(), fs::copy_options::recursive);
    LocalStore store(dir.path());
    AddFullOrdersExport(store, kFull, c.export_time);
    aws::Result<std::vector<ExportManifest>> found = FindExports(store, "", std::nullopt);
    ASSERT_TRUE(found.ok()) << found.error().ToString();
    std::vector<std::string> expected = {kFull};
    expected.insert(expected.end(), c.applied.begin(), c.applied.end());
    EXPECT_EQ(Ids(*found), expected);
    const std::vector<std::string>& notes = found->front().warnings;
    ASSERT_EQ(notes.size(), c.skipped.size()) << ::testing::PrintToString(notes);
    for (size_t i = 0; i < notes.size(); ++i) {
      EXPECT_NE(notes[i].find("incremental export " + c.skipped[i]), std::string::npos) << notes[i];
      EXPECT_NE(notes[i].find("skipped"), std::string::npos) << notes[i];
      EXPECT_NE(notes[i].find(c.export_time), std::string::npos) << notes[i];
    }
  }
}

TEST(ExportReaderTest, NamesWhatDiffersBetweenExportsOfDifferentTables) {
  struct Case {
    std::string table_arn, table_id;
    std::vector<std::string> named;
  };
  const std::string other_arn = "arn:aws:dynamodb:us-east-1:111111111111:table/invoices";
  const std::vector<Case> cases = {
      // Deleted and created again under the same name: only the tableId tells them apart.
      {kOrdersArn,
       "00000000-1111-2222-3333-444444444444",
       {"tableId 00000000-1111-2222-3333-444444444444", std::string("tableId ") + kOrdersId,
        std::string("both named ") + kOrdersArn}},
      {other_arn, kOrdersId, {other_arn, kOrdersArn}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.table_arn + " " + c.table_id);
    testing::TempDir dir;
    fs::copy(kExports / "derived-incremental", dir.path(), fs::copy_options::recursive);
    LocalStore store(dir.path());
    AddFullOrdersExport(store, kFull, "2026-09-22T10:05:00.000Z", c.table_arn, c.table_id);
    aws::Result<std::vector<ExportManifest>> found = FindExports(store, "", std::nullopt);
    ASSERT_FALSE(found.ok());
    const std::string& message = found.error().message;
    EXPECT_NE(message.find("are of different tables"), std::string::npos) << message;
    for (const std::string& name : c.named) {
      EXPECT_NE(message.find(name), std::string::npos) << message;
    }
  }
}

TEST(ExportReaderTest, RefusesIncrementalExportsThatStartAfterTheFullExport) {
  testing::TempDir dir;
  fs::copy(kExports / "derived-incremental", dir.path(), fs::copy_options::recursive);
  LocalStore store(dir.path());
  AddFullOrdersExport(store, kFull, "2026-09-22T09:59:59.999Z");
  aws::Result<std::vector<ExportManifest>> found = FindExports(store, "", std::nullopt);
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.error().message.find("incremental export 01790000100000-5a1e2b3c starts at "
                                       "2026-09-22T10:00:00.000Z, after full export "
                                       "01790000000000-0f0f0f0f was taken"),
            std::string::npos)
      << found.error().message;
}

TEST(ExportReaderTest, TheIncrementalExportsLeftMustStillFormAChain) {
  // The first incremental export ends before the full one and is skipped; the second one, whose
  // window is moved to start after the full export, leaves a gap.
  testing::TempDir dir;
  fs::copy(kExports / "derived-incremental", dir.path(), fs::copy_options::recursive);
  LocalStore store(dir.path());
  AddFullOrdersExport(store, kFull, "2026-09-22T10:15:00.000Z");
  const std::string folder = std::string("AWSDynamoDB/") + kSecondIncremental + "/";
  aws::Result<std::string> text = store.Get(folder + "manifest-summary.json");
  ASSERT_TRUE(text.ok());
  aws::Result<ManifestSummary> summary = ParseManifestSummary(*text, "summary");
  ASSERT_TRUE(summary.ok());
  summary->export_from_time = "2026-09-22T10:16:00.000Z";
  const std::string moved = SerializeManifestSummary(*summary);
  ASSERT_TRUE(store.Put(folder + "manifest-summary.json", moved).ok());
  ASSERT_TRUE(store.Put(folder + "manifest-summary.md5", Md5Base64(moved)).ok());
  aws::Result<std::vector<ExportManifest>> found = FindExports(store, "", std::nullopt);
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.error().message.find("starts at 2026-09-22T10:16:00.000Z, after full export"),
            std::string::npos)
      << found.error().message;

  // An unreadable time is named, not compared as text.
  summary->export_from_time = "yesterday";
  const std::string bad = SerializeManifestSummary(*summary);
  ASSERT_TRUE(store.Put(folder + "manifest-summary.json", bad).ok());
  ASSERT_TRUE(store.Put(folder + "manifest-summary.md5", Md5Base64(bad)).ok());
  found = FindExports(store, "", std::nullopt);
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.error().message.find("exportFromTime 'yesterday' is not an ISO 8601 time"),
            std::string::npos)
      << found.error().message;
}

TEST(ExportReaderTest, AGapBetweenIncrementalExportsSaysWhatToDo) {
  testing::TempDir dir;
  fs::copy(kExports / "derived-incremental", dir.path(), fs::copy_options::recursive);
  LocalStore store(dir.path());
  const std::string folder = std::string("AWSDynamoDB/") + kSecondIncremental + "/";
  aws::Result<std::string> text = store.Get(folder + "manifest-summary.json");
  ASSERT_TRUE(text.ok());
  aws::Result<ManifestSummary> summary = ParseManifestSummary(*text, "summary");
  ASSERT_TRUE(summary.ok());
  summary->export_from_time = "2026-09-22T10:16:00.000Z";  // the first one ends at 10:15
  const std::string moved = SerializeManifestSummary(*summary);
  ASSERT_TRUE(store.Put(folder + "manifest-summary.json", moved).ok());
  ASSERT_TRUE(store.Put(folder + "manifest-summary.md5", Md5Base64(moved)).ok());
  // Incremental exports alone: there is no full export to name.
  aws::Result<std::vector<ExportManifest>> found = FindExports(store, "", std::nullopt);
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.error().message.find(
                "do not form a chain: a gap or an overlap; leave only exports that form a chain "
                "in the location"),
            std::string::npos)
      << found.error().message;
  // Beside a full export the first one covers, that one can be imported alone.
  AddFullOrdersExport(store, kFull, "2026-09-22T10:05:00.000Z");
  found = FindExports(store, "", std::nullopt);
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.error().message.find(std::string("overlap; import the full export alone with "
                                                   "--export-id ") +
                                       kFull + ", or leave only exports"),
            std::string::npos)
      << found.error().message;
}

TEST(ExportReaderTest, ALoneExportNeedsNoReadableTime) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  AddFullOrdersExport(store, kFull, "");  // a hand-made export without exportTime
  aws::Result<std::vector<ExportManifest>> found = FindExports(store, "", std::nullopt);
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  EXPECT_EQ(Ids(*found), std::vector<std::string>{kFull});
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
  EXPECT_NE(found.error().message.find("(MD5 AAAAAAAAAAAAAAAAAAAAAA== expected, "),
            std::string::npos)
      << found.error().message;
  // An empty checksum file is said to be empty, not quoted as an empty digest.
  ASSERT_TRUE(store.Put("AWSDynamoDB/01790000100000-5a1e2b3c/manifest-files.md5", "").ok());
  found = FindExports(store, "", std::nullopt);
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.error().message.find("manifest-files.md5 (which is empty, "), std::string::npos)
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

// A prefix "p" holding AWS's finished export and the folder of an unfinished one.
class UnfinishedExportTest : public ::testing::Test {
 protected:
  static constexpr char kFinished[] = "01715685260608-c488b4e1";
  static constexpr char kUnfinished[] = "01715685999999-0a1b2c3d";

  void SetUp() override {
    fs::copy(kExports / "scylla-migrator" / "test-bucket" / "dynamodb-export",
             fs::path(dir_.path()) / "p", fs::copy_options::recursive);
  }
  // Begins the unfinished export with `_started`, a data file, or both.
  void Begin(bool started, bool data) {
    if (started) ASSERT_TRUE(store_.Put(Folder() + "_started", "").ok());
    if (data) ASSERT_TRUE(store_.Put(Folder() + "data/abcdefghij.json.gz", "x").ok());
  }
  std::string Folder() const { return std::string("p/AWSDynamoDB/") + kUnfinished + "/"; }

  testing::TempDir dir_;
  LocalStore store_{dir_.path()};
};

TEST_F(UnfinishedExportTest, IsSkippedWithAWarningNamingIt) {
  for (const auto& [started, data] : {std::pair{true, false}, {false, true}, {true, true}}) {
    SCOPED_TRACE(::testing::Message() << "started " << started << " data " << data);
    testing::TempDir dir;
    LocalStore store(dir.path());
    fs::copy(kExports / "scylla-migrator" / "test-bucket" / "dynamodb-export",
             fs::path(dir.path()) / "p", fs::copy_options::recursive);
    const std::string folder = std::string("p/AWSDynamoDB/") + kUnfinished + "/";
    if (started) ASSERT_TRUE(store.Put(folder + "_started", "").ok());
    if (data) ASSERT_TRUE(store.Put(folder + "data/abcdefghij.json.gz", "x").ok());
    aws::Result<std::vector<ExportManifest>> found = FindExports(store, "p", std::nullopt);
    ASSERT_TRUE(found.ok()) << found.error().ToString();
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ(found->front().export_id, kFinished);
    const std::vector<std::string>& warnings = found->front().warnings;
    ASSERT_FALSE(warnings.empty());
    EXPECT_NE(warnings.front().find("skipped the unfinished export " + store.Describe(folder)),
              std::string::npos)
        << warnings.front();
    EXPECT_NE(warnings.front().find("no manifest-summary.json"), std::string::npos);
    EXPECT_NE(warnings.front().find("--resume"), std::string::npos);
  }
}

TEST_F(UnfinishedExportTest, AFolderWithNeitherStartedNorDataIsNoExport) {
  ASSERT_TRUE(store_.Put(Folder() + "notes.txt", "x").ok());
  aws::Result<std::vector<ExportManifest>> found = FindExports(store_, "p", std::nullopt);
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  for (const std::string& w : found->front().warnings) {
    EXPECT_EQ(w.find("unfinished"), std::string::npos) << w;
  }
}

TEST_F(UnfinishedExportTest, PickedByIdItIsAnErrorSayingItIsUnfinished) {
  Begin(true, true);
  aws::Result<std::vector<ExportManifest>> found =
      FindExports(store_, "p", std::string(kUnfinished));
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_NE(found.error().message.find(std::string("export ") + kUnfinished + " (" +
                                       store_.Describe(Folder()) + ") is unfinished"),
            std::string::npos)
      << found.error().message;
  EXPECT_EQ(found.error().message.find("no export"), std::string::npos);

  // Picking the finished one warns of nothing unfinished.
  aws::Result<std::vector<ExportManifest>> other = FindExports(store_, "p", std::string(kFinished));
  ASSERT_TRUE(other.ok()) << other.error().ToString();
  for (const std::string& w : other->front().warnings) {
    EXPECT_EQ(w.find("unfinished"), std::string::npos) << w;
  }
  // An id that is neither is still absent.
  aws::Result<std::vector<ExportManifest>> absent =
      FindExports(store_, "p", std::string("01715685260608-00000000"));
  ASSERT_FALSE(absent.ok());
  EXPECT_NE(absent.error().message.find("no export 01715685260608-00000000"), std::string::npos)
      << absent.error().message;
}

TEST_F(UnfinishedExportTest, OnlyUnfinishedExportsAreAnErrorNamingOne) {
  fs::remove_all(fs::path(dir_.path()) / "p" / "AWSDynamoDB" / kFinished);
  Begin(true, false);
  aws::Result<std::vector<ExportManifest>> found = FindExports(store_, "p", std::nullopt);
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.error().message.find(store_.Describe(Folder()) + " is unfinished"),
            std::string::npos)
      << found.error().message;

  // Its own folder as the location says so too.
  aws::Result<std::vector<ExportManifest>> direct =
      FindExports(store_, std::string("p/AWSDynamoDB/") + kUnfinished, std::nullopt);
  ASSERT_FALSE(direct.ok());
  EXPECT_NE(direct.error().message.find("is an unfinished export"), std::string::npos)
      << direct.error().message;
}

}  // namespace
}  // namespace ddbm::storage
