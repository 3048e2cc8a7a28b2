// Paginator: the one pagination loop. Walks any DynamoDB operation whose pages hand back a
// token for the next one (LastEvaluatedKey, LastEvaluatedTableName, NextToken,
// LastEvaluatedShardId). Its position() is the token the next page starts from, which is what
// a checkpoint records.
//
// Not thread-safe: one paginator belongs to one reader (e.g. one scan segment).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "aws/error.h"

namespace ddbm::dynamodb {

template <class Page>
class Paginator {
 public:
  // Fetches the page that starts at `start` (nullopt: the first page).
  using Fetch = std::function<aws::Result<Page>(const std::optional<std::string>& start)>;
  // The token of the page after `page`; nullopt when `page` is the last.
  using NextToken = std::function<std::optional<std::string>(const Page& page)>;

  Paginator(Fetch fetch, NextToken next_token, std::optional<std::string> start = std::nullopt)
      : fetch_(std::move(fetch)), next_token_(std::move(next_token)), position_(std::move(start)) {}

  bool done() const { return done_; }
  const std::optional<std::string>& position() const { return position_; }

  // Fetches the next page. On error the position does not move, so calling Next again retries
  // the same page. REQUIRES: !done().
  aws::Result<Page> Next() {
    aws::Result<Page> page = fetch_(position_);
    if (!page.ok()) return page;
    position_ = next_token_(*page);
    if (!position_) done_ = true;
    return page;
  }

 private:
  Fetch fetch_;
  NextToken next_token_;
  std::optional<std::string> position_;
  bool done_ = false;
};

}  // namespace ddbm::dynamodb
