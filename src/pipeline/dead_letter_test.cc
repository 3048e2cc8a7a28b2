#include "pipeline/dead_letter.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "testing/temp_dir.h"

namespace ddbm::pipeline {
namespace {

const std::string kItemA = R"({"pk":{"S":"a"},"n":{"N":"1"}})";
const std::string kItemB = R"({"pk":{"S":"b"},"Reason":{"S":"not ours"}})";

aws::Error Rejected() {
  aws::Error e = aws::Error::Make(aws::ErrorKind::kService, "Item size has exceeded the limit");
  e.code = "ValidationException";
  return e;
}

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string Content(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class DeadLetterFileTest : public ::testing::Test {
 protected:
  // Writes `items` with a fresh DeadLetterFile, as one run would.
  void Run(const std::vector<std::string>& items, bool resume) {
    DeadLetterFile file(path_);
    if (resume) {
      ASSERT_TRUE(file.IndexEarlierLines().ok());
    }
    for (const std::string& item : items) ASSERT_TRUE(file.Write(item, Rejected()).ok());
    EXPECT_EQ(file.count(), items.size());
  }

  ddbm::testing::TempDir dir_;
  const std::string path_ = dir_.path() + "/dead.jsonl";
};

TEST_F(DeadLetterFileTest, LinesHoldTheItemVerbatimAndTheReason) {
  Run({kItemA}, false);
  const std::vector<std::string> lines = Lines(path_);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind(R"({"Item":)" + kItemA + R"(,"Reason":")", 0), 0u);
  EXPECT_NE(lines[0].find(R"("Code":"ValidationException")"), std::string::npos);
}

TEST_F(DeadLetterFileTest, ANewFileIsReadableByItsOwnerOnly) {
  Run({kItemA}, false);
  EXPECT_EQ(std::filesystem::status(path_).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(DeadLetterFileTest, CheckWritableRefusesADirectoryBeforeAnyWork) {
  const std::string directory = dir_.path() + "/adir";
  std::filesystem::create_directory(directory);
  const aws::Status status = DeadLetterFile(directory).CheckWritable();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("is a directory"), std::string::npos)
      << status.error().message;
  EXPECT_NE(status.error().message.find(directory + "/dead-letter.jsonl"), std::string::npos);
  EXPECT_TRUE(DeadLetterFile(path_).CheckWritable().ok());
}

// A device cannot be read back on a resume, and no file can be made inside it.
TEST_F(DeadLetterFileTest, CheckWritableRefusesADevice) {
  const aws::Status status = DeadLetterFile("/dev/null").CheckWritable();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("is not a regular file (a device"), std::string::npos)
      << status.error().message;
  EXPECT_EQ(status.error().message.find("/dev/null/"), std::string::npos);
}

TEST_F(DeadLetterFileTest, ACleanRunLeavesNoFile) {
  Run({}, false);
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(DeadLetterFileTest, AResumeDoesNotAppendItemsTheEarlierRunAlreadyWrote) {
  Run({kItemA, kItemB}, false);
  Run({kItemB, kItemA}, true);  // the unacknowledged work, done again
  EXPECT_EQ(Lines(path_).size(), 2u);
}

TEST_F(DeadLetterFileTest, EachEarlierLineAbsorbsOneWriteOnly) {
  Run({kItemA}, false);
  // The same item rejected twice by the resumed run (say, two stream records): one of them is
  // the earlier line's, the other is new.
  Run({kItemA, kItemA, kItemB}, true);
  const std::vector<std::string> lines = Lines(path_);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[1].find(kItemA), std::string::npos);
  EXPECT_NE(lines[2].find(kItemB), std::string::npos);
}

// An item that came back in UnprocessedItems is in the service's encoding, not in the bytes the
// source gave: its earlier line must still absorb it.
TEST_F(DeadLetterFileTest, AResumeKnowsAnItemItsPredecessorWroteInAnotherSpelling) {
  const std::string as_sent =
      "{\"pk\":{\"S\":\"\xF0\x90\x8D\x88 caf\xC3\xA9\"},\"n\":{\"N\":\"1.50\"},"
      R"("b":{"B":"AR=="},"ns":{"NS":["2","10"]},"m":{"M":{"x":{"S":"1"},"y":{"N":"1E0"}}}})";
  const std::string as_returned =
      R"({"m":{"M":{"y":{"N":"1"},"x":{"S":"1"}}},"ns":{"NS":["1E1","2"]},"b":{"B":"AQ=="},)"
      R"("n":{"N":"15e-1"},"pk":{"S":"\uD800\uDF48 caf\u00e9"}})";
  Run({as_returned}, false);
  Run({as_sent}, true);
  const std::vector<std::string> lines = Lines(path_);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind(R"({"Item":)" + as_returned + R"(,"Reason":")", 0), 0u);
}

TEST_F(DeadLetterFileTest, AnItemWithOtherValuesIsNotAbsorbed) {
  Run({R"({"pk":{"S":"a"},"n":{"N":"1"},"b":{"B":"AQ=="}})"}, false);
  Run({R"({"pk":{"S":"a"},"n":{"N":"1.01"},"b":{"B":"AQ=="}})",
       R"({"pk":{"S":"a"},"n":{"N":"1"},"b":{"B":"Ag=="}})",
       R"({"pk":{"S":"A"},"n":{"N":"1"},"b":{"B":"AQ=="}})"},
      true);
  EXPECT_EQ(Lines(path_).size(), 4u);
}

TEST_F(DeadLetterFileTest, AnEarlierLineAbsorbsOneWriteWhateverItsSpelling) {
  Run({R"({"pk":{"S":"a"},"n":{"N":"1"}})"}, false);
  const std::string respelt = R"({"n":{"N":"1.0"},"pk":{"S":"\u0061"}})";
  Run({respelt, respelt}, true);
  const std::vector<std::string> lines = Lines(path_);
  ASSERT_EQ(lines.size(), 2u);
  // The item as the resumed run had it, verbatim.
  EXPECT_EQ(lines[1].rfind(R"({"Item":)" + respelt + R"(,"Reason":")", 0), 0u);
}

// Replicate dead-letters stream records whose values DynamoDB would refuse: not items of typed
// values, so only the same bytes are the same record.
TEST_F(DeadLetterFileTest, LinesThatAreNotItemsAbsorbTheSameBytesOnly) {
  const std::string record =
      R"({"eventID":"e1","eventName":"INSERT","dynamodb":{"Keys":{"pk":{"S":"a"}},)"
      R"("NewImage":{"pk":{"S":"a"},"s":{"SS":[]}},"SequenceNumber":"100"}})";
  const std::string next = R"({"eventID":"e2","eventName":"INSERT","dynamodb":{"Keys":)"
                           R"({"pk":{"S":"a"}},"NewImage":{"pk":{"S":"a"},"s":{"SS":[]}},)"
                           R"("SequenceNumber":"101"}})";
  Run({record}, false);
  Run({next, record}, true);
  const std::vector<std::string> lines = Lines(path_);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].rfind(R"({"Item":)" + next, 0), 0u);
}

TEST_F(DeadLetterFileTest, WithoutResumeEveryItemIsAppended) {
  Run({kItemA}, false);
  Run({kItemA}, false);
  EXPECT_EQ(Lines(path_).size(), 2u);
}

TEST_F(DeadLetterFileTest, AResumeWithoutAFileStartsOne) {
  Run({kItemA}, true);
  EXPECT_EQ(Lines(path_).size(), 1u);
}

TEST_F(DeadLetterFileTest, AResumeCutsOffALineAKilledRunLeftHalfWritten) {
  Run({kItemA}, false);
  const std::string complete = Content(path_);
  {
    std::ofstream out(path_, std::ios::binary | std::ios::app);
    out << R"({"Item":{"pk":{"S":"b"},"Rea)";
  }
  Run({kItemB}, true);
  const std::string content = Content(path_);
  ASSERT_EQ(content.rfind(complete, 0), 0u);
  const std::vector<std::string> lines = Lines(path_);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].rfind(R"({"Item":)" + kItemB, 0), 0u);
}

TEST_F(DeadLetterFileTest, AFreshRunStartsOnANewLineAfterAHalfWrittenOne) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << R"({"Item":{"pk":{"S":"b"})";
  }
  Run({kItemA}, false);
  const std::vector<std::string> lines = Lines(path_);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].rfind(R"({"Item":)" + kItemA, 0), 0u);
}

TEST_F(DeadLetterFileTest, LinesThatAreNotOursAreKeptAndIgnored) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << "# notes by hand\n"
        << R"({"Item":)" << kItemA << "}\n";
  }
  Run({kItemA}, true);
  EXPECT_EQ(Lines(path_).size(), 3u);
}

}  // namespace
}  // namespace ddbm::pipeline
