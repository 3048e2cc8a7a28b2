// The names of the files a command writes beside the working directory when no flag names them
// (dead-letter files, checkpoints), built from table names.
#pragma once

#include <string>
#include <string_view>

namespace ddbm::commands {

// "ddbmigrate-" + `tables` + `suffix` (e.g. "orders" and "-dead-letter.jsonl"), at most 255
// bytes less `reserve` (for names the caller derives by appending, such as ".copy"). Table names
// may be 255 bytes, more than fits with the rest: then `tables` is cut and followed by 16 hex
// digits of its FNV-1a hash, so that the name stays the same for the same tables from run to run
// (a resume finds the file) and differs for others.
std::string DefaultFileName(std::string_view tables, std::string_view suffix, size_t reserve = 0);

}  // namespace ddbm::commands
