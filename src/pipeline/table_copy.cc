#include "pipeline/table_copy.h"

#include <mutex>
#include <thread>
#include <vector>

#include "pipeline/bounded_queue.h"

namespace ddbm::pipeline {

TableCopy::TableCopy(const dynamodb::DynamoDbClient* source, const dynamodb::DynamoDbClient* target,
                     const aws::RetryPolicy* policy, CopyOptions options)
    : source_(source), target_(target), policy_(policy), options_(std::move(options)) {}

aws::Status TableCopy::Run(CopyCounters* counters) {
  BoundedQueue<WriteBatch> queue(options_.queue_batches);
  std::mutex error_mu;
  std::optional<aws::Error> first_error;  // guarded by error_mu
  std::atomic<bool> failed{false};
  auto fail = [&](aws::Error error) {
    std::lock_guard lock(error_mu);
    if (!first_error) first_error = std::move(error);
    failed.store(true);
  };

  std::vector<std::thread> writers;
  for (int i = 0; i < std::max(1, options_.writers); ++i) {
    writers.emplace_back([&] {
      while (std::optional<WriteBatch> batch = queue.Pop()) {
        if (failed.load()) continue;  // drain without sending once the copy has failed
        std::optional<BatchFailure> failure = WriteBatchFully(
            *target_, options_.target_table, std::move(*batch), *policy_, &counters->writes);
        if (failure) fail(std::move(failure->error));
      }
    });
  }

  const int segments = std::max(1, options_.segments);
  std::vector<std::thread> readers;
  for (int segment = 0; segment < segments; ++segment) {
    readers.emplace_back([&, segment] {
      dynamodb::ScanRequest request;
      request.table_name = options_.source_table;
      request.segment = segment;
      request.total_segments = segments;
      request.limit = options_.page_size;
      request.consistent_read = options_.consistent_read;
      request.return_consumed_capacity = true;
      dynamodb::Paginator<dynamodb::ItemPage> pages = source_->ScanPages(std::move(request));
      while (!pages.done() && !failed.load()) {
        aws::Result<dynamodb::ItemPage> page = pages.Next();
        if (!page.ok()) {
          fail(std::move(page).error());
          return;
        }
        counters->pages.fetch_add(1, std::memory_order_relaxed);
        counters->items_read.fetch_add(page->items.size(), std::memory_order_relaxed);
        counters->read_capacity.fetch_add(page->consumed_capacity, std::memory_order_relaxed);
        for (size_t i = 0; i < page->items.size(); i += 25) {
          WriteBatch batch;
          batch.keep_alive = page->body;
          const size_t end = std::min(page->items.size(), i + 25);
          for (size_t j = i; j < end; ++j) {
            batch.requests.push_back({dynamodb::WriteRequest::Kind::kPut, page->items[j]});
          }
          if (!queue.Push(std::move(batch))) return;
        }
      }
    });
  }
  for (auto& t : readers) t.join();
  queue.Close();
  for (auto& t : writers) t.join();
  if (first_error) return std::move(*first_error);
  return aws::Status::Ok();
}

}  // namespace ddbm::pipeline
