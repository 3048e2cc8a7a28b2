#include "aws/process_provider.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "aws/credentials_json.h"
#include "aws/shell_spawn.h"

namespace ddbm::aws {
namespace {

constexpr size_t kMaxOutput = 1 << 20;

struct CommandResult {
  int wait_status = 0;
  bool truncated = false;
  bool stopped = false;  // `stop` ended the wait and the command was killed
  std::string output;
};

bool Stopped(const std::atomic<bool>* stop) {
  return stop != nullptr && stop->load(std::memory_order_relaxed);
}

// Whether this process has a controlling terminal, where the command may prompt the user.
bool HasControllingTerminal() {
  const int fd = ::open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// Ends the child `pid`, and its process group when `group` (it leads one): SIGTERM, then
// SIGKILL if it has not exited within 2 seconds; reaps the child.
void KillAndReap(pid_t pid, bool group, int* wait_status) {
  const pid_t target = group ? -pid : pid;
  ::kill(target, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (;;) {
    const pid_t reaped = ::waitpid(pid, wait_status, WNOHANG);
    if (reaped == pid || (reaped < 0 && errno != EINTR)) return;
    if (std::chrono::steady_clock::now() >= deadline) break;
    ::poll(nullptr, 0, 20);
  }
  ::kill(target, SIGKILL);
  while (::waitpid(pid, wait_status, 0) < 0 && errno == EINTR) {
  }
}

// Runs `command` with /bin/sh -c, capturing stdout, until it exits or `stop` reads true. Errors
// are kCredentials prefixed by `what`.
Result<CommandResult> RunShellCommand(const std::string& command, const std::string& what,
                                      const std::atomic<bool>* stop) {
  auto fail = [&](const std::string& why, int err) {
    return Error::Make(ErrorKind::kCredentials, what + ": " + why + ": " + std::strerror(err));
  };
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail("cannot create a pipe", errno);

  // SIGPIPE at its default action, so that closing the pipe below ends a runaway writer.
  // A process group of its own, so that a stop ends whatever the command started too, unless
  // it may prompt at our terminal: there a process group other than the foreground one would
  // be stopped reading (SIGTTIN), and Ctrl-C reaches the command anyway; a stop then ends the
  // command's shell only.
  const bool own_group = stop != nullptr && !HasControllingTerminal();
  pid_t pid = 0;
  const int spawn_error =
      SpawnShell(command, {.stdout_fd = fds[1], .own_process_group = own_group}, &pid);
  ::close(fds[1]);
  if (spawn_error != 0) {
    ::close(fds[0]);
    return fail("cannot start /bin/sh", spawn_error);
  }

  CommandResult result;
  char buffer[4096];
  for (;;) {
    if (Stopped(stop)) {
      ::close(fds[0]);
      KillAndReap(pid, own_group, &result.wait_status);
      result.stopped = true;
      return result;
    }
    pollfd readable = {.fd = fds[0], .events = POLLIN, .revents = 0};
    const int ready = ::poll(&readable, 1, 100);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;  // a timeout or a signal: look at `stop` again
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
  // The command may go on after closing its stdout; it usually exits at once.
  for (int pause_ms = 1;; pause_ms = std::min(pause_ms * 2, 100)) {
    if (Stopped(stop)) {
      KillAndReap(pid, own_group, &result.wait_status);
      result.stopped = true;
      return result;
    }
    const pid_t reaped = ::waitpid(pid, &result.wait_status, WNOHANG);
    if (reaped == pid) return result;
    if (reaped < 0 && errno != EINTR) return fail("cannot wait for the command", errno);
    if (reaped == 0) ::poll(nullptr, 0, pause_ms);
  }
}

}  // namespace

Result<Credentials> ProcessProvider::GetCredentials() {
  const std::string what = "credential_process of profile " + profile_;
  const std::string hint =
      "; run the command by hand to see why (its output is not shown because it may hold "
      "secrets)";
  Result<CommandResult> run = RunShellCommand(command_, what, stop_);
  if (!run.ok()) return std::move(run).error();
  if (run->stopped) {
    return Error::Make(ErrorKind::kCancelled,
                       what + " was still running when the run was stopped; it was ended");
  }
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
