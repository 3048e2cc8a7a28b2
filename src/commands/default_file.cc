#include "commands/default_file.h"

#include <fmt/format.h>

#include <cstdint>

namespace ddbm::commands {
namespace {

constexpr size_t kMaxFileName = 255;  // NAME_MAX on Linux and macOS, in bytes
constexpr std::string_view kPrefix = "ddbmigrate-";

uint64_t Fnv1a64(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace

std::string DefaultFileName(std::string_view tables, std::string_view suffix, size_t reserve) {
  const size_t limit = kMaxFileName - reserve;
  if (kPrefix.size() + tables.size() + suffix.size() <= limit) {
    return std::string(kPrefix) + std::string(tables) + std::string(suffix);
  }
  const std::string digest = fmt::format("-{:016x}", Fnv1a64(tables));
  const size_t keep = limit - kPrefix.size() - digest.size() - suffix.size();
  return std::string(kPrefix) + std::string(tables.substr(0, keep)) + digest + std::string(suffix);
}

}  // namespace ddbm::commands
