#include "pipeline/item_transform.h"

#include <gtest/gtest.h>

namespace ddbm::pipeline {
namespace {

const std::vector<dynamodb::KeySchemaElement> kKeys = {{"pk", "HASH", "S"}, {"sk", "RANGE", "N"}};

aws::Result<TransformedPage> Read(const std::string& answers, size_t expected) {
  return ReadTransformAnswers(answers, expected, kKeys, "transform 't'");
}

TEST(ItemTransformTest, ItemsArraysAndNullAnswerOneItemEach) {
  const std::string answers =
      "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"S\":\"\\u00e9\"}}\n"
      "null\n"
      " [{\"pk\":{\"S\":\"b\"},\"sk\":{\"N\":\"1\"}} , "
      "{\"pk\":{\"S\":\"b\"},\"sk\":{\"N\":\"2\"}}]\r\n"
      "[]\n";
  aws::Result<TransformedPage> page = Read(answers, 4);
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  ASSERT_EQ(page->items.size(), 3u);
  // Byte for byte as written: escapes and spelling kept.
  EXPECT_EQ(page->items[0], R"({"pk":{"S":"a"},"sk":{"N":"1"},"v":{"S":"\u00e9"}})");
  EXPECT_EQ(page->items[1], R"({"pk":{"S":"b"},"sk":{"N":"1"}})");
  EXPECT_EQ(page->items[2], R"({"pk":{"S":"b"},"sk":{"N":"2"}})");
  EXPECT_EQ(page->dropped, 2u);
  EXPECT_TRUE(page->refused.empty());
  // The last line may lack its newline.
  EXPECT_TRUE(Read("null", 1).ok());
  // No items, no answers.
  aws::Result<TransformedPage> empty = Read("", 0);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->items.empty());
}

TEST(ItemTransformTest, ItemsTheTargetCannotTakeAreRefusedWithTheReason) {
  const std::string answers =
      "{\"sk\":{\"N\":\"1\"}}\n"
      "{\"pk\":{\"S\":\"a\"},\"sk\":{\"S\":\"1\"}}\n"
      "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"s\":{\"SS\":[]}}\n"
      "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"2\"}}\n";
  aws::Result<TransformedPage> page = Read(answers, 4);
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  ASSERT_EQ(page->items.size(), 1u);
  ASSERT_EQ(page->refused.size(), 3u);
  EXPECT_EQ(page->refused[0].first, R"({"sk":{"N":"1"}})");
  EXPECT_NE(page->refused[0].second.find("the transformed item does not fit the target's key"),
            std::string::npos)
      << page->refused[0].second;
  EXPECT_NE(page->refused[1].second.find("sk"), std::string::npos) << page->refused[1].second;
  EXPECT_NE(page->refused[2].second.find("not one DynamoDB accepts"), std::string::npos)
      << page->refused[2].second;
}

TEST(ItemTransformTest, OfTheItemsOfOneKeyTheLastIsWritten) {
  // Versions of one key in an array, and across lines, the key spelt two ways ("1E+0" is 1):
  // each key's last item is written, as puts in order would leave the target; the others are
  // counted as superseded. Items of other keys keep their order.
  const std::string answers =
      "[{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"N\":\"1\"}},"
      "{\"pk\":{\"S\":\"b\"},\"sk\":{\"N\":\"1\"}},"
      "{\"v\":{\"N\":\"2\"},\"sk\":{\"N\":\"1E+0\"},\"pk\":{\"S\":\"\\u0061\"}}]\n"
      "{\"pk\":{\"S\":\"c\"},\"sk\":{\"N\":\"1\"}}\n"
      "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1.0\"},\"v\":{\"N\":\"3\"}}\n"
      // Refused, so it writes nothing and supersedes nothing.
      "{\"pk\":{\"S\":\"c\"},\"sk\":{\"N\":\"1\"},\"s\":{\"SS\":[]}}\n";
  aws::Result<TransformedPage> page = Read(answers, 4);
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  ASSERT_EQ(page->items.size(), 3u);
  EXPECT_EQ(page->items[0], R"({"pk":{"S":"b"},"sk":{"N":"1"}})");
  EXPECT_EQ(page->items[1], R"({"pk":{"S":"c"},"sk":{"N":"1"}})");
  EXPECT_EQ(page->items[2], R"({"pk":{"S":"a"},"sk":{"N":"1.0"},"v":{"N":"3"}})");
  EXPECT_EQ(page->superseded, 2u);
  EXPECT_EQ(page->refused.size(), 1u);
  // Keys that differ only in the sort key are two keys.
  aws::Result<TransformedPage> two = Read(
      "[{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}},{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"2\"}}]\n",
      1);
  ASSERT_TRUE(two.ok()) << two.error().ToString();
  EXPECT_EQ(two->items.size(), 2u);
  EXPECT_EQ(two->superseded, 0u);
}

TEST(ItemTransformTest, AnswersThatAreNoAnswersMeanABrokenTransform) {
  struct Case {
    std::string answers;
    size_t expected;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"{\"pk\":\n", 1,
       "transform 't': it answered line 1 of a page of 1 items with text that "
       "is not JSON: {\"pk\":"},
      {"7\n", 1, "line 1 of a page of 1 items with neither an item, an array of items nor null"},
      {"\"x\"\n", 1, "neither an item"},
      {"[1]\n", 1, "an array holding other than items"},
      {"\n", 1, "with an empty line"},
      {"null\nnull\n", 1, "line 2 of a page of 1 items with more lines than items: null"},
      {"null\n", 2, "transform 't': it answered 1 lines for a page of 2 items"},
  };
  for (const Case& c : cases) {
    aws::Result<TransformedPage> page = Read(c.answers, c.expected);
    ASSERT_FALSE(page.ok()) << c.answers;
    EXPECT_EQ(page.error().kind, aws::ErrorKind::kInvalidInput);
    EXPECT_NE(page.error().message.find(c.message), std::string::npos) << page.error().message;
  }
}

TEST(ItemTransformTest, LongLinesAreShownCut) {
  const std::string line = "x" + std::string(500, 'y');
  aws::Result<TransformedPage> page = Read(line + "\n", 1);
  ASSERT_FALSE(page.ok());
  EXPECT_NE(page.error().message.find("x" + std::string(79, 'y') + "...;"), std::string::npos)
      << page.error().message;
}

TEST(ItemTransformTest, OutputIsShownOnOneLineAndCut) {
  EXPECT_EQ(ShownOutput("done\n"), "done\\n");
  EXPECT_EQ(ShownOutput("a\tb\r\n\x1b[0m\x7f"), "a\\tb\\r\\n\\u001b[0m\\u007f");
  EXPECT_EQ(ShownOutput(std::string(80, 'x')), std::string(80, 'x'));
  EXPECT_EQ(ShownOutput(std::string(81, 'x')), std::string(80, 'x') + "...");
  EXPECT_EQ(ShownOutput(std::string(100, '\n'), 10), "\\n\\n\\n\\n\\n...");
  // Cut before a character that would pass the limit, not inside it.
  EXPECT_EQ(ShownOutput(std::string(78, 'x') + "\u00e9\u00e9"), std::string(78, 'x') + "\u00e9...");
  EXPECT_EQ(ShownOutput("\u00e9t\u00e9 \u2603 \U0001F600"), "\u00e9t\u00e9 \u2603 \U0001F600");
  // Bytes that are no UTF-8 (a Latin-1 transform, a stray continuation byte, an overlong form, a
  // surrogate, a sequence cut short) are shown as bytes, and C1 controls escaped: the message
  // stays valid UTF-8 (JSON) and sends no control to the terminal.
  EXPECT_EQ(ShownOutput("caf\xe9 \x80 \xc0\xaf \xed\xa0\x80 \xe2\x98"),
            "caf\\xe9 \\x80 \\xc0\\xaf \\xed\\xa0\\x80 \\xe2\\x98");
  EXPECT_EQ(ShownOutput("a\xc2\x9b[2J"), "a\\u009b[2J");
  EXPECT_EQ(ShownOutput("ab" + std::string(50, '\x80'), 10), "ab\\x80\\x80...");
}

}  // namespace
}  // namespace ddbm::pipeline
