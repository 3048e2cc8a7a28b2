#include "aws/json_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <string_view>

namespace ddbm::aws {
namespace {

using namespace std::string_literals;

std::string Quoted(std::string_view value) {
  std::string out;
  AppendJsonString(&out, value);
  return out;
}

// What a conforming parser reads back from `json`, a JSON string.
std::string ParseBack(const std::string& json) {
  simdjson::dom::parser parser;
  std::string_view value;
  EXPECT_EQ(parser.parse(json).get(value), simdjson::SUCCESS) << json;
  return std::string(value);
}

TEST(AppendJsonStringTest, PlainTextIsUnchanged) {
  EXPECT_EQ(Quoted(""), R"("")");
  EXPECT_EQ(Quoted("abc def/123"), R"("abc def/123")");
}

TEST(AppendJsonStringTest, QuotesAndBackslashes) {
  EXPECT_EQ(Quoted(R"(a"b\c)"), R"("a\"b\\c")");
  EXPECT_EQ(Quoted(R"(\")"), R"("\\\"")");
  EXPECT_EQ(Quoted(R"("")"), R"("\"\"")");
}

TEST(AppendJsonStringTest, NamedControlEscapes) {
  EXPECT_EQ(Quoted("\n\r\t\b\f"), R"("\n\r\t\b\f")");
}

TEST(AppendJsonStringTest, OtherControlCharactersUseUnicodeEscapes) {
  EXPECT_EQ(Quoted("\x01"), R"("\u0001")");
  EXPECT_EQ(Quoted("\x1f"), R"("\u001f")");
  EXPECT_EQ(Quoted("a\x0b"
                   "b"),
            R"("a\u000bb")");
  EXPECT_EQ(Quoted("\0"s), R"("\u0000")");
  EXPECT_EQ(Quoted("x\0y"s), R"("x\u0000y")");
  // 0x7f (DEL) is allowed unescaped in JSON.
  EXPECT_EQ(Quoted("\x7f"), "\"\x7f\"");
}

TEST(AppendJsonStringTest, Utf8PassesThroughUnescaped) {
  const std::string text = "caf\u00e9 \u65e5\u672c \U0001F600";
  EXPECT_EQ(Quoted(text), "\"" + text + "\"");
}

TEST(AppendJsonStringTest, RoundTripsEveryByteBelow0x80) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(ParseBack(Quoted(all)), all);
}

TEST(AppendJsonStringTest, AppendsToExistingText) {
  std::string out = "prefix:";
  AppendJsonString(&out, "v");
  EXPECT_EQ(out, R"(prefix:"v")");
}

TEST(JsonWriterTest, EmptyContainers) {
  std::string out;
  JsonWriter(&out).BeginObject().EndObject();
  EXPECT_EQ(out, "{}");
  out.clear();
  JsonWriter(&out).BeginArray().EndArray();
  EXPECT_EQ(out, "[]");
}

TEST(JsonWriterTest, ScalarsAndMembers) {
  std::string out;
  JsonWriter(&out)
      .BeginObject()
      .Member("s", "x\"y")
      .MemberInt("i", -9223372036854775807LL - 1)
      .MemberBool("t", true)
      .MemberBool("f", false)
      .Key("n")
      .Null()
      .Key("d")
      .Double(1.5)
      .EndObject();
  EXPECT_EQ(out, R"({"s":"x\"y","i":-9223372036854775808,"t":true,"f":false,"n":null,"d":1.5})");
}

TEST(JsonWriterTest, KeysAreEscaped) {
  std::string out;
  JsonWriter(&out).BeginObject().Member("a\"b\\c\n", "v").EndObject();
  EXPECT_EQ(out, R"({"a\"b\\c\n":"v"})");
}

TEST(JsonWriterTest, CommasInNestedContainers) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("a")
      .BeginArray()
      .Int(1)
      .Int(2)
      .BeginObject()
      .EndObject()
      .BeginArray()
      .EndArray()
      .EndArray();
  w.Key("b")
      .BeginObject()
      .Member("c", "d")
      .Key("e")
      .BeginArray()
      .String("f")
      .EndArray()
      .EndObject();
  w.Key("g")
      .BeginArray()
      .BeginArray()
      .Int(1)
      .EndArray()
      .BeginArray()
      .Int(2)
      .Int(3)
      .EndArray()
      .EndArray();
  w.MemberInt("h", 0);
  w.EndObject();
  EXPECT_EQ(out, R"({"a":[1,2,{},[]],"b":{"c":"d","e":["f"]},"g":[[1],[2,3]],"h":0})");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(out).get(root), simdjson::SUCCESS);
}

TEST(JsonWriterTest, TopLevelArrayOfObjects) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  for (int i = 0; i < 3; ++i) w.BeginObject().MemberInt("i", i).EndObject();
  w.EndArray();
  EXPECT_EQ(out, R"([{"i":0},{"i":1},{"i":2}])");
}

TEST(JsonWriterTest, RawIsSplicedByteForByte) {
  const std::string item =
      R"({"pk":{"S":"a\"b\\c\u00e9"},"n":{"N":"12345678901234567890123456789012345678"},)"
      R"("b":{"B":"AAEC/w=="}})";
  std::string out;
  JsonWriter(&out)
      .BeginObject()
      .MemberRaw("Item", item)
      .Key("List")
      .BeginArray()
      .Raw(item)
      .Raw("1E+125")
      .Raw(" [ 1 , 2 ] ")
      .EndArray()
      .EndObject();
  EXPECT_EQ(out, R"({"Item":)" + item + R"(,"List":[)" + item + R"(,1E+125, [ 1 , 2 ] ]})");
}

TEST(JsonWriterTest, RawAsFirstMemberValueAndArrayElement) {
  std::string out;
  JsonWriter(&out).BeginArray().Raw("{}").Raw("{}").EndArray();
  EXPECT_EQ(out, "[{},{}]");
}

TEST(JsonWriterTest, AppendsAfterExistingText) {
  std::string out = "X";
  JsonWriter(&out).BeginObject().MemberInt("a", 1).EndObject();
  EXPECT_EQ(out, R"(X{"a":1})");
}

}  // namespace
}  // namespace ddbm::aws
