// ShardLineage: which shards of a DynamoDB stream may be read now, so that the changes to one key
// are applied in order across shard splits. A shard is ready once its parent has been read to its
// end, or when its parent is no longer in the stream (trimmed after 24 hours, or a root shard).
// Each shard is handed out at most once at a time. Not thread-safe: the owner serialises calls.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "dynamodb/streams_client.h"

namespace ddbm::pipeline {

class ShardLineage {
 public:
  enum class State { kWaiting, kReading, kDone };

  // Adds the shards not known yet (from DescribeStream); known ones keep their state, and learn
  // their ending sequence number once closed. Returns how many were new.
  size_t Update(const std::vector<dynamodb::Shard>& shards);
  // Marks a shard as read to its end before it is seen in the stream (a checkpoint said so).
  void RestoreDone(const std::string& shard_id);

  // The waiting shards whose parent is done or gone, oldest first; they become kReading.
  std::vector<dynamodb::Shard> TakeReady();
  // A kReading shard goes back to kWaiting (its reader stopped early); it can be taken again.
  void Release(const std::string& shard_id);
  void MarkDone(const std::string& shard_id);

  bool Knows(const std::string& shard_id) const { return shards_.count(shard_id) != 0; }
  State StateOf(const std::string& shard_id) const;
  size_t CountIn(State state) const;
  // True when some waiting shard could be taken now.
  bool HasReady() const;

 private:
  struct Entry {
    dynamodb::Shard shard;
    State state = State::kWaiting;
    size_t order = 0;  // the order shards were first seen: DescribeStream lists parents first
  };
  bool ParentFinished(const Entry& entry) const;

  std::map<std::string, Entry> shards_;
  size_t next_order_ = 0;
};

}  // namespace ddbm::pipeline
