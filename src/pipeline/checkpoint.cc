#include "pipeline/checkpoint.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "aws/json_writer.h"
#include "dynamodb/json_rpc.h"

namespace ddbm::pipeline {
namespace {

aws::Error FileError(const std::string& path, const std::string& what) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput, "checkpoint " + path + ": " + what);
}

std::string Directory(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

}  // namespace

uint64_t Checkpoint::items_acknowledged() const {
  uint64_t total = 0;
  for (const auto& s : segments) total += s.items_acknowledged;
  return total;
}

uint64_t Checkpoint::items_dead_lettered() const {
  uint64_t total = 0;
  for (const auto& s : segments) total += s.items_dead_lettered;
  return total;
}

bool Checkpoint::complete() const {
  for (const auto& s : segments) {
    if (!s.done) return false;
  }
  return !segments.empty();
}

std::string SerializeCheckpoint(const Checkpoint& c) {
  std::string out;
  aws::JsonWriter w(&out);
  w.BeginObject()
      .MemberInt("Version", 1)
      .Member("Operation", c.operation)
      .Member("Source", c.source)
      .Member("Target", c.target)
      .MemberInt("TotalSegments", c.total_segments);
  WriteTableIdentity(w, "SourceTable", c.source_identity);
  WriteTableIdentity(w, "TargetTable", c.target_identity);
  if (c.creating_target) w.MemberBool("CreatingTarget", true);
  if (!c.dead_letter_file.empty()) w.Member("DeadLetterFile", c.dead_letter_file);
  if (c.create_indexes_after) w.MemberBool("CreateIndexesAfter", true);
  if (!c.transform.empty()) w.Member("Transform", c.transform);
  if (!c.s3_sse_algorithm.empty()) w.Member("S3SseAlgorithm", c.s3_sse_algorithm);
  if (!c.s3_sse_kms_key_id.empty()) w.Member("S3SseKmsKeyId", c.s3_sse_kms_key_id);
  if (!c.unusable.empty()) w.Member("Unusable", c.unusable);
  w.Key("Segments").BeginArray();
  for (size_t i = 0; i < c.segments.size(); ++i) {
    const SegmentPosition& s = c.segments[i];
    w.BeginObject().MemberInt("Segment", static_cast<int64_t>(i)).MemberBool("Done", s.done);
    if (s.exclusive_start_key) w.MemberRaw("ExclusiveStartKey", *s.exclusive_start_key);
    w.MemberInt("Items", static_cast<int64_t>(s.items_acknowledged));
    if (s.items_dead_lettered > 0) {
      w.MemberInt("DeadLettered", static_cast<int64_t>(s.items_dead_lettered));
    }
    if (s.state) w.MemberRaw("State", *s.state);
    w.EndObject();
  }
  w.EndArray().EndObject();
  out += '\n';
  return out;
}

aws::Result<Checkpoint> ParseCheckpoint(std::string_view text, const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(simdjson::padded_string(text)).get(root) != simdjson::SUCCESS ||
      !root.is_object()) {
    return FileError(path,
                     "not a ddbmigrate checkpoint (not JSON); delete it or pass another "
                     "--checkpoint path");
  }
  int64_t version = 0;
  if (root["Version"].get(version) != simdjson::SUCCESS || version != 1) {
    return FileError(path, "unknown checkpoint version; it was written by another ddbmigrate");
  }
  Checkpoint c;
  std::string_view s;
  if (root["Operation"].get(s) == simdjson::SUCCESS) c.operation = std::string(s);
  if (root["Source"].get(s) == simdjson::SUCCESS) c.source = std::string(s);
  if (root["Target"].get(s) == simdjson::SUCCESS) c.target = std::string(s);
  if (!ReadTableIdentities(root, &c.source_identity, &c.target_identity)) {
    return FileError(path, std::string(kDamagedIdentities));
  }
  bool creating = false;
  if (root["CreatingTarget"].get(creating) == simdjson::SUCCESS) c.creating_target = creating;
  if (root["DeadLetterFile"].get(s) == simdjson::SUCCESS) c.dead_letter_file = std::string(s);
  bool indexes_after = false;
  if (root["CreateIndexesAfter"].get(indexes_after) == simdjson::SUCCESS) {
    c.create_indexes_after = indexes_after;
  }
  if (root["Transform"].get(s) == simdjson::SUCCESS) c.transform = std::string(s);
  if (root["S3SseAlgorithm"].get(s) == simdjson::SUCCESS) c.s3_sse_algorithm = std::string(s);
  if (root["S3SseKmsKeyId"].get(s) == simdjson::SUCCESS) c.s3_sse_kms_key_id = std::string(s);
  if (root["Unusable"].get(s) == simdjson::SUCCESS) c.unusable = std::string(s);
  int64_t total = 0;
  simdjson::dom::array segments;
  const bool scan_operation =
      c.operation == "copy" || c.operation == "export" || c.operation == "truncate";
  if (root["TotalSegments"].error() == simdjson::NO_SUCH_FIELD && !c.operation.empty() &&
      !scan_operation && root["Segments"].error() == simdjson::NO_SUCH_FIELD) {
    // Another command's checkpoint (import's, replicate's): not damaged, only the wrong file.
    return FileError(path, "written by ddbmigrate " + c.operation +
                               ", whose checkpoints record no scan segments; pass the "
                               "checkpoint of this command's run, or another path");
  }
  if (root["TotalSegments"].get(total) != simdjson::SUCCESS || total <= 0 ||
      root["Segments"].get(segments) != simdjson::SUCCESS ||
      static_cast<int64_t>(segments.size()) != total) {
    return FileError(path, "segments are missing or inconsistent; the file is damaged");
  }
  c.total_segments = static_cast<int>(total);
  // Segment i is the i-th entry; counts are never negative, nor dead letters more than items
  // (unless a transform, which may make several items of one, made them).
  for (simdjson::dom::element e : segments) {
    SegmentPosition p;
    int64_t number = -1;
    int64_t items = 0;
    int64_t dead = 0;
    if (e["Segment"].get(number) != simdjson::SUCCESS ||
        number != static_cast<int64_t>(c.segments.size()) ||
        e["Done"].get(p.done) != simdjson::SUCCESS || e["Items"].get(items) != simdjson::SUCCESS ||
        items < 0 ||
        (e["DeadLettered"].get(dead) == simdjson::SUCCESS &&
         (dead < 0 || (dead > items && c.transform.empty())))) {
      return FileError(path, fmt::format("segment {} is damaged (its number, Done, Items or "
                                         "DeadLettered); restore the file or start over",
                                         c.segments.size()));
    }
    p.items_acknowledged = static_cast<uint64_t>(items);
    p.items_dead_lettered = static_cast<uint64_t>(dead);
    c.segments.push_back(std::move(p));
  }
  // Keys and states are taken as the raw text the file holds (a DOM would re-encode strings).
  simdjson::padded_string padded(text);
  simdjson::ondemand::parser raw_parser;
  simdjson::ondemand::document doc;
  simdjson::ondemand::array raw_segments;
  if (raw_parser.iterate(padded).get(doc) || doc["Segments"].get_array().get(raw_segments)) {
    return FileError(path, "segments are unreadable; the file is damaged");
  }
  size_t index = 0;
  for (auto element : raw_segments) {
    simdjson::ondemand::object segment;
    if (element.get_object().get(segment)) return FileError(path, "a segment is not an object");
    for (auto field : segment) {
      std::string_view name;
      if (field.unescaped_key().get(name)) return FileError(path, "a segment is damaged");
      if (name != "ExclusiveStartKey" && name != "State") continue;
      const std::string member(name);
      simdjson::ondemand::object object;
      std::string_view raw;
      if (field.value().get_object().get(object) || object.raw_json().get(raw)) {
        return FileError(path, "a segment's " + member + " is damaged");
      }
      std::string text(dynamodb::TrimTrailingJsonSpace(raw));
      if (member == "State") {
        c.segments[index].state = std::move(text);
      } else {
        c.segments[index].exclusive_start_key = std::move(text);
      }
    }
    ++index;
  }
  return c;
}

aws::Status WriteFileAtomically(const std::string& path, std::string_view text) {
  const std::string temp = path + std::string(kTempFileSuffix);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return FileError(path, std::string("cannot write: ") + std::strerror(errno));
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      return FileError(path, std::string("cannot write: ") + std::strerror(saved));
    }
    written += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const int sync_errno = errno;
  if (::close(fd) != 0 || !synced) {
    const int saved = synced ? errno : sync_errno;
    ::unlink(temp.c_str());
    return FileError(path, std::string("cannot flush: ") + std::strerror(saved));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return FileError(path, std::string("cannot replace: ") + std::strerror(errno));
  }
  // Make the rename itself durable.
  const int dir = ::open(Directory(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return aws::Status::Ok();
}

aws::Status SaveCheckpoint(const std::string& path, const Checkpoint& checkpoint) {
  return WriteFileAtomically(path, SerializeCheckpoint(checkpoint));
}

aws::Result<std::optional<std::string>> ReadFileIfExists(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::optional<std::string>();
    return FileError(path, "cannot read it");
  }
  std::stringstream text;
  text << in.rdbuf();
  return std::optional<std::string>(text.str());
}

aws::Result<std::optional<Checkpoint>> LoadCheckpoint(const std::string& path) {
  aws::Result<std::optional<std::string>> text = ReadFileIfExists(path);
  if (!text.ok()) return std::move(text).error();
  if (!*text) return std::optional<Checkpoint>();
  aws::Result<Checkpoint> c = ParseCheckpoint(**text, path);
  if (!c.ok()) return std::move(c).error();
  return std::optional<Checkpoint>(std::move(*c));
}

aws::Status CheckCheckpointWritable(const std::string& path) {
  const std::string dir = Directory(path);
  if (!std::filesystem::is_directory(dir)) {
    return FileError(path,
                     "directory " + dir + " does not exist; create it or choose another path");
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    return FileError(path, "directory " + dir + " is not writable; choose another path");
  }
  if (std::filesystem::is_directory(path)) {
    return FileError(path,
                     "it is a directory; pass --checkpoint with the path of a file in it, "
                     "such as " +
                         (std::filesystem::path(path) / "run.checkpoint").string());
  }
  if (std::filesystem::exists(path) && ::access(path.c_str(), W_OK) != 0) {
    return FileError(path, "the file is not writable; choose another path");
  }
  return aws::Status::Ok();
}

}  // namespace ddbm::pipeline
