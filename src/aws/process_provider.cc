#include "aws/process_provider.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "aws/credentials_json.h"

extern char** environ;  // NOLINT(readability-identifier-naming): POSIX name

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

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 clears close-on-exec on the child's stdout; both pipe ends close on exec.
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  char sh[] = "sh";
  char dash_c[] = "-c";
  std::string command_copy = command;
  char* argv[] = {sh, dash_c, command_copy.data(), nullptr};
  // SIGPIPE at its default action even when this process ignores it (a transform makes it
  // do so), so that closing the pipe below ends a runaway writer.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int spawn_error = ::posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
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
