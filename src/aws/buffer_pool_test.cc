#include "aws/buffer_pool.h"

#include <gtest/gtest.h>

namespace ddbm::aws {
namespace {

constexpr size_t kBig = size_t{1} << 20;

TEST(BufferPoolTest, TakeGivesAtLeastTheCapacityAsked) {
  BufferPool pool;
  std::string small = pool.Take(100);
  EXPECT_TRUE(small.empty());
  EXPECT_GE(small.capacity(), 100u);
  std::string big = pool.Take(kBig + 1);
  EXPECT_TRUE(big.empty());
  EXPECT_GE(big.capacity(), kBig + 1);
}

TEST(BufferPoolTest, RecyclesLargeBuffers) {
  BufferPool pool;
  std::string buffer = pool.Take(kBig);
  buffer.assign(1000, 'x');
  const char* memory = buffer.data();
  pool.Give(std::move(buffer));
  EXPECT_EQ(pool.idle(), 1u);
  std::string again = pool.Take(kBig - 10);
  EXPECT_EQ(again.data(), memory);
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(pool.idle(), 0u);
}

TEST(BufferPoolTest, PagesOfNearbySizesReuseOneBuffer) {
  // Scan pages of 1,000 items of about 1 KB straddle any fine-grained size: a slightly bigger
  // page must still fit the buffer a smaller one left, or long runs collect idle buffers.
  BufferPool pool;
  std::string buffer = pool.Take(kBig + kBig / 10);
  const char* memory = buffer.data();
  pool.Give(std::move(buffer));
  std::string bigger = pool.Take(kBig + kBig / 3);
  EXPECT_EQ(bigger.data(), memory);
  EXPECT_EQ(pool.idle(), 0u);
}

TEST(BufferPoolTest, PrefersTheSmallestBufferThatFits) {
  BufferPool pool;
  std::string large = pool.Take(4 * kBig);
  std::string medium = pool.Take(kBig);
  const char* medium_memory = medium.data();
  pool.Give(std::move(large));
  pool.Give(std::move(medium));
  EXPECT_EQ(pool.Take(kBig / 2).data(), medium_memory);
  EXPECT_GE(pool.Take(3 * kBig).capacity(), 3 * kBig);  // the large one
  EXPECT_EQ(pool.idle(), 0u);
}

TEST(BufferPoolTest, LeavesSmallBuffersToTheAllocatorAndCapsIdleOnes) {
  BufferPool pool(/*max_idle=*/2);
  pool.Give(std::string(100, 'x'));
  EXPECT_EQ(pool.idle(), 0u);
  std::string a = pool.Take(kBig), b = pool.Take(kBig), c = pool.Take(kBig);
  pool.Give(std::move(a));
  pool.Give(std::move(b));
  pool.Give(std::move(c));
  EXPECT_EQ(pool.idle(), 2u);
}

TEST(BufferPoolTest, SharedBodyReturnsItsBufferWhenTheLastOwnerLetsGo) {
  BufferPool pool;
  std::string body = pool.Take(kBig);
  body.assign("{\"Items\":[]}");
  const char* memory = body.data();
  {
    std::shared_ptr<std::string> shared = pool.Share(std::move(body));
    std::shared_ptr<std::string> copy = shared;
    EXPECT_EQ(*copy, "{\"Items\":[]}");
    shared.reset();
    EXPECT_EQ(pool.idle(), 0u);
  }
  EXPECT_EQ(pool.idle(), 1u);
  EXPECT_EQ(pool.Take(100 * 1024).data(), memory);
}

}  // namespace
}  // namespace ddbm::aws
