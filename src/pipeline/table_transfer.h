// TableTransfer: scans a table in parallel segments and applies every item to a target table,
// as a put (copy) or as a delete of its key (truncate).
//
// Data path: segment reader (a pool of threads taking segments in turn) -> page of raw items ->
// batches of at most 25 -> bounded queue -> writers (BatchWriteItem, UnprocessedItems resent per
// the retry policy) -> acknowledgement. An item is acknowledged when the target accepted it or it
// was written to the dead-letter file; a segment's checkpoint only moves past pages whose items are
// all acknowledged. Memory is bounded by the queue, not by the table.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "aws/clock.h"
#include "aws/error.h"
#include "aws/retry.h"
#include "dynamodb/client.h"
#include "pipeline/batch_writer.h"
#include "pipeline/checkpoint.h"
#include "pipeline/dead_letter.h"
#include "pipeline/item_transform.h"
#include "pipeline/parallel_scan.h"
#include "pipeline/rate_limiter.h"

namespace ddbm::pipeline {

struct TransferOptions {
  std::string operation = "copy";  // recorded in the checkpoint
  std::string source_table;
  std::string target_table;
  // What each scanned item becomes. For kDelete the scan must project only the key attributes,
  // so that each item is exactly its key.
  dynamodb::WriteRequest::Kind write_kind = dynamodb::WriteRequest::Kind::kPut;
  std::string projection_expression;       // e.g. "#k0, #k1" for truncate
  std::string expression_attribute_names;  // raw JSON object for the projection
  // TotalSegments of the scan. Segments are handed out to `readers` threads one at a time, so
  // more segments than readers make each segment small: the last segments finish together
  // instead of one long tail, and (on DynamoDB Local, whose Scan page costs grow with what is
  // left of the segment) each page is cheaper for the server.
  int segments = 8;
  int readers = 8;    // segments scanned at once, at most `segments`
  int page_size = 0;  // Scan Limit; 0: 1 MB pages
  int writers = 16;
  // Bytes of scanned pages waiting for writers, at most (each batch is charged its share of its
  // page). Bounds memory whatever the item size. Readers blocked on a full queue each hold the
  // rest of their page as well, so a small queue still keeps every writer busy; each extra
  // megabyte here is a megabyte more of peak memory (and of page faults) on a large table.
  size_t queue_bytes = size_t{2} << 20;
  bool consistent_read = false;
  // Ask for ConsumedCapacity on Scans (read_) and BatchWriteItems (write_). A side with a rate
  // limiter always asks; without one the figure only feeds the RCU or WCU counter. On DynamoDB
  // Local a write that asks costs the server real CPU; a Scan that asks hardly any.
  bool read_consumed_capacity = true;
  bool write_consumed_capacity = true;
  // Checkpointing: empty path means none. `resume` (when set) must be for this source, target
  // and segment count; finished segments are skipped, others continue after their position.
  std::string checkpoint_path;
  std::optional<Checkpoint> resume;
  std::chrono::milliseconds checkpoint_interval{1000};
  std::string dead_letter_file;       // recorded in the checkpoint (Checkpoint::dead_letter_file)
  bool create_indexes_after = false;  // the same (Checkpoint::create_indexes_after)
  TableIdentity source_identity;      // the same (Checkpoint::source_identity)
  TableIdentity target_identity;      // the same (Checkpoint::target_identity)
  std::string transform;  // the command of TransferContext::transform, recorded the same way
};

// The checkpoint of a transfer with `options` before any work: its header fields, and `segments`
// segments at their start.
Checkpoint StartCheckpoint(const TransferOptions& options, int segments);

struct TransferCounters {
  ScanCounters scan;  // items read from the source, pages, read capacity
  std::atomic<uint64_t> items_dead_lettered{0};
  std::atomic<uint64_t> items_resumed{0};  // acknowledged by earlier runs (from the checkpoint)
  std::atomic<uint64_t> items_dead_lettered_resumed{0};  // of those, the dead-lettered ones
  // With a transform: the items it made (to write, refused or superseded), the items read that
  // it answered with nothing, the items it made that the target could not take (dead-lettered,
  // and counted in items_dead_lettered too), and the items it made that a later item of the
  // same page with the same key replaced (never written).
  std::atomic<uint64_t> items_transformed{0};
  std::atomic<uint64_t> items_dropped{0};
  std::atomic<uint64_t> items_refused{0};
  std::atomic<uint64_t> items_superseded{0};
  WriteCounters writes;
};

struct TransferResult {
  bool interrupted = false;  // stopped early on request; the checkpoint says where
  Checkpoint checkpoint;     // the final position of every segment
};

// Shared collaborators; all must outlive Run. Limiters and the dead-letter file may be shared
// with other transfers. `stop` is polled: once true, readers stop fetching pages, writers finish
// the batches in flight and drop the queued ones (unacknowledged), the checkpoint is saved, and
// Run returns with interrupted = true.
struct TransferContext {
  const dynamodb::DynamoDbClient* source = nullptr;
  const dynamodb::DynamoDbClient* target = nullptr;
  const aws::RetryPolicy* write_policy = nullptr;  // for UnprocessedItems
  DeadLetterFile* dead_letters = nullptr;
  RateLimiter* read_limiter = nullptr;   // null: unlimited
  RateLimiter* write_limiter = nullptr;  // null: unlimited
  const std::atomic<bool>* stop = nullptr;
  aws::Clock* clock = nullptr;
  // What each page's items become before they are written (a put copy only); null: themselves.
  // The items it refuses go to `dead_letters` (a run without one stops at the first). A page is
  // acknowledged once everything made of it is, and its answers are confirmed. Run calls its
  // Finish once the pages are read.
  ItemTransform* transform = nullptr;
};

class TableTransfer {
 public:
  TableTransfer(TransferContext context, TransferOptions options);

  // Runs to the end (or to a stop request). A final error (the target vanished, access denied,
  // the dead-letter file unwritable, an unreadable page after retries) stops the run; the
  // checkpoint saved by then is still correct. Items rejected on their own (IsItemError) are
  // dead-lettered. `counters` may be read concurrently.
  aws::Result<TransferResult> Run(TransferCounters* counters);

  const TransferOptions& options() const { return options_; }

 private:
  // Counts what the transform made of a page, and writes the items it made that the target
  // cannot take to the dead-letter file.
  aws::Status DeadLetterRefused(const TransformedPage& page, TransferCounters* counters) const;

  TransferContext context_;
  TransferOptions options_;
};

}  // namespace ddbm::pipeline
