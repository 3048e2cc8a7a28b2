// Plain-text table rendering for `--output table`.
#pragma once

#include <string>
#include <vector>

namespace ddbm::commands {

// Renders rows under a header with columns padded to their widest cell (UTF-8 aware enough for
// table names: counts code points, not bytes).
std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

}  // namespace ddbm::commands
