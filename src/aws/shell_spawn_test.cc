#include "aws/shell_spawn.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace ddbm::aws {
namespace {

// Reads `fd` to its end.
std::string ReadAll(int fd) {
  std::string out;
  char buffer[256];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) out.append(buffer, static_cast<size_t>(n));
  return out;
}

int WaitFor(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

TEST(SpawnShellTest, RunsTheCommandLineWithTheGivenDescriptors) {
  int in[2];
  int out[2];
  ASSERT_EQ(::pipe2(in, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  pid_t pid = 0;
  ASSERT_EQ(SpawnShell("tr a-z A-Z; echo \"$0\"", {.stdin_fd = in[0], .stdout_fd = out[1]}, &pid),
            0);
  ::close(in[0]);
  ::close(out[1]);
  ASSERT_EQ(::write(in[1], "hello\n", 6), 6);
  ::close(in[1]);
  EXPECT_EQ(ReadAll(out[0]), "HELLO\nsh\n");
  ::close(out[0]);
  const int status = WaitFor(pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(SpawnShellTest, SharesOurProcessGroupUnlessAsked) {
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  pid_t pid = 0;
  ASSERT_EQ(SpawnShell("cut -d' ' -f5 /proc/$$/stat", {.stdout_fd = out[1]}, &pid), 0);
  ::close(out[1]);
  EXPECT_EQ(ReadAll(out[0]), std::to_string(::getpgrp()) + "\n");
  ::close(out[0]);
  WaitFor(pid);
}

TEST(SpawnShellTest, GivesTheChildItsOwnProcessGroupWhenAsked) {
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  pid_t pid = 0;
  // Field 5 of /proc/PID/stat is the process group.
  ASSERT_EQ(SpawnShell("cut -d' ' -f5 /proc/$$/stat",
                       {.stdout_fd = out[1], .own_process_group = true}, &pid),
            0);
  ::close(out[1]);
  const std::string printed = ReadAll(out[0]);
  ::close(out[0]);
  EXPECT_EQ(printed, std::to_string(pid) + "\n");
  WaitFor(pid);
}

TEST(SpawnShellTest, TheChildDiesOfSigpipeEvenWhenWeIgnoreIt) {
  struct sigaction old_action {};
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &old_action), 0);
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  pid_t pid = 0;
  // Ignored at exec, `yes` would see EPIPE and exit 1; at the default action it dies of SIGPIPE.
  ASSERT_EQ(SpawnShell("exec yes", {.stdout_fd = out[1]}, &pid), 0);
  ::close(out[1]);
  char buffer[16];
  ASSERT_GT(::read(out[0], buffer, sizeof(buffer)), 0);
  ::close(out[0]);
  const int status = WaitFor(pid);
  ::sigaction(SIGPIPE, &old_action, nullptr);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGPIPE);
}

}  // namespace
}  // namespace ddbm::aws
