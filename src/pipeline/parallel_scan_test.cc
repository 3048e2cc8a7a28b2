#include "pipeline/parallel_scan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace ddbm::pipeline {
namespace {

TEST(SampleSegmentsTest, PicksDistinctSegmentsInAscendingOrder) {
  const std::vector<int> chosen = SampleSegments(1000, 50, 7);
  ASSERT_EQ(chosen.size(), 50u);
  EXPECT_TRUE(std::is_sorted(chosen.begin(), chosen.end()));
  EXPECT_EQ(std::set<int>(chosen.begin(), chosen.end()).size(), 50u);
  EXPECT_GE(chosen.front(), 0);
  EXPECT_LT(chosen.back(), 1000);
}

TEST(SampleSegmentsTest, AnotherSeedDrawsAnotherSample) {
  EXPECT_EQ(SampleSegments(1000, 10, 1), SampleSegments(1000, 10, 1));
  EXPECT_NE(SampleSegments(1000, 10, 1), SampleSegments(1000, 10, 2));
}

TEST(SampleSegmentsTest, EverySegmentCanBeChosen) {
  // Over many seeds a one-segment sample lands everywhere, the last segment included.
  std::set<int> seen;
  for (uint64_t seed = 0; seed < 2000; ++seed) seen.insert(SampleSegments(10, 1, seed).front());
  EXPECT_EQ(seen.size(), 10u);
}

TEST(SampleSegmentsTest, CountIsClampedToTheSegments) {
  EXPECT_EQ(SampleSegments(4, 9, 3), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(SampleSegments(4, 0, 3).size(), 1u);
}

}  // namespace
}  // namespace ddbm::pipeline
