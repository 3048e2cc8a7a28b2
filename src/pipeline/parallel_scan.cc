#include "pipeline/parallel_scan.h"

#include <mutex>
#include <numeric>
#include <optional>
#include <thread>
#include <vector>

namespace ddbm::pipeline {

aws::Status ParallelScan(const dynamodb::DynamoDbClient& client, const dynamodb::ScanRequest& base,
                         int segments, RateLimiter* limiter, const std::atomic<bool>* stop,
                         ScanCounters* counters, const PageHandler& on_page) {
  segments = std::max(1, segments);
  std::vector<int> all(static_cast<size_t>(segments));
  std::iota(all.begin(), all.end(), 0);
  return ParallelScanSegments(client, base, segments, all, segments, limiter, stop, counters,
                              on_page);
}

aws::Status ParallelScanSegments(const dynamodb::DynamoDbClient& client,
                                 const dynamodb::ScanRequest& base, int total_segments,
                                 const std::vector<int>& chosen, int parallelism,
                                 RateLimiter* limiter, const std::atomic<bool>* stop,
                                 ScanCounters* counters, const PageHandler& on_page) {
  std::mutex error_mu;
  std::optional<aws::Error> first_error;  // guarded by error_mu
  std::atomic<bool> failed{false};
  auto fail = [&](aws::Error error) {
    std::lock_guard lock(error_mu);
    if (!first_error) first_error = std::move(error);
    failed.store(true);
  };
  auto stopping = [&] { return failed.load() || (stop != nullptr && stop->load()); };

  auto scan_segment = [&](int segment) {
    dynamodb::ScanRequest request = base;
    request.segment = segment;
    request.total_segments = total_segments;
    request.return_consumed_capacity = true;
    dynamodb::Paginator<dynamodb::ItemPage> pages = client.ScanPages(std::move(request));
    while (!pages.done() && !stopping()) {
      // The latest page of any segment is the best guess for this one.
      const double estimate = limiter != nullptr ? limiter->ExpectedUnits() : 0;
      if (limiter != nullptr) limiter->Acquire(estimate);
      aws::Result<dynamodb::ItemPage> page = pages.Next();
      if (!page.ok()) {
        fail(std::move(page).error());
        return;
      }
      if (limiter != nullptr) limiter->Settle(estimate, page->consumed_capacity);
      if (aws::Status s = on_page(segment, *page); !s.ok()) {
        fail(std::move(s).error());
        return;
      }
      counters->pages.fetch_add(1, std::memory_order_relaxed);
      counters->items.fetch_add(page->items.size(), std::memory_order_relaxed);
      counters->read_capacity.fetch_add(page->consumed_capacity, std::memory_order_relaxed);
    }
  };

  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  const size_t workers = std::min(chosen.size(), static_cast<size_t>(std::max(1, parallelism)));
  for (size_t i = 0; i < workers; ++i) {
    threads.emplace_back([&] {
      for (size_t k = next.fetch_add(1); k < chosen.size() && !stopping(); k = next.fetch_add(1)) {
        scan_segment(chosen[k]);
      }
    });
  }
  for (auto& t : threads) t.join();
  if (first_error) return std::move(*first_error);
  return aws::Status::Ok();
}

}  // namespace ddbm::pipeline
