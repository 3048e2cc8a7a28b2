#include "pipeline/table_transfer.h"

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "pipeline/write_pool.h"

namespace ddbm::pipeline {

Checkpoint StartCheckpoint(const TransferOptions& options, int segments) {
  Checkpoint c;
  c.operation = options.operation;
  c.source = options.source_table;
  c.target = options.target_table;
  c.total_segments = segments;
  c.segments.resize(static_cast<size_t>(segments));
  c.dead_letter_file = options.dead_letter_file;
  c.create_indexes_after = options.create_indexes_after;
  c.source_identity = options.source_identity;
  c.target_identity = options.target_identity;
  c.transform = options.transform;
  return c;
}

TableTransfer::TableTransfer(TransferContext context, TransferOptions options)
    : context_(context), options_(std::move(options)) {}

aws::Status TableTransfer::DeadLetterRefused(const TransformedPage& page,
                                             TransferCounters* counters) const {
  counters->items_transformed.fetch_add(page.items.size() + page.refused.size() + page.superseded);
  counters->items_dropped.fetch_add(page.dropped);
  counters->items_superseded.fetch_add(page.superseded);
  for (const auto& [item, reason] : page.refused) {
    aws::Error error = aws::Error::Make(aws::ErrorKind::kInvalidInput, reason);
    if (context_.dead_letters == nullptr) return error;
    if (aws::Status s = context_.dead_letters->Write(item, error); !s.ok()) return s;
    counters->items_refused.fetch_add(1);
    counters->items_dead_lettered.fetch_add(1);
  }
  return aws::Status::Ok();
}

aws::Result<TransferResult> TableTransfer::Run(TransferCounters* counters) {
  const int segments = std::max(1, options_.segments);
  std::vector<std::unique_ptr<SegmentProgress>> progress;
  for (int i = 0; i < segments; ++i) {
    SegmentPosition start;
    if (options_.resume) start = options_.resume->segments.at(static_cast<size_t>(i));
    counters->items_resumed.fetch_add(start.items_acknowledged);
    counters->items_dead_lettered_resumed.fetch_add(start.items_dead_lettered);
    progress.push_back(std::make_unique<SegmentProgress>(std::move(start)));
  }

  std::string unusable;  // set before the last save, when the run's positions cannot be trusted
  auto snapshot = [&] {
    Checkpoint c = StartCheckpoint(options_, segments);
    c.unusable = unusable;
    for (size_t i = 0; i < progress.size(); ++i) c.segments[i] = progress[i]->position();
    return c;
  };

  // Checkpoints are saved by whichever writer acknowledges work once the interval has passed;
  // without progress there is nothing new to save.
  std::mutex save_mu;
  aws::Clock::SteadyTime last_save = context_.clock->SteadyNow();  // guarded by save_mu
  WritePool* pool = nullptr;  // set below, before any writer can call save()
  auto save = [&](bool force) {
    if (options_.checkpoint_path.empty()) return;
    std::unique_lock lock(save_mu, std::defer_lock);
    if (force) {
      lock.lock();
    } else if (!lock.try_lock() ||
               context_.clock->SteadyNow() - last_save < options_.checkpoint_interval) {
      return;
    }
    // Dead letters must be durable before a checkpoint counts their items as acknowledged: the
    // positions are taken first, so the sync covers every dead letter they count.
    const Checkpoint positions = snapshot();
    if (context_.dead_letters != nullptr) {
      if (aws::Status s = context_.dead_letters->Sync(); !s.ok()) {
        pool->Fail(std::move(s).error());
        return;
      }
    }
    if (aws::Status s = SaveCheckpoint(options_.checkpoint_path, positions); !s.ok()) {
      pool->Fail(std::move(s).error());
      return;
    }
    last_save = context_.clock->SteadyNow();
  };

  WritePoolOptions pool_options;
  pool_options.target = context_.target;
  pool_options.table = options_.target_table;
  pool_options.policy = context_.write_policy;
  pool_options.limiter = context_.write_limiter;
  pool_options.dead_letters = {context_.dead_letters, &counters->items_dead_lettered};
  pool_options.counters = &counters->writes;
  pool_options.stop = context_.stop;
  pool_options.writers = options_.writers;
  pool_options.queue_bytes = options_.queue_bytes;
  pool_options.consumed_capacity = options_.write_consumed_capacity;
  WritePool writers(std::move(pool_options));
  pool = &writers;

  const bool deletes = options_.write_kind == dynamodb::WriteRequest::Kind::kDelete;
  std::vector<int> todo;  // segments not finished by an earlier run, in order
  for (int segment = 0; segment < segments; ++segment) {
    if (!progress[static_cast<size_t>(segment)]->position().done) todo.push_back(segment);
  }
  auto stopping = [&] {
    return writers.failed() || (context_.stop != nullptr && context_.stop->load());
  };
  // Reads one segment to its end, or until the run must stop; returns false in that case.
  auto read_segment = [&](int segment) -> bool {
    SegmentProgress& segment_progress = *progress[static_cast<size_t>(segment)];
    dynamodb::ScanRequest request;
    request.table_name = options_.source_table;
    request.segment = segment;
    request.total_segments = segments;
    request.limit = options_.page_size;
    request.consistent_read = options_.consistent_read;
    // ScanSegment makes every Scan ask under the read limiter too.
    request.return_consumed_capacity = options_.read_consumed_capacity;
    request.projection_expression = options_.projection_expression;
    request.expression_attribute_names = options_.expression_attribute_names;
    request.exclusive_start_key = segment_progress.position().exclusive_start_key;
    uint64_t page_number = 0;
    bool refused = false;  // the pool took no more batches: it failed or the run stops
    auto queue_page = [&](const dynamodb::ItemPage& page) -> aws::Status {
      const size_t items = page.items.size();
      const std::vector<std::string_view>* writes = &page.items;
      std::shared_ptr<const std::string> body = page.body;
      uint64_t refused_items = 0;
      std::optional<TransformedPage> transformed;
      if (context_.transform != nullptr) {
        // The page waits for one acknowledgement more: its answers confirmed as its own.
        auto confirmed = [&segment_progress, &save, number = page_number] {
          segment_progress.AcknowledgeBatch(number, 0);
          save(false);
        };
        aws::Result<TransformedPage> t =
            context_.transform->Apply(page.items, stopping, std::move(confirmed));
        if (!t.ok()) {
          // A stop is no failure: the page is not registered, so a resume reads it again.
          if (stopping()) refused = true;
          return std::move(t).error();
        }
        transformed = std::move(*t);
        if (aws::Status s = DeadLetterRefused(*transformed, counters); !s.ok()) return s;
        writes = &transformed->items;
        body = transformed->body;
        refused_items = transformed->refused.size();
      }
      std::vector<dynamodb::WriteRequest> requests;
      requests.reserve(writes->size());
      for (std::string_view item : *writes) {
        requests.push_back(
            {deletes ? dynamodb::WriteRequest::Kind::kDelete : dynamodb::WriteRequest::Kind::kPut,
             item});
      }
      std::vector<WriteBatch> batches = CutIntoBatches(std::move(requests), body);
      // Registered before its batches are queued, so no acknowledgement can come first.
      segment_progress.AddPage(page_number, page.last_evaluated_key,
                               static_cast<uint32_t>(batches.size() + (transformed ? 1 : 0)), items,
                               refused_items);
      const size_t batch_weight = batches.empty() ? 0 : body->size() / batches.size() + 1;
      for (WriteBatch& batch : batches) {
        auto acknowledged = [&segment_progress, &save, number = page_number](uint64_t dead) {
          segment_progress.AcknowledgeBatch(number, dead);
          save(false);
        };
        if (!writers.Push(std::move(batch), batch_weight, std::move(acknowledged))) {
          refused = true;
          return aws::Error::Make(aws::ErrorKind::kCancelled, "the write pool stopped");
        }
      }
      ++page_number;
      return aws::Status::Ok();
    };
    aws::Status read = ScanSegment(*context_.source, std::move(request), context_.read_limiter,
                                   stopping, &counters->scan, queue_page);
    if (!read.ok() && !refused) writers.Fail(std::move(read).error());
    return !stopping();
  };
  ForEachSegment(todo, options_.readers, read_segment);
  // Confirms the transform's last answers (their pages then count as done), or fails the run.
  if (context_.transform != nullptr) {
    if (aws::Status s = context_.transform->Finish(); !s.ok()) writers.Fail(std::move(s).error());
  }
  writers.Close();
  std::optional<aws::Error> error = writers.TakeError();
  // Answers out of step may have been counted for pages they were not of.
  if (error && error->code == kTransformOutOfStep) unusable = error->message;
  save(true);

  if (error) return std::move(*error);
  TransferResult result;
  result.checkpoint = snapshot();
  result.interrupted = !result.checkpoint.complete();
  return result;
}

}  // namespace ddbm::pipeline
