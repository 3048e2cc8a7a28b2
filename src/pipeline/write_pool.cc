#include "pipeline/write_pool.h"

namespace ddbm::pipeline {

WritePool::WritePool(WritePoolOptions options)
    : options_(std::move(options)), queue_(options_.queue_bytes) {
  for (int i = 0; i < std::max(1, options_.writers); ++i) threads_.emplace_back([this] { Loop(); });
}

WritePool::~WritePool() { Close(); }

bool WritePool::Push(WriteBatch batch, size_t weight, Acknowledged on_acknowledged) {
  if (failed()) return false;
  return queue_.Push({std::move(batch), std::move(on_acknowledged)}, weight);
}

void WritePool::Fail(aws::Error error) {
  std::lock_guard lock(error_mu_);
  if (!error_) error_ = std::move(error);
  failed_.store(true);
}

void WritePool::Close() {
  std::call_once(closed_, [this] {
    queue_.Close();
    for (std::thread& t : threads_) t.join();
  });
}

std::optional<aws::Error> WritePool::TakeError() {
  std::lock_guard lock(error_mu_);
  return std::move(error_);
}

void WritePool::Loop() {
  while (std::optional<Queued> queued = queue_.Pop()) {
    if (failed() || (options_.stop != nullptr && options_.stop->load())) continue;
    std::atomic<uint64_t> dead_lettered{0};  // this batch's, for its acknowledgement
    std::optional<aws::Error> error = WriteBatchOrDeadLetter(
        *options_.target, options_.table, std::move(queued->batch), *options_.policy,
        options_.counters, options_.limiter, {options_.dead_letters.dead_letters, &dead_lettered},
        options_.consumed_capacity, options_.stop);
    if (options_.dead_letters.count != nullptr) {
      options_.dead_letters.count->fetch_add(dead_lettered.load(), std::memory_order_relaxed);
    }
    if (error) {
      // A batch stopped while it waited for the rate limit is dropped unacknowledged, like
      // those still queued; anything else ends the run.
      if (error->kind != aws::ErrorKind::kCancelled) Fail(std::move(*error));
      continue;
    }
    if (queued->on_acknowledged) queued->on_acknowledged(dead_lettered.load());
  }
}

}  // namespace ddbm::pipeline
