// File names built from names the user chose (tables, checkpoints), kept within the file system's
// limit on one name.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ddbm::aws {

// NAME_MAX on Linux and macOS, in bytes.
inline constexpr size_t kMaxFileNameBytes = 255;

// `prefix` + `middle` + `suffix` when that is at most `max_bytes` long; otherwise `middle` is cut
// and followed by "-" and the 16 hex digits of Fnv1a64(middle), so that the name is the same for
// the same `middle` from run to run and differs for others cut alike. The caller guarantees that
// prefix and suffix leave room for the 17 bytes of the hash.
std::string FitFileName(std::string_view prefix, std::string_view middle, std::string_view suffix,
                        size_t max_bytes = kMaxFileNameBytes);

}  // namespace ddbm::aws
