#include "pipeline/segment_progress.h"

namespace ddbm::pipeline {

SegmentProgress::SegmentProgress(SegmentPosition start) : position_(std::move(start)) {}

void SegmentProgress::AddPage(uint64_t page, std::optional<std::string> last_evaluated_key,
                              uint32_t batches, uint64_t items, uint64_t dead_lettered) {
  std::lock_guard lock(mu_);
  Page& p = pages_[page];
  p.last_evaluated_key = std::move(last_evaluated_key);
  // Acknowledgements may arrive before registration only if a caller misorders; pending can
  // then be "negative", which the unsigned arithmetic below handles by adding first.
  p.pending += batches;
  p.items = items;
  p.dead_lettered += dead_lettered;
  p.registered = true;
  Advance();
}

void SegmentProgress::AcknowledgeBatch(uint64_t page, uint64_t dead_lettered) {
  std::lock_guard lock(mu_);
  Page& p = pages_[page];
  --p.pending;
  p.dead_lettered += dead_lettered;
  Advance();
}

void SegmentProgress::Advance() {
  for (auto it = pages_.find(next_page_);
       it != pages_.end() && it->second.registered && it->second.pending == 0;
       it = pages_.find(next_page_)) {
    position_.items_acknowledged += it->second.items;
    position_.items_dead_lettered += it->second.dead_lettered;
    position_.exclusive_start_key = std::move(it->second.last_evaluated_key);
    position_.done = !position_.exclusive_start_key.has_value();
    pages_.erase(it);
    ++next_page_;
  }
}

SegmentPosition SegmentProgress::position() const {
  std::lock_guard lock(mu_);
  return position_;
}

}  // namespace ddbm::pipeline
