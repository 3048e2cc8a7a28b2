// BufferPool: recycles the large buffers that response bodies (megabyte Scan pages) live in.
//
// Allocating and freeing a fresh multi-megabyte block per page makes the allocator map and
// unmap memory for every page (page faults, TLB shootdowns across threads) or, when it keeps
// the memory, fragment its heaps so that the process grows with the table. Reusing a bounded
// set of buffers keeps both CPU per item and peak memory flat. Thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ddbm::aws {

class BufferPool {
 public:
  // Bodies smaller than this are left to the allocator (cheap, and recycled by it).
  static constexpr size_t kMinPooledBytes = size_t{64} << 10;

  // Keeps at most `max_idle` buffers between uses.
  explicit BufferPool(size_t max_idle = 32) : max_idle_(max_idle) {}

  // The process-wide pool used by transports and response parsers.
  static BufferPool& Shared();

  // An empty string with capacity() >= `capacity`: a recycled buffer when one is large
  // enough, else a new one, rounded up so that later bodies of similar size fit it too.
  std::string Take(size_t capacity);

  // Gives `buffer` back for reuse (its contents are discarded). Small buffers, and any beyond
  // the idle limit, are freed.
  void Give(std::string buffer);

  // A shared string owning `body` that gives its buffer back to this pool when the last owner
  // lets go. The pool must outlive every copy of the returned pointer.
  std::shared_ptr<std::string> Share(std::string body);

  size_t idle() const;

 private:
  const size_t max_idle_;
  mutable std::mutex mu_;
  std::vector<std::string> idle_;  // guarded by mu_
};

}  // namespace ddbm::aws
