#include "storage/local_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "storage/md5.h"
#include "testing/temp_dir.h"

namespace ddbm::storage {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Every file under `dir`, relative, temporary ones included.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), dir).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> Keys(const aws::Result<std::vector<ObjectInfo>>& objects) {
  EXPECT_TRUE(objects.ok()) << objects.error().message;
  std::vector<std::string> keys;
  if (objects.ok()) {
    for (const ObjectInfo& o : *objects) keys.push_back(o.key);
  }
  return keys;
}

// Writes `bytes` through a writer in pieces of `piece` bytes; returns the ETag.
std::string WriteInPieces(ObjectStore& store, const std::string& key, std::string_view bytes,
                          size_t piece) {
  aws::Result<std::unique_ptr<ObjectWriter>> writer = store.OpenWriter(key);
  EXPECT_TRUE(writer.ok()) << writer.error().message;
  if (!writer.ok()) return "";
  for (size_t i = 0; i < bytes.size(); i += piece) {
    EXPECT_TRUE((*writer)->Append(bytes.substr(i, piece)).ok());
  }
  aws::Result<std::string> etag = (*writer)->Finish();
  EXPECT_TRUE(etag.ok()) << etag.error().message;
  return etag.ok() ? *etag : "";
}

TEST(LocalStoreTest, PutGetExistsRoundTrip) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  ASSERT_TRUE(store.Put("AWSDynamoDB/01-x/manifest-summary.json", "{\"a\":1}").ok());
  aws::Result<std::string> got = store.Get("AWSDynamoDB/01-x/manifest-summary.json");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(*got, "{\"a\":1}");
  EXPECT_EQ(ReadFile(dir.path() + "/AWSDynamoDB/01-x/manifest-summary.json"), "{\"a\":1}");
  EXPECT_TRUE(*store.Exists("AWSDynamoDB/01-x/manifest-summary.json"));
  EXPECT_FALSE(*store.Exists("AWSDynamoDB/01-x/manifest-files.json"));
  EXPECT_FALSE(*store.Exists("AWSDynamoDB/01-x"));  // a directory is no object
  EXPECT_FALSE(*store.Exists("AWSDynamoDB/01-x/manifest-summary.json/below"));

  // Overwrite, and empty objects.
  ASSERT_TRUE(store.Put("AWSDynamoDB/01-x/manifest-summary.json", "v2").ok());
  EXPECT_EQ(*store.Get("AWSDynamoDB/01-x/manifest-summary.json"), "v2");
  ASSERT_TRUE(store.Put("AWSDynamoDB/01-x/_started", "").ok());
  EXPECT_EQ(*store.Get("AWSDynamoDB/01-x/_started"), "");
  // Nothing else was left behind.
  EXPECT_EQ(FilesUnder(dir.path()),
            (std::vector<std::string>{"AWSDynamoDB/01-x/_started",
                                      "AWSDynamoDB/01-x/manifest-summary.json"}));
}

TEST(LocalStoreTest, PutCreatesEveryMissingDirectoryOrNamesWhatIsInTheWay) {
  testing::TempDir dir;
  LocalStore store(dir.path() + "/root/");
  ASSERT_TRUE(store.CheckRoot(/*create=*/true).ok());
  ASSERT_TRUE(store.Put("p/AWSDynamoDB/01-x/data/a.json.gz", "a").ok());
  EXPECT_EQ(ReadFile(dir.path() + "/root/p/AWSDynamoDB/01-x/data/a.json.gz"), "a");
  ASSERT_TRUE(store.OpenWriter("q/r/b.json.gz").ok());  // a writer's directories too
  EXPECT_TRUE(fs::is_directory(dir.path() + "/root/q/r"));

  ASSERT_TRUE(store.Put("blocker", "x").ok());
  aws::Status s = store.Put("blocker/below/c.json", "c");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_EQ(s.error().message.find('\n'), std::string::npos);
  EXPECT_NE(s.error().message.find(dir.path() + "/root/blocker"), std::string::npos)
      << s.error().message;
}

TEST(LocalStoreTest, DeleteRemovesTheObjectAndIgnoresAMissingOne) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  ASSERT_TRUE(store.Put("AWSDynamoDB/01-x/data/a.json.gz", "a").ok());
  ASSERT_TRUE(store.Delete("AWSDynamoDB/01-x/data/a.json.gz").ok());
  EXPECT_FALSE(*store.Exists("AWSDynamoDB/01-x/data/a.json.gz"));
  EXPECT_TRUE(store.Delete("AWSDynamoDB/01-x/data/a.json.gz").ok());
  EXPECT_TRUE(store.Delete("no/such/dir/b.json.gz").ok());
  EXPECT_FALSE(store.Delete("../outside").ok());
}

TEST(LocalStoreTest, MissingObjectIsNoSuchKeyNamingThePath) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  for (const char* key : {"AWSDynamoDB/none.json", "missing-dir/x/y"}) {
    aws::Result<std::string> got = store.Get(key);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().kind, aws::ErrorKind::kInvalidInput);
    EXPECT_EQ(got.error().code, "NoSuchKey");
    EXPECT_NE(got.error().message.find(store.Describe(key)), std::string::npos)
        << got.error().message;
  }
  ASSERT_TRUE(store.Put("d/file", "x").ok());
  aws::Result<std::string> got = store.Get("d");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "NoSuchKey");
}

TEST(LocalStoreTest, GetRangeReadsPartsAndTellsTheSizeAndVersion) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  ASSERT_TRUE(store.Put("d/f", "0123456789").ok());
  aws::Result<ObjectRange> first = store.GetRange("d/f", 0, 4);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->bytes, "0123");
  EXPECT_EQ(first->object_size, 10);
  EXPECT_FALSE(first->version.empty());
  EXPECT_EQ(store.GetRange("d/f", 8, 4)->bytes, "89");  // fewer at the end
  EXPECT_EQ(store.GetRange("d/f", 10, 4)->bytes, "");   // none from the end on
  EXPECT_EQ(store.GetRange("d/f", 99, 4)->object_size, 10);
  EXPECT_EQ(store.GetRange("d/f", 4, 4)->version, first->version);

  // A rewrite is another version, even of the same size.
  ASSERT_TRUE(store.Put("d/f", "abcdefghij").ok());
  aws::Result<ObjectRange> rewritten = store.GetRange("d/f", 0, 100);
  EXPECT_EQ(rewritten->bytes, "abcdefghij");
  EXPECT_NE(rewritten->version, first->version);

  aws::Result<ObjectRange> missing = store.GetRange("d/none", 0, 4);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "NoSuchKey");
  EXPECT_EQ(store.GetRange("d", 0, 4).error().code, "NoSuchKey");
}

TEST(LocalStoreTest, KeysThatLeaveTheRootAreRejected) {
  testing::TempDir dir;
  LocalStore store(dir.path() + "/root");
  for (const char* key : {"../escape", "a/../../escape", "a/..", "/etc/passwd", "", "a//b", "a/",
                          "./a", "a/./b", "x/.y.1-2-3.ddbm-tmp"}) {
    aws::Status put = store.Put(key, "x");
    ASSERT_FALSE(put.ok()) << key;
    EXPECT_EQ(put.error().kind, aws::ErrorKind::kInvalidInput) << key;
    EXPECT_FALSE(store.Get(key).ok()) << key;
    EXPECT_FALSE(store.Exists(key).ok()) << key;
    EXPECT_FALSE(store.OpenWriter(key).ok()) << key;
  }
  EXPECT_FALSE(store.List("../").ok());
  EXPECT_FALSE(store.List("/abs").ok());
  EXPECT_FALSE(store.List("a/../..").ok());
  EXPECT_FALSE(fs::exists(dir.path() + "/escape"));
  // Dots inside names are fine.
  EXPECT_TRUE(store.Put("a/..b/c..", "x").ok());
}

TEST(LocalStoreTest, WriterPublishesOnlyOnFinish) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  aws::Result<std::unique_ptr<ObjectWriter>> writer =
      store.OpenWriter("AWSDynamoDB/data/f.json.gz");
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  ASSERT_TRUE((*writer)->Append("hello ").ok());
  ASSERT_TRUE((*writer)->Append(std::string(3 << 20, 'x')).ok());  // past the write block
  ASSERT_TRUE((*writer)->Append("world").ok());
  EXPECT_FALSE(*store.Exists("AWSDynamoDB/data/f.json.gz"));
  EXPECT_TRUE(Keys(store.List("")).empty());     // the temporary file is not listed
  EXPECT_EQ(FilesUnder(dir.path()).size(), 1u);  // but it is there
  aws::Result<std::string> etag = (*writer)->Finish();
  ASSERT_TRUE(etag.ok()) << etag.error().message;
  const std::string expected = "hello " + std::string(3 << 20, 'x') + "world";
  EXPECT_EQ(*etag, SinglePartEtag(expected));
  EXPECT_TRUE(*store.Get("AWSDynamoDB/data/f.json.gz") == expected);
  EXPECT_EQ(FilesUnder(dir.path()), std::vector<std::string>{"AWSDynamoDB/data/f.json.gz"});
  EXPECT_FALSE((*writer)->Append("more").ok());
  EXPECT_FALSE((*writer)->Finish().ok());
}

TEST(LocalStoreTest, UnfinishedWritersLeaveNothing) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  {
    aws::Result<std::unique_ptr<ObjectWriter>> writer = store.OpenWriter("a/dropped");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append("bytes").ok());
  }
  aws::Result<std::unique_ptr<ObjectWriter>> writer = store.OpenWriter("a/aborted");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("bytes").ok());
  (*writer)->Abort();
  (*writer)->Abort();  // twice is harmless
  EXPECT_FALSE((*writer)->Finish().ok());
  EXPECT_TRUE(FilesUnder(dir.path()).empty());
  EXPECT_FALSE(*store.Exists("a/dropped"));
  EXPECT_FALSE(*store.Exists("a/aborted"));
}

TEST(LocalStoreTest, EtagIsTheMultipartFormOverFixedParts) {
  testing::TempDir dir;
  LocalStore store(dir.path(), /*part_size=*/4);
  // 10 bytes in parts of 4: 0123 4567 89, however the bytes arrive.
  for (size_t piece : {1, 3, 4, 10}) {
    EXPECT_EQ(WriteInPieces(store, "k", "0123456789", piece), "61e3716e3a7767581863b67c4e785584-3")
        << piece;
  }
  // Exactly two parts: no empty third part.
  EXPECT_EQ(WriteInPieces(store, "k", "01234567", 3), "6f6e3a73411a3a634c335e478a2fe8f1-2");
  // An empty object is one empty part.
  EXPECT_EQ(WriteInPieces(store, "k", "", 1), "59adb24ef3cdbe0297f05b395827453f-1");
  EXPECT_EQ(WriteInPieces(store, "k", "0123", 1), SinglePartEtag("0123"));
}

TEST(LocalStoreTest, RealDataFileGetsTheEtagAwsRecorded) {
  const std::string real_root =
      std::string(DDBM_REFDATA_DIR) + "/export/scylla-migrator/test-bucket";
  LocalStore real(real_root);
  const std::string key =
      "dynamodb-export/AWSDynamoDB/01715685260608-c488b4e1/data/uimbi7eofu2b5kzkxe63gsvb6i.json.gz";
  aws::Result<std::string> data = real.Get(key);
  ASSERT_TRUE(data.ok()) << data.error().message;
  ASSERT_EQ(data->size(), 253u);

  testing::TempDir dir;
  LocalStore store(dir.path());
  EXPECT_EQ(WriteInPieces(store, "copy.json.gz", *data, 100), "d1663e415aedcbf3c4977cde7002d2bf-1");
}

TEST(LocalStoreTest, ListIsRecursiveSortedAndFiltersByPrefix) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  for (const char* key : {"AWSDynamoDB/data/b.json.gz", "AWSDynamoDB/data/a.json.gz",
                          "AWSDynamoDB/01-x/manifest-files.json", "AWSDynamoDB/01-x/_started",
                          "AWSDynamoDB/data2/c", "other/file", "top"}) {
    ASSERT_TRUE(store.Put(key, key).ok()) << key;
  }
  aws::Result<std::unique_ptr<ObjectWriter>> open = store.OpenWriter("AWSDynamoDB/data/z.json.gz");
  ASSERT_TRUE(open.ok());

  EXPECT_EQ(
      Keys(store.List("")),
      (std::vector<std::string>{"AWSDynamoDB/01-x/_started", "AWSDynamoDB/01-x/manifest-files.json",
                                "AWSDynamoDB/data/a.json.gz", "AWSDynamoDB/data/b.json.gz",
                                "AWSDynamoDB/data2/c", "other/file", "top"}));
  EXPECT_EQ(Keys(store.List("AWSDynamoDB/data/")),
            (std::vector<std::string>{"AWSDynamoDB/data/a.json.gz", "AWSDynamoDB/data/b.json.gz"}));
  EXPECT_EQ(Keys(store.List("AWSDynamoDB/data")),
            (std::vector<std::string>{"AWSDynamoDB/data/a.json.gz", "AWSDynamoDB/data/b.json.gz",
                                      "AWSDynamoDB/data2/c"}));
  EXPECT_EQ(Keys(store.List("AWSDynamoDB/data/b")),
            std::vector<std::string>{"AWSDynamoDB/data/b.json.gz"});
  EXPECT_EQ(Keys(store.List("t")), std::vector<std::string>{"top"});
  EXPECT_TRUE(Keys(store.List("nothing/here/")).empty());

  aws::Result<std::vector<ObjectInfo>> sized = store.List("other/");
  ASSERT_TRUE(sized.ok());
  ASSERT_EQ(sized->size(), 1u);
  EXPECT_EQ((*sized)[0].size, static_cast<int64_t>(std::string("other/file").size()));

  LocalStore missing(dir.path() + "/does-not-exist");
  EXPECT_TRUE(Keys(missing.List("")).empty());
}

// Temporary files a killed process left: only those of exactly the writer's form, for keys
// under the prefix, are removed.
TEST(LocalStoreTest, AbortIncompleteUploadsRemovesOnlyOurTemporaryFiles) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  ASSERT_TRUE(store.Put("x/data/done.json.gz", "finished").ok());
  const std::vector<std::string> ours = {
      "x/data/.a.json.gz.1234-0-0badc0de.ddbm-tmp",
      "x/data/.b.c.json.gz.99-12-ffffffff.ddbm-tmp",  // a dot in the name
  };
  const std::vector<std::string> kept = {
      "x/data/.hidden",                                // an unrelated hidden file
      "x/data/.a.json.gz.ddbm-tmp",                    // no <pid>-<counter>-<hex>
      "x/data/.a.json.gz.12-3-0BADC0DE.ddbm-tmp",      // upper-case hex
      "x/data/.a.json.gz.12-3-0badc0d.ddbm-tmp",       // 7 hex digits
      "x/data/.a.json.gz.12-x-0badc0de.ddbm-tmp",      // a counter that is not a number
      "x/data/..1-2-0badc0de.ddbm-tmp",                // no name
      "x/data/a.json.gz.1-2-0badc0de.ddbm-tmp",        // no leading dot
      "x/.manifest-files.json.1-2-0badc0de.ddbm-tmp",  // ours, but not under the prefix
      "x/data2/.a.json.gz.1-2-0badc0de.ddbm-tmp",      // ours, in a sibling folder
  };
  for (const std::vector<std::string>* names : {&ours, &kept}) {
    for (const std::string& name : *names) {
      fs::create_directories(fs::path(dir.path() + "/" + name).parent_path());
      std::ofstream(dir.path() + "/" + name) << "partial";
    }
  }
  aws::Result<size_t> removed = store.AbortIncompleteUploads("x/data/");
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, ours.size());
  std::vector<std::string> expected = kept;
  expected.push_back("x/data/done.json.gz");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(FilesUnder(dir.path()), expected);

  // Nothing left to remove; a missing folder has nothing either.
  EXPECT_EQ(*store.AbortIncompleteUploads("x/data/"), 0u);
  EXPECT_EQ(*store.AbortIncompleteUploads("y/data/"), 0u);
  EXPECT_FALSE(store.AbortIncompleteUploads("../x/").ok());
}

// The pattern above is the one writers really use: the temporary file of a writer that is
// still open (as a killed process leaves it) is found and removed.
TEST(LocalStoreTest, AbortIncompleteUploadsFindsARealWritersFile) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  aws::Result<std::unique_ptr<ObjectWriter>> writer =
      store.OpenWriter("x/data/abcdefghijklmnopqrstuvwxyz.json.gz");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append(std::string(2 << 20, 'x')).ok());  // past one write block
  ASSERT_EQ(FilesUnder(dir.path()).size(), 1u);
  EXPECT_EQ(*store.AbortIncompleteUploads("x/"), 1u);
  EXPECT_TRUE(FilesUnder(dir.path()).empty());
  EXPECT_FALSE((*writer)->Finish().ok());  // its upload is gone
  EXPECT_TRUE(FilesUnder(dir.path()).empty());
}

TEST(LocalStoreTest, ListsTheRealExport) {
  LocalStore real(std::string(DDBM_REFDATA_DIR) + "/export/scylla-migrator/test-bucket");
  EXPECT_EQ(Keys(real.List("dynamodb-export/AWSDynamoDB/")),
            (std::vector<std::string>{
                "dynamodb-export/AWSDynamoDB/01715685260608-c488b4e1/data/"
                "uimbi7eofu2b5kzkxe63gsvb6i.json.gz",
                "dynamodb-export/AWSDynamoDB/01715685260608-c488b4e1/manifest-files.json",
                "dynamodb-export/AWSDynamoDB/01715685260608-c488b4e1/manifest-summary.json"}));
  EXPECT_TRUE(real.CheckRoot(/*create=*/false).ok());
}

TEST(LocalStoreTest, CheckRoot) {
  testing::TempDir dir;
  LocalStore nested(dir.path() + "/a/b/c");
  aws::Status s = nested.CheckRoot(/*create=*/false);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_NE(s.error().message.find(dir.path() + "/a/b/c: no such directory"), std::string::npos)
      << s.error().message;
  ASSERT_TRUE(nested.CheckRoot(/*create=*/true).ok());
  EXPECT_TRUE(fs::is_directory(dir.path() + "/a/b/c"));
  EXPECT_TRUE(nested.CheckRoot(/*create=*/false).ok());
  EXPECT_TRUE(FilesUnder(dir.path()).empty());  // the probe is gone

  const std::string file = dir.WriteFile("plain-file", "x");
  LocalStore on_file(file);
  s = on_file.CheckRoot(/*create=*/true);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("not a directory"), std::string::npos) << s.error().message;
  LocalStore below_file(file + "/sub");
  s = below_file.CheckRoot(/*create=*/true);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find(file + "/sub"), std::string::npos) << s.error().message;
}

TEST(LocalStoreTest, UnwritableRootIsOneClearLine) {
  testing::TempDir dir;
  const std::string root = dir.path() + "/read-only";
  fs::create_directories(root);
  ::chmod(root.c_str(), 0555);
  LocalStore store(root);
  aws::Status s = store.CheckRoot(/*create=*/true);
  ::chmod(root.c_str(), 0755);
  if (s.ok() && ::geteuid() == 0) {
    // Permission bits do not stop root; sysfs refuses new files to everyone.
    LocalStore sysfs("/sys");
    s = sysfs.CheckRoot(/*create=*/true);
    if (s.ok() || !fs::is_directory("/sys")) GTEST_SKIP() << "no unwritable directory for root";
    EXPECT_NE(s.error().message.find("/sys: directory is not writable"), std::string::npos)
        << s.error().message;
    return;
  }
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message.find('\n'), std::string::npos);
  EXPECT_NE(s.error().message.find(root + ": directory is not writable"), std::string::npos)
      << s.error().message;
}

TEST(LocalStoreTest, DescribeAndBucket) {
  testing::TempDir dir;
  LocalStore store(dir.path() + "/x/");
  EXPECT_EQ(store.Describe("AWSDynamoDB/k"), dir.path() + "/x/AWSDynamoDB/k");
  EXPECT_EQ(store.bucket(), std::nullopt);
  LocalStore relative("some/relative/dir");
  EXPECT_EQ(relative.root(), (fs::current_path() / "some/relative/dir").string());
  EXPECT_EQ(LocalStore("/").Describe("k"), "/k");
}

TEST(LocalStoreTest, ConcurrentWritersToOneDirectory) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < 20; ++i) {
        const std::string key = "AWSDynamoDB/data/" + std::to_string(t) + "-" + std::to_string(i);
        aws::Result<std::unique_ptr<ObjectWriter>> w = store.OpenWriter(key);
        ASSERT_TRUE(w.ok());
        ASSERT_TRUE((*w)->Append(key).ok());
        ASSERT_TRUE((*w)->Finish().ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  aws::Result<std::vector<ObjectInfo>> all = store.List("AWSDynamoDB/data/");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 160u);
  EXPECT_EQ(FilesUnder(dir.path()).size(), 160u);
}

}  // namespace
}  // namespace ddbm::storage
