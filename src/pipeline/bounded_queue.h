// BoundedQueue: a blocking multi-producer multi-consumer queue with a capacity, so producers
// (scan segments) slow down to the pace of consumers (writers) instead of buffering a table.
// The capacity is a total weight (e.g. bytes held), so a few huge entries cannot pin unbounded
// memory; an entry heavier than the whole capacity still passes when the queue is empty.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace ddbm::pipeline {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

  // Blocks while the queue cannot take `weight` more. Returns false (dropping `value`) once the
  // queue is closed.
  bool Push(T value, size_t weight = 1) {
    std::unique_lock lock(mu_);
    ++waiting_producers_;
    not_full_.wait(lock,
                   [&] { return closed_ || items_.empty() || weight_ + weight <= capacity_; });
    --waiting_producers_;
    if (closed_) return false;
    items_.push_back({std::move(value), weight});
    weight_ += weight;
    not_empty_.notify_one();
    return true;
  }

  // Blocks while empty. Returns nullopt when closed and drained.
  std::optional<T> Pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    Entry entry = std::move(items_.front());
    items_.pop_front();
    weight_ -= entry.weight;
    // Producers are woken only once the queue has drained to half its capacity: each then
    // pushes many entries per wakeup, instead of every pop waking a producer for one entry.
    if (waiting_producers_ > 0 && (items_.empty() || weight_ <= capacity_ / 2)) {
      not_full_.notify_all();
    }
    return std::move(entry.value);
  }

  // No more pushes; consumers drain what is queued and then see nullopt.
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

 private:
  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  struct Entry {
    T value;
    size_t weight;
  };
  std::deque<Entry> items_;    // guarded by mu_
  size_t weight_ = 0;          // sum of the queued entries' weights; guarded by mu_
  bool closed_ = false;        // guarded by mu_
  int waiting_producers_ = 0;  // in Push, possibly blocked; guarded by mu_
};

}  // namespace ddbm::pipeline
