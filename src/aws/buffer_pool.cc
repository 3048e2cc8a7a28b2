#include "aws/buffer_pool.h"

#include <algorithm>
#include <bit>

namespace ddbm::aws {

BufferPool& BufferPool::Shared() {
  static BufferPool* pool = new BufferPool();  // never destroyed: bodies may outlive main
  return *pool;
}

std::string BufferPool::Take(size_t capacity) {
  if (capacity >= kMinPooledBytes) {
    std::lock_guard lock(mu_);
    // The smallest idle buffer that fits, so big ones stay for big bodies.
    auto best = idle_.end();
    for (auto it = idle_.begin(); it != idle_.end(); ++it) {
      if (it->capacity() >= capacity && (best == idle_.end() || it->capacity() < best->capacity()))
        best = it;
    }
    if (best != idle_.end()) {
      std::string buffer = std::move(*best);
      *best = std::move(idle_.back());
      idle_.pop_back();
      return buffer;
    }
  }
  std::string buffer;
  if (capacity >= kMinPooledBytes) {
    // Powers of two: Scan pages of 1.1 MB and of 1.3 MB then share one size of buffer, instead
    // of the pool collecting idle buffers of each size as a long run meets them all. The unused
    // tail of a buffer costs address space only; its pages are never touched.
    buffer.reserve(std::bit_ceil(capacity));
  } else {
    buffer.reserve(capacity);
  }
  return buffer;
}

void BufferPool::Give(std::string buffer) {
  if (buffer.capacity() < kMinPooledBytes) return;
  buffer.clear();
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(buffer));
}

std::shared_ptr<std::string> BufferPool::Share(std::string body) {
  return std::shared_ptr<std::string>(new std::string(std::move(body)), [this](std::string* s) {
    Give(std::move(*s));
    delete s;
  });
}

size_t BufferPool::idle() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

}  // namespace ddbm::aws
