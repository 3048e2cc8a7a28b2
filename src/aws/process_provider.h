// credential_process: credentials printed as JSON by a command the user configured in a profile.
#pragma once

#include <string>

#include "aws/credentials.h"

namespace ddbm::aws {

// Runs the command through `/bin/sh -c COMMAND` on every call (the Go and Java SDKs do the same;
// botocore splits the line shell-style and runs it without a shell, which agrees for any plain
// command line). The command's stdin and stderr are ours, so prompts and diagnostics reach the
// user; its stdout is captured (at most 1 MiB) and parsed as
// {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"?}.
// A failed start, a non-zero exit, a signal or a bad document is kCredentials; no message
// quotes the output or the command line, either of which may hold secrets.
// Source "credential_process (profile NAME)". Blocks until the command exits; thread-safe.
// Callers wrap it in a RefreshingProvider so the command runs once per credential lifetime.
class ProcessProvider final : public CredentialsProvider {
 public:
  ProcessProvider(std::string command, std::string profile)
      : command_(std::move(command)), profile_(std::move(profile)) {}
  Result<Credentials> GetCredentials() override;

 private:
  const std::string command_;
  const std::string profile_;
};

}  // namespace ddbm::aws
