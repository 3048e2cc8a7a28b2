// credential_process: credentials printed as JSON by a command the user configured in a profile.
#pragma once

#include <atomic>
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
// Source "credential_process (profile NAME)". Blocks until the command exits, or until `stop`
// (not owned; may be null) reads true: then the command is sent SIGTERM (SIGKILL if it is still
// there 2 seconds later), reaped, and the result is kCancelled. Without a controlling terminal
// (where it cannot prompt) the command runs in a process group of its own, and the signals go
// to the whole group, so that what it started ends too. The flag is looked at every
// 100 ms and whenever a signal interrupts the wait. No timeout otherwise, as in the AWS CLI: the
// command may be waiting for the user (an MFA prompt). Thread-safe.
// Callers wrap it in a RefreshingProvider so the command runs once per credential lifetime.
class ProcessProvider final : public CredentialsProvider {
 public:
  ProcessProvider(std::string command, std::string profile, const std::atomic<bool>* stop = nullptr)
      : command_(std::move(command)), profile_(std::move(profile)), stop_(stop) {}
  Result<Credentials> GetCredentials() override;

 private:
  const std::string command_;
  const std::string profile_;
  const std::atomic<bool>* const stop_;
};

}  // namespace ddbm::aws
