// StreamReplicator: applies a table's DynamoDB Stream to a target table, shard by shard.
//
// Data path: DescribeStream -> ShardLineage (a parent read to its end before its children, so
// the changes to one key stay in order) -> one reader per shard: GetRecords page -> records
// parsed, skipped (older than the replay's start, TTL deletions when asked) or checked ->
// coalesced by key (the last change of each key in the page wins) -> batches of at most 25
// puts (INSERT, MODIFY: the new image) and deletes (REMOVE: the keys) -> BatchWriteItem through
// the one retry policy. With KEYS_ONLY or OLD_IMAGE streams the current items are read from the
// source instead (BatchGetItem): found means put, absent means delete (with TTL deletions
// skipped, absent means nothing to write: the REMOVE record of the item's removal decides).
//
// A shard's checkpoint moves to a page's last sequence number only once every change of the
// page is acknowledged or dead-lettered. A record the stream no longer holds (trimmed) is never
// skipped silently: the run stops with an error that names the time span lost.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/clock.h"
#include "aws/error.h"
#include "aws/retry.h"
#include "dynamodb/client.h"
#include "dynamodb/streams_client.h"
#include "pipeline/batch_writer.h"
#include "pipeline/dead_letter.h"
#include "pipeline/rate_limiter.h"
#include "pipeline/stream_checkpoint.h"

namespace ddbm::pipeline {

// How to recover from a gap in a stream, ending every message that reports one: the words after
// "Recover with a fresh snapshot: ".
inline constexpr std::string_view kFreshSnapshot =
    "run migrate --live again, or copy the table again and replicate --from the time that "
    "copy started";

struct ReplicateOptions {
  std::string source_table;  // for lookups (KEYS_ONLY, OLD_IMAGE) and the checkpoint
  std::string target_table;
  std::string stream_arn;
  std::string stream_view_type;  // KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES
  std::vector<dynamodb::KeySchemaElement> key_schema;
  // Where shards without a checkpointed position start: TRIM_HORIZON, or (first run only) LATEST
  // for the shards open at the start, closed ones being skipped.
  bool start_at_latest = false;
  std::string from;         // recorded in the checkpoint
  int64_t skip_before = 0;  // records created before this epoch second are skipped; 0: none
  bool skip_ttl_deletes = false;
  int writers = 8;  // BatchWriteItem requests in flight per shard (one reader per shard)
  // Ask for ConsumedCapacity on every BatchWriteItem (done anyway under a write limiter).
  bool consumed_capacity = true;
  int records_limit = 1000;
  std::chrono::milliseconds idle_wait{500};  // before polling an open shard after an empty page
  std::chrono::milliseconds describe_interval{10'000};  // looking for new shards
  std::chrono::milliseconds poll_interval{100};         // the coordinator's tick
  // Caught up: every shard read to its current end, or (when above 0) its last applied record
  // no older than this by this host's clock. With until_caught_up the run then stops; otherwise
  // it goes on until stopped.
  double max_lag_seconds = 10;
  bool until_caught_up = false;
  int64_t retention_seconds = 24 * 3600;  // how long the stream keeps records
  std::string checkpoint_path;            // empty: none
  std::optional<StreamCheckpoint> resume;
  // The dead-letter file (absolute) recorded in the checkpoint; empty: the one `resume` names.
  std::string dead_letter_file;
  // The tables, recorded in the checkpoint (StreamCheckpoint::source_identity, target_identity).
  TableIdentity source_identity;
  TableIdentity target_identity;
  std::chrono::milliseconds checkpoint_interval{1000};
};

struct ReplicateCounters {
  std::atomic<uint64_t> records_read{0};
  std::atomic<uint64_t> records_applied{0};    // changes acknowledged by the target
  std::atomic<uint64_t> records_looked_up{0};  // items read from the source (KEYS_ONLY streams)
  std::atomic<uint64_t> records_coalesced{0};  // superseded by a later change of the same key
  // Changes whose item a lookup no longer found on the source, with TTL deletions skipped: not
  // written, the REMOVE record of the item's removal decides (applied when it is read, unless a
  // skipped TTL deletion, which leaves the target's item as it is).
  std::atomic<uint64_t> records_gone_from_source{0};
  std::atomic<uint64_t> records_skipped{0};      // older than the start, or skipped TTL deletions
  std::atomic<uint64_t> ttl_deletes{0};          // TTL deletions seen (applied unless skipped)
  std::atomic<uint64_t> items_dead_lettered{0};  // rejected records and writes
  std::atomic<uint64_t> iterators_renewed{0};    // after ExpiredIteratorException
  std::atomic<uint64_t> shards_done{0};
  std::atomic<uint64_t> shards_reading{0};
  std::atomic<int64_t> last_applied_created{0};  // epoch seconds of the newest applied record
  std::atomic<double> lag_seconds{-1};           // -1: not known yet
  std::atomic<bool> caught_up{false};
  WriteCounters writes;
};

struct ReplicateResult {
  bool interrupted = false;  // stopped on request; the checkpoint says where
  bool caught_up = false;    // stopped because caught up (until_caught_up)
  StreamCheckpoint checkpoint;
};

// Collaborators; all must outlive Run.
struct ReplicateContext {
  const dynamodb::DynamoDbStreamsClient* streams = nullptr;
  // Lookups (KEYS_ONLY and OLD_IMAGE streams), and the DescribeTable that says why a turned-off
  // stream ended; may be null for image streams (such an end is then called turned off).
  const dynamodb::DynamoDbClient* source = nullptr;
  const dynamodb::DynamoDbClient* target = nullptr;
  const aws::RetryPolicy* write_policy = nullptr;
  DeadLetterFile* dead_letters = nullptr;
  RateLimiter* write_limiter = nullptr;  // null: unlimited
  const std::atomic<bool>* stop = nullptr;
  aws::Clock* clock = nullptr;
  // Told each time the replay becomes caught up (after having been behind), with the lag.
  std::function<void(double lag_seconds)> on_caught_up;
  // Told once the stream was described, the start checked and, from LATEST, the open shards'
  // iterators taken (a change made after this is replayed), before any record is read.
  std::function<void()> on_started;
};

class StreamReplicator {
 public:
  StreamReplicator(ReplicateContext context, ReplicateOptions options);

  // Replays until stopped, caught up (until_caught_up) or failed. A final error (trimmed data,
  // access denied, the target gone, an unwritable dead-letter file) ends the run; the saved
  // checkpoint is still correct. `counters` may be read concurrently.
  aws::Result<ReplicateResult> Run(ReplicateCounters* counters);

  // True for the view types whose records carry no new image (items are read from the source).
  static bool NeedsLookups(std::string_view stream_view_type);

  // The gap error (as Run gives) when a replay from `checkpoint` must start with records older
  // than the stream keeps (`retention_seconds` before `now`, epoch seconds); ok otherwise. A
  // fresh start from a time is a checkpoint with that skip_before and no shards. Lets a caller
  // refuse before work that would be wasted (the copy phase of migrate --live).
  static aws::Status CheckStartWithinRetention(const StreamCheckpoint& checkpoint,
                                               const std::string& source_table, int64_t now,
                                               int64_t retention_seconds);

  // False for the errors after which no resume can make the target whole: records the stream
  // no longer holds, or a stream turned off (their messages say how to recover instead).
  static bool ResumeCanRecover(const aws::Error& error);

 private:
  ReplicateContext context_;
  ReplicateOptions options_;
};

}  // namespace ddbm::pipeline
