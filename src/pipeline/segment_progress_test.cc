#include "pipeline/segment_progress.h"

#include <gtest/gtest.h>

namespace ddbm::pipeline {
namespace {

TEST(SegmentProgressTest, StartsWhereItWasTold) {
  SegmentProgress p(SegmentPosition{std::string("{\"k\":{\"S\":\"a\"}}"), false, 10});
  EXPECT_EQ(p.position().exclusive_start_key, "{\"k\":{\"S\":\"a\"}}");
  EXPECT_EQ(p.position().items_acknowledged, 10u);
}

TEST(SegmentProgressTest, MovesOnlyPastWhollyAcknowledgedPagesInOrder) {
  SegmentProgress p;
  p.AddPage(0, "k0", 2, 50);
  p.AddPage(1, "k1", 1, 25);
  p.AcknowledgeBatch(1);  // page 1 done, page 0 not: nothing moves
  EXPECT_FALSE(p.position().exclusive_start_key.has_value());
  EXPECT_EQ(p.position().items_acknowledged, 0u);
  p.AcknowledgeBatch(0);
  EXPECT_FALSE(p.position().exclusive_start_key.has_value());
  p.AcknowledgeBatch(0);  // page 0 done: both fold in
  EXPECT_EQ(p.position().exclusive_start_key, "k1");
  EXPECT_EQ(p.position().items_acknowledged, 75u);
  EXPECT_FALSE(p.position().done);
}

TEST(SegmentProgressTest, CountsDeadLettersOfWhollyAcknowledgedPagesOnly) {
  SegmentProgress p(SegmentPosition{std::string("k"), false, 10, 1});
  p.AddPage(0, "k0", 2, 50);
  p.AddPage(1, "k1", 1, 25);
  p.AcknowledgeBatch(0, 2);
  p.AcknowledgeBatch(1, 5);  // page 0 still open: nothing counted yet
  EXPECT_EQ(p.position().items_dead_lettered, 1u);
  p.AcknowledgeBatch(0, 1);
  EXPECT_EQ(p.position().items_dead_lettered, 9u);
  EXPECT_EQ(p.position().items_acknowledged, 85u);
}

TEST(SegmentProgressTest, LastPageMarksTheSegmentDone) {
  SegmentProgress p;
  p.AddPage(0, std::nullopt, 1, 3);
  EXPECT_FALSE(p.position().done);
  p.AcknowledgeBatch(0);
  EXPECT_TRUE(p.position().done);
  EXPECT_FALSE(p.position().exclusive_start_key.has_value());
}

TEST(SegmentProgressTest, EmptyPagesAreAcknowledgedAtOnce) {
  SegmentProgress p;
  p.AddPage(0, "k0", 0, 0);
  EXPECT_EQ(p.position().exclusive_start_key, "k0");
  p.AddPage(1, std::nullopt, 0, 0);
  EXPECT_TRUE(p.position().done);
}

}  // namespace
}  // namespace ddbm::pipeline
