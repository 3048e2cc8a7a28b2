// Reading an export's data file: fetching it, checking it against its manifest entry, and
// inflating it into blocks of lines, with memory bounded by one range of the file whatever its
// size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "aws/error.h"
#include "storage/export_manifest.h"
#include "storage/gzip.h"
#include "storage/object_store.h"

namespace ddbm::storage {

// One data file, read in passes. A file of at most `range_bytes` is fetched once, checked
// against its entry at Open and held, so every pass reads memory. A larger file is read again
// from the store on every pass, range by range, so that only one range is held at a time; its
// checksum is known only at the end of a pass, and a pass fails there when it does not match,
// or as soon as the file is found changed since Open.
//
// Checks: the entry's md5Checksum and, for a one-part upload ("-1"), its etag (a multipart
// ETag of several parts cannot be recomputed without the part size); the gzip stream. Errors
// are kInvalidInput naming the file. Not thread-safe; one reader per thread.
class DataFileReader {
 public:
  static constexpr size_t kDefaultRangeBytes = size_t{8} << 20;

  // Fetches the first range of `entry`'s file. REQUIRES: `store` outlives the reader;
  // range_bytes > 0.
  static aws::Result<DataFileReader> Open(const ObjectStore* store, const DataFileEntry& entry,
                                          size_t range_bytes = kDefaultRangeBytes);

  // The file's size as stored (compressed).
  int64_t size() const { return size_; }
  // Whether the whole file is held in memory (and was checked at Open).
  bool held() const { return held_; }

  // Hands the file's lines to `on_block`, in order, a block at a time. Stops at the first error
  // `on_block` returns and returns it. A pass over a file that is not held may fail after it
  // handed out blocks (see above): the caller must not act on a pass's lines before it ends
  // well unless a later failure is acceptable.
  aws::Status ForEachLineBlock(const std::function<aws::Status(LineBlock block)>& on_block);

 private:
  DataFileReader(const ObjectStore* store, const DataFileEntry& entry, size_t range_bytes);

  // The next range of a pass that is at `offset`, or an error when the file changed.
  aws::Result<std::string> NextRange(int64_t offset);
  // The error for bytes whose MD5 is `md5` (binary), or Ok when they match the entry.
  aws::Status CheckDigest(const std::string& md5) const;

  const ObjectStore* store_;
  std::string key_;
  std::string md5_checksum_;
  std::string etag_;
  std::string name_;  // as the store describes the key
  size_t range_bytes_;
  int64_t size_ = 0;
  std::string version_;
  bool held_ = false;
  // The whole file when held_; otherwise its first range until the first pass takes it.
  std::string first_;
};

}  // namespace ddbm::storage
