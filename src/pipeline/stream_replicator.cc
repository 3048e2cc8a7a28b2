#include "pipeline/stream_replicator.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "aws/iso8601.h"
#include "aws/sigv4.h"
#include "dynamodb/item.h"
#include "dynamodb/item_check.h"
#include "dynamodb/item_compare.h"
#include "dynamodb/stream_record.h"
#include "pipeline/batch_getter.h"
#include "pipeline/shard_lineage.h"

namespace ddbm::pipeline {
namespace {

using Kind = dynamodb::WriteRequest::Kind;

// The error that ends a replay whose next record is no longer in the stream.
aws::Error GapError(const std::string& table, const std::string& shard_id, int64_t since,
                    int64_t now, int64_t retention_seconds, const std::string& cause) {
  std::string span =
      since > 0 ? "changes made to table " + table + " since " + aws::FormatEpochSeconds(since)
                : "changes made to table " + table;
  const int64_t horizon = now - retention_seconds;
  if (since > 0 && horizon > since) span += " until about " + aws::FormatEpochSeconds(horizon);
  aws::Error error = aws::Error::Make(
      aws::ErrorKind::kInvalidInput,
      "gap in the stream: " + span + " (shard " + shard_id + ") are no longer in the stream (" +
          cause + "; a stream keeps records for " + std::to_string(retention_seconds / 3600) +
          " hours), so the target misses them. Recover with a fresh snapshot: " +
          std::string(kFreshSnapshot));
  error.code = "TrimmedDataAccessException";
  return error;
}

// Consecutive empty pages after which an open shard is taken to be read to its tip.
constexpr int kEmptyPagesAtTip = 3;

// The stream was turned off: its shards close, and changes made since are in no stream this
// replay reads.
// The words that mark StreamDisabledError's message (it has no AWS error code to carry).
constexpr std::string_view kStreamDisabledStart = "the stream of table ";
constexpr std::string_view kStreamDisabledMark = " was turned off (StreamStatus ";

// Why a stream ended, as far as the source's description tells.
enum class StreamEnd { kTurnedOff, kTableDeleted, kReplaced };

// `replacement`: the table's new stream, with kReplaced.
aws::Error StreamDisabledError(const std::string& table, const std::string& status, StreamEnd end,
                               const std::string& replacement) {
  std::string message =
      std::string(kStreamDisabledStart) + table + std::string(kStreamDisabledMark) + status + ")";
  switch (end) {
    case StreamEnd::kTableDeleted:
      message += " with the table, which was deleted; every record it held is applied";
      break;
    case StreamEnd::kReplaced:
      message += " and replaced by a new one (" + replacement +
                 "); every record it held is applied, but changes made between the two are in no "
                 "stream, so the target may miss them. Recover with a fresh snapshot: " +
                 std::string(kFreshSnapshot);
      break;
    case StreamEnd::kTurnedOff:
      message +=
          "; every record it held is applied, but changes made since are in no stream this "
          "replay can read, so the target misses them. Enable the stream and recover with a "
          "fresh snapshot: " +
          std::string(kFreshSnapshot);
      break;
  }
  return aws::Error::Make(aws::ErrorKind::kInvalidInput, std::move(message));
}

bool IsCode(const aws::Error& error, std::string_view code) {
  return error.kind == aws::ErrorKind::kService && error.code == code;
}

// What the writes of one page point into: the page's body, and the images that had to be
// repaired (see RepairUntypedEmptyMaps). A deque keeps the strings in place as it grows.
struct PageBytes {
  std::shared_ptr<const std::string> body;
  std::deque<std::string> repaired;
};

// One change to apply: the last record of a key within a page.
struct Change {
  Kind kind = Kind::kPut;
  std::string_view json;  // the new image (put) or the keys (delete); a slice of the page
  bool lookup = false;    // the current item must be read from the source first
  // A lookup that finds no item deletes it, rather than leaving the target as it is (see
  // ApplyPage: only a REMOVE that is applied may delete when TTL deletions are skipped).
  bool delete_if_absent = true;
  std::string key;  // the key as the record spells it (ExtractKey), for the lookup
};

}  // namespace

bool StreamReplicator::ResumeCanRecover(const aws::Error& error) {
  const bool stream_disabled = error.kind == aws::ErrorKind::kInvalidInput &&
                               error.message.starts_with(kStreamDisabledStart) &&
                               error.message.find(kStreamDisabledMark) != std::string::npos;
  return error.code != "TrimmedDataAccessException" && !stream_disabled;
}

aws::Status StreamReplicator::CheckStartWithinRetention(const StreamCheckpoint& checkpoint,
                                                        const std::string& source_table,
                                                        int64_t now, int64_t retention_seconds) {
  // A replay needs every record since its start point; for a shard already read to its tip
  // without a record to checkpoint, since that time; for the children of a shard read to its end
  // and not yet taken, since then. The stream keeps records only for its retention period, so an
  // older point is a gap.
  int64_t needed_since = checkpoint.shards.empty() ? checkpoint.skip_before : 0;
  std::set<std::string> taken_parents;
  for (const ShardPosition& p : checkpoint.shards) taken_parents.insert(p.parent_shard_id);
  for (const ShardPosition& p : checkpoint.shards) {
    int64_t since = 0;
    if (p.done) {
      if (taken_parents.count(p.shard_id) > 0) continue;  // its children speak for themselves
      since = p.done_at;
    } else if (!p.sequence_number.empty()) {
      continue;  // the service checks these itself
    } else {
      since = p.tip_at > 0 ? p.tip_at : std::max(p.needed_since, checkpoint.skip_before);
    }
    if (since > 0 && (needed_since == 0 || since < needed_since)) needed_since = since;
  }
  if (needed_since > 0 && now - needed_since > retention_seconds) {
    return GapError(source_table, "all", needed_since, now, retention_seconds,
                    "the replay must start at " + aws::FormatEpochSeconds(needed_since) +
                        ", longer ago than the stream keeps records");
  }
  return {};
}

bool StreamReplicator::NeedsLookups(std::string_view stream_view_type) {
  return stream_view_type == "KEYS_ONLY" || stream_view_type == "OLD_IMAGE";
}

StreamReplicator::StreamReplicator(ReplicateContext context, ReplicateOptions options)
    : context_(std::move(context)), options_(std::move(options)) {}

namespace {

// The state of one replay run, shared by the coordinator (Run) and the shard readers.
class Replay {
 public:
  Replay(const ReplicateContext& context, const ReplicateOptions& options,
         ReplicateCounters* counters)
      : context_(context),
        options_(options),
        counters_(counters),
        lookups_(StreamReplicator::NeedsLookups(options.stream_view_type)) {}

  aws::Result<ReplicateResult> Run();

 private:
  // What the coordinator knows of a shard being read.
  struct Reader {
    dynamodb::Shard shard;
    std::thread thread;
    std::atomic<bool> finished{false};  // the thread has returned
    // Its last kEmptyPagesAtTip pages were empty: nothing newer to read.
    std::atomic<bool> at_tip{false};
    int empty_pages = 0;  // consecutive empty pages of an open shard; the reader's thread only
    std::atomic<int64_t> newest{0};   // creation time of the last record it applied
    bool reached_end = false;         // the shard is closed and read; set before finished
    std::optional<aws::Error> error;  // set before finished
    // Dead letters of the pages applied since the shard's position last moved; the reader's
    // thread only. They join the checkpoint's count when the position moves past them.
    uint64_t dead_lettered_unrecorded = 0;
  };

  bool Halted() const {
    return halt_.load() || (context_.stop != nullptr && context_.stop->load());
  }
  int64_t Now() const { return aws::EpochSeconds(context_.clock->Now()); }
  // The time by the service's clock, which stamps the records: lags are measured by it. This
  // host's clock corrected by how far off it was at the last answer with a Date header.
  int64_t ServiceNow() const { return Now() + service_clock_ahead_.load(); }
  // The error a run ends with once a turned-off stream is read to its end: why it ended, by
  // the source table's description (deleted, or its stream replaced by a new one).
  aws::Error EndedStreamError(const std::string& status) const {
    StreamEnd end = StreamEnd::kTurnedOff;
    std::string replacement;
    if (context_.source != nullptr) {
      aws::Result<dynamodb::TableDescription> table =
          context_.source->DescribeTable(options_.source_table);
      if ((!table.ok() && IsCode(table.error(), "ResourceNotFoundException")) ||
          (table.ok() && table->table_status == "DELETING")) {
        end = StreamEnd::kTableDeleted;
      } else if (table.ok() && !table->stream_view_type.empty() &&
                 !table->latest_stream_arn.empty() &&
                 table->latest_stream_arn != options_.stream_arn) {
        end = StreamEnd::kReplaced;
        replacement = table->latest_stream_arn;
      }
    }
    return StreamDisabledError(options_.source_table, status, end, replacement);
  }
  // An offset within kClockNoiseSeconds is taken as none: the header is whole seconds, made
  // before the answer travelled and was read, so a few seconds either way are noise, and a
  // clock within them needs no correction. One beyond kClockSkewAllowed (SigV4 would have
  // refused the request) is a header not to be trusted (a proxy's), and is ignored too.
  void NoteServiceTime(int64_t service_time) {
    constexpr int64_t kClockNoiseSeconds = 5;
    const int64_t ahead = service_time - Now();
    const int64_t magnitude = ahead < 0 ? -ahead : ahead;
    const int64_t allowed = std::chrono::seconds(aws::sigv4::kClockSkewAllowed).count();
    service_clock_ahead_.store(magnitude <= kClockNoiseSeconds || magnitude > allowed ? 0 : ahead);
  }

  void ReadShard(Reader* reader);
  aws::Result<std::string> StartIterator(const dynamodb::Shard& shard);
  // Applies one page; returns an error only when the run must stop (the page unacknowledged).
  std::optional<aws::Error> ApplyPage(const dynamodb::RecordsPage& page, Reader* reader);
  // Both add what they dead-letter to `*dead_lettered` as well as to the counters.
  std::optional<aws::Error> WriteChanges(std::vector<Change>& changes,
                                         std::shared_ptr<const std::string> keep_alive,
                                         uint64_t* dead_lettered);
  std::optional<aws::Error> DeadLetter(std::string_view json, aws::Error reason,
                                       uint64_t* dead_lettered);

  ShardPosition PositionOf(const std::string& shard_id) {
    std::lock_guard lock(positions_mu_);
    return positions_[shard_id];
  }
  StreamCheckpoint Snapshot();
  aws::Status Save();
  aws::Status CheckResumeGaps(const dynamodb::StreamDescription& description);
  void UpdateLag(const std::vector<std::unique_ptr<Reader>>& readers);

  const ReplicateContext& context_;
  const ReplicateOptions& options_;
  ReplicateCounters* counters_;
  const bool lookups_;

  StreamCheckpoint header_;
  std::mutex positions_mu_;
  std::map<std::string, ShardPosition> positions_;  // guarded by positions_mu_
  uint64_t dead_lettered_ = 0;  // the checkpoint's DeadLettered; guarded by positions_mu_
  // LATEST iterators taken before the replay was reported started, by shard; each is used once.
  std::map<std::string, std::string> latest_iterators_;  // guarded by positions_mu_
  std::atomic<bool> halt_{false};
  // How far the service's clock is ahead of this host's, in seconds (negative: behind), by
  // the last GetRecords answer; written by the readers, read by the coordinator.
  std::atomic<int64_t> service_clock_ahead_{0};
};

StreamCheckpoint Replay::Snapshot() {
  StreamCheckpoint c = header_;
  std::lock_guard lock(positions_mu_);
  c.dead_lettered = dead_lettered_;
  for (const auto& [id, position] : positions_) c.shards.push_back(position);
  return c;
}

aws::Status Replay::Save() {
  if (options_.checkpoint_path.empty()) return {};
  // Dead letters must be durable before a checkpoint counts their records as handled. The
  // positions are taken first: a reader writes a page's dead letters before it moves the page's
  // position, so syncing after the snapshot covers every dead letter the snapshot counts.
  StreamCheckpoint snapshot = Snapshot();
  if (context_.dead_letters != nullptr) {
    if (aws::Status s = context_.dead_letters->Sync(); !s.ok()) return s;
  }
  return SaveStreamCheckpoint(options_.checkpoint_path, snapshot);
}

aws::Status Replay::CheckResumeGaps(const dynamodb::StreamDescription& description) {
  std::set<std::string> listed;
  for (const dynamodb::Shard& shard : description.shards) listed.insert(shard.shard_id);
  std::lock_guard lock(positions_mu_);
  for (const auto& [id, position] : positions_) {
    if (!position.done && listed.count(id) == 0) {
      const int64_t since = position.last_applied > 0 ? position.last_applied : header_.start_time;
      return GapError(options_.source_table, id, since, Now(), options_.retention_seconds,
                      "the checkpoint's shard was trimmed before it was read to its end");
    }
  }
  return {};
}

aws::Result<std::string> Replay::StartIterator(const dynamodb::Shard& shard) {
  ShardPosition position;
  {
    std::lock_guard lock(positions_mu_);
    position = positions_[shard.shard_id];
    // A LATEST iterator is used once: renewing one would skip the records written meanwhile,
    // so a renewal (or a resume) reads from the trim horizon and skips by time instead.
    if (auto latest = latest_iterators_.find(shard.shard_id); latest != latest_iterators_.end()) {
      std::string iterator = std::move(latest->second);
      latest_iterators_.erase(latest);
      if (position.sequence_number.empty()) return iterator;
    }
  }
  aws::Result<std::string> iterator =
      !position.sequence_number.empty()
          ? context_.streams->GetShardIterator(options_.stream_arn, shard.shard_id,
                                               "AFTER_SEQUENCE_NUMBER", position.sequence_number)
          : context_.streams->GetShardIterator(options_.stream_arn, shard.shard_id, "TRIM_HORIZON");
  if (!iterator.ok() && (IsCode(iterator.error(), "TrimmedDataAccessException") ||
                         IsCode(iterator.error(), "ResourceNotFoundException"))) {
    const int64_t since = position.last_applied > 0 ? position.last_applied : header_.skip_before;
    return GapError(options_.source_table, shard.shard_id, since, Now(), options_.retention_seconds,
                    iterator.error().code);
  }
  return iterator;
}

void Replay::ReadShard(Reader* reader) {
  auto finish = [&](std::optional<aws::Error> error) {
    // A request whose retries a stop cut short leaves its page unapplied: a stop, not a failure.
    if (error && error->kind == aws::ErrorKind::kCancelled && Halted()) error.reset();
    reader->error = std::move(error);
    reader->finished.store(true);
  };
  aws::Result<std::string> iterator = StartIterator(reader->shard);
  if (!iterator.ok()) return finish(std::move(iterator).error());
  std::string current = std::move(*iterator);
  while (!Halted()) {
    aws::Result<dynamodb::RecordsPage> page =
        context_.streams->GetRecords(current, options_.records_limit);
    if (page.ok() && page->service_time) NoteServiceTime(*page->service_time);
    if (!page.ok()) {
      if (IsCode(page.error(), "ExpiredIteratorException")) {
        counters_->iterators_renewed.fetch_add(1);
        iterator = StartIterator(reader->shard);
        if (!iterator.ok()) return finish(std::move(iterator).error());
        current = std::move(*iterator);
        continue;
      }
      if (IsCode(page.error(), "TrimmedDataAccessException")) {
        const ShardPosition position = PositionOf(reader->shard.shard_id);
        const int64_t since =
            position.last_applied > 0 ? position.last_applied : header_.skip_before;
        return finish(GapError(options_.source_table, reader->shard.shard_id, since, Now(),
                               options_.retention_seconds, "TrimmedDataAccessException"));
      }
      return finish(std::move(page).error());
    }
    // Not at the tip while a page is being applied: caught-up waits for it.
    if (!page->records.empty()) {
      reader->at_tip.store(false);
      reader->empty_pages = 0;
    }
    if (std::optional<aws::Error> error = ApplyPage(*page, reader)) return finish(std::move(error));
    if (!page->next_shard_iterator) {
      std::lock_guard lock(positions_mu_);
      positions_[reader->shard.shard_id].done = true;
      positions_[reader->shard.shard_id].done_at = Now();
      reader->reached_end = true;
      return finish(std::nullopt);
    }
    current = std::move(*page->next_shard_iterator);
    // Empty pages of an open shard are its tip (a closed shard goes on to its end at once); but
    // GetRecords may answer empty pages before it reaches a shard's records, so one is not
    // enough to say that the replay has caught up.
    if (page->records.empty() && reader->shard.ending_sequence_number.empty()) {
      if (++reader->empty_pages >= kEmptyPagesAtTip) {
        {
          std::lock_guard lock(positions_mu_);
          positions_[reader->shard.shard_id].tip_at = Now();
        }
        reader->at_tip.store(true);
      }
      context_.clock->SleepFor(options_.idle_wait);
    }
  }
  finish(std::nullopt);
}

std::optional<aws::Error> Replay::DeadLetter(std::string_view json, aws::Error reason,
                                             uint64_t* dead_lettered) {
  if (context_.dead_letters == nullptr) return reason;
  if (aws::Status s = context_.dead_letters->Write(json, reason); !s.ok()) {
    return std::move(s).error();
  }
  counters_->items_dead_lettered.fetch_add(1);
  ++*dead_lettered;
  return std::nullopt;
}

std::optional<aws::Error> Replay::ApplyPage(const dynamodb::RecordsPage& page, Reader* reader) {
  if (page.records.empty()) return std::nullopt;
  counters_->records_read.fetch_add(page.records.size());
  auto bytes = std::make_shared<PageBytes>();
  bytes->body = page.body;
  std::vector<Change> changes;
  // CanonicalKey -> index in changes: one key spelt two ways ({"N":"1E+3"} in a record of the
  // UpdateItem that created the item, {"N":"1000"} in a later one) is one key.
  std::unordered_map<std::string, size_t> by_key;
  std::string last_sequence;
  int64_t newest = 0;
  uint64_t& page_dead = reader->dead_lettered_unrecorded;
  for (std::string_view raw : page.records) {
    aws::Result<dynamodb::StreamRecord> record = dynamodb::ParseStreamRecord(raw);
    if (!record.ok()) {
      // Without a sequence number the page's position still moves on: the next record has one.
      if (std::optional<aws::Error> e = DeadLetter(raw, std::move(record).error(), &page_dead))
        return e;
      continue;
    }
    last_sequence = std::string(record->sequence_number);
    const auto created = static_cast<int64_t>(std::floor(record->created_epoch_seconds));
    newest = std::max(newest, created);
    if (header_.skip_before > 0 && created < header_.skip_before) {
      counters_->records_skipped.fetch_add(1);
      continue;
    }
    // A skipped TTL deletion leaves the item in the target. Where changes are looked up, a
    // change read after the item expired found nothing and wrote nothing, so the item is written
    // as it expired, from the record's old image (OLD_IMAGE streams; KEYS_ONLY carry none).
    bool write_expired = false;
    if (record->service_delete) {
      counters_->ttl_deletes.fetch_add(1);
      if (options_.skip_ttl_deletes) {
        write_expired = lookups_ && !record->old_image.empty();
        if (!write_expired) {
          counters_->records_skipped.fetch_add(1);
          continue;
        }
      }
    }
    aws::Result<std::string> key = dynamodb::ExtractKey(record->keys, options_.key_schema);
    aws::Result<std::string> identity =
        key.ok() ? dynamodb::CanonicalKey(*key, options_.key_schema) : key;
    if (!identity.ok()) {
      aws::Error error = std::move(identity).error();
      error.message = "record keys do not match the table's key schema: " + error.message;
      if (std::optional<aws::Error> e = DeadLetter(raw, std::move(error), &page_dead)) return e;
      continue;
    }
    Change change;
    if (record->event == dynamodb::StreamRecord::Event::kRemove && !write_expired) {
      change.kind = Kind::kDelete;
      change.json = record->keys;
    } else if (lookups_ && !write_expired) {
      change.kind = Kind::kPut;
      change.json = record->keys;
      change.lookup = true;
      if (options_.skip_ttl_deletes) {
        // An item the lookup does not find was removed after this record, by a REMOVE that is
        // either in this page after it (then the key's change, unless a skipped TTL deletion) or
        // still to be read: that REMOVE decides, not the lookup, or a skipped TTL deletion would
        // delete after all. Except when a user's REMOVE of the key earlier in this page is
        // superseded by this change: its delete must not be lost (the item re-created since is
        // gone from the source too, so there is nothing else to write).
        change.delete_if_absent = false;
        if (auto earlier = by_key.find(*identity); earlier != by_key.end()) {
          const Change& before = changes[earlier->second];
          change.delete_if_absent = (!before.lookup && before.kind == Kind::kDelete) ||
                                    (before.lookup && before.delete_if_absent);
        }
      }
    } else if (record->new_image.empty() && !write_expired) {
      if (std::optional<aws::Error> e =
              DeadLetter(raw,
                         aws::Error::Make(aws::ErrorKind::kInvalidInput,
                                          "INSERT or MODIFY record without NewImage"),
                         &page_dead))
        return e;
      continue;
    } else {
      std::string_view image = write_expired ? record->old_image : record->new_image;
      if (std::optional<std::string> repaired = dynamodb::RepairUntypedEmptyMaps(image)) {
        repaired->reserve(repaired->size() + 64);  // InvalidItemReason reads past the end
        bytes->repaired.push_back(std::move(*repaired));
        image = bytes->repaired.back();
      }
      if (std::optional<std::string> reason = dynamodb::InvalidItemReason(image)) {
        if (std::optional<aws::Error> e =
                DeadLetter(image,
                           aws::Error::Make(aws::ErrorKind::kInvalidInput,
                                            "stream record " + last_sequence + ": " + *reason),
                           &page_dead))
          return e;
        continue;
      }
      change.kind = Kind::kPut;
      change.json = image;
    }
    change.key = std::move(*key);
    auto [it, inserted] = by_key.try_emplace(std::move(*identity), changes.size());
    if (inserted) {
      changes.push_back(change);
    } else {
      changes[it->second] = change;
      counters_->records_coalesced.fetch_add(1);
    }
  }

  std::shared_ptr<const std::string> keep_alive(bytes, bytes->body.get());
  if (lookups_) {
    // The current items of the changed keys: found means put, absent means delete. Everything
    // the writes point into is copied to one arena that the batches keep alive.
    std::vector<std::string> keys;
    for (const auto& [key, index] : by_key) {
      if (changes[index].lookup) keys.push_back(changes[index].key);
    }
    std::unordered_map<std::string, std::string> found;
    if (!keys.empty()) {
      aws::Result<std::vector<std::string>> items =
          GetItemsFully(*context_.source, options_.source_table, keys, /*consistent_read=*/true,
                        *context_.write_policy, context_.stop);
      if (!items.ok()) return std::move(items).error();
      counters_->records_looked_up.fetch_add(items->size());
      for (std::string& item : *items) {
        aws::Result<std::string> key = dynamodb::CanonicalKey(item, options_.key_schema);
        if (key.ok()) found.emplace(std::move(*key), std::move(item));
      }
    }
    auto arena = std::make_shared<std::string>();
    size_t total = 0;
    for (const auto& [key, index] : by_key) {
      auto it = found.find(key);
      total += it != found.end() ? it->second.size() : changes[index].json.size();
    }
    arena->reserve(total);
    std::vector<std::pair<size_t, size_t>> spans(changes.size());  // offset, size in arena
    std::vector<bool> unwritten(changes.size(), false);
    for (const auto& [key, index] : by_key) {
      Change& change = changes[index];
      std::string_view bytes = change.json;
      if (change.lookup) {
        auto it = found.find(key);
        if (it != found.end()) {
          bytes = it->second;
        } else if (change.delete_if_absent) {
          change.kind = Kind::kDelete;  // deleted since the record was written
        } else {
          unwritten[index] = true;
          counters_->records_gone_from_source.fetch_add(1);
          continue;
        }
      }
      spans[index] = {arena->size(), bytes.size()};
      arena->append(bytes);
    }
    size_t kept = 0;
    for (size_t i = 0; i < changes.size(); ++i) {
      if (unwritten[i]) continue;
      changes[i].json = std::string_view(*arena).substr(spans[i].first, spans[i].second);
      changes[kept++] = changes[i];
    }
    changes.resize(kept);
    keep_alive = std::move(arena);
  }

  if (std::optional<aws::Error> error = WriteChanges(changes, std::move(keep_alive), &page_dead)) {
    return error;
  }

  if (!last_sequence.empty()) {
    std::lock_guard lock(positions_mu_);
    dead_lettered_ += std::exchange(page_dead, 0);
    ShardPosition& position = positions_[reader->shard.shard_id];
    position.sequence_number = last_sequence;
    position.last_applied = std::max(position.last_applied, newest);
  }
  reader->newest.store(newest);
  int64_t previous = counters_->last_applied_created.load();
  while (newest > previous &&
         !counters_->last_applied_created.compare_exchange_weak(previous, newest)) {
  }
  return std::nullopt;
}

std::optional<aws::Error> Replay::WriteChanges(std::vector<Change>& changes,
                                               std::shared_ptr<const std::string> keep_alive,
                                               uint64_t* dead_lettered_out) {
  if (changes.empty()) return std::nullopt;
  std::vector<dynamodb::WriteRequest> requests;
  requests.reserve(changes.size());
  for (const Change& change : changes) requests.push_back({change.kind, change.json});
  std::vector<WriteBatch> batches = CutIntoBatches(std::move(requests), keep_alive);
  std::atomic<uint64_t> dead_lettered{0};
  std::atomic<size_t> next{0};
  std::mutex error_mu;
  std::optional<aws::Error> first_error;
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < batches.size(); i = next.fetch_add(1)) {
      std::optional<aws::Error> error = WriteBatchOrDeadLetter(
          *context_.target, options_.target_table, std::move(batches[i]), *context_.write_policy,
          &counters_->writes, context_.write_limiter, {context_.dead_letters, &dead_lettered},
          options_.consumed_capacity, context_.stop);
      if (error) {
        std::lock_guard lock(error_mu);
        if (!first_error) first_error = std::move(error);
        next.store(batches.size());
      }
    }
  };
  const size_t threads =
      std::min(batches.size(), static_cast<size_t>(std::max(1, options_.writers)));
  std::vector<std::thread> pool;
  for (size_t i = 1; i < threads; ++i) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  counters_->items_dead_lettered.fetch_add(dead_lettered.load());
  *dead_lettered_out += dead_lettered.load();
  if (first_error) return first_error;
  counters_->records_applied.fetch_add(changes.size() - dead_lettered.load());
  return std::nullopt;
}

void Replay::UpdateLag(const std::vector<std::unique_ptr<Reader>>& readers) {
  const int64_t now = ServiceNow();
  double lag = 0;
  bool known = true;
  for (const auto& reader : readers) {
    if (reader->finished.load() || reader->at_tip.load()) continue;
    const int64_t newest = reader->newest.load();
    if (newest == 0) {
      known = false;
      continue;
    }
    lag = std::max(lag, static_cast<double>(now - newest));
  }
  counters_->lag_seconds.store(known ? std::max(0.0, lag) : -1.0);
}

aws::Result<ReplicateResult> Replay::Run() {
  if (options_.resume) {
    header_ = *options_.resume;
    header_.shards.clear();
    dead_lettered_ = options_.resume->dead_lettered;
    for (const ShardPosition& position : options_.resume->shards) {
      positions_[position.shard_id] = position;
    }
  } else {
    header_.source = options_.source_table;
    header_.target = options_.target_table;
    header_.from = options_.from;
    header_.skip_before = options_.skip_before;
    header_.start_time = Now();
  }
  header_.stream_arn = options_.stream_arn;
  if (!options_.dead_letter_file.empty()) header_.dead_letter_file = options_.dead_letter_file;
  if (options_.source_identity.known()) header_.source_identity = options_.source_identity;
  if (options_.target_identity.known()) header_.target_identity = options_.target_identity;

  if (lookups_ && context_.source == nullptr) {
    return aws::Error::Make(aws::ErrorKind::kInternal,
                            "a " + options_.stream_view_type + " stream needs the source client");
  }
  const bool latest_now = options_.start_at_latest && !options_.resume;
  if (!latest_now) {
    if (aws::Status s = StreamReplicator::CheckStartWithinRetention(
            Snapshot(), options_.source_table, Now(), options_.retention_seconds);
        !s.ok()) {
      return std::move(s).error();
    }
  }

  aws::Result<dynamodb::StreamDescription> description =
      context_.streams->DescribeStream(options_.stream_arn);
  if (!description.ok()) return std::move(description).error();
  if (aws::Status s = CheckResumeGaps(*description); !s.ok()) return std::move(s).error();
  auto disabled = [](const dynamodb::StreamDescription& d) {
    return d.stream_status == "DISABLING" || d.stream_status == "DISABLED";
  };
  std::string disabled_status = disabled(*description) ? description->stream_status : "";

  ShardLineage lineage;
  // When each finished shard closed, at the latest (see ShardPosition::done_at), forgotten ones
  // included: their children's records are needed since then.
  std::map<std::string, int64_t> done_at;
  // Finished shards the stream no longer lists: forgotten once a child of theirs is taken (its
  // position then carries the time), kept in the checkpoint until then.
  std::set<std::string> unlisted_done;
  // When each shard was first seen closed: its close was no earlier than the describe before.
  std::map<std::string, int64_t> closed_seen;
  auto note_closed = [&](const dynamodb::StreamDescription& d) {
    for (const dynamodb::Shard& shard : d.shards) {
      if (!shard.ending_sequence_number.empty()) closed_seen.emplace(shard.shard_id, Now());
    }
  };
  note_closed(*description);
  {
    std::set<std::string> listed;
    for (const dynamodb::Shard& shard : description->shards) listed.insert(shard.shard_id);
    for (auto& [id, position] : positions_) {
      if (!position.done) continue;
      if (position.done_at > 0) done_at[id] = position.done_at;
      if (listed.count(id) == 0) {
        unlisted_done.insert(id);  // its children are free to go
      } else {
        lineage.RestoreDone(id);
      }
    }
  }
  if (latest_now) {
    // Only what happens from now on: closed shards hold the past, open shards start at LATEST.
    // Their iterators are taken before the start is reported, so that a change made after the
    // report is surely replayed.
    for (const dynamodb::Shard& shard : description->shards) {
      ShardPosition& position = positions_[shard.shard_id];
      position.shard_id = shard.shard_id;
      position.parent_shard_id = shard.parent_shard_id;
      if (!shard.ending_sequence_number.empty()) {
        position.done = true;
        lineage.RestoreDone(shard.shard_id);
        continue;
      }
      aws::Result<std::string> iterator =
          context_.streams->GetShardIterator(options_.stream_arn, shard.shard_id, "LATEST");
      if (!iterator.ok()) return std::move(iterator).error();
      std::lock_guard lock(positions_mu_);
      latest_iterators_[shard.shard_id] = std::move(*iterator);
    }
  }

  // The checkpoint exists before the first write: a run killed before its first periodic save
  // is resumed, not refused for want of a checkpoint.
  if (aws::Status s = Save(); !s.ok()) return std::move(s).error();
  if (context_.on_started) context_.on_started();
  std::vector<std::unique_ptr<Reader>> readers;
  std::optional<aws::Error> failure;
  bool caught_up_stop = false;
  auto last_describe = context_.clock->SteadyNow();
  auto last_save = context_.clock->SteadyNow();
  bool describe_now = false;
  lineage.Update(description->shards);
  while (true) {
    // Reap the readers that returned.
    for (auto it = readers.begin(); it != readers.end();) {
      Reader& reader = **it;
      if (!reader.finished.load()) {
        ++it;
        continue;
      }
      reader.thread.join();
      if (reader.error && !failure) failure = std::move(reader.error);
      if (reader.reached_end) {
        // Read to its end now, but closed no later than first seen closed: a replay that lags
        // behind a shard must not take its children's records to be needed only since now.
        if (auto seen = closed_seen.find(reader.shard.shard_id); seen != closed_seen.end()) {
          std::lock_guard lock(positions_mu_);
          int64_t& at = positions_[reader.shard.shard_id].done_at;
          at = std::min(at, seen->second);
        }
        lineage.MarkDone(reader.shard.shard_id);
        counters_->shards_done.fetch_add(1);
        describe_now = true;  // its children may be listed by now
      } else {
        lineage.Release(reader.shard.shard_id);
      }
      it = readers.erase(it);
    }
    if (failure || Halted()) break;

    const auto steady = context_.clock->SteadyNow();
    if (describe_now || steady - last_describe >= options_.describe_interval) {
      description = context_.streams->DescribeStream(options_.stream_arn);
      if (!description.ok()) {
        if (description.error().kind == aws::ErrorKind::kCancelled && Halted()) break;
        failure = std::move(description).error();
        break;
      }
      lineage.Update(description->shards);
      note_closed(*description);
      if (disabled(*description)) disabled_status = description->stream_status;
      last_describe = steady;
      describe_now = false;
    }
    for (dynamodb::Shard& shard : lineage.TakeReady()) {
      {
        std::lock_guard lock(positions_mu_);
        ShardPosition& position = positions_[shard.shard_id];
        position.shard_id = shard.shard_id;
        position.parent_shard_id = shard.parent_shard_id;
        if (auto parent = positions_.find(shard.parent_shard_id);
            parent != positions_.end() && parent->second.done_at > 0) {
          done_at[parent->first] = parent->second.done_at;
        }
        if (auto parent_done = done_at.find(shard.parent_shard_id);
            parent_done != done_at.end() && position.needed_since == 0) {
          position.needed_since = parent_done->second;
        }
        if (unlisted_done.erase(shard.parent_shard_id) > 0) {
          positions_.erase(shard.parent_shard_id);
        }
      }
      auto reader = std::make_unique<Reader>();
      reader->shard = std::move(shard);
      Reader* raw = reader.get();
      reader->thread = std::thread([this, raw] { ReadShard(raw); });
      readers.push_back(std::move(reader));
    }
    counters_->shards_reading.store(readers.size());

    // Caught up: nothing waiting, and every shard being read is at its tip or close enough.
    UpdateLag(readers);
    const bool nothing_left =
        lineage.CountIn(ShardLineage::State::kWaiting) == 0 && !lineage.HasReady();
    // A turned-off stream is never caught up with: once its records are applied (its shards
    // read to their end, or to a tip that nothing will follow), say so.
    if (!disabled_status.empty() && nothing_left &&
        std::all_of(readers.begin(), readers.end(),
                    [](const auto& r) { return !r->finished.load() && r->at_tip.load(); })) {
      failure = EndedStreamError(disabled_status);
      break;
    }
    bool caught_up = nothing_left && disabled_status.empty();
    const int64_t now = ServiceNow();
    for (const auto& reader : readers) {
      if (reader->finished.load()) {
        caught_up = false;
        continue;
      }
      // Close enough by its records' times, within max_lag_seconds of the service's clock (a
      // record stamped ahead of it, the service's clock not known closely enough, counts as
      // close: a shard written to all the time is never at its tip). Not with a max lag of 0,
      // which asks for every record: a record stamped this second, or ahead of this clock, may
      // have others behind it.
      const int64_t newest = reader->newest.load();
      const bool close = options_.max_lag_seconds > 0 && newest > 0 &&
                         static_cast<double>(now - newest) <= options_.max_lag_seconds;
      if (!reader->at_tip.load() && !close) caught_up = false;
    }
    if (caught_up && !counters_->caught_up.load() && context_.on_caught_up) {
      context_.on_caught_up(std::max(0.0, counters_->lag_seconds.load()));
    }
    counters_->caught_up.store(caught_up);
    if (caught_up && options_.until_caught_up) {
      caught_up_stop = true;
      break;
    }

    if (steady - last_save >= options_.checkpoint_interval) {
      if (aws::Status s = Save(); !s.ok()) {
        failure = std::move(s).error();
        break;
      }
      last_save = steady;
    }
    context_.clock->SleepFor(options_.poll_interval);
  }

  halt_.store(true);
  for (auto& reader : readers) {
    reader->thread.join();
    if (reader->error && !failure) failure = std::move(reader->error);
  }
  counters_->shards_reading.store(0);
  if (aws::Status s = Save(); !s.ok() && !failure) failure = std::move(s).error();
  if (failure) return std::move(*failure);
  ReplicateResult result;
  result.caught_up = caught_up_stop;
  result.interrupted = !caught_up_stop;
  result.checkpoint = Snapshot();
  return result;
}

}  // namespace

aws::Result<ReplicateResult> StreamReplicator::Run(ReplicateCounters* counters) {
  Replay replay(context_, options_, counters);
  return replay.Run();
}

}  // namespace ddbm::pipeline
