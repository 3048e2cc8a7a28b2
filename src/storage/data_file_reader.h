// Reading an export's data file: fetching it, checking it against its manifest entry, and
// inflating it into blocks of lines, with memory bounded by one range of the file whatever its
// size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/error.h"
#include "storage/export_manifest.h"
#include "storage/gzip.h"
#include "storage/object_store.h"

namespace ddbm::storage {

// One data file, read in passes. A file that Open's first answer holds all of (one of at most
// `range_bytes`, unless the store answers short, or one the store sends whole anyway) is
// checked against its entry at Open and held, so every pass reads memory. A larger file is read
// again from the store on every pass, range by range, so that about one range is held at a time.
// The first pass over it learns the file's checksum only at its end, and fails there when it does
// not match; it also records the MD5 of every range, so that a later pass checks each range before
// it inflates it: once a pass has ended well, later passes hand out exactly the bytes it checked,
// or fail, before handing out anything changed.
//
// Checks: the entry's md5Checksum and the gzip stream. Not its etag: that is S3's ETag, which is
// no MD5 of the file in a bucket that encrypts with KMS, and the md5Checksum covers the same
// bytes. Errors are kInvalidInput naming the file. Not thread-safe; one reader per thread.
class DataFileReader {
 public:
  static constexpr size_t kDefaultRangeBytes = size_t{8} << 20;
  // A longer line stops a pass (kInvalidInput naming it) before it is handed out, and an
  // unfinished one before more of it is buffered: no item DynamoDB accepts (400 KB) is that long
  // as JSON, so a bad file cannot make a pass hold a line of any size.
  static constexpr size_t kMaxLineBytes = size_t{16} << 20;

  // What a pass that ended well read (a held file: all of it, as one range): each range's size
  // and binary MD5, in order.
  struct RangeDigest {
    size_t size = 0;
    std::string md5;
    bool operator==(const RangeDigest&) const = default;
  };

  // Fetches the first range of `entry`'s file. `checked`: what an earlier reader's checked()
  // gave for this file, so that this reader's passes, its first included, hand out only those
  // bytes (a held file that differs fails here; one that is not held fails in a pass, before
  // handing out anything that differs; its ranges need not fall where the earlier reader's
  // did). REQUIRES: `store` outlives the reader; range_bytes > 0.
  static aws::Result<DataFileReader> Open(
      const ObjectStore* store, const DataFileEntry& entry, size_t range_bytes = kDefaultRangeBytes,
      std::optional<std::vector<RangeDigest>> checked = std::nullopt);

  // The file's size as stored (compressed).
  int64_t size() const { return size_; }
  // Whether the whole file is held in memory (and was checked at Open).
  bool held() const { return held_; }
  // What the passes hand out, range by range: known for a held file from Open on (one range),
  // for another once a pass has ended well (or from Open's `checked`); empty before.
  const std::vector<RangeDigest>& checked() const { return checked_; }

  // Hands the file's lines to `on_block`, in order, a block at a time. Stops at the first error
  // `on_block` returns and returns it. Any pass may fail after handing out blocks (a damaged
  // gzip stream shows only while inflating; the first pass over a file that is not held checks
  // its checksum at the end): act on the lines of a pass only once it has ended well, or after
  // a pass over the same reader has.
  aws::Status ForEachLineBlock(const std::function<aws::Status(LineBlock block)>& on_block);

 private:
  DataFileReader(const ObjectStore* store, const DataFileEntry& entry, size_t range_bytes);

  // The next range of a pass that is at `offset`, or an error when the file changed.
  aws::Result<std::string> NextRange(int64_t offset);
  // A pass over a file that is not held, the first (recording) or a later one (checking).
  aws::Status StreamPass(const std::function<aws::Status(std::string_view)>& feed);
  // The error for bytes whose MD5 is `md5` (binary), or Ok when they match the entry.
  aws::Status CheckDigest(const std::string& md5) const;

  const ObjectStore* store_;
  std::string key_;
  std::string md5_checksum_;
  std::string name_;  // as the store describes the key
  size_t range_bytes_;
  int64_t size_ = 0;
  std::string version_;
  bool held_ = false;
  // The whole file when held_; otherwise its first range until the first pass takes it.
  std::string first_;
  std::vector<RangeDigest> checked_;
  bool recorded_ = false;  // checked_ says what passes hand out (see checked())
};

}  // namespace ddbm::storage
