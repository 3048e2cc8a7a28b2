#include "pipeline/shard_lineage.h"

#include <algorithm>

namespace ddbm::pipeline {

size_t ShardLineage::Update(const std::vector<dynamodb::Shard>& shards) {
  size_t added = 0;
  for (const dynamodb::Shard& shard : shards) {
    auto [it, inserted] = shards_.try_emplace(shard.shard_id);
    if (inserted) {
      it->second.shard = shard;
      it->second.order = next_order_++;
      ++added;
    } else if (it->second.shard.shard_id.empty()) {
      // Known from a checkpoint only: take the stream's description, keep the state.
      it->second.shard = shard;
    } else {
      it->second.shard.ending_sequence_number = shard.ending_sequence_number;
    }
  }
  return added;
}

void ShardLineage::RestoreDone(const std::string& shard_id) {
  auto [it, inserted] = shards_.try_emplace(shard_id);
  if (inserted) it->second.order = next_order_++;
  it->second.state = State::kDone;
}

bool ShardLineage::ParentFinished(const Entry& entry) const {
  const std::string& parent = entry.shard.parent_shard_id;
  if (parent.empty()) return true;
  auto it = shards_.find(parent);
  // A parent the stream no longer lists was trimmed: its records are gone either way, and the
  // replicator decides (from its checkpoint) whether that is a gap.
  return it == shards_.end() || it->second.shard.shard_id.empty() ||
         it->second.state == State::kDone;
}

std::vector<dynamodb::Shard> ShardLineage::TakeReady() {
  std::vector<const Entry*> ready;
  for (const auto& [id, entry] : shards_) {
    if (entry.state == State::kWaiting && !entry.shard.shard_id.empty() && ParentFinished(entry)) {
      ready.push_back(&entry);
    }
  }
  std::sort(ready.begin(), ready.end(),
            [](const Entry* a, const Entry* b) { return a->order < b->order; });
  std::vector<dynamodb::Shard> out;
  for (const Entry* entry : ready) {
    shards_[entry->shard.shard_id].state = State::kReading;
    out.push_back(entry->shard);
  }
  return out;
}

void ShardLineage::Release(const std::string& shard_id) {
  auto it = shards_.find(shard_id);
  if (it != shards_.end() && it->second.state == State::kReading) {
    it->second.state = State::kWaiting;
  }
}

void ShardLineage::MarkDone(const std::string& shard_id) {
  auto it = shards_.find(shard_id);
  if (it != shards_.end()) it->second.state = State::kDone;
}

ShardLineage::State ShardLineage::StateOf(const std::string& shard_id) const {
  auto it = shards_.find(shard_id);
  return it == shards_.end() ? State::kWaiting : it->second.state;
}

size_t ShardLineage::CountIn(State state) const {
  return static_cast<size_t>(std::count_if(shards_.begin(), shards_.end(), [&](const auto& kv) {
    return kv.second.state == state && !kv.second.shard.shard_id.empty();
  }));
}

bool ShardLineage::HasReady() const {
  return std::any_of(shards_.begin(), shards_.end(), [&](const auto& kv) {
    const Entry& e = kv.second;
    return e.state == State::kWaiting && !e.shard.shard_id.empty() && ParentFinished(e);
  });
}

}  // namespace ddbm::pipeline
