#include "storage/export_layout.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace ddbm::storage {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

TEST(ExportLayoutTest, KeysWithAndWithoutPrefix) {
  EXPECT_EQ(ExportsRoot(""), "AWSDynamoDB/");
  EXPECT_EQ(ExportsRoot("backups/orders"), "backups/orders/AWSDynamoDB/");
  EXPECT_EQ(FullExportDataFolder("p", "01715685260608-c488b4e1"),
            "p/AWSDynamoDB/01715685260608-c488b4e1/data/");
}

TEST(ExportLayoutTest, ExportIdIsMillisecondsAndHex) {
  std::mt19937_64 random(7);
  // 2024-05-14T11:14:20.608Z, the real fixture's start time.
  const system_clock::time_point start{milliseconds(1715685260608)};
  const std::string id = NewExportId(start, random);
  EXPECT_TRUE(id.starts_with("01715685260608-")) << id;
  EXPECT_TRUE(IsExportId(id)) << id;
  EXPECT_TRUE(IsExportId("01715685260608-c488b4e1"));
  EXPECT_FALSE(IsExportId("01715685260608-C488B4E1"));
  EXPECT_FALSE(IsExportId("data"));
}

TEST(ExportLayoutTest, DataFileNamesAreBase32Of128Bits) {
  std::mt19937_64 random(11);
  const std::regex shape("^[a-z2-7]{25}[aeimquy4]\\.json\\.gz$");
  std::set<std::string> names;
  for (int i = 0; i < 200; ++i) {
    const std::string name = NewDataFileName(random);
    EXPECT_TRUE(std::regex_match(name, shape)) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 200u);
}

TEST(ExportLayoutTest, MillisecondTimes) {
  EXPECT_EQ(FormatIso8601Millis(system_clock::time_point{milliseconds(1715685260608)}),
            "2024-05-14T11:14:20.608Z");
  EXPECT_EQ(FormatIso8601Millis(system_clock::time_point{milliseconds(0)}),
            "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace ddbm::storage
