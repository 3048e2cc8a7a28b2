// SegmentProgress: turns out-of-order batch acknowledgements into an in-order resume position
// for one scan segment.
//
// A segment's pages are numbered 0, 1, 2...; each page is cut into batches that writers finish
// in any order. The segment's checkpoint may only move to the LastEvaluatedKey of page N once
// every batch of pages 0..N is acknowledged (written or dead-lettered), so a resume never skips
// an item that was not acknowledged. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace ddbm::pipeline {

struct SegmentPosition {
  // Where a resumed scan starts; nullopt with done == false means "from the beginning".
  std::optional<std::string> exclusive_start_key;
  bool done = false;                 // every page read and acknowledged
  uint64_t items_acknowledged = 0;   // in pages wholly acknowledged
  uint64_t items_dead_lettered = 0;  // of those, the ones written to the dead-letter file
  // What else the operation must remember of the segment, as a raw JSON object (an export's
  // finished data files); copy and truncate leave it unset.
  std::optional<std::string> state;
};

class SegmentProgress {
 public:
  // `start` is where this run began (from a checkpoint, or the beginning).
  explicit SegmentProgress(SegmentPosition start = {});

  // Registers page `page` (numbered from 0 in this run, in scan order) with `batches` batches
  // and `items` items. `last_evaluated_key` is the page's LastEvaluatedKey (nullopt on the
  // segment's last page). `dead_lettered`: items of the page already in the dead-letter file
  // (a transform's refused ones). A page with 0 batches is acknowledged at once.
  void AddPage(uint64_t page, std::optional<std::string> last_evaluated_key, uint32_t batches,
               uint64_t items, uint64_t dead_lettered = 0);
  // One batch of `page` is acknowledged, `dead_lettered` of its items into the dead-letter file.
  void AcknowledgeBatch(uint64_t page, uint64_t dead_lettered = 0);

  // The furthest position every earlier item is acknowledged at.
  SegmentPosition position() const;

 private:
  void Advance();  // REQUIRES: mu_ held

  struct Page {
    std::optional<std::string> last_evaluated_key;
    uint32_t pending = 0;
    uint64_t items = 0;
    uint64_t dead_lettered = 0;
    bool registered = false;
  };
  mutable std::mutex mu_;
  std::map<uint64_t, Page> pages_;  // pages not yet folded into position_; guarded by mu_
  uint64_t next_page_ = 0;          // the oldest page not yet folded in; guarded by mu_
  SegmentPosition position_;        // guarded by mu_
};

}  // namespace ddbm::pipeline
