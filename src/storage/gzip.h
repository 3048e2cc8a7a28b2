// gzip for export data files (docs/export-layout.md §4 and §7): a streaming compressor that
// writes the header AWS writes, a streaming decompressor that rejects every kind of damaged file
// an import must refuse, and a line splitter that hands decompressed JSON lines out in blocks a
// batch of writes can keep alive.
//
// Typical import loop (errors are kCorruption; the caller prefixes the file name):
//
//   GzipReader gzip;
//   LineReader lines;
//   for (each chunk of the compressed file) {
//     if (aws::Status s = gzip.Feed(chunk, lines.buffer()); !s.ok()) return s;
//     Consume(lines.TakeLines());
//   }
//   if (aws::Status s = gzip.Finish(); !s.ok()) return s;
//   Consume(lines.Finish());
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aws/error.h"

namespace ddbm::storage {

// kInvalidInput unless 0 <= level <= 9 (0: stored, 1: fastest, 9: smallest). For flags.
aws::Status CheckGzipLevel(int level);

// Streaming gzip compression. The header is AWS's: no file name, MTIME 0, OS 255 (unknown);
// level 6 on empty input gives the 20-byte empty file AWS writes for an empty partition.
// Not thread-safe; one object per file. Movable; a moved-from object may only be destroyed.
class GzipWriter {
 public:
  static constexpr int kDefaultLevel = 6;

  // REQUIRES: CheckGzipLevel(level).ok(); otherwise throws std::invalid_argument (a bug).
  explicit GzipWriter(int level = kDefaultLevel);
  ~GzipWriter();
  GzipWriter(GzipWriter&& other) noexcept;
  GzipWriter& operator=(GzipWriter&& other) noexcept;

  // Compresses `data`, appending to *out the compressed bytes produced so far. zlib buffers
  // internally, so most small writes append nothing; Write itself never allocates.
  // REQUIRES: Finish has not been called.
  void Write(std::string_view data, std::string* out);
  // Compresses what is buffered and appends the rest of the stream, trailer included.
  // REQUIRES: Finish has not been called.
  void Finish(std::string* out);

  uint64_t bytes_in() const;   // uncompressed bytes written
  uint64_t bytes_out() const;  // compressed bytes produced

 private:
  struct Stream;
  std::unique_ptr<Stream> stream_;
};

// Streaming gzip decompression of one file (RFC 1952), accepting several concatenated members.
// Errors are kCorruption with a message saying what is wrong and at which compressed byte:
// zero bytes of input, data that does not start with the gzip magic, a damaged deflate stream,
// a CRC-32 or ISIZE mismatch, bytes after the last member that do not start another member
// (trailing garbage), and input that ends inside a member (truncation; reported by Finish).
// After an error every later call returns it again. Not thread-safe. Movable; a moved-from
// object may only be destroyed.
class GzipReader {
 public:
  GzipReader();
  ~GzipReader();
  GzipReader(GzipReader&& other) noexcept;
  GzipReader& operator=(GzipReader&& other) noexcept;

  // Decompresses the next bytes of the file, appending all of their output to *out. Output is
  // not bounded per call: feed chunks small enough for their output to fit in memory
  // (deflate expands at most ~1000 times; JSON lines typically 5 to 15 times).
  aws::Status Feed(std::string_view compressed, std::string* out);
  // Declares the end of the file: an error unless the input held at least one member and
  // ended exactly at the end of a member.
  aws::Status Finish();

  int members() const;         // complete members seen so far
  uint64_t bytes_in() const;   // compressed bytes consumed
  uint64_t bytes_out() const;  // decompressed bytes produced

 private:
  struct Stream;
  std::unique_ptr<Stream> stream_;
};

// Whole-buffer conveniences over GzipWriter / GzipReader.
std::string GzipCompress(std::string_view data, int level = GzipWriter::kDefaultLevel);
aws::Result<std::string> GzipDecompress(std::string_view compressed);

// One line of a data file: its bytes without the '\n' (and without one '\r' before it), and its
// 1-based number in the file.
struct Line {
  std::string_view text;
  int64_t number = 0;
};

// Complete lines handed out together with the bytes they point into. The views stay valid as
// long as someone holds `bytes`: share it (e.g. as a WriteBatch's keep_alive) to keep slices of
// these lines past the block.
struct LineBlock {
  std::shared_ptr<const std::string> bytes;  // null when `lines` is empty
  std::vector<Line> lines;
};

// Splits a stream of decompressed bytes into lines, without copying whole lines: bytes are
// appended to a buffer that becomes a block's `bytes` when its lines are taken; only the
// unfinished line at its end is copied into the next buffer.
//
// Line rules: '\n' ends a line; a '\r' right before it is dropped (AWS writes none; accepting
// CRLF costs nothing since '\r' is JSON whitespace anyway); the last line may lack its '\n'; a
// blank line is handed out as an empty line, so that the caller can reject it by number; an
// empty stream has no lines, and a stream ending in '\n' has no empty line after it.
// Not thread-safe; the blocks handed out may be shared across threads (they are immutable).
class LineReader {
 public:
  // New buffers reserve this much (from aws::BufferPool, to which they return when the last
  // owner of a block lets go).
  static constexpr size_t kDefaultBufferBytes = size_t{1} << 20;

  explicit LineReader(size_t buffer_bytes = kDefaultBufferBytes);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The buffer to append the next decompressed bytes to (e.g. GzipReader::Feed's output). Only
  // appending is allowed. Valid until the next TakeLines or Finish.
  std::string* buffer() { return &buffer_; }
  // Copies `bytes` to the end of buffer().
  void Append(std::string_view bytes) { buffer_.append(bytes); }

  // The complete lines appended since the previous call (none: an empty block, and the bytes
  // stay buffered).
  LineBlock TakeLines();
  // The end of the stream: the remaining complete lines and a last line without '\n'.
  // REQUIRES: not called before; nothing is appended afterwards.
  LineBlock Finish();

  // Lines handed out so far.
  int64_t lines() const { return lines_; }

 private:
  // Hands out buffer_[0, end) as a block; the rest stays buffered unless `at_end`.
  LineBlock Split(size_t end, bool at_end);

  const size_t buffer_bytes_;
  std::string buffer_;
  size_t scanned_ = 0;  // buffer_[0, scanned_) holds no '\n'
  int64_t lines_ = 0;
};

}  // namespace ddbm::storage
