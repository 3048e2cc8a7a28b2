#include "aws/refreshing_provider.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "aws/iso8601.h"
#include "testing/fake_clock.h"

namespace ddbm::aws {
namespace {

using namespace std::chrono_literals;

// Answers from a queue of handlers (the last one repeats) and counts the calls.
class CountingProvider final : public CredentialsProvider {
 public:
  using Handler = std::function<Result<Credentials>()>;
  void Push(Handler handler) {
    std::lock_guard lock(mu_);
    handlers_.push_back(std::move(handler));
  }
  Result<Credentials> GetCredentials() override {
    Handler handler;
    {
      std::lock_guard lock(mu_);
      handler = handlers_.size() > 1 ? handlers_.front() : handlers_.back();
      if (handlers_.size() > 1) handlers_.pop_front();
    }
    calls_.fetch_add(1);
    return handler();
  }
  int calls() const { return calls_.load(); }

 private:
  std::mutex mu_;
  std::deque<Handler> handlers_;
  std::atomic<int> calls_{0};
};

Credentials Temporary(std::string key, Clock::WallTime expiration) {
  return Credentials{std::move(key), "SECRET", "TOKEN", expiration, "test"};
}

class RefreshingProviderTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  std::shared_ptr<CountingProvider> inner_ = std::make_shared<CountingProvider>();
};

TEST_F(RefreshingProviderTest, RefreshesOnlyInsideTheWindow) {
  const auto start = clock_.Now();
  inner_->Push([&] { return Temporary("first", start + 60min); });
  inner_->Push([&] { return Temporary("second", start + 120min); });
  RefreshingProvider provider(inner_, &clock_);  // default window: 5 minutes

  EXPECT_EQ(provider.GetCredentials()->access_key_id, "first");
  clock_.Advance(54min);
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "first");
  clock_.Advance(59s);  // 54:59, still more than 5 minutes left
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "first");
  EXPECT_EQ(inner_->calls(), 1);
  clock_.Advance(2s);  // 55:01, inside the window
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "second");
  EXPECT_EQ(inner_->calls(), 2);
  clock_.Advance(10min);
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "second");
  EXPECT_EQ(inner_->calls(), 2);
}

TEST_F(RefreshingProviderTest, WindowIsConfigurable) {
  const auto start = clock_.Now();
  inner_->Push([&] { return Temporary("first", start + 60min); });
  inner_->Push([&] { return Temporary("second", start + 120min); });
  RefreshingProvider provider(inner_, &clock_, RefreshOptions{.refresh_window = 15min});
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "first");
  clock_.Advance(44min);
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "first");
  clock_.Advance(1min + 1s);
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "second");
}

TEST_F(RefreshingProviderTest, LongTermCredentialsAreCachedForGood) {
  inner_->Push([] { return Credentials{"AKID", "SECRET", "", std::nullopt, "test"}; });
  RefreshingProvider provider(inner_, &clock_);
  ASSERT_TRUE(provider.GetCredentials().ok());
  clock_.Advance(1000h);
  ASSERT_TRUE(provider.GetCredentials().ok());
  EXPECT_EQ(inner_->calls(), 1);
}

TEST_F(RefreshingProviderTest, FailedRefreshKeepsUnexpiredCredentialsThenFails) {
  const auto start = clock_.Now();
  inner_->Push([&] { return Temporary("first", start + 60min); });
  inner_->Push([] { return Error::Make(ErrorKind::kTransport, "sts down"); });
  RefreshingProvider provider(inner_, &clock_,
                              RefreshOptions{.refresh_window = 5min, .retry_interval = 30s});
  ASSERT_TRUE(provider.GetCredentials().ok());
  clock_.Advance(56min);
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "first");  // refresh failed, still valid
  EXPECT_EQ(inner_->calls(), 2);
  clock_.Advance(10s);
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "first");  // no retry before 30 s
  EXPECT_EQ(inner_->calls(), 2);
  clock_.Advance(21s);
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "first");  // retried, failed again
  EXPECT_EQ(inner_->calls(), 3);
  clock_.Advance(4min);  // past expiration
  Result<Credentials> expired = provider.GetCredentials();
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().message, "sts down");
}

TEST_F(RefreshingProviderTest, AnswerAlreadyExpiredIsAnErrorNamingTheSourceAndTheClock) {
  const auto start = clock_.Now();
  inner_->Push([&] { return Temporary("stale", start - 1s); });
  RefreshingProvider provider(inner_, &clock_);
  Result<Credentials> got = provider.GetCredentials();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, ErrorKind::kCredentials);
  EXPECT_EQ(got.error().message,
            "the credentials from test expired at " + FormatIso8601(start - 1s) +
                ", before they could be used (this host's clock reads " + FormatIso8601(start) +
                "); check that source, or the system clock");
  EXPECT_EQ(got.error().message.find("SECRET"), std::string::npos);
}

TEST_F(RefreshingProviderTest, AnswerAlreadyExpiredIsUsedForTheGraceWhenThereIsOne) {
  const auto start = clock_.Now();
  inner_->Push([&] { return Temporary("stale", start - 1s); });
  inner_->Push([&] { return Temporary("renewed", start + 60min); });
  RefreshingProvider provider(inner_, &clock_,
                              RefreshOptions{.refresh_window = 5min, .expired_grace = 10min});
  Result<Credentials> got = provider.GetCredentials();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->access_key_id, "stale");
  EXPECT_EQ(got->expiration, start + 10min);
  clock_.Advance(4min);
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "stale");
  EXPECT_EQ(inner_->calls(), 1);
  clock_.Advance(2min);  // inside the window of the grace's end: renewed
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "renewed");
}

TEST_F(RefreshingProviderTest, AnswerAlreadyExpiredKeepsUnexpiredCredentials) {
  const auto start = clock_.Now();
  inner_->Push([&] { return Temporary("first", start + 60min); });
  inner_->Push([&] { return Temporary("stale", start); });
  RefreshingProvider provider(inner_, &clock_);
  ASSERT_TRUE(provider.GetCredentials().ok());
  clock_.Advance(56min);
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "first");
  EXPECT_EQ(inner_->calls(), 2);
}

TEST_F(RefreshingProviderTest, ShortLivedAnswersAreNotRefetchedOnEveryCall) {
  const auto start = clock_.Now();
  inner_->Push([&] { return Temporary("short", start + 3min); });  // already inside the window
  RefreshingProvider provider(inner_, &clock_,
                              RefreshOptions{.refresh_window = 5min, .retry_interval = 30s});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(provider.GetCredentials().ok());
  EXPECT_EQ(inner_->calls(), 1);
  clock_.Advance(31s);
  ASSERT_TRUE(provider.GetCredentials().ok());
  EXPECT_EQ(inner_->calls(), 2);
}

TEST_F(RefreshingProviderTest, ConcurrentCallersShareOneFetch) {
  const auto start = clock_.Now();
  inner_->Push([&] {
    std::this_thread::sleep_for(50ms);
    return Temporary("only", start + 60min);
  });
  RefreshingProvider provider(inner_, &clock_);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      if (provider.GetCredentials().ok()) ok.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 16);
  EXPECT_EQ(inner_->calls(), 1);
}

TEST_F(RefreshingProviderTest, OthersUseValidCredentialsWhileOneRefreshes) {
  const auto start = clock_.Now();
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false;
  bool release = false;
  inner_->Push([&] { return Temporary("first", start + 60min); });
  inner_->Push([&] {
    std::unique_lock lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    return Temporary("second", start + 120min);
  });
  RefreshingProvider provider(inner_, &clock_);
  ASSERT_TRUE(provider.GetCredentials().ok());
  clock_.Advance(57min);

  std::thread refresher([&] { EXPECT_EQ(provider.GetCredentials()->access_key_id, "second"); });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return entered; });
  }
  // The refresh is blocked; the cached credentials are still unexpired, so no waiting.
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "first");
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  refresher.join();
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "second");
  EXPECT_EQ(inner_->calls(), 2);
}

}  // namespace
}  // namespace ddbm::aws
