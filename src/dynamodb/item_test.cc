#include "dynamodb/item.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace ddbm::dynamodb {
namespace {

// ExtractKey reads up to 64 bytes past the item: keep each input inside a larger buffer.
class PaddedItem {
 public:
  explicit PaddedItem(std::string_view json) : buffer_(json), size_(json.size()) {
    // What follows the item must not be taken for part of it.
    buffer_.append(R"(,"pk":{"S":"not this one"}}]})");
    buffer_.append(64, '}');
  }
  std::string_view view() const { return std::string_view(buffer_).substr(0, size_); }

 private:
  std::string buffer_;
  size_t size_;
};

std::vector<KeySchemaElement> HashOnly(std::string name = "pk", std::string type = "S") {
  return {{std::move(name), "HASH", std::move(type)}};
}

std::vector<KeySchemaElement> HashRange(std::string hash_type = "S", std::string range_type = "N") {
  return {{"pk", "HASH", std::move(hash_type)}, {"sk", "RANGE", std::move(range_type)}};
}

aws::Result<std::string> Extract(std::string_view item,
                                 const std::vector<KeySchemaElement>& schema) {
  PaddedItem padded(item);
  return ExtractKey(padded.view(), schema);
}

TEST(ExtractKeyTest, HashOnly) {
  aws::Result<std::string> key =
      Extract(R"({"a":{"N":"1"},"pk":{"S":"x\"y\u00e9"},"z":{"L":[{"S":"pk"}]}})", HashOnly());
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(*key, R"({"pk":{"S":"x\"y\u00e9"}})");
}

TEST(ExtractKeyTest, ValuesAreCopiedByteForByte) {
  aws::Result<std::string> key = Extract(
      R"({"pk":{"B":"AAEC/w=="},"sk":{"N":"12345678901234567890123456789012345678"},"n":{"N":"1E+125"}})",
      HashRange("B", "N"));
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(*key, R"({"pk":{"B":"AAEC/w=="},"sk":{"N":"12345678901234567890123456789012345678"}})");
  key = Extract(R"({"sk":{"N":"-1E-130"},"pk":{"S":"a"}})", HashRange());
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(*key, R"({"pk":{"S":"a"},"sk":{"N":"-1E-130"}})");
}

TEST(ExtractKeyTest, HashAndRangeInSchemaOrderWhenTheItemListsThemReversed) {
  aws::Result<std::string> key = Extract(
      R"({"other":{"M":{"pk":{"S":"nested"}}},"sk":{"N":"42"},"mid":{"SS":["a"]},"pk":{"S":"h"}})",
      HashRange());
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(*key, R"({"pk":{"S":"h"},"sk":{"N":"42"}})");
}

TEST(ExtractKeyTest, WhitespaceAroundValuesIsNotCopied) {
  aws::Result<std::string> key =
      Extract("{ \"sk\" : {\"N\":\"7\"} ,\n  \"pk\" : { \"S\" : \"h\" }\n}", HashRange());
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(*key, "{\"pk\":{ \"S\" : \"h\" },\"sk\":{\"N\":\"7\"}}");
}

TEST(ExtractKeyTest, AttributeNamesNeedingEscapes) {
  // The schema holds the names as they are; the item (JSON) holds them escaped.
  const std::vector<KeySchemaElement> schema = {{"p\"k\\1", "HASH", "S"},
                                                {"s\u00e9\n", "RANGE", "N"}};
  aws::Result<std::string> key =
      Extract(R"({"s\u00e9\n":{"N":"5"},"x":{"S":"y"},"p\"k\\1":{"S":"v"}})", schema);
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(*key, "{\"p\\\"k\\\\1\":{\"S\":\"v\"},\"s\u00e9\\n\":{\"N\":\"5\"}}");
}

TEST(ExtractKeyTest, SchemaWithoutTypesAcceptsAnyType) {
  const std::vector<KeySchemaElement> schema = {{"pk", "HASH", ""}};
  aws::Result<std::string> key = Extract(R"({"pk":{"N":"3"}})", schema);
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(*key, R"({"pk":{"N":"3"}})");
}

TEST(ExtractKeyTest, MissingKeyAttribute) {
  aws::Result<std::string> key = Extract(R"({"pk":{"S":"h"},"other":{"N":"1"}})", HashRange());
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_NE(key.error().message.find("sk"), std::string::npos) << key.error().message;
  EXPECT_NE(key.error().message.find("lacks"), std::string::npos) << key.error().message;

  key = Extract(R"({"sk":{"N":"1"}})", HashRange());
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_NE(key.error().message.find("pk"), std::string::npos) << key.error().message;

  key = Extract("{}", HashOnly("id"));
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("id"), std::string::npos) << key.error().message;
}

TEST(ExtractKeyTest, NestedAttributeWithTheKeyNameDoesNotCount) {
  aws::Result<std::string> key = Extract(R"({"m":{"M":{"pk":{"S":"inner"}}}})", HashOnly());
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().kind, aws::ErrorKind::kInvalidInput);
}

TEST(ExtractKeyTest, WrongKeyType) {
  aws::Result<std::string> key = Extract(R"({"pk":{"N":"1"}})", HashOnly("pk", "S"));
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().kind, aws::ErrorKind::kInvalidInput);
  const std::string& message = key.error().message;
  EXPECT_NE(message.find("pk"), std::string::npos) << message;
  EXPECT_NE(message.find("has type N"), std::string::npos) << message;
  EXPECT_NE(message.find("says S"), std::string::npos) << message;

  key = Extract(R"({"pk":{"S":"a"},"sk":{"S":"1"}})", HashRange("S", "N"));
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("sk"), std::string::npos) << key.error().message;
  EXPECT_NE(key.error().message.find("has type S"), std::string::npos) << key.error().message;

  key = Extract(R"({"pk":{"SS":["a"]}})", HashOnly("pk", "S"));
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("has type SS"), std::string::npos) << key.error().message;
}

TEST(ExtractKeyTest, EmptyOrRepeatedKeyValues) {
  for (auto [item, type] :
       {std::pair{R"({"pk":{"S":""}})", "S"}, std::pair{R"({"pk":{"B":""}})", "B"},
        std::pair{R"({"pk": { "S" : "" }})", "S"}}) {
    SCOPED_TRACE(item);
    aws::Result<std::string> key = Extract(item, HashOnly("pk", type));
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.error().kind, aws::ErrorKind::kInvalidInput);
    EXPECT_NE(key.error().message.find("key attribute pk is empty"), std::string::npos)
        << key.error().message;
  }
  // An empty string elsewhere, and a string that only starts with quotes, are fine.
  EXPECT_TRUE(Extract(R"({"pk":{"S":"\"\""},"e":{"S":""}})", HashOnly()).ok());

  aws::Result<std::string> key =
      Extract(R"({"pk":{"S":"a"},"pk":{"S":"b"},"sk":{"N":"1"}})", HashRange());
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("key attribute pk appears twice"), std::string::npos)
      << key.error().message;
}

TEST(ExtractKeyTest, KeyValueThatIsNotAnAttributeValue) {
  aws::Result<std::string> key = Extract(R"({"pk":"plain"})", HashOnly());
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_NE(key.error().message.find("pk"), std::string::npos);
}

TEST(ExtractExactKeyTest, AcceptsTheKeyAloneInAnyOrder) {
  PaddedItem keys(R"({"sk":{"N":"7"},"pk":{"S":"a"}})");
  aws::Result<std::string> key = ExtractExactKey(keys.view(), HashRange());
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(*key, R"({"pk":{"S":"a"},"sk":{"N":"7"}})");
}

TEST(ExtractExactKeyTest, RefusesAKeyOfAnotherSchema) {
  // The Keys of an incremental export of a table keyed pk+sk, read for a table keyed pk: taken
  // as pk alone, changes to different items would land on one.
  PaddedItem keys(R"({"pk":{"S":"a"},"sk":{"N":"7"}})");
  aws::Result<std::string> key = ExtractExactKey(keys.view(), HashOnly());
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_NE(key.error().message.find("the key holds attribute sk, which is not in the table's "
                                     "key schema (pk)"),
            std::string::npos)
      << key.error().message;
  // ExtractKey takes what it needs from a whole item.
  EXPECT_TRUE(ExtractKey(keys.view(), HashOnly()).ok());
  // Missing attributes are still named.
  PaddedItem partial(R"({"pk":{"S":"a"}})");
  key = ExtractExactKey(partial.view(), HashRange());
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("lacks key attribute sk"), std::string::npos)
      << key.error().message;
}

TEST(ExtractKeyTest, NotAnObject) {
  for (std::string_view item : {"[]", "\"x\"", "nope", ""}) {
    SCOPED_TRACE(item);
    aws::Result<std::string> key = Extract(item, HashOnly());
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.error().kind, aws::ErrorKind::kInvalidInput);
  }
}

TEST(ExtractKeyTest, SliceOfALargerBuffer) {
  // Items sliced out of a page body: the bytes after each slice belong to the next item.
  const std::string body =
      R"({"Items":[{"pk":{"S":"one"},"sk":{"N":"1"}},{"sk":{"N":"2"},"pk":{"S":"two"}}]})" +
      std::string(64, ' ');
  const size_t first = body.find("{\"pk\"");
  const size_t first_end = body.find("}}", body.find("\"sk\"")) + 2;
  const size_t second = first_end + 1;
  const size_t second_end = body.find("]}");
  const std::string_view item1(body.data() + first, first_end - first);
  const std::string_view item2(body.data() + second, second_end - second);
  ASSERT_EQ(item1, R"({"pk":{"S":"one"},"sk":{"N":"1"}})");
  ASSERT_EQ(item2, R"({"sk":{"N":"2"},"pk":{"S":"two"}})");
  aws::Result<std::string> key = ExtractKey(item1, HashRange());
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(*key, R"({"pk":{"S":"one"},"sk":{"N":"1"}})");
  key = ExtractKey(item2, HashRange());
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(*key, R"({"pk":{"S":"two"},"sk":{"N":"2"}})");
}

TEST(ExtractKeyTest, StringWithReservedCapacity) {
  std::string item = R"({"pk":{"S":"reserved"}})";
  item.reserve(item.size() + 64);
  aws::Result<std::string> key = ExtractKey(item, HashOnly());
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(*key, item);
}

}  // namespace
}  // namespace ddbm::dynamodb
