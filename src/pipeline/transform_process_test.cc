#include "pipeline/transform_process.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "testing/fake_clock.h"

namespace ddbm::pipeline {
namespace {

const std::vector<dynamodb::KeySchemaElement> kKeys = {{"pk", "HASH", "S"}};

std::string Item(int i, size_t padding = 0) {
  return R"({"pk":{"S":"k)" + std::to_string(i) + R"("},"v":{"S":")" + std::string(padding, 'v') +
         R"("}})";
}

ProcessTransformOptions Options(const std::string& command) {
  ProcessTransformOptions options;
  options.command = command;
  options.key_schema = kKeys;
  return options;
}

const std::function<bool()> kNever = [] { return false; };

// Counts the pages whose answers were confirmed.
struct Confirmations {
  std::atomic<int> count{0};
  std::function<void()> Next() {
    return [this] { ++count; };
  }
};

TEST(TransformProcessTest, AnswersPageAfterPageFromOneProcess) {
  // `cat` answers every item with itself; the pages are larger than a pipe holds, so writing
  // and reading must go on together.
  ProcessTransform transform(Options("cat"));
  Confirmations confirmations;
  for (int round = 0; round < 3; ++round) {
    std::vector<std::string> items;
    for (int i = 0; i < 300; ++i) items.push_back(Item(i, 1000));
    std::vector<std::string_view> views(items.begin(), items.end());
    aws::Result<TransformedPage> page = transform.Apply(views, kNever, confirmations.Next());
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    ASSERT_EQ(page->items.size(), 300u);
    EXPECT_EQ(page->items[299], items[299]);
    // A page is confirmed when its process is next used, quiet since.
    EXPECT_EQ(confirmations.count.load(), round);
  }
  ASSERT_TRUE(transform.Finish().ok());
  EXPECT_EQ(confirmations.count.load(), 3);
  EXPECT_FALSE(transform.warning().has_value());
}

TEST(TransformProcessTest, ReaderThreadsAtOnceEachGetTheirOwnAnswers) {
  ProcessTransform transform(Options("cat"));
  Confirmations confirmations;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        std::vector<std::string> items;
        for (int i = 0; i < 50; ++i) items.push_back(Item(t * 1000 + i));
        std::vector<std::string_view> views(items.begin(), items.end());
        aws::Result<TransformedPage> page = transform.Apply(views, kNever, confirmations.Next());
        if (!page.ok() || page->items.size() != 50 || page->items[7] != items[7]) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_TRUE(transform.Finish().ok());
  EXPECT_EQ(confirmations.count.load(), 20);
}

TEST(TransformProcessTest, AProcessThatEndsOrStallsIsAnError) {
  std::vector<std::string> items = {Item(1), Item(2)};
  std::vector<std::string_view> views(items.begin(), items.end());
  {
    ProcessTransform transform(Options("head -n 1"));
    aws::Result<TransformedPage> page = transform.Apply(views, kNever, [] {});
    ASSERT_FALSE(page.ok());
    EXPECT_NE(page.error().message.find("transform 'head -n 1': it closed its output after "
                                        "answering 1 of 2 lines; it exited with status 0"),
              std::string::npos)
        << page.error().message;
  }
  {
    // Reads everything, answers nothing: the stall ends the wait.
    ProcessTransformOptions options = Options("cat >/dev/null");
    testing::FakeClock clock;
    options.clock = &clock;
    options.stall = std::chrono::seconds(30);
    std::atomic<bool> done{false};
    std::thread ticker([&] {
      while (!done.load()) {
        clock.SleepFor(std::chrono::seconds(1));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
    ProcessTransform transform(std::move(options));
    aws::Result<TransformedPage> page = transform.Apply(views, kNever, [] {});
    done = true;
    ticker.join();
    ASSERT_FALSE(page.ok());
    EXPECT_NE(page.error().message.find("it answered 0 of 2 lines and then nothing for 30 s: "
                                        "it must write (and flush) one line per line read"),
              std::string::npos)
        << page.error().message;
  }
  {
    // Every answer was given: a warning only.
    ProcessTransform transform(Options("cat; exit 4"));
    Confirmations confirmations;
    ASSERT_TRUE(transform.Apply(views, kNever, confirmations.Next()).ok());
    ASSERT_TRUE(transform.Finish().ok());
    EXPECT_EQ(confirmations.count.load(), 1);
    ASSERT_TRUE(transform.warning().has_value());
    EXPECT_EQ(*transform.warning(), "transform 'cat; exit 4': it exited with status 4");
  }
}

TEST(TransformProcessTest, AStopEndsTheWait) {
  ProcessTransform transform(Options("sleep 30"));
  std::vector<std::string> items = {Item(1)};
  std::vector<std::string_view> views(items.begin(), items.end());
  aws::Result<TransformedPage> page = transform.Apply(
      views, [] { return true; }, [] {});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().kind, aws::ErrorKind::kCancelled);
}

TEST(TransformProcessTest, MoreLinesThanItemsAreAnErrorAndConfirmNothing) {
  // Each line twice: more lines than items. Told in the page whose answers hold the extra
  // lines, or before the next page is sent (its answers then stay unconfirmed), or at the end
  // at the latest, as an error that says the answers are out of step.
  for (const bool small : {true, false}) {
    ProcessTransform transform(Options("sed -u p"));
    Confirmations confirmations;
    std::vector<std::string> items;
    for (int i = 0; i < 200; ++i) items.push_back(Item(i, small ? 10 : 3000));
    std::vector<std::string_view> views(items.begin(), items.end());
    std::optional<aws::Error> error;
    for (int page = 0; page < 3 && !error; ++page) {
      aws::Result<TransformedPage> answered = transform.Apply(views, kNever, confirmations.Next());
      if (!answered.ok()) error = answered.error();
    }
    aws::Status finished = transform.Finish();
    if (!error) {
      ASSERT_FALSE(finished.ok());
      error = finished.error();
    }
    EXPECT_EQ(error->message.rfind("transform 'sed -u p': ", 0), 0u) << error->message;
    EXPECT_EQ(error->message.find('\n'), std::string::npos) << error->message;
    // sed -u may cut a long line it writes twice: its answers are then no JSON, also an error.
    if (small) {
      EXPECT_EQ(error->code, kTransformOutOfStep) << error->message;
    }
  }
}

TEST(TransformProcessTest, OutputBeyondTheAnswersIsQuotedOnOneLine) {
  // Told at the end: what came after the last answers, escaped and cut.
  const std::string command =
      "cat; printf 'done\\n\\033[0m\\n'; head -c 300 /dev/zero | tr '\\0' y";
  ProcessTransform transform(Options(command));
  std::vector<std::string> items = {Item(1)};
  std::vector<std::string_view> views(items.begin(), items.end());
  ASSERT_TRUE(transform.Apply(views, kNever, [] {}).ok());
  aws::Status finished = transform.Finish();
  ASSERT_FALSE(finished.ok());
  const std::string& message = finished.error().message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_NE(message.find("(\"done\\n\\u001b[0m\\nyyy"), std::string::npos) << message;
  EXPECT_NE(message.find("yyy...\" came after its last answers)"), std::string::npos) << message;
  EXPECT_LT(message.size(), 400u) << message;
}

TEST(TransformProcessTest, ProcessesThatDoNotExitShareOneGrace) {
  // Three processes that outlive their input: every stdin is closed first, then one grace for
  // all (by the fake clock, which the waits advance), not one grace after another.
  testing::FakeClock clock;
  std::vector<std::unique_ptr<TransformProcess>> owned;
  std::vector<TransformProcess*> processes;
  for (int i = 0; i < 3; ++i) {
    aws::Result<std::unique_ptr<TransformProcess>> started =
        TransformProcess::Start("cat >/dev/null; sleep 300");
    ASSERT_TRUE(started.ok()) << started.error().ToString();
    processes.push_back(started->get());
    owned.push_back(std::move(*started));
  }
  const aws::Clock::SteadyTime begun = clock.SteadyNow();
  std::vector<aws::Status> ended =
      TransformProcess::FinishAll(processes, &clock, std::chrono::seconds(10));
  const auto waited = clock.SteadyNow() - begun;
  EXPECT_GE(waited, std::chrono::seconds(10));
  EXPECT_LT(waited, std::chrono::seconds(11));
  ASSERT_EQ(ended.size(), 3u);
  for (const aws::Status& s : ended) {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message,
              "it did not exit within 10 s of the end of its input and was killed");
  }
  // Finished once only: again, nothing is waited for.
  ended = TransformProcess::FinishAll(processes, &clock, std::chrono::seconds(10));
  EXPECT_TRUE(ended[0].ok());
  EXPECT_EQ(clock.SteadyNow() - begun, waited);
}

TEST(TransformProcessTest, FinishWaitsOnceForAllProcesses) {
  // Pages at once from four threads start several processes; none exits at the end of its
  // input, and all are ended within one grace.
  ProcessTransformOptions options = Options("cat; sleep 300");
  testing::FakeClock clock;
  options.clock = &clock;
  options.finish_grace = std::chrono::seconds(10);
  ProcessTransform transform(std::move(options));
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::string> items = {Item(t)};
      std::vector<std::string_view> views(items.begin(), items.end());
      if (!transform.Apply(views, kNever, [] {}).ok()) ++failed;
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(failed.load(), 0);
  const aws::Clock::SteadyTime begun = clock.SteadyNow();
  ASSERT_TRUE(transform.Finish().ok());
  EXPECT_LT(clock.SteadyNow() - begun, std::chrono::seconds(11));
  ASSERT_TRUE(transform.warning().has_value());
  EXPECT_NE(transform.warning()->find("did not exit within 10 s"), std::string::npos)
      << *transform.warning();
}

TEST(TransformProcessTest, WhatTheShellStartedEndsWithIt) {
  // `sleep` is not the shell: ending the process must end it too, within the grace. Its
  // argument names this test process, so another test run at the same time is not taken for it.
  const std::string sleep = "sleep 301." + std::to_string(::getpid());
  ProcessTransformOptions options = Options("cat; " + sleep);
  options.finish_grace = std::chrono::milliseconds(300);
  ProcessTransform transform(std::move(options));
  std::vector<std::string> items = {Item(1)};
  std::vector<std::string_view> views(items.begin(), items.end());
  ASSERT_TRUE(transform.Apply(views, kNever, [] {}).ok());
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(transform.Finish().ok());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(60));
  ASSERT_TRUE(transform.warning().has_value());
  EXPECT_NE(transform.warning()->find("was killed"), std::string::npos) << *transform.warning();
  // Killed; gone once the kernel has torn it down.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = ::system(("pgrep -f '[s]" + sleep.substr(1) + "$' >/dev/null").c_str()) != 0;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(gone) << "the shell's child outlived it";
}

}  // namespace
}  // namespace ddbm::pipeline
