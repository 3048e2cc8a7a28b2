#include "aws/process_provider.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "aws/credentials_json.h"
#include "aws/shell_spawn.h"

namespace ddbm::aws {
namespace {

constexpr size_t kMaxOutput = 1 << 20;

struct CommandResult {
  int wait_status = 0;
  bool truncated = false;
  std::string output;
};

// Runs `command` with /bin/sh -c, capturing stdout. Errors are kCredentials prefixed by `what`.
Result<CommandResult> RunShellCommand(const std::string& command, const std::string& what) {
  auto fail = [&](const std::string& why, int err) {
    return Error::Make(ErrorKind::kCredentials, what + ": " + why + ": " + std::strerror(err));
  };
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail("cannot create a pipe", errno);

  // SIGPIPE at its default action, so that closing the pipe below ends a runaway writer.
  pid_t pid = 0;
  const int spawn_error = SpawnShell(command, {.stdout_fd = fds[1]}, &pid);
  ::close(fds[1]);
  if (spawn_error != 0) {
    ::close(fds[0]);
    return fail("cannot start /bin/sh", spawn_error);
  }

  CommandResult result;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (result.output.size() + static_cast<size_t>(n) > kMaxOutput) {
      result.truncated = true;
      break;  // closing the pipe below ends a runaway writer with SIGPIPE
    }
    result.output.append(buffer, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  while (::waitpid(pid, &result.wait_status, 0) < 0) {
    if (errno != EINTR) return fail("cannot wait for the command", errno);
  }
  return result;
}

}  // namespace

Result<Credentials> ProcessProvider::GetCredentials() {
  const std::string what = "credential_process of profile " + profile_;
  const std::string hint =
      "; run the command by hand to see why (its output is not shown because it may hold "
      "secrets)";
  Result<CommandResult> run = RunShellCommand(command_, what);
  if (!run.ok()) return std::move(run).error();
  if (run->truncated) {
    return Error::Make(
        ErrorKind::kCredentials,
        what + " printed more than 1 MiB, which is not a credentials document" + hint);
  }
  const int status = run->wait_status;
  if (WIFSIGNALED(status)) {
    return Error::Make(ErrorKind::kCredentials,
                       what + " was killed by signal " + std::to_string(WTERMSIG(status)) + hint);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Error::Make(
        ErrorKind::kCredentials,
        what + " exited with status " + std::to_string(WEXITSTATUS(status)) +
            (WEXITSTATUS(status) == 127 ? " (the shell could not find the command)" : "") + hint);
  }
  return ParseCredentialsJson(run->output, CredentialsJsonFormat::kProcess,
                              "credential_process (profile " + profile_ + ")");
}

}  // namespace ddbm::aws
