// The per-side flags of two-table commands (copy, verify, replicate): --source-region,
// --target-profile, ... Each falls back to the global flag of the same name.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "commands/connection.h"

namespace ddbm::commands {

// Adds --<side>-region, -profile, -endpoint-url, -role-arn, -external-id, -role-session-name.
void AddSideFlags(CLI::App& app, const std::string& side, SideOptions* options);

}  // namespace ddbm::commands
