#include "pipeline/dead_letter.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "aws/json_writer.h"
#include "dynamodb/item_compare.h"

namespace ddbm::pipeline {
namespace {

// Every line starts with this, followed by the item's JSON and then kReasonMember.
constexpr std::string_view kItemMember = R"({"Item":)";
// Not found inside an item: there, member names are followed by an object, not a string.
constexpr std::string_view kReasonMember = R"(,"Reason":")";

aws::Error FileError(const std::string& path) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                          "dead-letter file " + path + ": " + std::strerror(errno));
}

// Equal for two spellings of one item's attribute values; for JSON that is not an item of typed
// values, equal for the same bytes only (a different first byte keeps the two kinds apart: a
// canonical item starts with 'I').
KeyDigest DigestOfItem(std::string_view item_json) {
  aws::Result<std::string> canonical = dynamodb::CanonicalItem(item_json, {});
  if (canonical.ok()) return DigestKey(*canonical);
  std::string bytes = "J";
  bytes += item_json;
  return DigestKey(bytes);
}

}  // namespace

DeadLetterFile::~DeadLetterFile() {
  if (file_ != nullptr) std::fclose(file_);
}

aws::Status DeadLetterFile::IndexEarlierLines() {
  std::lock_guard lock(mu_);
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return aws::Status::Ok();
    return FileError(path_);
  }
  uint64_t offset = 0;  // of the line being read
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) {
      // No newline: a killed run stopped in the middle of this line. Its batch was not
      // acknowledged, so the resumed run writes the item again.
      in.close();
      if (::truncate(path_.c_str(), static_cast<off_t>(offset)) != 0) return FileError(path_);
      break;
    }
    const size_t reason = line.rfind(kReasonMember);
    if (line.starts_with(kItemMember) && reason != std::string::npos &&
        reason > kItemMember.size()) {
      const std::string_view item =
          std::string_view(line).substr(kItemMember.size(), reason - kItemMember.size());
      ++earlier_[DigestOfItem(item)];
    }
    offset += line.size() + 1;
  }
  if (earlier_.empty()) return aws::Status::Ok();
  // The killed run may not have synced them, and a checkpoint of this run may count items on
  // the strength of these lines alone.
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError(path_);
  if (::fsync(fd) != 0) {
    aws::Error error = FileError(path_);
    ::close(fd);
    return error;
  }
  ::close(fd);
  return aws::Status::Ok();
}

bool DeadLetterFile::AbsorbedByEarlierLine(std::string_view item_json) {
  if (earlier_.empty()) return false;
  auto it = earlier_.find(DigestOfItem(item_json));
  if (it == earlier_.end()) return false;
  if (--it->second == 0) earlier_.erase(it);
  return true;
}

aws::Status DeadLetterFile::OpenForAppend() {
  // Owner-only, as the items it holds may be sensitive (an existing file keeps its mode); reads
  // only to check the last byte below.
  const int fd = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return FileError(path_);
  file_ = ::fdopen(fd, "a+");
  if (file_ == nullptr) {
    aws::Error error = FileError(path_);
    ::close(fd);
    return error;
  }
  // A line cut short by an earlier, killed run must not swallow the first line of this one.
  struct stat st {};
  char last = '\n';
  if (::fstat(fileno(file_), &st) == 0 && st.st_size > 0 &&
      ::pread(fileno(file_), &last, 1, st.st_size - 1) == 1 && last != '\n' &&
      std::fputc('\n', file_) == EOF) {
    aws::Error error = FileError(path_);
    std::fclose(file_);
    file_ = nullptr;
    return error;
  }
  return aws::Status::Ok();
}

aws::Status DeadLetterFile::Write(std::string_view item_json, const aws::Error& reason) {
  std::string line;
  line.reserve(item_json.size() + 128);
  aws::JsonWriter w(&line);
  w.BeginObject().MemberRaw("Item", item_json).Member("Reason", reason.ToString());
  if (!reason.code.empty()) w.Member("Code", reason.code);
  w.EndObject();
  line += '\n';
  std::lock_guard lock(mu_);
  if (AbsorbedByEarlierLine(item_json)) {
    count_.fetch_add(1);
    return aws::Status::Ok();
  }
  if (file_ == nullptr) {
    if (aws::Status s = OpenForAppend(); !s.ok()) return s;
  }
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    // Part of the line may be in the file: the next Write opens it again, which ends that part
    // with a newline instead of appending to it. The lines before it were only flushed: they
    // must reach the disk now, as Sync cannot reach them through a closed handle.
    aws::Error error = FileError(path_);
    if (::fsync(fileno(file_)) != 0) unsynced_ = true;
    std::fclose(file_);
    file_ = nullptr;
    return error;
  }
  count_.fetch_add(1);
  return aws::Status::Ok();
}

aws::Status DeadLetterFile::CheckWritable() const {
  std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  const bool exists = std::filesystem::exists(path_);
  if (exists && std::filesystem::is_directory(path_)) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            "dead-letter file " + path_ +
                                " is a directory; pass --dead-letter with the path of a file, "
                                "such as " +
                                (std::filesystem::path(path_) / "dead-letter.jsonl").string());
  }
  if (exists && !std::filesystem::is_regular_file(path_)) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            "dead-letter file " + path_ +
                                " is not a regular file (a device, pipe or socket: it must be "
                                "read back on a resume); pass --dead-letter with the path of a "
                                "regular file");
  }
  if ((!exists && (!std::filesystem::is_directory(dir) || ::access(dir.c_str(), W_OK) != 0)) ||
      (exists && ::access(path_.c_str(), R_OK | W_OK) != 0)) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            "dead-letter file " + path_ +
                                " cannot be written; pass --dead-letter with a writable path");
  }
  return aws::Status::Ok();
}

aws::Status DeadLetterFile::Sync() {
  std::lock_guard lock(mu_);
  if (unsynced_) {
    return aws::Error::Make(
        aws::ErrorKind::kInvalidInput,
        "dead-letter file " + path_ + " could not be synced to disk; check the disk and run again");
  }
  if (file_ == nullptr) return aws::Status::Ok();
  if (std::fflush(file_) != 0 || ::fsync(fileno(file_)) != 0) return FileError(path_);
  return aws::Status::Ok();
}

}  // namespace ddbm::pipeline
