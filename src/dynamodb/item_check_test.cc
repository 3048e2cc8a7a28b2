#include "dynamodb/item_check.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <optional>
#include <string>

namespace ddbm::dynamodb {
namespace {

// Checks `json` from a padded copy, as a slice of a page body would be.
std::optional<std::string> Check(std::string json) {
  json.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  return InvalidItemReason(json);
}

// One attribute `a` with value `value`.
std::optional<std::string> CheckValue(const std::string& value) {
  return Check("{\"a\":" + value + "}");
}

std::optional<std::string> Reason(const std::string& text) { return text; }

// A value nested `depth` levels deep, alternating maps and lists, with a string at the bottom.
std::string Nested(int depth) {
  std::string value = R"({"S":"bottom"})";
  for (int i = 0; i < depth; ++i) {
    value = i % 2 == 0 ? R"({"M":{"m":)" + value + "}}" : R"({"L":[{"NULL":true},)" + value + "]}";
  }
  return value;
}

TEST(ItemCheckTest, JsonLongerThanAnyItemIsRefused) {
  std::string item = R"({"pk":{"S":"a"},"v":{"S":")" + std::string(kMaxItemJsonBytes, 'x') + "\"}}";
  item.reserve(item.size() + simdjson::SIMDJSON_PADDING);
  std::optional<std::string> reason = InvalidItemReason(item);
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(*reason, "the item is 4.0 MB of JSON, more than any item DynamoDB accepts (400 KB)");
}

TEST(ItemCheckTest, AcceptsEveryTypeAndTheLimitsOfNumbers) {
  const std::string item = R"({
    "pk": {"S": "user#1"}, "sk": {"N": "12345678901234567890123456789012345678"},
    "empty_s": {"S": ""}, "empty_b": {"B": ""}, "escaped": {"S": "a\"b\\c\u00e9"},
    "b": {"B": "AAEqQQ=="}, "b1": {"B": "QQ=="}, "b2": {"B": "QUI="},
    "t": {"BOOL": true}, "f": {"BOOL": false}, "null": {"NULL": true},
    "zero": {"N": "0"}, "negative_zero": {"N": "-0.000"}, "leading_zeros": {"N": "0001.50"},
    "smallest": {"N": "1E-130"}, "negative_smallest": {"N": "-1e-130"},
    "largest": {"N": "9.9999999999999999999999999999999999999E+125"},
    "negative_largest": {"N": "-99999999999999999999999999999999999999e88"},
    "fraction_38": {"N": "0.00012345678901234567890123456789012345678"},
    "ss": {"SS": ["a", "A", "a "]}, "ns": {"NS": ["1", "10", "-1", "0.1"]},
    "bs": {"BS": ["AAEqQQ==", "QSoBAA==", ""]},
    "empty_l": {"L": []}, "empty_m": {"M": {}},
    "l": {"L": [{"S": "x"}, {"N": "1"}, {"SS": ["x"]}, {"M": {"k": {"NULL": true}}}]},
    "deep": )" + Nested(32) +
                           "}";
  EXPECT_EQ(Check(item), std::nullopt);
  EXPECT_EQ(Check("{}"), std::nullopt);
  EXPECT_EQ(Check("  {\"pk\" : { \"S\" : \"a\" } }  "), std::nullopt);
}

TEST(ItemCheckTest, RejectsEmptySets) {
  EXPECT_EQ(Check(R"({"pk":{"S":"a"},"tags":{"SS":[]}})"),
            Reason("attribute tags: empty string set (SS)"));
  EXPECT_EQ(CheckValue(R"({"NS":[]})"), Reason("attribute a: empty number set (NS)"));
  EXPECT_EQ(CheckValue(R"({"BS":[]})"), Reason("attribute a: empty binary set (BS)"));
}

TEST(ItemCheckTest, RejectsDuplicateSetMembersByValue) {
  EXPECT_EQ(CheckValue(R"({"SS":["x","y","x"]})"),
            Reason("attribute a: duplicate member \"x\" in string set (SS)"));
  // The same string, once escaped.
  EXPECT_EQ(CheckValue(R"({"SS":["a","\u0061"]})"),
            Reason("attribute a: duplicate member \"a\" in string set (SS)"));
  EXPECT_EQ(CheckValue(R"({"NS":["1.5","15e-1"]})"),
            Reason("attribute a: duplicate member \"1.5\" in number set (NS)"));
  EXPECT_EQ(CheckValue(R"({"NS":["1E2","100"]})"),
            Reason("attribute a: duplicate member \"100\" in number set (NS)"));
  EXPECT_EQ(CheckValue(R"({"BS":["AAEqQQ==","QSoBAA==","AAEqQQ=="]})"),
            Reason("attribute a: duplicate member \"AAEqQQ==\" in binary set (BS)"));
  // Different text, same bytes: the unused low bits of the last digit are ignored.
  EXPECT_EQ(CheckValue(R"({"BS":["QR==","QQ=="]})"),
            Reason("attribute a: duplicate member \"QQ==\" in binary set (BS)"));
}

TEST(ItemCheckTest, RejectsNumbersDynamoDbCannotStore) {
  for (const char* text :
       {"", "abc", "1.2.3", "0x10", "NaN", "Infinity", "1e", "1e+", "--1", " 1", "1 ", "1,5"}) {
    EXPECT_EQ(CheckValue(R"({"N":")" + std::string(text) + "\"}"),
              Reason("attribute a: number \"" + std::string(text) + "\" is not a decimal number"))
        << text;
  }
  EXPECT_EQ(CheckValue(R"({"N":"123456789012345678901234567890123456789"})"),
            Reason("attribute a: number \"123456789012345678901234567890123456789\" has more than "
                   "38 significant digits"));
  EXPECT_TRUE(CheckValue(R"({"N":"0.000123456789012345678901234567890123456789"})").has_value());
  const std::string range =
      " is outside DynamoDB's range 1E-130..9.9999999999999999999999999999999999999E+125";
  EXPECT_EQ(CheckValue(R"({"N":"1E-131"})"), Reason("attribute a: number \"1E-131\"" + range));
  EXPECT_EQ(CheckValue(R"({"N":"-0.1e-130"})"),
            Reason("attribute a: number \"-0.1e-130\"" + range));
  EXPECT_EQ(CheckValue(R"({"N":"1E126"})"), Reason("attribute a: number \"1E126\"" + range));
  EXPECT_EQ(CheckValue(R"({"N":"10E125"})"), Reason("attribute a: number \"10E125\"" + range));
  EXPECT_EQ(CheckValue(R"({"NS":["1","x"]})"),
            Reason("attribute a: number \"x\" in number set (NS) is not a decimal number"));
}

TEST(ItemCheckTest, RejectsValuesThatAreNotOneKnownTypeTag) {
  EXPECT_EQ(CheckValue(R"({"X":"1"})"), Reason("attribute a: unknown type tag \"X\""));
  EXPECT_EQ(CheckValue(R"({"s":"1"})"), Reason("attribute a: unknown type tag \"s\""));
  EXPECT_EQ(CheckValue(R"({"S":"a","N":"1"})"),
            Reason("attribute a: more than one type tag (S, N)"));
  EXPECT_EQ(CheckValue(R"({})"), Reason("attribute a: value has no type tag"));
  const std::string not_typed =
      "attribute a: value is not an attribute value like {\"S\": \"text\"}";
  EXPECT_EQ(CheckValue(R"("text")"), Reason(not_typed));
  EXPECT_EQ(CheckValue(R"([{"S":"a"}])"), Reason(not_typed));
  EXPECT_EQ(CheckValue("null"), Reason(not_typed));
}

TEST(ItemCheckTest, RejectsValuesWhoseShapeDoesNotFitTheirType) {
  EXPECT_EQ(CheckValue(R"({"S":1})"), Reason("attribute a: S value is not a string"));
  EXPECT_EQ(CheckValue(R"({"N":1.5})"), Reason("attribute a: N value is not a string"));
  EXPECT_EQ(CheckValue(R"({"BOOL":"yes"})"),
            Reason("attribute a: BOOL value is not true or false"));
  EXPECT_EQ(CheckValue(R"({"BOOL":null})"), Reason("attribute a: BOOL value is not true or false"));
  EXPECT_EQ(CheckValue(R"({"NULL":false})"), Reason("attribute a: NULL value is not true"));
  EXPECT_EQ(CheckValue(R"({"NULL":"true"})"), Reason("attribute a: NULL value is not true"));
  EXPECT_EQ(CheckValue(R"({"L":{}})"), Reason("attribute a: L value is not a list"));
  EXPECT_EQ(CheckValue(R"({"M":[]})"), Reason("attribute a: M value is not a map"));
  EXPECT_EQ(CheckValue(R"({"SS":"x"})"), Reason("attribute a: string set (SS) is not a list"));
  EXPECT_EQ(CheckValue(R"({"NS":[1]})"),
            Reason("attribute a: number set (NS) has a member that is not a string"));
}

TEST(ItemCheckTest, RejectsBinaryThatIsNotBase64) {
  for (const char* text :
       {"abc", "a===", "====", "AA=A", "AA==AAAA", "AA-_", "AAE qQQ==", "AAEqQQ"}) {
    EXPECT_EQ(CheckValue(R"({"B":")" + std::string(text) + "\"}"),
              Reason("attribute a: B value is not a base64 string"))
        << text;
  }
  EXPECT_EQ(CheckValue(R"({"B":7})"), Reason("attribute a: B value is not a base64 string"));
  EXPECT_EQ(CheckValue(R"({"BS":["AAEqQQ==","A"]})"),
            Reason("attribute a: binary set (BS) member \"A\" is not valid base64"));
}

TEST(ItemCheckTest, NamesTheFirstProblemByItsPath) {
  EXPECT_EQ(Check(R"({"ok":{"S":"x"},"a":{"M":{"b":{"L":[{"S":"x"},{"SS":[]}]}}},"c":{"SS":[]}})"),
            Reason("attribute a.b[1]: empty string set (SS)"));
  EXPECT_EQ(Check(R"({"l":{"L":[{"L":[{"NULL":true},{"NULL":false}]}]}})"),
            Reason("attribute l[0][1]: NULL value is not true"));
  EXPECT_EQ(Check(R"({"deep":)" + Nested(31) + "}"), std::nullopt);
  const std::string deep_problem = "{\"deep\":" + Nested(4) + "}";
  std::string broken = deep_problem;
  broken.replace(broken.find(R"({"S":"bottom"})"), 14, R"({"S":"bottom","N":"1"})");
  EXPECT_EQ(Check(broken), Reason("attribute deep[1].m[1].m: more than one type tag (S, N)"));
}

TEST(ItemCheckTest, RejectsAnEmptyAttributeName) {
  EXPECT_EQ(Check(R"({"pk":{"S":"a"},"":{"S":"1"}})"), Reason("an attribute name is empty"));
  EXPECT_EQ(Check(R"({"m":{"M":{"":{"S":"1"}}}})"), std::nullopt);  // a map key is not held to it
}

TEST(ItemCheckTest, RejectsAnAttributeNameGivenTwice) {
  EXPECT_EQ(Check(R"({"a":{"S":"x"},"b":{"N":"1"},"a":{"S":"y"}})"),
            Reason("attribute a: given twice"));
  EXPECT_EQ(Check(R"({"m":{"M":{"k":{"S":"x"},"k":{"S":"x"}}}})"),
            Reason("attribute m.k: given twice"));
  // The same name at different levels, or in different maps, is fine.
  EXPECT_EQ(
      Check(
          R"({"k":{"M":{"k":{"S":"x"}}},"l":{"L":[{"M":{"k":{"N":"1"}}},{"M":{"k":{"N":"2"}}}]}})"),
      std::nullopt);
}

TEST(ItemCheckTest, RejectsTextThatIsNotAnItem) {
  EXPECT_EQ(Check("[1]"), Reason("item is not a JSON object"));
  EXPECT_EQ(Check("\"a\""), Reason("item is not a JSON object"));
  EXPECT_EQ(Check(R"({"a":)"), Reason("item is not valid JSON"));
  EXPECT_EQ(Check(R"({"a":{"S":"x"},)"), Reason("item is not valid JSON"));
  EXPECT_EQ(Check(""), Reason("item is not valid JSON"));
}

TEST(RepairUntypedEmptyMapsTest, ReplacesOnlyUntypedEmptyObjects) {
  // As DynamoDB Local writes stream images: {} for an empty map, at any depth.
  EXPECT_EQ(RepairUntypedEmptyMaps(R"({"pk":{"S":"a"},"m":{},"l":{"L":[{},{"L":[]}]},)"
                                   R"("mm":{"M":{"x":{ }}}})"),
            std::optional<std::string>(R"({"pk":{"S":"a"},"m":{"M":{}},"l":{"L":[{"M":{}},)"
                                       R"({"L":[]}]},"mm":{"M":{"x":{"M":{}}}}})"));
}

TEST(RepairUntypedEmptyMapsTest, LeavesTypedMapsAndStringsAlone) {
  EXPECT_EQ(RepairUntypedEmptyMaps(R"({"pk":{"S":"a"},"m":{"M":{}},"s":{"S":"{}\"{}"}})"),
            std::nullopt);
  EXPECT_EQ(RepairUntypedEmptyMaps(R"({"M":{"S":"x"},"n":{"M" : {}}})"), std::nullopt);
}

TEST(RepairUntypedEmptyMapsTest, RepairedItemPassesTheCheck) {
  std::optional<std::string> repaired = RepairUntypedEmptyMaps(R"({"pk":{"S":"a"},"m":{}})");
  ASSERT_TRUE(repaired.has_value());
  repaired->reserve(repaired->size() + 64);
  EXPECT_EQ(InvalidItemReason(*repaired), std::nullopt);
}

}  // namespace
}  // namespace ddbm::dynamodb
