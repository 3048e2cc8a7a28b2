#include "aws/file_name.h"

#include <fmt/format.h>

#include "aws/fnv1a.h"

namespace ddbm::aws {

std::string FitFileName(std::string_view prefix, std::string_view middle, std::string_view suffix,
                        size_t max_bytes) {
  std::string name;
  if (prefix.size() + middle.size() + suffix.size() <= max_bytes) {
    name.reserve(prefix.size() + middle.size() + suffix.size());
    name.append(prefix).append(middle).append(suffix);
    return name;
  }
  const std::string digest = fmt::format("-{:016x}", Fnv1a64(middle));
  const size_t keep = max_bytes - prefix.size() - digest.size() - suffix.size();
  name.append(prefix).append(middle.substr(0, keep)).append(digest).append(suffix);
  return name;
}

}  // namespace ddbm::aws
