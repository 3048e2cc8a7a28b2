#include "aws/process_provider.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <thread>

#include "aws/iso8601.h"
#include "testing/temp_dir.h"
#include "testing/text_assertions.h"

namespace ddbm::aws {
namespace {

using testing::HasText;
using testing::LacksText;

class ProcessProviderTest : public ::testing::Test {
 protected:
  // A script printing `stdout_text` and exiting with `status`; returns a command line for it.
  std::string Script(const std::string& stdout_text, int status = 0) {
    const std::string out = dir_.WriteFile("out.txt", stdout_text);
    return "'" +
           dir_.WriteFile("dir with space/creds.sh",
                          "#!/bin/sh\ncat \"" + out + "\"\nexit " + std::to_string(status) + "\n",
                          0755) +
           "'";
  }
  testing::TempDir dir_;
};

TEST_F(ProcessProviderTest, ParsesOutput) {
  ProcessProvider provider(
      Script(R"({"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "SECRET",
                 "SessionToken": "TOKEN", "Expiration": "2030-01-01T00:00:00Z"})"),
      "dev");
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKID");
  EXPECT_EQ(c->secret_access_key, "SECRET");
  EXPECT_EQ(c->session_token, "TOKEN");
  EXPECT_EQ(c->expiration, ParseIso8601("2030-01-01T00:00:00Z"));
  EXPECT_EQ(c->source, "credential_process (profile dev)");
}

TEST_F(ProcessProviderTest, CommandLineArgumentsReachTheCommand) {
  const std::string script = dir_.WriteFile(
      "echo.sh",
      "#!/bin/sh\nprintf '{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"%s\"}' "
      "\"$1\" \"$2\"\n",
      0755);
  ProcessProvider provider(script + " 'AK ID' SECRET", "dev");
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AK ID");
  EXPECT_EQ(c->secret_access_key, "SECRET");
}

TEST_F(ProcessProviderTest, NonZeroExitDoesNotEchoOutput) {
  ProcessProvider provider(
      Script(R"({"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"SECRETSECRET"})", 3), "dev");
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kCredentials);
  EXPECT_TRUE(HasText(c.error().message, "credential_process of profile dev exited with status 3"));
  EXPECT_TRUE(LacksText(c.error().message, "SECRETSECRET"));
}

TEST_F(ProcessProviderTest, BadJsonDoesNotEchoOutput) {
  ProcessProvider provider(Script("AccessKeyId=AKID SecretAccessKey=SECRETSECRET"), "dev");
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kCredentials);
  EXPECT_TRUE(HasText(c.error().message, "not valid JSON"));
  EXPECT_TRUE(LacksText(c.error().message, "SECRETSECRET"));
}

TEST_F(ProcessProviderTest, MissingCommandAndSecretInCommandLine) {
  ProcessProvider provider(dir_.path() + "/does-not-exist --password SECRETSECRET", "dev");
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(HasText(c.error().message, "status 127"));
  EXPECT_TRUE(LacksText(c.error().message, "SECRETSECRET"));
}

TEST_F(ProcessProviderTest, KilledBySignal) {
  ProcessProvider provider("kill -TERM $$", "dev");
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(HasText(c.error().message, "killed by signal"));
}

TEST_F(ProcessProviderTest, StopBeforeTheCommandEndsKillsItAndCancels) {
  std::atomic<bool> stop{true};
  ProcessProvider provider("exec sleep 100", "dev", &stop);
  Result<Credentials> c = provider.GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kCancelled);
  EXPECT_TRUE(HasText(c.error().message, "credential_process of profile dev"));
}

TEST_F(ProcessProviderTest, StopWhileTheCommandHangsKillsIt) {
  const std::string fifo = dir_.path() + "/started";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::atomic<bool> stop{false};
  long child = 0;
  // The command tells its pid through the fifo, then hangs; the stop comes once it did.
  std::thread stopper([&] {
    std::ifstream in(fifo);
    in >> child;
    stop.store(true);
  });
  ProcessProvider provider("echo $$ > '" + fifo + "'; exec sleep 100", "dev", &stop);
  Result<Credentials> c = provider.GetCredentials();
  stopper.join();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kCancelled);
  ASSERT_GT(child, 0);
  // Ended and reaped: the pid no longer exists.
  EXPECT_EQ(::kill(static_cast<pid_t>(child), 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

}  // namespace
}  // namespace ddbm::aws
