#include "pipeline/progress.h"

#include <gtest/gtest.h>

namespace ddbm::pipeline {
namespace {

TEST(ProgressTest, GroupsThousands) {
  EXPECT_EQ(GroupThousands(0), "0");
  EXPECT_EQ(GroupThousands(999), "999");
  EXPECT_EQ(GroupThousands(1000), "1,000");
  EXPECT_EQ(GroupThousands(1234567), "1,234,567");
}

TEST(ProgressTest, LineShowsCountsRatesAndEta) {
  ProgressSample s;
  s.items_read = 12000;
  s.items_written = 11000;
  s.read_capacity = 1500;
  s.write_capacity = 11000;
  s.throttles = 3;
  s.retries = 5;
  s.expected_items = 15000;
  const std::string line = FormatProgress(s, 1000);
  EXPECT_NE(line.find("read 12,000"), std::string::npos) << line;
  EXPECT_NE(line.find("written 11,000"), std::string::npos) << line;
  EXPECT_NE(line.find("1,000 items/s"), std::string::npos) << line;
  EXPECT_NE(line.find("throttles 3"), std::string::npos) << line;
  EXPECT_EQ(line.find("unprocessed"), std::string::npos) << line;
  s.unprocessed_resent = 1200;
  EXPECT_NE(FormatProgress(s, 1000).find("retries 5  unprocessed 1,200"), std::string::npos)
      << FormatProgress(s, 1000);
  EXPECT_NE(line.find("ETA 0:00:04"), std::string::npos) << line;
  EXPECT_EQ(line.find("dead-lettered"), std::string::npos) << line;
  s.items_dead_lettered = 2;
  EXPECT_NE(FormatProgress(s, 0).find("dead-lettered 2"), std::string::npos);
}

TEST(ProgressTest, CapacityShownOnlyWhenAskedFor) {
  ProgressSample s;
  s.items_read = 10;
  s.read_capacity = 1500;
  s.write_capacity = 11000;
  EXPECT_NE(FormatProgress(s, 1).find("RCU 1,500  WCU 11,000"), std::string::npos);
  s.write_capacity_asked = false;  // reads asked, writes not: the default of a copy
  std::string line = FormatProgress(s, 1);
  EXPECT_NE(line.find("RCU 1,500  throttles"), std::string::npos) << line;
  EXPECT_EQ(line.find("WCU"), std::string::npos) << line;
  s.read_capacity_asked = false;
  line = FormatProgress(s, 1);
  EXPECT_EQ(line.find("RCU"), std::string::npos) << line;
  EXPECT_EQ(line.find("WCU"), std::string::npos) << line;
  EXPECT_NE(line.find("throttles 0  retries 0"), std::string::npos) << line;
}

}  // namespace
}  // namespace ddbm::pipeline
