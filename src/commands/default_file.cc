#include "commands/default_file.h"

#include "aws/file_name.h"

namespace ddbm::commands {

std::string DefaultFileName(std::string_view tables, std::string_view suffix, size_t reserve) {
  return aws::FitFileName("ddbmigrate-", tables, suffix, aws::kMaxFileNameBytes - reserve);
}

}  // namespace ddbm::commands
