#include "pipeline/parallel_scan.h"

#include <algorithm>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>
#include <thread>
#include <vector>

namespace ddbm::pipeline {

aws::Status ScanSegment(const dynamodb::DynamoDbClient& client, dynamodb::ScanRequest request,
                        RateLimiter* limiter, const std::function<bool()>& stopping,
                        ScanCounters* counters,
                        const std::function<aws::Status(const dynamodb::ItemPage&)>& on_page) {
  if (limiter != nullptr && limiter->unlimited()) limiter = nullptr;
  request.return_consumed_capacity = AskConsumedCapacity(request.return_consumed_capacity, limiter);
  dynamodb::Paginator<dynamodb::ItemPage> pages = client.ScanPages(std::move(request));
  while (!pages.done() && !stopping()) {
    // The latest page of any segment is the best guess for this one.
    const double estimate = limiter != nullptr ? limiter->ExpectedUnits() : 0;
    if (limiter != nullptr && !limiter->AcquireUnlessStopped(estimate, stopping)) break;
    aws::Result<dynamodb::ItemPage> page = pages.Next();
    if (!page.ok()) {
      // A page whose retries a stop cut short is not a failure: the segment ends where it was.
      if (page.error().kind == aws::ErrorKind::kCancelled && stopping()) break;
      return std::move(page).error();
    }
    if (limiter != nullptr) limiter->Settle(estimate, page->consumed_capacity);
    counters->pages.fetch_add(1, std::memory_order_relaxed);
    counters->items.fetch_add(page->items.size(), std::memory_order_relaxed);
    counters->read_capacity.fetch_add(page->consumed_capacity, std::memory_order_relaxed);
    if (aws::Status s = on_page(*page); !s.ok()) return s;
  }
  return aws::Status::Ok();
}

void ForEachSegment(const std::vector<int>& segments, int parallelism,
                    const std::function<bool(int segment)>& read_segment) {
  std::atomic<size_t> next{0};
  const size_t workers = std::min(segments.size(), static_cast<size_t>(std::max(1, parallelism)));
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (size_t i = 0; i < workers; ++i) {
    threads.emplace_back([&] {
      for (size_t k = next.fetch_add(1); k < segments.size(); k = next.fetch_add(1)) {
        if (!read_segment(segments[k])) return;
      }
    });
  }
  for (auto& t : threads) t.join();
}

aws::Status ParallelScan(const dynamodb::DynamoDbClient& client, const dynamodb::ScanRequest& base,
                         int segments, int readers, RateLimiter* limiter, ScanStop stop,
                         ScanCounters* counters, const PageHandler& on_page) {
  segments = std::max(1, segments);
  std::vector<int> all(static_cast<size_t>(segments));
  std::iota(all.begin(), all.end(), 0);
  return ParallelScanSegments(client, base, segments, all, readers, limiter, stop, counters,
                              on_page);
}

std::vector<int> SampleSegments(int total, int count, uint64_t seed) {
  total = std::max(1, total);
  count = std::clamp(count, 1, total);
  std::vector<int> all(static_cast<size_t>(total));
  std::iota(all.begin(), all.end(), 0);
  std::vector<int> chosen;
  chosen.reserve(static_cast<size_t>(count));
  std::mt19937_64 random(seed);
  // Selection sampling keeps the order of `all`, so the result is ascending.
  std::sample(all.begin(), all.end(), std::back_inserter(chosen), count, random);
  return chosen;
}

aws::Status ParallelScanSegments(const dynamodb::DynamoDbClient& client,
                                 const dynamodb::ScanRequest& base, int total_segments,
                                 const std::vector<int>& chosen, int readers, RateLimiter* limiter,
                                 ScanStop stop, ScanCounters* counters,
                                 const PageHandler& on_page) {
  FirstError first;
  auto stopping = [&] { return first.failed() || stop.stopped(); };

  ForEachSegment(chosen, readers, [&](int segment) {
    dynamodb::ScanRequest request = base;
    request.segment = segment;
    request.total_segments = total_segments;
    aws::Status s =
        ScanSegment(client, std::move(request), limiter, stopping, counters,
                    [&](const dynamodb::ItemPage& page) { return on_page(segment, page); });
    if (!s.ok()) first.Record(std::move(s).error());
    return !stopping();
  });
  if (first.error()) return std::move(*first.error());
  return aws::Status::Ok();
}

}  // namespace ddbm::pipeline
