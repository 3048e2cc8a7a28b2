#include "pipeline/checkpoint_lock.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "testing/temp_dir.h"

namespace ddbm::pipeline {
namespace {

TEST(CheckpointLockTest, ASecondLockIsRefusedWithTheHoldersPid) {
  testing::TempDir dir;
  const std::string checkpoint = dir.path() + "/run.json";
  aws::Result<CheckpointLock> first = CheckpointLock::Acquire(checkpoint);
  ASSERT_TRUE(first.ok()) << first.error().ToString();

  aws::Result<CheckpointLock> second = CheckpointLock::Acquire(checkpoint);
  ASSERT_FALSE(second.ok());
  const aws::Error& e = second.error();
  EXPECT_EQ(e.kind, aws::ErrorKind::kInvalidInput);
  EXPECT_EQ(e.message,
            "checkpoint " + checkpoint + " is in use by another ddbmigrate run (process " +
                std::to_string(::getpid()) + "); wait for it to end or stop it, then run again");
  EXPECT_EQ(e.message.find('\n'), std::string::npos);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(CheckpointLockTest, TheLockFileIsBesideTheCheckpointPrivateAndRemovedOnRelease) {
  testing::TempDir dir;
  const std::string checkpoint = dir.path() + "/run.json";
  EXPECT_EQ(CheckpointLock::LockPathOf(checkpoint), checkpoint + ".lock");
  dir.WriteFile("run.json.lock", "99999999999 left by a killed run\n");
  {
    aws::Result<CheckpointLock> lock = CheckpointLock::Acquire(checkpoint);
    ASSERT_TRUE(lock.ok()) << lock.error().ToString();
    EXPECT_EQ(ReadAll(checkpoint + ".lock"), std::to_string(::getpid()) + "\n");
    const std::string made = dir.path() + "/other.json";
    aws::Result<CheckpointLock> other = CheckpointLock::Acquire(made);
    ASSERT_TRUE(other.ok()) << other.error().ToString();
    struct stat st {};
    ASSERT_EQ(::stat((made + ".lock").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
  EXPECT_FALSE(std::filesystem::exists(checkpoint + ".lock"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/other.json.lock"));
  EXPECT_FALSE(std::filesystem::exists(checkpoint));  // the lock writes no checkpoint
}

TEST(CheckpointLockTest, IsReleasedOnDestructionAndFollowsAMove) {
  testing::TempDir dir;
  const std::string checkpoint = dir.path() + "/run.json";
  {
    aws::Result<CheckpointLock> lock = CheckpointLock::Acquire(checkpoint);
    ASSERT_TRUE(lock.ok()) << lock.error().ToString();
    CheckpointLock moved = std::move(*lock);
    EXPECT_FALSE(CheckpointLock::Acquire(checkpoint).ok());
  }
  aws::Result<CheckpointLock> again = CheckpointLock::Acquire(checkpoint);
  EXPECT_TRUE(again.ok()) << again.error().ToString();
}

TEST(CheckpointLockTest, ALockHeldByAKilledChildProcessIsReleased) {
  testing::TempDir dir;
  const std::string checkpoint = dir.path() + "/run.json";
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    aws::Result<CheckpointLock> lock = CheckpointLock::Acquire(checkpoint);
    const char c = lock.ok() ? 'y' : 'n';
    if (::write(ready[1], &c, 1) != 1) ::_exit(2);
    for (;;) ::pause();  // until killed, as kill -9 ends a run
  }
  ::close(ready[1]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(c, 'y');

  aws::Result<CheckpointLock> refused = CheckpointLock::Acquire(checkpoint);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("(process " + std::to_string(child) + ")"),
            std::string::npos)
      << refused.error().message;

  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(std::filesystem::exists(checkpoint + ".lock"));  // left behind, but not locked
  aws::Result<CheckpointLock> taken = CheckpointLock::Acquire(checkpoint);
  EXPECT_TRUE(taken.ok()) << taken.error().ToString();
  EXPECT_EQ(ReadAll(checkpoint + ".lock"), std::to_string(::getpid()) + "\n");
}

TEST(CheckpointLockTest, ALongNameGetsALockNameThatFits) {
  testing::TempDir dir;
  const std::string a = dir.path() + "/" + std::string(251, 'a');
  const std::string b = dir.path() + "/" + std::string(250, 'a') + "b";
  const std::string lock_a = CheckpointLock::LockPathOf(a);
  const std::string lock_b = CheckpointLock::LockPathOf(b);
  EXPECT_NE(lock_a, lock_b);
  EXPECT_EQ(lock_a, CheckpointLock::LockPathOf(a));
  EXPECT_EQ(std::filesystem::path(lock_a).filename().string().size(), 255u);
  EXPECT_EQ(std::filesystem::path(lock_a).parent_path().string(), dir.path());
  EXPECT_EQ(lock_a.substr(lock_a.size() - 5), ".lock");
  aws::Result<CheckpointLock> lock = CheckpointLock::Acquire(a);
  EXPECT_TRUE(lock.ok()) << lock.error().ToString();
  EXPECT_FALSE(CheckpointLock::Acquire(a).ok());
  EXPECT_TRUE(CheckpointLock::Acquire(b).ok());
}

TEST(CheckpointLockTest, ASymbolicLinkInPlaceOfTheLockFileIsRefused) {
  testing::TempDir dir;
  const std::string checkpoint = dir.path() + "/run.json";
  const std::string victim = dir.WriteFile("victim", "keep me");
  std::filesystem::create_symlink(victim, checkpoint + ".lock");
  aws::Result<CheckpointLock> lock = CheckpointLock::Acquire(checkpoint);
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_NE(lock.error().message.find("symbolic link"), std::string::npos) << lock.error().message;
  EXPECT_EQ(ReadAll(victim), "keep me");
}

TEST(CheckpointLockTest, AMissingDirectoryIsAnError) {
  testing::TempDir dir;
  aws::Result<CheckpointLock> lock = CheckpointLock::Acquire(dir.path() + "/no/such/run.json");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_EQ(lock.error().message.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace ddbm::pipeline
