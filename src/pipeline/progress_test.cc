#include "pipeline/progress.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "testing/fake_clock.h"

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

TEST(ProgressTest, WithATransformTheEtaFollowsTheItemsRead) {
  // A transform that drops half the items: written never reaches the source's count, and
  // read is what says how far the copy is.
  ProgressSample s;
  s.items_read = 6000;
  s.items_written = 3000;
  s.items_dead_lettered = 10;
  s.expected_items = 10000;
  EXPECT_EQ(ProgressDone(s), 3010u);
  EXPECT_NE(FormatProgress(s, 1000).find("ETA 0:00:06"), std::string::npos)
      << FormatProgress(s, 1000);
  s.rate_of_reads = true;
  s.rate_label = "items read/s";
  EXPECT_EQ(ProgressDone(s), 6000u);
  const std::string line = FormatProgress(s, 1000);
  EXPECT_NE(line.find("1,000 items read/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 0:00:04"), std::string::npos) << line;
  // One that makes two items of each: written passes the count long before the end.
  s.items_written = 12000;
  EXPECT_NE(FormatProgress(s, 1000).find("ETA 0:00:04"), std::string::npos)
      << FormatProgress(s, 1000);
}

TEST(ProgressTest, TheReportersRateFollowsWhatTheSampleCounts) {
  // Items read grow by 1,000 a report (every 10 s without a terminal), items written not at
  // all: the rate and the ETA of a transformed copy follow the reads.
  testing::FakeClock clock;
  char* text = nullptr;
  size_t size = 0;
  std::FILE* out = ::open_memstream(&text, &size);
  ASSERT_NE(out, nullptr);
  std::atomic<int> samples{0};
  {
    ProgressReporter reporter(
        [&] {
          ProgressSample s;
          s.items_read = 1000 * static_cast<uint64_t>(++samples);
          s.expected_items = 10000;
          s.rate_of_reads = true;
          s.rate_label = "items read/s";
          return s;
        },
        out, /*terminal=*/false, &clock);
    reporter.Start();
    while (samples.load() < 1) std::this_thread::yield();
    reporter.Stop();
  }
  std::fclose(out);
  const std::string lines(text, size);
  std::free(text);
  const std::string first = lines.substr(0, lines.find('\n'));
  EXPECT_EQ(first.rfind("progress: read 1,000  written 0  100 items read/s", 0), 0u) << first;
  EXPECT_NE(first.find("ETA 0:01:30"), std::string::npos) << first;
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
