// Plain-text rendering for people: tables for `--output table`, counts in messages.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ddbm::commands {

// Renders rows under a header with columns padded to their widest cell (UTF-8 aware enough for
// table names: counts code points, not bytes).
std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

// "1 item", "0 items", "2,500 items": `count`, its thousands grouped, and the noun, plural
// unless the count is 1 (the plural is the singular plus "s").
std::string Counted(uint64_t count, std::string_view singular);

}  // namespace ddbm::commands
