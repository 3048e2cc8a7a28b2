#include "aws/shell_spawn.h"

#include <signal.h>
#include <spawn.h>
#include <unistd.h>

extern char** environ;  // NOLINT(readability-identifier-naming): POSIX name

namespace ddbm::aws {

int SpawnShell(const std::string& command, const ShellSpawnOptions& options, pid_t* pid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 clears close-on-exec on the child's copies only.
  if (options.stdin_fd >= 0) posix_spawn_file_actions_adddup2(&actions, options.stdin_fd, 0);
  if (options.stdout_fd >= 0) posix_spawn_file_actions_adddup2(&actions, options.stdout_fd, 1);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  short flags = POSIX_SPAWN_SETSIGDEF;
  if (options.own_process_group) {
    posix_spawnattr_setpgroup(&attributes, 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  posix_spawnattr_setflags(&attributes, flags);
  char sh[] = "sh";
  char dash_c[] = "-c";
  std::string command_copy = command;
  char* argv[] = {sh, dash_c, command_copy.data(), nullptr};
  const int error = ::posix_spawn(pid, "/bin/sh", &actions, &attributes, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  return error;
}

}  // namespace ddbm::aws
