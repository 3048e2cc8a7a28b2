// DeadLetterFile: where items that cannot be written go, one JSON line each, so that nothing
// is lost silently:
//   {"Item":{...raw item...},"Reason":"...","Code":"ValidationException"}
// The file is created on the first item only (a clean run leaves no empty file), readable by
// its owner only (it holds whole items), and a line is always appended after a complete one.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "aws/error.h"
#include "pipeline/key_digest.h"

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
  // For a resumed run, which does again the work its predecessor had not acknowledged: items
  // that run dead-lettered from that work would otherwise be appended a second time. Indexes
  // the lines already in the file so that each of them absorbs one later Write of the same item,
  // which then appends nothing (the caller still counts the item: the count of a resumed run
  // starts from its checkpoint, which did not include it). The same item is the same attribute
  // values (dynamodb::CanonicalItem), however its JSON spells them: a target's UnprocessedItems
  // give back the item in the service's own encoding (other string escapes, number spellings,
  // member and set orders, base64 padding bits). JSON that is not an item of typed values (a
  // stream record) is the same only byte for byte. Also cuts off a last line that a killed run
  // left half written (its item is done again). Call once, before any Write. A missing file is
  // not an error.
  aws::Status IndexEarlierLines();
  // fsyncs what was written (before a checkpoint moves past dead-lettered items).
  aws::Status Sync();

  uint64_t count() const { return count_.load(); }
  const std::string& path() const { return path_; }
  // The file earlier runs of a resumed run dead-lettered into, when it is gone (not this one):
  // the items they dead-lettered are then in no file. Set by the caller before the run; empty
  // when they are in this file (or there are none). Not thread-safe to set.
  void set_earlier_file_gone(std::string path) { earlier_file_gone_ = std::move(path); }
  const std::string& earlier_file_gone() const { return earlier_file_gone_; }

 private:
  const std::string path_;
  std::string earlier_file_gone_;
  std::mutex mu_;
  std::FILE* file_ = nullptr;  // guarded by mu_; opened lazily in append mode
  bool unsynced_ = false;  // guarded by mu_; lines of a handle closed after a failure may be lost
  std::atomic<uint64_t> count_{0};
  // How many of an earlier run's lines hold each item, by the digest of its canonical form (16
  // bytes per distinct item, not the lines themselves); an entry is erased once its lines have
  // absorbed as many Writes.
  std::unordered_map<KeyDigest, uint64_t, KeyDigestHash> earlier_;  // guarded by mu_

  bool AbsorbedByEarlierLine(std::string_view item_json);  // with mu_ held
  aws::Status OpenForAppend();                             // with mu_ held
};

}  // namespace ddbm::pipeline
