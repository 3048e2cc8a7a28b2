#include "aws/iso8601.h"

#include <gtest/gtest.h>

namespace ddbm::aws {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

system_clock::time_point At(int64_t unix_seconds) {
  return system_clock::time_point(seconds(unix_seconds));
}

TEST(Iso8601Test, ParsesUtcForms) {
  EXPECT_EQ(ParseIso8601("2015-08-30T12:36:00Z"), At(1440938160));
  EXPECT_EQ(ParseIso8601("2015-08-30t12:36:00z"), At(1440938160));
  EXPECT_EQ(ParseIso8601("2015-08-30 12:36:00Z"), At(1440938160));
  EXPECT_EQ(ParseIso8601("2015-08-30T12:36:00.500Z"),
            At(1440938160) + std::chrono::milliseconds(500));
  EXPECT_EQ(ParseIso8601("2015-08-30T14:36:00+02:00"), At(1440938160));
  EXPECT_EQ(ParseIso8601("2015-08-30T07:06:00-05:30"), At(1440938160));
}

TEST(Iso8601Test, RejectsMalformed) {
  for (const char* text :
       {"", "2015-08-30", "2015-08-30T12:36:00", "2015-13-01T00:00:00Z", "2015-02-30T00:00:00Z",
        "2015-08-30T24:00:00Z", "2015-08-30T12:36:00Zx", "2015-08-30T12:36:00.Z",
        "2015-8-30T12:36:00Z", "2015-08-30T12:36:00+0200"}) {
    EXPECT_EQ(ParseIso8601(text), std::nullopt) << text;
  }
}

TEST(Iso8601Test, RejectsTimesTheClockCannotHold) {
  EXPECT_FALSE(ParseIso8601("2999-01-01T00:00:00Z").has_value());
  EXPECT_FALSE(ParseIso8601("1600-01-01T00:00:00Z").has_value());
  EXPECT_TRUE(ParseIso8601("2200-01-01T00:00:00Z").has_value());
}

TEST(Iso8601Test, SecondsCoverEveryYear) {
  EXPECT_EQ(ParseIso8601Seconds("1970-01-01T00:01:00.999Z"), std::optional<int64_t>(60));
  EXPECT_EQ(ParseIso8601Seconds("2999-01-01T00:00:00Z"), std::optional<int64_t>(32472144000));
  EXPECT_EQ(ParseIso8601Seconds("1600-01-01T00:00:00+01:00"), std::optional<int64_t>(-11676099600));
  EXPECT_FALSE(ParseIso8601Seconds("2026-13-01T00:00:00Z").has_value());
}

TEST(Iso8601Test, FormatRoundTrips) {
  EXPECT_EQ(FormatIso8601(At(1440938160)), "2015-08-30T12:36:00Z");
  EXPECT_EQ(ParseIso8601(FormatIso8601(At(4102444799))), At(4102444799));
}

TEST(HttpDateTest, ReadsTheImfFixdateForm) {
  EXPECT_EQ(ParseHttpDateSeconds("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(ParseHttpDateSeconds("Sat, 05 Dec 2026 23:33:35 GMT"), 1796513615);
  EXPECT_EQ(ParseHttpDateSeconds("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
}

TEST(HttpDateTest, RefusesOtherForms) {
  for (std::string_view bad : {"", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
                               "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT",
                               "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nox 1994 08:49:37 GMT",
                               "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:49:37 GMT",
                               "Sun, 06 Nov 1994 08:49:37 GMT ", "2026-12-05T23:33:35Z"}) {
    EXPECT_EQ(ParseHttpDateSeconds(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace ddbm::aws
