#include "pipeline/bounded_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace ddbm::pipeline {
namespace {

TEST(BoundedQueueTest, FifoAndDrainAfterClose) {
  BoundedQueue<int> q(10);
  EXPECT_TRUE(q.Push(1));
  EXPECT_TRUE(q.Push(2));
  q.Close();
  EXPECT_FALSE(q.Push(3));
  EXPECT_EQ(q.Pop(), 1);
  EXPECT_EQ(q.Pop(), 2);
  EXPECT_EQ(q.Pop(), std::nullopt);
}

TEST(BoundedQueueTest, OversizedEntryPassesAloneOnly) {
  BoundedQueue<int> q(100);
  EXPECT_TRUE(q.Push(1, 500));  // heavier than the capacity, but the queue was empty
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    q.Push(2, 1);  // must wait: the queue holds 500 > 100
    pushed = true;
  });
  // The producer cannot finish until the heavy entry leaves.
  for (int i = 0; i < 1000 && !pushed; ++i) std::this_thread::yield();
  EXPECT_FALSE(pushed.load());
  EXPECT_EQ(q.Pop(), 1);
  producer.join();
  EXPECT_TRUE(pushed.load());
  EXPECT_EQ(q.Pop(), 2);
}

TEST(BoundedQueueTest, BlockedProducerResumesOnceHalfDrained) {
  BoundedQueue<int> q(10);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(q.Push(i, 1));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    q.Push(10, 1);
    pushed = true;
  });
  for (int i = 0; i < 5; ++i) EXPECT_EQ(q.Pop(), i);  // down to 5 of 10: producers are woken
  producer.join();
  EXPECT_TRUE(pushed.load());
  for (int i = 5; i <= 10; ++i) EXPECT_EQ(q.Pop(), i);
}

TEST(BoundedQueueTest, ManyProducersAndConsumersLoseNothing) {
  BoundedQueue<int> q(8);
  std::atomic<long> sum{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < 3; ++c) {
    threads.emplace_back([&] {
      while (auto v = q.Pop()) sum += *v;
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < 4; ++p) {
    producers.emplace_back([&] {
      for (int i = 1; i <= 1000; ++i) q.Push(i, 2);
    });
  }
  for (auto& t : producers) t.join();
  q.Close();
  for (auto& t : threads) t.join();
  EXPECT_EQ(sum.load(), 4L * 1000 * 1001 / 2);
}

}  // namespace
}  // namespace ddbm::pipeline
