// ShardLineage: which shards may be read now, so that a parent is read to its end before its
// children, across splits, trimmed parents and checkpoint restores.
#include "pipeline/shard_lineage.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ddbm::pipeline {
namespace {

using dynamodb::Shard;
using State = ShardLineage::State;

Shard Open(std::string id, std::string parent = {}) {
  Shard s;
  s.shard_id = std::move(id);
  s.parent_shard_id = std::move(parent);
  s.starting_sequence_number = "100";
  return s;
}

Shard Closed(std::string id, std::string parent = {}, std::string ending = "199") {
  Shard s = Open(std::move(id), std::move(parent));
  s.ending_sequence_number = std::move(ending);
  return s;
}

std::vector<std::string> Ids(const std::vector<Shard>& shards) {
  std::vector<std::string> ids;
  for (const Shard& s : shards) ids.push_back(s.shard_id);
  return ids;
}

using Names = std::vector<std::string>;

TEST(ShardLineageTest, EmptyLineageHasNothingReady) {
  ShardLineage lineage;
  EXPECT_FALSE(lineage.HasReady());
  EXPECT_TRUE(lineage.TakeReady().empty());
  EXPECT_EQ(lineage.CountIn(State::kWaiting), 0u);
  EXPECT_EQ(lineage.CountIn(State::kReading), 0u);
  EXPECT_EQ(lineage.CountIn(State::kDone), 0u);
  EXPECT_FALSE(lineage.Knows("shardId-1"));
  EXPECT_EQ(lineage.StateOf("shardId-1"), State::kWaiting);  // unknown shards read as waiting
}

TEST(ShardLineageTest, RootShardsAreReadyAtOnce) {
  ShardLineage lineage;
  EXPECT_EQ(lineage.Update({Open("a"), Open("b")}), 2u);
  EXPECT_TRUE(lineage.Knows("a"));
  EXPECT_TRUE(lineage.Knows("b"));
  EXPECT_TRUE(lineage.HasReady());
  EXPECT_EQ(lineage.CountIn(State::kWaiting), 2u);
  EXPECT_EQ(Ids(lineage.TakeReady()), (Names{"a", "b"}));
  EXPECT_EQ(lineage.StateOf("a"), State::kReading);
  EXPECT_EQ(lineage.StateOf("b"), State::kReading);
  EXPECT_EQ(lineage.CountIn(State::kReading), 2u);
  EXPECT_EQ(lineage.CountIn(State::kWaiting), 0u);
  EXPECT_FALSE(lineage.HasReady());
}

TEST(ShardLineageTest, ChildWaitsUntilItsParentIsDone) {
  ShardLineage lineage;
  lineage.Update({Closed("parent"), Open("child", "parent")});
  EXPECT_EQ(Ids(lineage.TakeReady()), (Names{"parent"}));
  EXPECT_EQ(lineage.StateOf("child"), State::kWaiting);
  EXPECT_FALSE(lineage.HasReady());
  EXPECT_TRUE(lineage.TakeReady().empty());  // the parent is being read, not done

  lineage.MarkDone("parent");
  EXPECT_EQ(lineage.StateOf("parent"), State::kDone);
  EXPECT_TRUE(lineage.HasReady());
  const std::vector<Shard> ready = lineage.TakeReady();
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].shard_id, "child");
  EXPECT_EQ(ready[0].parent_shard_id, "parent");
  EXPECT_EQ(lineage.StateOf("child"), State::kReading);
}

TEST(ShardLineageTest, ChildOfAParentNoLongerListedIsReady) {
  ShardLineage lineage;
  // The parent was trimmed from the stream: only the child is listed.
  lineage.Update({Open("child", "trimmed-parent")});
  EXPECT_FALSE(lineage.Knows("trimmed-parent"));
  EXPECT_TRUE(lineage.HasReady());
  EXPECT_EQ(Ids(lineage.TakeReady()), (Names{"child"}));
}

TEST(ShardLineageTest, RestoreDoneBeforeUpdateLetsChildrenGo) {
  ShardLineage lineage;
  lineage.RestoreDone("parent");  // a checkpoint says the parent was read to its end
  EXPECT_TRUE(lineage.Knows("parent"));
  EXPECT_EQ(lineage.StateOf("parent"), State::kDone);
  // Known from a checkpoint only: not counted until the stream lists it.
  EXPECT_EQ(lineage.CountIn(State::kDone), 0u);
  EXPECT_FALSE(lineage.HasReady());

  EXPECT_EQ(lineage.Update({Closed("parent"), Open("child", "parent")}), 1u);  // child is new
  EXPECT_EQ(lineage.StateOf("parent"), State::kDone);  // kept its restored state
  EXPECT_EQ(lineage.CountIn(State::kDone), 1u);
  EXPECT_EQ(Ids(lineage.TakeReady()), (Names{"child"}));  // the done parent is never handed out
}

TEST(ShardLineageTest, RestoredDoneParentLetsChildrenGoEvenBeforeItIsListed) {
  ShardLineage lineage;
  lineage.RestoreDone("parent");
  lineage.Update({Open("child", "parent")});
  EXPECT_EQ(Ids(lineage.TakeReady()), (Names{"child"}));
}

TEST(ShardLineageTest, TakeReadyHandsAShardOutOnceAndReleaseMakesItTakeableAgain) {
  ShardLineage lineage;
  lineage.Update({Open("a")});
  EXPECT_EQ(Ids(lineage.TakeReady()), (Names{"a"}));
  EXPECT_TRUE(lineage.TakeReady().empty());  // already being read
  EXPECT_FALSE(lineage.HasReady());

  lineage.Release("a");
  EXPECT_EQ(lineage.StateOf("a"), State::kWaiting);
  EXPECT_TRUE(lineage.HasReady());
  EXPECT_EQ(Ids(lineage.TakeReady()), (Names{"a"}));
  EXPECT_EQ(lineage.StateOf("a"), State::kReading);
}

TEST(ShardLineageTest, ReleaseOnlyAffectsAShardBeingRead) {
  ShardLineage lineage;
  lineage.Update({Closed("a"), Open("b", "a")});
  ASSERT_EQ(Ids(lineage.TakeReady()), (Names{"a"}));
  lineage.MarkDone("a");
  lineage.Release("a");  // a done shard stays done
  EXPECT_EQ(lineage.StateOf("a"), State::kDone);
  lineage.Release("unknown");  // unknown shards are ignored
  EXPECT_FALSE(lineage.Knows("unknown"));
  lineage.MarkDone("unknown");
  EXPECT_FALSE(lineage.Knows("unknown"));
  EXPECT_EQ(Ids(lineage.TakeReady()), (Names{"b"}));
}

TEST(ShardLineageTest, UpdateOfAKnownShardKeepsItsStateAndLearnsItsEnd) {
  ShardLineage lineage;
  EXPECT_EQ(lineage.Update({Open("a")}), 1u);
  ASSERT_EQ(Ids(lineage.TakeReady()), (Names{"a"}));

  // The shard was closed meanwhile (split into b and c).
  EXPECT_EQ(lineage.Update({Closed("a", "", "4242"), Open("b", "a"), Open("c", "a")}), 2u);
  EXPECT_EQ(lineage.StateOf("a"), State::kReading);
  EXPECT_EQ(lineage.CountIn(State::kReading), 1u);
  EXPECT_TRUE(lineage.TakeReady().empty());

  // The ending sequence number is visible once the shard is handed out again.
  lineage.Release("a");
  const std::vector<Shard> again = lineage.TakeReady();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].shard_id, "a");
  EXPECT_EQ(again[0].ending_sequence_number, "4242");

  // Listing the same shards again adds nothing.
  EXPECT_EQ(lineage.Update({Closed("a", "", "4242"), Open("b", "a"), Open("c", "a")}), 0u);
}

TEST(ShardLineageTest, ReadyShardsComeOldestFirst) {
  ShardLineage lineage;
  // Ids that sort the other way round from the order the stream listed them.
  lineage.Update({Open("z-first"), Open("m-second")});
  lineage.Update({Open("a-third")});
  EXPECT_EQ(Ids(lineage.TakeReady()), (Names{"z-first", "m-second", "a-third"}));
}

TEST(ShardLineageTest, ChildrenComeOutInListingOrderOnceParentsAreDone) {
  ShardLineage lineage;
  lineage.Update({Closed("p2"), Closed("p1"), Open("c-of-p1", "p1"), Open("b-of-p2", "p2")});
  ASSERT_EQ(Ids(lineage.TakeReady()), (Names{"p2", "p1"}));
  lineage.MarkDone("p1");
  lineage.MarkDone("p2");
  EXPECT_EQ(Ids(lineage.TakeReady()), (Names{"c-of-p1", "b-of-p2"}));
}

TEST(ShardLineageTest, CountInAndHasReady) {
  ShardLineage lineage;
  lineage.Update({Closed("root"), Open("child", "root"), Open("other")});
  EXPECT_EQ(lineage.CountIn(State::kWaiting), 3u);
  EXPECT_TRUE(lineage.HasReady());

  ASSERT_EQ(Ids(lineage.TakeReady()), (Names{"root", "other"}));
  EXPECT_EQ(lineage.CountIn(State::kWaiting), 1u);  // the child, not ready
  EXPECT_EQ(lineage.CountIn(State::kReading), 2u);
  EXPECT_EQ(lineage.CountIn(State::kDone), 0u);
  EXPECT_FALSE(lineage.HasReady());

  lineage.MarkDone("root");
  EXPECT_EQ(lineage.CountIn(State::kDone), 1u);
  EXPECT_EQ(lineage.CountIn(State::kReading), 1u);
  EXPECT_TRUE(lineage.HasReady());
  // HasReady does not take anything.
  EXPECT_EQ(lineage.CountIn(State::kWaiting), 1u);
  EXPECT_TRUE(lineage.HasReady());
}

TEST(ShardLineageTest, SplitIntoTwoChildren) {
  ShardLineage lineage;
  lineage.Update({Closed("parent"), Open("left", "parent"), Open("right", "parent")});
  ASSERT_EQ(Ids(lineage.TakeReady()), (Names{"parent"}));
  EXPECT_EQ(lineage.StateOf("left"), State::kWaiting);
  EXPECT_EQ(lineage.StateOf("right"), State::kWaiting);

  lineage.MarkDone("parent");
  EXPECT_EQ(Ids(lineage.TakeReady()), (Names{"left", "right"}));
  EXPECT_EQ(lineage.CountIn(State::kReading), 2u);
  EXPECT_EQ(lineage.CountIn(State::kDone), 1u);
}

TEST(ShardLineageTest, ChainGrandparentParentChildIsReadOneGenerationAtATime) {
  ShardLineage lineage;
  lineage.Update({Closed("grandparent"), Closed("parent", "grandparent"), Open("child", "parent")});
  ASSERT_EQ(Ids(lineage.TakeReady()), (Names{"grandparent"}));

  lineage.MarkDone("grandparent");
  ASSERT_EQ(Ids(lineage.TakeReady()), (Names{"parent"}));
  EXPECT_EQ(lineage.StateOf("child"), State::kWaiting);
  EXPECT_FALSE(lineage.HasReady());

  lineage.MarkDone("parent");
  EXPECT_EQ(Ids(lineage.TakeReady()), (Names{"child"}));
  EXPECT_EQ(lineage.CountIn(State::kDone), 2u);
  EXPECT_EQ(lineage.CountIn(State::kWaiting), 0u);
}

TEST(ShardLineageTest, ChainWithTheGrandparentTrimmedStartsAtTheParent) {
  ShardLineage lineage;
  lineage.Update({Closed("parent", "trimmed-grandparent"), Open("child", "parent")});
  ASSERT_EQ(Ids(lineage.TakeReady()), (Names{"parent"}));
  EXPECT_TRUE(lineage.TakeReady().empty());
  lineage.MarkDone("parent");
  EXPECT_EQ(Ids(lineage.TakeReady()), (Names{"child"}));
}

TEST(ShardLineageTest, ReleasedParentKeepsItsChildWaiting) {
  ShardLineage lineage;
  lineage.Update({Closed("parent"), Open("child", "parent")});
  EXPECT_EQ(Ids(lineage.TakeReady()), (Names{"parent"}));
  lineage.Release("parent");  // its reader stopped before the end
  EXPECT_EQ(lineage.StateOf("child"), State::kWaiting);
  EXPECT_EQ(Ids(lineage.TakeReady()), (Names{"parent"}));  // the child still waits
}

}  // namespace
}  // namespace ddbm::pipeline
