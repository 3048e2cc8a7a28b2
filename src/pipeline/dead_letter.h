// DeadLetterFile: where items that cannot be written go, one JSON line each, so that nothing
// is lost silently:
//   {"Item":{...raw item...},"Reason":"...","Code":"ValidationException"}
// The file is created on the first item only (a clean run leaves no empty file). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "aws/error.h"

namespace ddbm::pipeline {

class DeadLetterFile {
 public:
  explicit DeadLetterFile(std::string path) : path_(std::move(path)) {}
  ~DeadLetterFile();
  DeadLetterFile(const DeadLetterFile&) = delete;
  DeadLetterFile& operator=(const DeadLetterFile&) = delete;

  // Appends one line and flushes it to the OS. Fails only when the file cannot be written;
  // the caller must then treat the item as not acknowledged.
  aws::Status Write(std::string_view item_json, const aws::Error& reason);
  // Checks up front that the file can be created or appended to, so a bad path is reported
  // before any work instead of at the first rejected item.
  aws::Status CheckWritable() const;
  // fsyncs what was written (before a checkpoint moves past dead-lettered items).
  aws::Status Sync();

  uint64_t count() const { return count_.load(); }
  const std::string& path() const { return path_; }

 private:
  const std::string path_;
  std::mutex mu_;
  std::FILE* file_ = nullptr;  // guarded by mu_; opened lazily in append mode
  std::atomic<uint64_t> count_{0};
};

}  // namespace ddbm::pipeline
