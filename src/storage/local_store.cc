#include "storage/local_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "storage/md5.h"

namespace ddbm::storage {
namespace {

namespace fs = std::filesystem;

// Ends the name of every temporary file (unfinished writers, the writability probe).
constexpr std::string_view kTempSuffix = ".ddbm-tmp";
// A writer hands bytes to the kernel in blocks this large.
constexpr size_t kWriteBlock = size_t{1} << 20;

aws::Error Invalid(const std::string& what) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput, what);
}

aws::Error IoError(const std::string& path, const std::string& what, int err) {
  return Invalid(path + ": " + what + ": " + std::strerror(err));
}

aws::Error NoSuchKey(const std::string& path, const std::string& why) {
  aws::Error e = Invalid(path + ": " + why);
  e.code = "NoSuchKey";
  return e;
}

// Keys map to exactly one file under the root, or are refused.
aws::Status CheckKey(std::string_view key) {
  auto bad = [&](const std::string& why) {
    return Invalid("invalid object key \"" + std::string(key) + "\": " + why);
  };
  if (key.empty()) return bad("empty");
  if (key.front() == '/') return bad("it must not start with '/'");
  if (key.back() == '/') return bad("it must not end with '/'");
  if (key.find('\0') != std::string_view::npos) return bad("it contains a NUL byte");
  size_t start = 0;
  while (start <= key.size()) {
    const size_t end = std::min(key.find('/', start), key.size());
    const std::string_view segment = key.substr(start, end - start);
    if (segment == "..") return bad("\"..\" would leave the root directory");
    if (segment.empty() || segment == ".") return bad("empty or \".\" path segment");
    start = end + 1;
  }
  if (key.ends_with(kTempSuffix)) {
    return bad("names ending in " + std::string(kTempSuffix) + " are reserved for temporary files");
  }
  return aws::Status::Ok();
}

// A prefix may end anywhere (inside a name), but it must not leave the root either.
aws::Status CheckPrefix(std::string_view prefix) {
  auto bad = [&](const std::string& why) {
    return Invalid("invalid key prefix \"" + std::string(prefix) + "\": " + why);
  };
  if (prefix.starts_with("/")) return bad("it must not start with '/'");
  if (prefix.find('\0') != std::string_view::npos) return bad("it contains a NUL byte");
  size_t start = 0;
  while (start <= prefix.size()) {
    const size_t end = std::min(prefix.find('/', start), prefix.size());
    if (prefix.substr(start, end - start) == "..") {
      return bad("\"..\" would leave the root directory");
    }
    start = end + 1;
  }
  return aws::Status::Ok();
}

std::string Parent(const std::string& path) { return fs::path(path).parent_path().string(); }

// A name no other writer (thread or process) uses: the process id, a counter, random bits.
std::string TempPath(const std::string& directory, std::string_view name) {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t salt = [] {
    std::random_device device;
    return (uint64_t{device()} << 32) ^ device();
  }();
  const uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
  // Keep the name well below NAME_MAX (255) whatever the key's name.
  std::string base(name.substr(0, 160));
  char unique[64];
  std::snprintf(unique, sizeof(unique), ".%ld-%llu-%08llx", static_cast<long>(::getpid()),
                static_cast<unsigned long long>(n),
                static_cast<unsigned long long>((salt ^ (n * 0x9e3779b97f4a7c15ULL)) >> 32));
  return directory + "/." + base + unique + std::string(kTempSuffix);
}

// The name a temporary file stands in for when `name` has exactly the form TempPath gives
// (".<name>.<pid>-<counter>-<8 hex digits>.ddbm-tmp"; <name> cut to 160 bytes); nullopt for any
// other name, so that files of other programs are never taken for ours.
std::optional<std::string_view> TempFileTarget(std::string_view name) {
  if (!name.starts_with('.') || !name.ends_with(kTempSuffix)) return std::nullopt;
  name = name.substr(1, name.size() - 1 - kTempSuffix.size());
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  std::string_view unique = name.substr(dot + 1);
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  auto is_hex = [&](char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); };
  // <pid>-<counter>-: two runs of digits, each ended by '-'.
  for (int run = 0; run < 2; ++run) {
    const size_t dash = unique.find('-');
    if (dash == 0 || dash == std::string_view::npos ||
        !std::all_of(unique.begin(), unique.begin() + static_cast<ptrdiff_t>(dash), is_digit)) {
      return std::nullopt;
    }
    unique.remove_prefix(dash + 1);
  }
  if (unique.size() != 8 || !std::all_of(unique.begin(), unique.end(), is_hex)) {
    return std::nullopt;
  }
  return name.substr(0, dot);
}

// Creates a fresh temporary file in `directory` for `name` and stores its path in *temp.
// Returns the descriptor, or -1 with errno set.
int CreateTemp(const std::string& directory, std::string_view name, std::string* temp) {
  for (int attempt = 0;; ++attempt) {
    *temp = TempPath(directory, name);
    const int fd = ::open(temp->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST || attempt >= 8) return fd;
  }
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Makes a rename in `directory` durable. Best effort: some file systems refuse to sync a
// directory, and the data itself is already on disk.
void SyncDirectory(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Creates `directory` and its missing parents. Each directory created is made durable as an
// entry of its parent (SyncDirectory of the parent), so that a file committed inside it (Commit
// syncs only the file's own directory) is still reachable after a power loss.
aws::Status CreateDirectories(const std::string& directory) {
  std::vector<fs::path> missing;  // deepest first
  fs::path path(directory);
  // "a/b/" -> "a/b"; "/" stays.
  while (!path.empty() && !path.has_filename() && path.parent_path() != path) {
    path = path.parent_path();
  }
  while (!path.empty()) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return Invalid(directory + ": cannot create directory: " + path.string() +
                       " is not a directory");
      }
      break;
    }
    if (errno != ENOENT) return IoError(path.string(), "cannot use this directory", errno);
    missing.push_back(path);
    fs::path parent = path.parent_path();
    if (parent == path) break;
    path = std::move(parent);
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    // Another writer may create it at the same time; either way its parent is synced here.
    if (::mkdir(it->c_str(), 0777) != 0 && errno != EEXIST) {
      return IoError(directory, "cannot create directory", errno);
    }
    const std::string parent = it->parent_path().string();
    SyncDirectory(parent.empty() ? "." : parent);
  }
  return aws::Status::Ok();
}

// fsyncs and closes `fd`, then renames `temp` to `path`. Removes `temp` on failure.
aws::Status Commit(int fd, const std::string& temp, const std::string& path) {
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return IoError(path, "cannot flush to disk", err);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return IoError(path, "cannot flush to disk", err);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return IoError(path, "cannot move the finished file into place", err);
  }
  SyncDirectory(Parent(path));
  return aws::Status::Ok();
}

class LocalWriter final : public ObjectWriter {
 public:
  LocalWriter(std::string path, std::string temp, int fd, int64_t part_size)
      : path_(std::move(path)), temp_(std::move(temp)), fd_(fd), part_size_(part_size) {}
  ~LocalWriter() override { Abort(); }

  aws::Status Append(std::string_view bytes) override {
    if (aws::Status s = CheckOpen(); !s.ok()) return s;
    Hash(bytes);
    if (buffer_.empty() && bytes.size() >= kWriteBlock) return Write(bytes);
    buffer_.append(bytes);
    if (buffer_.size() < kWriteBlock) return aws::Status::Ok();
    aws::Status s = Write(buffer_);
    buffer_.clear();
    return s;
  }

  aws::Result<std::string> Finish() override {
    if (aws::Status s = CheckOpen(); !s.ok()) return std::move(s).error();
    if (aws::Status s = Write(buffer_); !s.ok()) return std::move(s).error();
    std::string().swap(buffer_);
    const int fd = std::exchange(fd_, -1);
    state_ = State::kFinished;  // Commit removes the temporary file when it fails
    if (aws::Status s = Commit(fd, temp_, path_); !s.ok()) return std::move(s).error();
    part_md5s_.push_back(part_md5_.Finish());  // the last part; an empty object's only one
    return MultipartEtag(part_md5s_);
  }

  void Abort() override {
    if (state_ != State::kOpen) return;
    state_ = State::kAborted;
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    ::unlink(temp_.c_str());
  }

 private:
  enum class State { kOpen, kFinished, kAborted };

  aws::Status CheckOpen() const {
    if (state_ == State::kOpen) return aws::Status::Ok();
    return aws::Error::Make(aws::ErrorKind::kInternal,
                            path_ + ": the writer was already finished or aborted");
  }

  // Writes `bytes` to the temporary file; on failure aborts, so nothing is left behind.
  aws::Status Write(std::string_view bytes) {
    if (WriteAll(fd_, bytes)) return aws::Status::Ok();
    const int err = errno;
    Abort();
    return IoError(path_, "cannot write", err);
  }

  // Feeds the MD5 of the current part, starting a new part when part_size_ bytes are in.
  void Hash(std::string_view bytes) {
    while (!bytes.empty()) {
      if (part_bytes_ == part_size_) {
        part_md5s_.push_back(part_md5_.Finish());
        part_bytes_ = 0;
      }
      const size_t n =
          static_cast<size_t>(std::min<int64_t>(part_size_ - part_bytes_, bytes.size()));
      part_md5_.Update(bytes.substr(0, n));
      part_bytes_ += static_cast<int64_t>(n);
      bytes.remove_prefix(n);
    }
  }

  const std::string path_;
  const std::string temp_;
  int fd_;
  const int64_t part_size_;
  State state_ = State::kOpen;
  std::string buffer_;
  Md5 part_md5_;
  int64_t part_bytes_ = 0;
  std::vector<std::string> part_md5s_;  // binary digests of the completed parts
};

std::string MakeRoot(std::string_view root) {
  std::error_code ec;
  fs::path path = fs::absolute(fs::path(root), ec);
  if (ec) path = fs::path(root);
  std::string text = path.lexically_normal().string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

// Calls `visit` for every regular file in the tree under the directory `start` (a missing
// directory has none). Stops at the first error of the walk itself.
aws::Status ForEachFile(const std::string& start,
                        const std::function<void(const fs::directory_entry&)>& visit) {
  std::error_code ec;
  if (!fs::is_directory(start, ec)) return aws::Status::Ok();
  fs::recursive_directory_iterator it(start, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code entry_ec;
    if (it->is_regular_file(entry_ec)) visit(*it);
  }
  if (ec) return Invalid(start + ": cannot list: " + ec.message());
  return aws::Status::Ok();
}

// The deepest directory `prefix` names in full: the only one a walk for it needs to read.
std::string WalkStart(const LocalStore& store, std::string_view prefix) {
  const size_t slash = prefix.rfind('/');
  return slash == std::string_view::npos ? store.root() : store.Describe(prefix.substr(0, slash));
}

// Opens the regular file at `path` for reading and fills *st. The caller closes the descriptor.
aws::Result<int> OpenForReading(const std::string& path, struct stat* st) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return NoSuchKey(path, "no such file");
    return IoError(path, "cannot open", errno);
  }
  if (::fstat(fd, st) != 0) {
    const int err = errno;
    ::close(fd);
    return IoError(path, "cannot read", err);
  }
  if (S_ISDIR(st->st_mode)) {
    ::close(fd);
    return NoSuchKey(path, "a directory, not a file");
  }
  return fd;
}

}  // namespace

LocalStore::LocalStore(std::string_view root, int64_t part_size)
    : root_(MakeRoot(root)), part_size_(part_size) {
  if (part_size <= 0) throw std::invalid_argument("LocalStore part size must be positive");
}

std::string LocalStore::Describe(std::string_view key) const {
  return root_ == "/" ? "/" + std::string(key) : root_ + "/" + std::string(key);
}

aws::Result<std::string> LocalStore::Get(std::string_view key) const {
  if (aws::Status s = CheckKey(key); !s.ok()) return std::move(s).error();
  const std::string path = Describe(key);
  struct stat st {};
  aws::Result<int> fd = OpenForReading(path, &st);
  if (!fd.ok()) return std::move(fd).error();
  std::string bytes;
  bytes.resize(static_cast<size_t>(st.st_size) + 1);  // one spare byte to see the end at once
  size_t size = 0;
  while (true) {
    if (size == bytes.size()) bytes.resize(bytes.size() * 2);
    const ssize_t n = ::read(*fd, bytes.data() + size, bytes.size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(*fd);
      return IoError(path, "cannot read", err);
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  ::close(*fd);
  bytes.resize(size);
  return bytes;
}

aws::Result<ObjectRange> LocalStore::GetRange(std::string_view key, int64_t offset,
                                              size_t length) const {
  if (aws::Status s = CheckKey(key); !s.ok()) return std::move(s).error();
  const std::string path = Describe(key);
  struct stat st {};
  aws::Result<int> fd = OpenForReading(path, &st);
  if (!fd.ok()) return std::move(fd).error();
  ObjectRange range;
  range.object_size = static_cast<int64_t>(st.st_size);
  range.version = std::to_string(st.st_size) + ":" + std::to_string(st.st_ino) + ":" +
                  std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  if (offset < range.object_size) {
    range.bytes.resize(static_cast<size_t>(
        std::min<int64_t>(static_cast<int64_t>(length), range.object_size - offset)));
  }
  size_t size = 0;
  while (size < range.bytes.size()) {
    const ssize_t n = ::pread(*fd, range.bytes.data() + size, range.bytes.size() - size,
                              static_cast<off_t>(offset + static_cast<int64_t>(size)));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(*fd);
      return IoError(path, "cannot read", err);
    }
    if (n == 0) break;  // the file shrank since fstat: its version tells
    size += static_cast<size_t>(n);
  }
  ::close(*fd);
  range.bytes.resize(size);
  return range;
}

aws::Result<bool> LocalStore::Exists(std::string_view key) const {
  if (aws::Status s = CheckKey(key); !s.ok()) return std::move(s).error();
  const std::string path = Describe(key);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return S_ISREG(st.st_mode);
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return IoError(path, "cannot inspect", errno);
}

aws::Status LocalStore::Delete(std::string_view key) {
  if (aws::Status s = CheckKey(key); !s.ok()) return s;
  const std::string path = Describe(key);
  if (::unlink(path.c_str()) == 0 || errno == ENOENT || errno == ENOTDIR) {
    return aws::Status::Ok();
  }
  return IoError(path, "cannot delete", errno);
}

aws::Status LocalStore::Put(std::string_view key, std::string_view bytes) {
  if (aws::Status s = CheckKey(key); !s.ok()) return s;
  const std::string path = Describe(key);
  const std::string directory = Parent(path);
  if (aws::Status s = CreateDirectories(directory); !s.ok()) return s;
  std::string temp;
  const int fd = CreateTemp(directory, fs::path(path).filename().string(), &temp);
  if (fd < 0) return IoError(directory, "cannot create a file in this directory", errno);
  if (!WriteAll(fd, bytes)) {
    const int err = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return IoError(path, "cannot write", err);
  }
  return Commit(fd, temp, path);
}

aws::Result<std::unique_ptr<ObjectWriter>> LocalStore::OpenWriter(std::string_view key) {
  if (aws::Status s = CheckKey(key); !s.ok()) return std::move(s).error();
  std::string path = Describe(key);
  const std::string directory = Parent(path);
  if (aws::Status s = CreateDirectories(directory); !s.ok()) return std::move(s).error();
  std::string temp;
  const int fd = CreateTemp(directory, fs::path(path).filename().string(), &temp);
  if (fd < 0) return IoError(directory, "cannot create a file in this directory", errno);
  return std::unique_ptr<ObjectWriter>(
      new LocalWriter(std::move(path), std::move(temp), fd, part_size_));
}

aws::Result<std::vector<ObjectInfo>> LocalStore::List(std::string_view prefix) const {
  if (aws::Status s = CheckPrefix(prefix); !s.ok()) return std::move(s).error();
  std::vector<ObjectInfo> objects;
  const fs::path root(root_);
  aws::Status walked = ForEachFile(WalkStart(*this, prefix), [&](const fs::directory_entry& entry) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(kTempSuffix)) return;
    std::string key = entry.path().lexically_relative(root).generic_string();
    if (!key.starts_with(prefix)) return;
    std::error_code ec;
    const uintmax_t size = entry.file_size(ec);
    if (ec) return;  // removed while listing
    objects.push_back(ObjectInfo{std::move(key), static_cast<int64_t>(size)});
  });
  if (!walked.ok()) return std::move(walked).error();
  std::sort(objects.begin(), objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return objects;
}

aws::Result<size_t> LocalStore::AbortIncompleteUploads(std::string_view prefix) {
  if (aws::Status s = CheckPrefix(prefix); !s.ok()) return std::move(s).error();
  // Collected first, then removed: the walk does not see the directory change under it.
  std::vector<std::string> leftovers;
  const fs::path root(root_);
  aws::Status walked = ForEachFile(WalkStart(*this, prefix), [&](const fs::directory_entry& entry) {
    const std::string name = entry.path().filename().string();
    const std::optional<std::string_view> target = TempFileTarget(name);
    if (!target) return;
    const std::string directory =
        entry.path().parent_path().lexically_relative(root).generic_string();
    const std::string key =
        directory == "." ? std::string(*target) : directory + "/" + std::string(*target);
    if (key.starts_with(prefix)) leftovers.push_back(entry.path().string());
  });
  if (!walked.ok()) return std::move(walked).error();
  size_t removed = 0;
  for (const std::string& path : leftovers) {
    if (::unlink(path.c_str()) == 0) {
      ++removed;
    } else if (errno != ENOENT) {
      return IoError(path, "cannot delete this unfinished temporary file", errno);
    }
  }
  return removed;
}

aws::Status LocalStore::CheckRoot(bool create) {
  struct stat st {};
  if (::stat(root_.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Invalid(root_ + ": not a directory");
  } else if (errno != ENOENT) {
    return IoError(root_, "cannot use this directory", errno);
  } else if (!create) {
    return Invalid(root_ + ": no such directory");
  } else if (aws::Status s = CreateDirectories(root_); !s.ok()) {
    return s;
  }
  if (!create) {
    if (::access(root_.c_str(), R_OK | X_OK) != 0) {
      return IoError(root_, "cannot read this directory", errno);
    }
    return aws::Status::Ok();
  }
  // Permission bits do not tell the whole story (read-only mounts, ACLs, quotas): try.
  std::string probe;
  const int fd = CreateTemp(root_, "ddbm-probe", &probe);
  if (fd < 0) {
    return Invalid(root_ + ": directory is not writable (" + std::strerror(errno) +
                   "); fix its permissions or choose another directory");
  }
  ::close(fd);
  ::unlink(probe.c_str());
  return aws::Status::Ok();
}

}  // namespace ddbm::storage
