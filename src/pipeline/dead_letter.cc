#include "pipeline/dead_letter.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "aws/json_writer.h"

namespace ddbm::pipeline {

DeadLetterFile::~DeadLetterFile() {
  if (file_ != nullptr) std::fclose(file_);
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
  if (file_ == nullptr) {
    file_ = std::fopen(path_.c_str(), "a");
    if (file_ == nullptr) {
      return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                              "dead-letter file " + path_ + ": " + std::strerror(errno));
    }
  }
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            "dead-letter file " + path_ + ": " + std::strerror(errno));
  }
  count_.fetch_add(1);
  return aws::Status::Ok();
}

aws::Status DeadLetterFile::CheckWritable() const {
  std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  const bool exists = std::filesystem::exists(path_);
  if ((!exists && (!std::filesystem::is_directory(dir) || ::access(dir.c_str(), W_OK) != 0)) ||
      (exists && ::access(path_.c_str(), W_OK) != 0)) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            "dead-letter file " + path_ +
                                " cannot be written; pass --dead-letter with a writable path");
  }
  return aws::Status::Ok();
}

aws::Status DeadLetterFile::Sync() {
  std::lock_guard lock(mu_);
  if (file_ == nullptr) return aws::Status::Ok();
  if (std::fflush(file_) != 0 || ::fsync(fileno(file_)) != 0) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            "dead-letter file " + path_ + ": " + std::strerror(errno));
  }
  return aws::Status::Ok();
}

}  // namespace ddbm::pipeline
