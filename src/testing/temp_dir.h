// TempDir: a fresh directory under $TMPDIR (or /tmp), removed with everything in it on
// destruction. Not thread-safe; one per test.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace ddbm::testing {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/ddbm_test_XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

  // Writes `content` to `name` (relative to the directory, parents created) and returns the full
  // path. `mode` sets the permission bits, e.g. 0755 for a script.
  std::string WriteFile(const std::string& name, const std::string& content, int mode = 0644) {
    const std::filesystem::path full = std::filesystem::path(path_) / name;
    std::filesystem::create_directories(full.parent_path());
    {
      std::ofstream out(full, std::ios::binary | std::ios::trunc);
      out << content;
      if (!out) throw std::runtime_error("cannot write " + full.string());
    }
    ::chmod(full.c_str(), static_cast<mode_t>(mode));
    return full.string();
  }

 private:
  std::string path_;
};

}  // namespace ddbm::testing
