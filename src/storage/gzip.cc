#include "storage/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <optional>
#include <stdexcept>
#include <utility>

#include "aws/buffer_pool.h"

namespace ddbm::storage {
namespace {

// zlib's windowBits: 15 (a 32 KiB window, the largest) + 16 (a gzip header and trailer, not
// zlib's; inflate then accepts gzip only).
constexpr int kGzipWindowBits = 15 + 16;
constexpr int kMemLevel = 8;
constexpr int kOsUnknown = 255;
// Output is produced into a fixed scratch area this large, then appended to the caller's string.
constexpr size_t kScratchBytes = size_t{64} << 10;
constexpr unsigned char kMagic[2] = {0x1f, 0x8b};

aws::Error Corrupt(std::string message) {
  return aws::Error::Make(aws::ErrorKind::kCorruption, std::move(message));
}

}  // namespace

aws::Status CheckGzipLevel(int level) {
  if (level < 0 || level > 9) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            "gzip level " + std::to_string(level) +
                                " is out of range: use 0 (no compression) to 9 (smallest)");
  }
  return aws::Status::Ok();
}

// ---- GzipWriter ----

// Heap-allocated: zlib keeps pointers to the z_stream and the header.
struct GzipWriter::Stream {
  z_stream z{};
  gz_header header{};
  bool finished = false;
  unsigned char scratch[kScratchBytes];

  // Runs deflate with `flush` until it has consumed all input and, for Z_FINISH, ended the
  // stream; appends its output to *out.
  void Run(int flush, std::string* out) {
    while (true) {
      z.next_out = scratch;
      z.avail_out = sizeof(scratch);
      const int rc = deflate(&z, flush);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        throw std::logic_error("deflate failed: " + std::to_string(rc));
      }
      out->append(reinterpret_cast<const char*>(scratch), sizeof(scratch) - z.avail_out);
      if (rc == Z_STREAM_END) return;
      // With room left in the output, deflate has taken all input and released what it can.
      if (flush != Z_FINISH && z.avail_out != 0 && z.avail_in == 0) return;
    }
  }
};

GzipWriter::GzipWriter(int level) : stream_(std::make_unique<Stream>()) {
  if (!CheckGzipLevel(level).ok()) {
    throw std::invalid_argument("gzip level out of range: " + std::to_string(level));
  }
  const int rc =
      deflateInit2(&stream_->z, level, Z_DEFLATED, kGzipWindowBits, kMemLevel, Z_DEFAULT_STRATEGY);
  if (rc == Z_MEM_ERROR) throw std::bad_alloc();
  if (rc != Z_OK) throw std::logic_error("deflateInit2 failed: " + std::to_string(rc));
  stream_->header.time = 0;
  stream_->header.os = kOsUnknown;
  stream_->header.name = Z_NULL;
  stream_->header.extra = Z_NULL;
  stream_->header.comment = Z_NULL;
  if (deflateSetHeader(&stream_->z, &stream_->header) != Z_OK) {
    throw std::logic_error("deflateSetHeader failed");
  }
}

GzipWriter::~GzipWriter() {
  if (stream_ != nullptr) deflateEnd(&stream_->z);
}

GzipWriter::GzipWriter(GzipWriter&& other) noexcept = default;

GzipWriter& GzipWriter::operator=(GzipWriter&& other) noexcept {
  if (this != &other) {
    GzipWriter old(std::move(*this));
    stream_ = std::move(other.stream_);
  }
  return *this;
}

void GzipWriter::Write(std::string_view data, std::string* out) {
  if (stream_->finished) throw std::logic_error("GzipWriter::Write after Finish");
  if (data.empty()) return;
  // avail_in is 32 bits: feed larger inputs in pieces.
  if (data.size() > UINT32_MAX / 2) {
    Write(data.substr(0, UINT32_MAX / 2), out);
    Write(data.substr(UINT32_MAX / 2), out);
    return;
  }
  // zlib's interface takes non-const input but never writes to it.
  stream_->z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream_->z.avail_in = static_cast<uInt>(data.size());
  stream_->Run(Z_NO_FLUSH, out);
}

void GzipWriter::Finish(std::string* out) {
  if (stream_->finished) throw std::logic_error("GzipWriter::Finish called twice");
  stream_->z.next_in = Z_NULL;
  stream_->z.avail_in = 0;
  stream_->Run(Z_FINISH, out);
  stream_->finished = true;
}

uint64_t GzipWriter::bytes_in() const { return stream_->z.total_in; }
uint64_t GzipWriter::bytes_out() const { return stream_->z.total_out; }

// ---- GzipReader ----

struct GzipReader::Stream {
  z_stream z{};
  uint64_t bytes_in = 0;   // consumed before the current Feed
  uint64_t bytes_out = 0;  // produced so far
  int members = 0;
  // Bytes of the gzip magic checked at the start of the current member: 0 when between members
  // (nothing of the next one seen yet), 2 once the member is under way.
  int magic_checked = 0;
  bool finished = false;
  std::optional<aws::Error> error;
  unsigned char scratch[kScratchBytes];

  aws::Status Fail(aws::Error e) {
    error = e;
    return e;
  }

  // Checks the start of a member, which must be the magic bytes; `offset` is the position of
  // `in` in the file.
  aws::Status CheckMagic(const unsigned char* in, size_t size, uint64_t offset) {
    while (magic_checked < 2 && size > 0) {
      if (*in != kMagic[magic_checked]) {
        if (members == 0) {
          return Fail(
              Corrupt("not a gzip file: it does not start with the gzip magic bytes 1f 8b"));
        }
        return Fail(Corrupt("trailing garbage after the end of the gzip data at byte " +
                            std::to_string(offset - magic_checked) + " (after " +
                            std::to_string(members) + (members == 1 ? " member)" : " members)")));
      }
      ++magic_checked;
      ++in;
      --size;
      ++offset;
    }
    return aws::Status::Ok();
  }

  std::string Describe(const char* zlib_message) const {
    const std::string message = zlib_message != nullptr ? zlib_message : "unknown error";
    if (message == "incorrect data check") return "CRC-32 mismatch: the data is corrupt";
    if (message == "incorrect length check") {
      return "ISIZE mismatch: the uncompressed length differs from the trailer's";
    }
    return "corrupt gzip data (" + message + ")";
  }
};

GzipReader::GzipReader() : stream_(std::make_unique<Stream>()) {
  const int rc = inflateInit2(&stream_->z, kGzipWindowBits);
  if (rc == Z_MEM_ERROR) throw std::bad_alloc();
  if (rc != Z_OK) throw std::logic_error("inflateInit2 failed: " + std::to_string(rc));
}

GzipReader::~GzipReader() {
  if (stream_ != nullptr) inflateEnd(&stream_->z);
}

GzipReader::GzipReader(GzipReader&& other) noexcept = default;

GzipReader& GzipReader::operator=(GzipReader&& other) noexcept {
  if (this != &other) {
    GzipReader old(std::move(*this));
    stream_ = std::move(other.stream_);
  }
  return *this;
}

aws::Status GzipReader::Feed(std::string_view compressed, std::string* out) {
  Stream& s = *stream_;
  if (s.error) return *s.error;
  if (s.finished) throw std::logic_error("GzipReader::Feed after Finish");
  // avail_in is 32 bits: feed larger inputs in pieces.
  if (compressed.size() > UINT32_MAX / 2) {
    if (aws::Status st = Feed(compressed.substr(0, UINT32_MAX / 2), out); !st.ok()) return st;
    return Feed(compressed.substr(UINT32_MAX / 2), out);
  }
  const auto* in = reinterpret_cast<const unsigned char*>(compressed.data());
  z_stream& z = s.z;
  z.next_in = const_cast<Bytef*>(in);  // zlib never writes through next_in
  z.avail_in = static_cast<uInt>(compressed.size());
  auto offset = [&] { return s.bytes_in + static_cast<uint64_t>(z.next_in - in); };
  // When inflate fills the scratch area exactly, more output may be waiting inside zlib even
  // with no input left.
  bool output_pending = false;
  while (z.avail_in > 0 || output_pending) {
    if (aws::Status st = s.CheckMagic(z.next_in, z.avail_in, offset()); !st.ok()) return st;
    z.next_out = s.scratch;
    z.avail_out = sizeof(s.scratch);
    const int rc = inflate(&z, Z_NO_FLUSH);
    const size_t produced = sizeof(s.scratch) - z.avail_out;
    out->append(reinterpret_cast<const char*>(s.scratch), produced);
    s.bytes_out += produced;
    output_pending = z.avail_out == 0;
    switch (rc) {
      case Z_OK:
        break;
      case Z_STREAM_END:  // the member's trailer checked out; another member may follow
        ++s.members;
        s.magic_checked = 0;
        output_pending = false;
        inflateReset(&z);
        break;
      case Z_BUF_ERROR:  // no progress possible: only when all input is used and nothing pends
        if (z.avail_in != 0) throw std::logic_error("inflate made no progress");
        output_pending = false;
        break;
      case Z_DATA_ERROR:
      case Z_NEED_DICT:
        return s.Fail(Corrupt(s.Describe(z.msg) + " near byte " + std::to_string(offset())));
      case Z_MEM_ERROR:
        throw std::bad_alloc();
      default:
        throw std::logic_error("inflate failed: " + std::to_string(rc));
    }
  }
  s.bytes_in += compressed.size();
  return aws::Status::Ok();
}

aws::Status GzipReader::Finish() {
  Stream& s = *stream_;
  if (s.error) return *s.error;
  s.finished = true;
  if (s.bytes_in == 0) {
    return s.Fail(
        Corrupt("empty (0 bytes): not a gzip file; even an empty export file is 20 bytes"));
  }
  if (s.magic_checked > 0) {
    return s.Fail(Corrupt("truncated: the gzip data ends inside member " +
                          std::to_string(s.members + 1) + ", after " + std::to_string(s.bytes_in) +
                          " bytes, before its end"));
  }
  return aws::Status::Ok();
}

int GzipReader::members() const { return stream_->members; }
uint64_t GzipReader::bytes_in() const { return stream_->bytes_in; }
uint64_t GzipReader::bytes_out() const { return stream_->bytes_out; }

std::string GzipCompress(std::string_view data, int level) {
  GzipWriter writer(level);
  std::string out;
  writer.Write(data, &out);
  writer.Finish(&out);
  return out;
}

aws::Result<std::string> GzipDecompress(std::string_view compressed) {
  GzipReader reader;
  std::string out;
  if (aws::Status s = reader.Feed(compressed, &out); !s.ok()) return std::move(s).error();
  if (aws::Status s = reader.Finish(); !s.ok()) return std::move(s).error();
  return out;
}

// ---- LineReader ----

LineReader::LineReader(size_t buffer_bytes)
    : buffer_bytes_(buffer_bytes), buffer_(aws::BufferPool::Shared().Take(buffer_bytes)) {}

LineReader::~LineReader() { aws::BufferPool::Shared().Give(std::move(buffer_)); }

LineBlock LineReader::TakeLines() {
  const std::string_view unscanned = std::string_view(buffer_).substr(scanned_);
  const size_t last = unscanned.rfind('\n');
  if (last == std::string_view::npos) {
    scanned_ = buffer_.size();
    return {};
  }
  return Split(scanned_ + last + 1, /*at_end=*/false);
}

LineBlock LineReader::Finish() { return Split(buffer_.size(), /*at_end=*/true); }

LineBlock LineReader::Split(size_t end, bool at_end) {
  LineBlock block;
  if (end == 0) return block;
  // The unfinished line moves to a fresh buffer; the rest becomes the block.
  std::string next;
  if (!at_end) {
    next = aws::BufferPool::Shared().Take(std::max(buffer_bytes_, buffer_.size() - end));
    next.append(buffer_, end, std::string::npos);
    buffer_.resize(end);
  }
  block.bytes = aws::BufferPool::Shared().Share(std::move(buffer_));
  buffer_ = std::move(next);
  scanned_ = buffer_.size();  // the unfinished line holds no '\n'

  const char* p = block.bytes->data();
  const char* const stop = p + block.bytes->size();
  while (p < stop) {
    const char* newline = static_cast<const char*>(std::memchr(p, '\n', stop - p));
    const char* line_end = newline != nullptr ? newline : stop;
    size_t size = line_end - p;
    if (size > 0 && p[size - 1] == '\r') --size;
    block.lines.push_back(Line{std::string_view(p, size), ++lines_});
    p = newline != nullptr ? newline + 1 : stop;
  }
  return block;
}

}  // namespace ddbm::storage
