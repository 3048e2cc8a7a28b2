// Paginator: the one pagination loop, over scripted pages.
#include "aws/paginator.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ddbm::aws {
namespace {

struct Page {
  std::vector<int> entries;
  std::optional<std::string> next;
};

// Pages by the token they start from ("" for the first); a missing token is a service error.
class ScriptedPages {
 public:
  explicit ScriptedPages(std::map<std::string, Page> pages) : pages_(std::move(pages)) {}
  Paginator<Page> Walk(std::optional<std::string> start = std::nullopt) {
    return Paginator<Page>(
        [this](const std::optional<std::string>& token) -> Result<Page> {
          asked.push_back(token.value_or(""));
          auto it = pages_.find(token.value_or(""));
          if (it == pages_.end()) return Error::Make(ErrorKind::kTransport, "connection reset");
          return it->second;
        },
        [](const Page& page) { return page.next; }, std::move(start));
  }
  std::vector<std::string> asked;

 private:
  std::map<std::string, Page> pages_;
};

TEST(PaginatorTest, WalksEveryPageInOrderAndEndsAtTheLast) {
  ScriptedPages script({{"", {{1, 2}, "t1"}}, {"t1", {{3}, "t2"}}, {"t2", {{}, std::nullopt}}});
  Paginator<Page> pages = script.Walk();
  std::vector<int> seen;
  while (!pages.done()) {
    Result<Page> page = pages.Next();
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    seen.insert(seen.end(), page->entries.begin(), page->entries.end());
  }
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(script.asked, (std::vector<std::string>{"", "t1", "t2"}));
  EXPECT_FALSE(pages.position());
}

TEST(PaginatorTest, StartsFromAGivenTokenAndKeepsItsPositionOnAnError) {
  ScriptedPages script({{"t1", {{3}, "t2"}}});
  Paginator<Page> pages = script.Walk("t1");
  ASSERT_TRUE(pages.Next().ok());
  EXPECT_EQ(pages.position(), "t2");
  Result<Page> failed = pages.Next();  // no page "t2" in the script
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(pages.position(), "t2");  // a retry asks for the same page again
  EXPECT_FALSE(pages.done());
}

TEST(PaginatorTest, APageNamingItselfAsTheNextIsCorruptNotAnEndlessWalk) {
  ScriptedPages script({{"", {{1}, "t1"}}, {"t1", {{2}, "t1"}}});
  Paginator<Page> pages = script.Walk();
  ASSERT_TRUE(pages.Next().ok());
  Result<Page> repeated = pages.Next();
  ASSERT_FALSE(repeated.ok());
  EXPECT_EQ(repeated.error().kind, ErrorKind::kCorruption);
  EXPECT_NE(repeated.error().message.find("loop forever"), std::string::npos);
  EXPECT_EQ(pages.position(), "t1");
}

}  // namespace
}  // namespace ddbm::aws
