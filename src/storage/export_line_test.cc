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

TEST(ExportLineTest, EncodingErrorsAreNamed) {
  const auto message = [](std::string_view line) {
    aws::Result<std::string_view> item = ParseFullExportLine(line);
    return item.ok() ? std::string("ok") : item.error().message;
  };
  EXPECT_EQ(message("\xEF\xBB\xBF{\"Item\":{\"a\":{\"S\":\"x\"}}}"),
            "starts with a byte-order mark (EF BB BF), which JSON lines do not have; an editor "
            "may have added it");
  EXPECT_EQ(message("{\"Item\":{\"a\":{\"S\":\"\xFF\"}}}"),
            "not valid UTF-8, as every line of an export is");
  EXPECT_EQ(message(R"({"Item":{"a":{"S":"b\ud800"}}})"),
            "a string in it has an invalid escape (such as \\ud800 without its pair)");
  EXPECT_EQ(message("[1]"), "not a JSON object");
  EXPECT_EQ(message("not json").rfind("not valid JSON: ", 0), 0u) << message("not json");
  // Incremental lines go through the same check.
  aws::Result<IncrementalChange> change =
      ParseIncrementalLine("{\"Keys\":{\"a\":{\"S\":\"\xC3\"}}}");
  ASSERT_FALSE(change.ok());
  EXPECT_EQ(change.error().message, "not valid UTF-8, as every line of an export is");
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
