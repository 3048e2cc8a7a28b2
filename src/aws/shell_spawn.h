// Starting a user's command line through /bin/sh, as credential_process and --transform do.
#pragma once

#include <sys/types.h>

#include <string>

namespace ddbm::aws {

struct ShellSpawnOptions {
  int stdin_fd = -1;   // the child's stdin, or -1 to share ours
  int stdout_fd = -1;  // the child's stdout, or -1 to share ours
  // A process group of the child's own, so that Ctrl-C at the terminal reaches us and not it,
  // and killing the group ends whatever its shell started.
  bool own_process_group = false;
};

// Starts `/bin/sh -c command` with our environment and stderr, and SIGPIPE at its default action
// even when this process ignores it, so that closing a pipe the child writes to ends it. The
// descriptors given are dup2'ed onto the child's; the caller keeps them and should have opened
// them close-on-exec, so that the child holds no other copy. On success sets `*pid` and returns
// 0; otherwise returns the error number. Thread-safe.
int SpawnShell(const std::string& command, const ShellSpawnOptions& options, pid_t* pid);

}  // namespace ddbm::aws
