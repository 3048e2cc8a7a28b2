#include "pipeline/transform_process.h"

#include <gtest/gtest.h>

#include <atomic>
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

TEST(TransformProcessTest, AnswersPageAfterPageFromOneProcess) {
  // `cat` answers every item with itself; the pages are larger than a pipe holds, so writing
  // and reading must go on together.
  ProcessTransform transform(Options("cat"));
  for (int round = 0; round < 3; ++round) {
    std::vector<std::string> items;
    for (int i = 0; i < 300; ++i) items.push_back(Item(i, 1000));
    std::vector<std::string_view> views(items.begin(), items.end());
    aws::Result<TransformedPage> page = transform.Apply(views, kNever);
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    ASSERT_EQ(page->items.size(), 300u);
    EXPECT_EQ(page->items[299], items[299]);
  }
  aws::Result<std::optional<std::string>> finished = transform.Finish();
  ASSERT_TRUE(finished.ok());
  EXPECT_FALSE(finished->has_value());
}

TEST(TransformProcessTest, ReaderThreadsAtOnceEachGetTheirOwnAnswers) {
  ProcessTransform transform(Options("cat"));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        std::vector<std::string> items;
        for (int i = 0; i < 50; ++i) items.push_back(Item(t * 1000 + i));
        std::vector<std::string_view> views(items.begin(), items.end());
        aws::Result<TransformedPage> page = transform.Apply(views, kNever);
        if (!page.ok() || page->items.size() != 50 || page->items[7] != items[7]) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_TRUE(transform.Finish().ok());
}

TEST(TransformProcessTest, AProcessThatEndsOrStallsIsAnError) {
  std::vector<std::string> items = {Item(1), Item(2)};
  std::vector<std::string_view> views(items.begin(), items.end());
  {
    ProcessTransform transform(Options("head -n 1"));
    aws::Result<TransformedPage> page = transform.Apply(views, kNever);
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
    aws::Result<TransformedPage> page = transform.Apply(views, kNever);
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
    ASSERT_TRUE(transform.Apply(views, kNever).ok());
    aws::Result<std::optional<std::string>> finished = transform.Finish();
    ASSERT_TRUE(finished.ok());
    ASSERT_TRUE(finished->has_value());
    EXPECT_EQ(**finished, "transform 'cat; exit 4': it exited with status 4");
  }
}

TEST(TransformProcessTest, AStopEndsTheWait) {
  ProcessTransform transform(Options("sleep 30"));
  std::vector<std::string> items = {Item(1)};
  std::vector<std::string_view> views(items.begin(), items.end());
  aws::Result<TransformedPage> page = transform.Apply(views, [] { return true; });
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().kind, aws::ErrorKind::kCancelled);
}

TEST(TransformProcessTest, MoreLinesThanItemsAreAnError) {
  // Each line twice: more lines than items. Told in the page whose answers hold the extra
  // lines, or in the next page (its answers came before it was sent), or at the end at the
  // latest: never taken quietly.
  ProcessTransform transform(Options("sed -u p"));
  std::vector<std::string> items;
  for (int i = 0; i < 200; ++i) items.push_back(Item(i, i % 7 == 0 ? 30000 : 100));
  std::vector<std::string_view> views(items.begin(), items.end());
  std::string message;
  for (int page = 0; page < 2 && message.empty(); ++page) {
    aws::Result<TransformedPage> answered = transform.Apply(views, kNever);
    if (!answered.ok()) message = answered.error().message;
  }
  aws::Result<std::optional<std::string>> finished = transform.Finish();
  if (message.empty()) {
    ASSERT_FALSE(finished.ok());
    message = finished.error().message;
  }
  // Whichever page tells it: the extra lines, or answers that are not their items' (sed -u
  // may cut a long line in two when it answers it twice).
  EXPECT_EQ(message.rfind("transform 'sed -u p': ", 0), 0u) << message;
}

}  // namespace
}  // namespace ddbm::pipeline
