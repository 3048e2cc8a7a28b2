#include "storage/export_line.h"

#include <gtest/gtest.h>

namespace ddbm::storage {
namespace {

TEST(ExportLineTest, FullLineGivesTheItemByteForByte) {
  const std::string line =
      R"({"Item":{"id":{"S":"K3TXQk84Si"},"d":{"NS":["3","2"]},"n":{"N":"1.500"}}})";
  aws::Result<std::string_view> item = ParseFullExportLine(line);
  ASSERT_TRUE(item.ok()) << item.error().ToString();
  EXPECT_EQ(*item, R"({"id":{"S":"K3TXQk84Si"},"d":{"NS":["3","2"]},"n":{"N":"1.500"}})");
  EXPECT_EQ(item->data(), line.data() + 8);  // a slice of the line, not a copy
}

TEST(ExportLineTest, FullLineWithSpacesAndEscapes) {
  const std::string line = "{ \"Item\" : {\"s\":{\"S\":\"caf\\u00e9\"}} }";
  aws::Result<std::string_view> item = ParseFullExportLine(line);
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(*item, R"({"s":{"S":"caf\u00e9"}})");
}

TEST(ExportLineTest, FullLineErrors) {
  EXPECT_FALSE(ParseFullExportLine("").ok());
  EXPECT_FALSE(ParseFullExportLine("not json").ok());
  EXPECT_FALSE(ParseFullExportLine(R"({"Item":{"a":{"S":"x"}})").ok());  // truncated
  EXPECT_FALSE(ParseFullExportLine(R"({"Item":{}} x)").ok());            // trailing text
  EXPECT_FALSE(ParseFullExportLine(R"({"Item":[1]})").ok());
  aws::Result<std::string_view> keys = ParseFullExportLine(R"({"Keys":{"a":{"S":"x"}}})");
  ASSERT_FALSE(keys.ok());
  EXPECT_NE(keys.error().message.find("incremental"), std::string::npos);
}

TEST(ExportLineTest, IncrementalKinds) {
  aws::Result<IncrementalChange> update = ParseIncrementalLine(
      R"({"Metadata":{"WriteTimestampMicros":{"N":"1790000402000456"}},"Keys":{"k":{"S":"o-1"}},)"
      R"("OldImage":{"k":{"S":"o-1"},"s":{"S":"NEW"}},"NewImage":{"k":{"S":"o-1"},"s":{"S":"PAID"}}})");
  ASSERT_TRUE(update.ok()) << update.error().ToString();
  EXPECT_EQ(update->write_timestamp_micros, 1790000402000456);
  EXPECT_EQ(update->keys, R"({"k":{"S":"o-1"}})");
  ASSERT_TRUE(update->new_image);
  EXPECT_EQ(*update->new_image, R"({"k":{"S":"o-1"},"s":{"S":"PAID"}})");
  EXPECT_TRUE(update->has_old_image);

  aws::Result<IncrementalChange> remove = ParseIncrementalLine(
      R"({"Keys":{"k":{"S":"o-1"}},"Metadata":{"WriteTimestampMicros":{"N":"7"}}})");
  ASSERT_TRUE(remove.ok());
  EXPECT_FALSE(remove->new_image);
  EXPECT_EQ(remove->write_timestamp_micros, 7);
}

TEST(ExportLineTest, IncrementalErrors) {
  EXPECT_FALSE(ParseIncrementalLine(R"({"Item":{"k":{"S":"a"}}})").ok());
  EXPECT_FALSE(ParseIncrementalLine(R"({"Keys":{"k":{"S":"a"}}})").ok());  // no timestamp
  EXPECT_FALSE(ParseIncrementalLine(
                   R"({"Keys":{"k":{"S":"a"}},"Metadata":{"WriteTimestampMicros":{"N":"1.5"}}})")
                   .ok());
}

}  // namespace
}  // namespace ddbm::storage
