#include "storage/data_file_reader.h"

#include <fmt/format.h>

#include <utility>
#include <vector>

#include "aws/base64.h"
#include "storage/md5.h"

namespace ddbm::storage {
namespace {

// Compressed bytes inflated per step: a few MB of lines at a time.
constexpr size_t kInflateChunk = size_t{256} << 10;

aws::Error Invalid(std::string message) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput, std::move(message));
}

aws::Error Changed(const std::string& name) {
  return Invalid(fmt::format("data file {} changed while it was being read; import again", name));
}

// Inflates one file fed in pieces and hands its lines out as they complete.
class Inflater {
 public:
  Inflater(const std::string& name, const std::function<aws::Status(LineBlock)>& on_block)
      : name_(name), on_block_(on_block) {}

  aws::Status Feed(std::string_view compressed) {
    for (size_t offset = 0; offset < compressed.size(); offset += kInflateChunk) {
      const std::string_view chunk = compressed.substr(offset, kInflateChunk);
      if (aws::Status s = gzip_.Feed(chunk, lines_.buffer()); !s.ok()) return Damaged(s);
      LineBlock block = lines_.TakeLines();
      // What stays buffered is the unfinished line: bounded, whatever the file holds.
      if (lines_.buffer()->size() > DataFileReader::kMaxLineBytes) {
        return TooLong(lines_.lines() + 1);
      }
      if (block.lines.empty()) continue;
      if (aws::Status s = HandOut(std::move(block)); !s.ok()) return s;
    }
    return aws::Status::Ok();
  }

  aws::Status Finish() {
    if (aws::Status s = gzip_.Finish(); !s.ok()) return Damaged(s);
    LineBlock last = lines_.Finish();
    if (last.lines.empty()) return aws::Status::Ok();
    return HandOut(std::move(last));
  }

 private:
  aws::Status HandOut(LineBlock block) {
    for (const Line& line : block.lines) {
      if (line.text.size() > DataFileReader::kMaxLineBytes) return TooLong(line.number);
    }
    return on_block_(std::move(block));
  }

  aws::Error TooLong(int64_t line) const {
    return Invalid(fmt::format(
        "data file {} line {} is longer than {} MB, more than any item DynamoDB accepts; "
        "nothing of this file was imported",
        name_, line, DataFileReader::kMaxLineBytes >> 20));
  }

  aws::Error Damaged(const aws::Status& status) const {
    return Invalid(fmt::format("data file {} is damaged: {}", name_, status.error().message));
  }

  const std::string& name_;
  const std::function<aws::Status(LineBlock)>& on_block_;
  GzipReader gzip_;
  LineReader lines_;
};

// Whether `bytes`, whose MD5 is `md5`, are what an earlier read recorded, range by range (that
// read may have streamed what this one holds).
bool HoldsWhatWasChecked(std::string_view bytes, const std::string& md5,
                         const std::vector<DataFileReader::RangeDigest>& checked) {
  if (checked.size() == 1) return checked[0].size == bytes.size() && checked[0].md5 == md5;
  size_t at = 0;
  for (const DataFileReader::RangeDigest& range : checked) {
    if (range.size > bytes.size() - at) return false;
    if (Md5::Digest(bytes.substr(at, range.size)) != range.md5) return false;
    at += range.size;
  }
  return at == bytes.size();
}

}  // namespace

DataFileReader::DataFileReader(const ObjectStore* store, const DataFileEntry& entry,
                               size_t range_bytes)
    : store_(store),
      key_(entry.data_file_s3_key),
      md5_checksum_(entry.md5_checksum),
      name_(store->Describe(entry.data_file_s3_key)),
      range_bytes_(range_bytes) {}

aws::Result<DataFileReader> DataFileReader::Open(const ObjectStore* store,
                                                 const DataFileEntry& entry, size_t range_bytes,
                                                 std::optional<std::vector<RangeDigest>> checked) {
  DataFileReader reader(store, entry, range_bytes);
  aws::Result<ObjectRange> first = store->GetRange(reader.key_, 0, range_bytes);
  if (!first.ok()) {
    aws::Error error = std::move(first).error();
    if (error.code == "NoSuchKey") {  // said in the export's terms, not as S3's error code
      return aws::Error::Make(
          aws::ErrorKind::kInvalidInput,
          fmt::format("data file {} is listed in the manifest but missing", reader.name_));
    }
    return error;
  }
  reader.size_ = first->object_size;
  reader.version_ = std::move(first->version);
  reader.first_ = std::move(first->bytes);
  // Streamed unless the first answer holds all of it (a store may answer short anywhere).
  if (static_cast<int64_t>(reader.first_.size()) < reader.size_ && !first->whole) {
    if (checked) {
      reader.checked_ = std::move(*checked);
      reader.recorded_ = true;
    }
    return reader;
  }
  if (static_cast<int64_t>(reader.first_.size()) != reader.size_) return Changed(reader.name_);
  reader.held_ = true;
  std::string md5 = Md5::Digest(reader.first_);
  // Against what an earlier read checked first: a file rewritten since is "changed", not
  // "corrupt", whatever its new digest.
  if (checked && !HoldsWhatWasChecked(reader.first_, md5, *checked)) {
    return Changed(reader.name_);
  }
  if (aws::Status s = reader.CheckDigest(md5); !s.ok()) return std::move(s).error();
  // What it holds, as one range.
  reader.checked_.push_back({reader.first_.size(), std::move(md5)});
  reader.recorded_ = true;
  return reader;
}

aws::Status DataFileReader::ForEachLineBlock(
    const std::function<aws::Status(LineBlock block)>& on_block) {
  Inflater inflater(name_, on_block);
  if (held_) {
    if (aws::Status s = inflater.Feed(first_); !s.ok()) return s;
    return inflater.Finish();
  }
  aws::Status s = StreamPass([&](std::string_view bytes) { return inflater.Feed(bytes); });
  if (!s.ok()) return s;
  return inflater.Finish();
}

aws::Status DataFileReader::StreamPass(const std::function<aws::Status(std::string_view)>& feed) {
  const bool recording = !recorded_;
  Md5 whole;                          // recording: the file's digest
  std::vector<RangeDigest> recorded;  // recording: what each range was
  std::string pending;  // checking: bytes read, not yet checked (ranges may not align)
  size_t next = 0;      // checking: the index in checked_ of the next part to check
  // Checking: hands out `part` if it is what checked_[next] says.
  auto check = [&](std::string_view part) -> aws::Status {
    if (Md5::Digest(part) != checked_[next].md5) return Changed(name_);
    ++next;
    return feed(part);
  };
  for (int64_t offset = 0; offset < size_;) {
    aws::Result<std::string> range = NextRange(offset);
    if (!range.ok()) return std::move(range).error();
    offset += static_cast<int64_t>(range->size());
    if (recording) {
      whole.Update(*range);
      recorded.push_back({range->size(), Md5::Digest(*range)});
      if (aws::Status s = feed(*range); !s.ok()) return s;
      continue;
    }
    if (pending.empty() && next < checked_.size() && range->size() == checked_[next].size) {
      if (aws::Status s = check(*range); !s.ok()) return s;
      continue;
    }
    pending += *range;
    size_t used = 0;
    while (next < checked_.size() && pending.size() - used >= checked_[next].size) {
      const size_t size = checked_[next].size;
      if (aws::Status s = check(std::string_view(pending).substr(used, size)); !s.ok()) return s;
      used += size;
    }
    pending.erase(0, used);
    if (next == checked_.size() && !pending.empty()) return Changed(name_);  // longer than read
  }
  if (!recording) {
    // The sizes add up to size_, which every range confirmed: nothing can be left over.
    if (!pending.empty() || next != checked_.size()) return Changed(name_);
    return aws::Status::Ok();
  }
  if (aws::Status s = CheckDigest(whole.Finish()); !s.ok()) return s;
  checked_ = std::move(recorded);
  recorded_ = true;
  return aws::Status::Ok();
}

aws::Result<std::string> DataFileReader::NextRange(int64_t offset) {
  if (offset == 0 && !first_.empty()) return std::exchange(first_, std::string());
  aws::Result<ObjectRange> range = store_->GetRange(key_, offset, range_bytes_);
  if (!range.ok()) return std::move(range).error();
  const bool other_version =
      !version_.empty() && !range->version.empty() && range->version != version_;
  if (range->object_size != size_ || other_version || range->bytes.empty()) return Changed(name_);
  // A server that ignored Range sent all of it: hand out the rest at once rather than fetch the
  // whole object again for every range.
  if (range->whole) return range->bytes.substr(static_cast<size_t>(offset));
  return std::move(range->bytes);
}

aws::Status DataFileReader::CheckDigest(const std::string& md5) const {
  const std::string found = aws::EncodeBase64(md5);
  if (found != md5_checksum_) {
    return Invalid(
        fmt::format("data file {} does not match its manifest: MD5 {} expected, {} found ({} "
                    "bytes); the file is corrupt or truncated",
                    name_, md5_checksum_, found, size_));
  }
  return aws::Status::Ok();
}

}  // namespace ddbm::storage
