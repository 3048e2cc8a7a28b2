#include "dynamodb/item_compare.h"

#include <gtest/gtest.h>

namespace ddbm::dynamodb {
namespace {

using aws::Result;

const std::vector<KeySchemaElement> kKeys = {{"pk", "HASH", "S"}, {"sk", "RANGE", "N"}};

// Items as the service would send them, padded like a page body.
std::string Padded(std::string json) {
  json.reserve(json.size() + 64);
  return json;
}

ItemFingerprint Print(const std::string& json, const IgnoredAttributes& ignored = {}) {
  std::string padded = Padded(json);
  Result<ItemFingerprint> f = FingerprintItem(padded, kKeys, ignored);
  EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().ToString());
  return f.ok() ? *f : ItemFingerprint{};
}

bool Same(const std::string& a, const std::string& b) { return Print(a).digest == Print(b).digest; }

TEST(NormalizeNumberTest, EqualValuesShareOneForm) {
  EXPECT_EQ(*NormalizeNumber("1.50"), "15e-1");
  EXPECT_EQ(*NormalizeNumber("15e-1"), "15e-1");
  EXPECT_EQ(*NormalizeNumber("+001.5000"), "15e-1");
  EXPECT_EQ(*NormalizeNumber("100"), "1e2");
  EXPECT_EQ(*NormalizeNumber("1E2"), "1e2");
  EXPECT_EQ(*NormalizeNumber("-0.00120e3"), "-12e-1");
  EXPECT_EQ(*NormalizeNumber("0"), "0");
  EXPECT_EQ(*NormalizeNumber("-0.000"), "0");
  EXPECT_EQ(*NormalizeNumber("7"), "7");
  EXPECT_EQ(*NormalizeNumber(".5"), "5e-1");
}

TEST(NormalizeNumberTest, ExtremesKeepEveryDigit) {
  EXPECT_EQ(*NormalizeNumber("12345678901234567890123456789012345678"),
            "12345678901234567890123456789012345678");
  EXPECT_EQ(*NormalizeNumber("9.9999999999999999999999999999999999999E+125"),
            "99999999999999999999999999999999999999e88");
  EXPECT_EQ(*NormalizeNumber("1E-130"), "1e-130");
  EXPECT_NE(*NormalizeNumber("12345678901234567890123456789012345678"),
            *NormalizeNumber("12345678901234567890123456789012345679"));
}

TEST(NormalizeNumberTest, RejectsWhatIsNotANumber) {
  for (const char* bad : {"", "-", "abc", "1.2.3", "1e", "1e+", "0x10", "1 ", "NaN"}) {
    EXPECT_FALSE(NormalizeNumber(bad).ok()) << bad;
  }
}

TEST(FingerprintItemTest, MapOrderAndSetOrderDoNotMatter) {
  EXPECT_TRUE(Same(R"({"pk":{"S":"a"},"sk":{"N":"1"},"m":{"M":{"x":{"N":"1"},"y":{"S":"b"}}}})",
                   R"({"m":{"M":{"y":{"S":"b"},"x":{"N":"1"}}},"sk":{"N":"1"},"pk":{"S":"a"}})"));
  EXPECT_TRUE(Same(R"({"pk":{"S":"a"},"sk":{"N":"1"},"s":{"SS":["x","y","z"]}})",
                   R"({"pk":{"S":"a"},"sk":{"N":"1"},"s":{"SS":["z","x","y"]}})"));
  EXPECT_TRUE(Same(R"({"pk":{"S":"a"},"sk":{"N":"1"},"n":{"NS":["1","2.50"]}})",
                   R"({"pk":{"S":"a"},"sk":{"N":"1"},"n":{"NS":["2.5","1"]}})"));
  EXPECT_TRUE(Same(R"({"pk":{"S":"a"},"sk":{"N":"1"},"b":{"BS":["AQ==","Ag=="]}})",
                   R"({"pk":{"S":"a"},"sk":{"N":"1"},"b":{"BS":["Ag==","AQ=="]}})"));
}

TEST(FingerprintItemTest, ListOrderMatters) {
  EXPECT_FALSE(Same(R"({"pk":{"S":"a"},"sk":{"N":"1"},"l":{"L":[{"N":"1"},{"N":"2"}]}})",
                    R"({"pk":{"S":"a"},"sk":{"N":"1"},"l":{"L":[{"N":"2"},{"N":"1"}]}})"));
}

TEST(FingerprintItemTest, NumbersByValueStringsByCharacters) {
  EXPECT_TRUE(Same(R"({"pk":{"S":"a"},"sk":{"N":"1"},"n":{"N":"10.0"}})",
                   R"({"pk":{"S":"a"},"sk":{"N":"1"},"n":{"N":"1e1"}})"));
  EXPECT_FALSE(Same(R"({"pk":{"S":"a"},"sk":{"N":"1"},"n":{"N":"10.0"}})",
                    R"({"pk":{"S":"a"},"sk":{"N":"1"},"n":{"N":"10.01"}})"));
  // The same string, escaped differently in JSON.
  EXPECT_TRUE(Same(R"({"pk":{"S":"a"},"sk":{"N":"1"},"s":{"S":"\u00e9"}})",
                   "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"s\":{\"S\":\"\xc3\xa9\"}}"));
  // A string is not a number, even with the same text.
  EXPECT_FALSE(Same(R"({"pk":{"S":"a"},"sk":{"N":"1"},"v":{"S":"1"}})",
                    R"({"pk":{"S":"a"},"sk":{"N":"1"},"v":{"N":"1"}})"));
}

TEST(FingerprintItemTest, BinaryDifferingByOneByteDiffers) {
  EXPECT_FALSE(Same(R"({"pk":{"S":"a"},"sk":{"N":"1"},"b":{"B":"AAECAw=="}})",
                    R"({"pk":{"S":"a"},"sk":{"N":"1"},"b":{"B":"AAECBA=="}})"));
}

// "AR==" leaves a bit set that padding drops: it decodes to the byte 0x01, as "AQ==" does.
TEST(FingerprintItemTest, BinaryIsComparedByTheBytesItsBase64DecodesTo) {
  EXPECT_TRUE(Same(R"({"pk":{"S":"a"},"sk":{"N":"1"},"b":{"B":"AQ=="}})",
                   R"({"pk":{"S":"a"},"sk":{"N":"1"},"b":{"B":"AR=="}})"));
  EXPECT_TRUE(Same(R"({"pk":{"S":"a"},"sk":{"N":"1"},"bs":{"BS":["AQ==","AAE="]}})",
                   R"({"pk":{"S":"a"},"sk":{"N":"1"},"bs":{"BS":["AAF=","AR=="]}})"));
  EXPECT_FALSE(Same(R"({"pk":{"S":"a"},"sk":{"N":"1"},"b":{"B":"AQ=="}})",
                    R"({"pk":{"S":"a"},"sk":{"N":"1"},"b":{"B":"Ag=="}})"));
  const std::vector<KeySchemaElement> binary_key = {{"id", "HASH", "B"}};
  auto canonical = CanonicalKey(R"({"id":{"B":"AQ=="}})", binary_key);
  auto respelt = CanonicalKey(R"({"id":{"B":"AR=="}})", binary_key);
  ASSERT_TRUE(canonical.ok() && respelt.ok());
  EXPECT_EQ(*canonical, *respelt);
  EXPECT_EQ(CanonicalKeyHash(*canonical), CanonicalKeyHash(*respelt));
  EXPECT_TRUE(DiffItems(R"({"b":{"B":"AR=="},"bs":{"BS":["AR=="]}})",
                        R"({"b":{"B":"AQ=="},"bs":{"BS":["AQ=="]}})", {})
                  ->empty());
}

// Text that is not base64 is left for item_check to refuse: here it equals itself only.
TEST(FingerprintItemTest, BinaryThatIsNotBase64EqualsItselfOnly) {
  EXPECT_TRUE(Same(R"({"pk":{"S":"a"},"sk":{"N":"1"},"b":{"B":"A=Q="}})",
                   R"({"pk":{"S":"a"},"sk":{"N":"1"},"b":{"B":"A=Q="}})"));
  EXPECT_FALSE(Same(R"({"pk":{"S":"a"},"sk":{"N":"1"},"b":{"B":"A=Q="}})",
                    R"({"pk":{"S":"a"},"sk":{"N":"1"},"b":{"B":"AQ=="}})"));
}

// Checksums are compared across runs and versions: the digest of an item in the service's own
// (standard) base64 is pinned, computed from the canonical encoding by hand.
TEST(FingerprintItemTest, DigestOfStandardBase64IsStable) {
  const ItemFingerprint f =
      Print(R"({"pk":{"S":"a"},"sk":{"N":"1"},"b":{"B":"AQ=="},"bs":{"BS":["Ag==","AQ=="]}})");
  std::string hex;
  for (uint8_t byte : f.digest) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex += kHex[byte >> 4];
    hex += kHex[byte & 15];
  }
  EXPECT_EQ(hex, "63858d2fac3ce5447aac8866a2256f5b");
}

TEST(FingerprintItemTest, EmptyValuesNullAndBoolAreDistinct) {
  const std::string base = R"({"pk":{"S":"a"},"sk":{"N":"1"},"v":)";
  const std::vector<std::string> values = {
      R"({"S":""})",       R"({"B":""})", R"({"NULL":true})", R"({"BOOL":true})",
      R"({"BOOL":false})", R"({"L":[]})", R"({"M":{}})"};
  for (size_t i = 0; i < values.size(); ++i) {
    for (size_t j = i + 1; j < values.size(); ++j) {
      EXPECT_FALSE(Same(base + values[i] + "}", base + values[j] + "}"))
          << values[i] << " vs " << values[j];
    }
  }
}

TEST(FingerprintItemTest, AnExtraAttributeDiffersUnlessIgnored) {
  const std::string a = R"({"pk":{"S":"a"},"sk":{"N":"1"}})";
  const std::string b = R"({"pk":{"S":"a"},"sk":{"N":"1"},"migrated_at":{"N":"5"}})";
  EXPECT_NE(Print(a).digest, Print(b).digest);
  EXPECT_EQ(Print(a, {"migrated_at"}).digest, Print(b, {"migrated_at"}).digest);
}

TEST(FingerprintItemTest, KeyIsCanonicalAndHashedTheSameWay) {
  ItemFingerprint a = Print(R"({"pk":{"S":"a"},"sk":{"N":"1.0"},"x":{"S":"1"}})");
  ItemFingerprint b = Print(R"({"x":{"S":"2"},"sk":{"N":"1"},"pk":{"S":"a"}})");
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.key_hash, b.key_hash);
  EXPECT_EQ(a.key_hash, CanonicalKeyHash(a.key));
  EXPECT_NE(a.digest, b.digest);
}

TEST(CanonicalKeyTest, OneKeySpeltTwoWaysIsOneKey) {
  // A stream record of the UpdateItem that created an item spells its number key as sent.
  auto a = CanonicalKey(R"({"pk":{"S":"a"},"sk":{"N":"1E+3"}})", kKeys);
  auto b = CanonicalKey(R"({"sk":{"N":"1000"},"v":{"S":"x"},"pk":{"S":"\u0061"}})", kKeys);
  auto c = CanonicalKey(R"({"pk":{"S":"a"},"sk":{"N":"1001"}})", kKeys);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  EXPECT_EQ(*a, FingerprintItem(R"({"pk":{"S":"a"},"sk":{"N":"1000.0"}})", kKeys, {})->key);
  EXPECT_FALSE(CanonicalKey(R"({"pk":{"S":"a"}})", kKeys).ok());
}

TEST(FingerprintItemTest, RejectsItemsWithoutKeyOrWithUntypedValues) {
  std::string no_key = Padded(R"({"pk":{"S":"a"}})");
  EXPECT_FALSE(FingerprintItem(no_key, kKeys, {}).ok());
  std::string untyped = Padded(R"({"pk":{"S":"a"},"sk":{"N":"1"},"v":"plain"})");
  EXPECT_FALSE(FingerprintItem(untyped, kKeys, {}).ok());
  std::string unknown = Padded(R"({"pk":{"S":"a"},"sk":{"N":"1"},"v":{"X":"1"}})");
  EXPECT_FALSE(FingerprintItem(unknown, kKeys, {}).ok());
  std::string not_json = Padded(R"({"pk":)");
  EXPECT_FALSE(FingerprintItem(not_json, kKeys, {}).ok());
}

TEST(FingerprintItemTest, DeepNestingIsHandled) {
  std::string nested = R"({"S":"leaf"})";
  for (int i = 0; i < 32; ++i) nested = R"({"M":{"m":)" + nested + "}}";
  const std::string a = R"({"pk":{"S":"a"},"sk":{"N":"1"},"deep":)" + nested + "}";
  std::string b = a;
  b.replace(b.find("leaf"), 4, "lead");
  EXPECT_FALSE(Same(a, b));
  EXPECT_TRUE(Same(a, a));
}

TEST(DiffItemsTest, NamesTheDifferingPaths) {
  const std::string a = R"({"pk":{"S":"a"},"price":{"N":"10"},"tags":{"SS":["x","y"]},)"
                        R"("addr":{"M":{"city":{"S":"Oslo"},"zip":{"S":"0150"}}},)"
                        R"("hist":{"L":[{"N":"1"},{"N":"2"},{"N":"3"}]},"gone":{"BOOL":true}})";
  const std::string b = R"({"pk":{"S":"a"},"price":{"N":"10.5"},"tags":{"SS":["y","x"]},)"
                        R"("addr":{"M":{"zip":{"S":"0150"},"city":{"S":"Bergen"}}},)"
                        R"("hist":{"L":[{"N":"1"},{"N":"9"},{"N":"3"}]},"added":{"NULL":true}})";
  Result<std::vector<std::string>> paths = DiffItems(a, b, {});
  ASSERT_TRUE(paths.ok());
  EXPECT_EQ(*paths, (std::vector<std::string>{"added", "addr.city", "gone", "hist[1]", "price"}));
}

TEST(DiffItemsTest, NamesThatWouldReadAsPathSyntaxAreQuoted) {
  const std::string a = R"({"v":{"M":{"a.b":{"N":"1"},"a":{"M":{"b":{"N":"1"}}}}},)"
                        R"("x[0]":{"S":"s"},"q\"\\":{"S":"s"},"":{"S":"s"},"sp ace":{"S":"s"}})";
  const std::string b = R"({"v":{"M":{"a.b":{"N":"2"},"a":{"M":{"b":{"N":"2"}}}}},)"
                        R"("x[0]":{"S":"t"},"q\"\\":{"S":"t"},"":{"S":"t"},"sp ace":{"S":"t"}})";
  Result<std::vector<std::string>> paths = DiffItems(a, b, {});
  ASSERT_TRUE(paths.ok()) << paths.error().ToString();
  EXPECT_EQ(*paths, (std::vector<std::string>{R"("")", R"("q\"\\")", R"("x[0]")", "sp ace",
                                              R"(v."a.b")", "v.a.b"}));
}

TEST(DiffItemsTest, ListLengthAndTypeChangesAreReported) {
  Result<std::vector<std::string>> paths =
      DiffItems(R"({"l":{"L":[{"N":"1"}]},"t":{"N":"1"}})",
                R"({"l":{"L":[{"N":"1"},{"N":"2"}]},"t":{"S":"1"}})", {});
  ASSERT_TRUE(paths.ok());
  EXPECT_EQ(*paths, (std::vector<std::string>{"l", "t"}));
}

TEST(DiffItemsTest, EqualItemsAndIgnoredAttributesGiveNothing) {
  Result<std::vector<std::string>> paths =
      DiffItems(R"({"a":{"N":"1.0"},"s":{"NS":["1","2"]},"x":{"S":"1"}})",
                R"({"s":{"NS":["2","1"]},"a":{"N":"1"},"x":{"S":"2"}})", {"x"});
  ASSERT_TRUE(paths.ok());
  EXPECT_TRUE(paths->empty());
}

TEST(DigestSumTest, OrderIndependentAndHex) {
  std::array<uint8_t, 16> d1{};
  std::array<uint8_t, 16> d2{};
  d1[0] = 1;
  d2[15] = 0x80;
  DigestSum a;
  a.Add(d1);
  a.Add(d2);
  DigestSum b;
  b.Add(d2);
  b.Add(d1);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.count, 2u);
  EXPECT_EQ(a.Hex(), "80000000000000000000000000000001");
  DigestSum c;
  c.Merge(a);
  EXPECT_EQ(c, a);
}

}  // namespace
}  // namespace ddbm::dynamodb
