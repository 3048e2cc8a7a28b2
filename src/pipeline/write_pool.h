// WritePool: the writer side of every scan-or-read-then-write run (copy, truncate, import):
// batches queue up, bounded by the bytes they hold, and a fixed number of writer threads send
// each with WriteBatchOrDeadLetter (UnprocessedItems resent through the retry policy, item
// errors isolated into the dead-letter file). A batch's `on_acknowledged` runs on the writer
// thread once every request of it is written or dead-lettered, with the number dead-lettered;
// that is the only moment a caller may move a checkpoint past it.
//
// The first error that must stop the run is kept, and from then on (and once `stop` reads
// true) queued batches are dropped unsent and unacknowledged, so a resume sends them again; so
// is a batch still waiting for the write rate limit when `stop` turns true.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "aws/error.h"
#include "aws/retry.h"
#include "dynamodb/client.h"
#include "pipeline/batch_writer.h"
#include "pipeline/bounded_queue.h"
#include "pipeline/rate_limiter.h"

namespace ddbm::pipeline {

struct WritePoolOptions {
  const dynamodb::DynamoDbClient* target = nullptr;
  std::string table;
  const aws::RetryPolicy* policy = nullptr;  // for UnprocessedItems
  RateLimiter* limiter = nullptr;            // null: unlimited
  DeadLetterSink dead_letters;  // where item errors go (null file: they stop the run); its count
                                // grows once a batch is handled, acknowledged or not
  WriteCounters* counters = nullptr;
  const std::atomic<bool>* stop = nullptr;  // may be null
  int writers = 16;
  size_t queue_bytes = size_t{8} << 20;
  // Ask for ConsumedCapacity on every batch (always done when `limiter` is set).
  bool consumed_capacity = true;
};

class WritePool {
 public:
  using Acknowledged = std::function<void(uint64_t dead_lettered)>;

  // Starts the writer threads. Everything `options` points to must outlive the pool.
  explicit WritePool(WritePoolOptions options);
  // Closes the queue and joins the writers (what is queued is still written unless failed or
  // stopped).
  ~WritePool();
  WritePool(const WritePool&) = delete;
  WritePool& operator=(const WritePool&) = delete;

  // Queues `batch`, charged `weight` bytes against the queue's bound; blocks while the queue is
  // full. Returns false (dropping the batch) once the pool is closed or has failed.
  // Thread-safe.
  bool Push(WriteBatch batch, size_t weight, Acknowledged on_acknowledged);
  // Records an error that must stop the run (e.g. a reader's), as a writer's error would be.
  void Fail(aws::Error error);
  // Whether the run must stop: an error was recorded.
  bool failed() const { return failed_.load(); }
  // Waits until every queued batch is handled and the writers have exited. Idempotent.
  void Close();
  // The first error recorded. REQUIRES: Close() returned.
  std::optional<aws::Error> TakeError();

 private:
  struct Queued {
    WriteBatch batch;
    Acknowledged on_acknowledged;
  };
  void Loop();

  WritePoolOptions options_;
  BoundedQueue<Queued> queue_;
  std::mutex error_mu_;
  std::optional<aws::Error> error_;  // guarded by error_mu_
  std::atomic<bool> failed_{false};
  std::once_flag closed_;
  std::vector<std::thread> threads_;
};

}  // namespace ddbm::pipeline
