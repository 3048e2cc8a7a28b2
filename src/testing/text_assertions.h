// Substring assertions for messages, usable without gmock:
//   EXPECT_TRUE(HasText(error.message, "line 3"));
//   EXPECT_TRUE(LacksText(error.message, secret));
#pragma once

#include <gtest/gtest.h>

#include <string_view>

namespace ddbm::testing {

inline ::testing::AssertionResult HasText(std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

inline ::testing::AssertionResult LacksText(std::string_view text, std::string_view part) {
  if (text.find(part) == std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" contains \"" << part << "\"";
}

}  // namespace ddbm::testing
