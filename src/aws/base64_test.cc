#include "aws/base64.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace ddbm::aws {
namespace {

std::string Decoded(std::string_view text) {
  std::string bytes = "left over";
  EXPECT_TRUE(DecodeBase64(text, &bytes)) << text;
  return bytes;
}

TEST(Base64Test, EncodesAndDecodesTheRfcExamples) {
  // RFC 4648 §10.
  for (const auto& [bytes, text] : {std::pair<std::string, std::string>{"", ""},
                                    {"f", "Zg=="},
                                    {"fo", "Zm8="},
                                    {"foo", "Zm9v"},
                                    {"foob", "Zm9vYg=="},
                                    {"fooba", "Zm9vYmE="},
                                    {"foobar", "Zm9vYmFy"}}) {
    EXPECT_EQ(EncodeBase64(bytes), text);
    EXPECT_EQ(Decoded(text), bytes);
  }
  const std::string all_values = [] {
    std::string s;
    for (int c = 0; c < 256; ++c) s.push_back(static_cast<char>(c));
    return s;
  }();
  EXPECT_EQ(Decoded(EncodeBase64(all_values)), all_values);
}

TEST(Base64Test, LeftOverPaddingBitsAreNotChecked) {
  EXPECT_EQ(Decoded("AR=="), std::string(1, '\x01'));
  EXPECT_EQ(Decoded("AQ=="), std::string(1, '\x01'));
  EXPECT_EQ(EncodeBase64(Decoded("Zm9=")), "Zm8=");
}

TEST(Base64Test, RefusesWhatIsNotPaddedStandardBase64) {
  std::string bytes;
  for (const char* text :
       {"A", "AQ", "AQ=", "A===", "AQ=A", "AQ==AQ==", "Zm9v\n", "Zm-_", "Zm 9v"}) {
    EXPECT_FALSE(DecodeBase64(text, &bytes)) << text;
  }
}

}  // namespace
}  // namespace ddbm::aws
