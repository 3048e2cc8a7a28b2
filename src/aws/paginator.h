// Paginator: the one pagination loop. Walks any operation whose pages hand back a token for the
// next one: DynamoDB's LastEvaluatedKey, LastEvaluatedTableName, NextToken and
// LastEvaluatedShardId, S3's NextContinuationToken and its pair of upload markers. Its
// position() is the token the next page starts from, which is what a checkpoint records.
//
// Not thread-safe: one paginator belongs to one reader (e.g. one scan segment).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "aws/error.h"

namespace ddbm::aws {

// `Token` must be copyable and equality-comparable.
template <class Page, class Token = std::string>
class Paginator {
 public:
  // Fetches the page that starts at `start` (nullopt: the first page).
  using Fetch = std::function<Result<Page>(const std::optional<Token>& start)>;
  // The token of the page after `page`; nullopt when `page` is the last.
  using NextToken = std::function<std::optional<Token>(const Page& page)>;

  Paginator(Fetch fetch, NextToken next_token, std::optional<Token> start = std::nullopt)
      : fetch_(std::move(fetch)), next_token_(std::move(next_token)), position_(std::move(start)) {}

  bool done() const { return done_; }
  const std::optional<Token>& position() const { return position_; }

  // Fetches the next page. On error the position does not move, so calling Next again retries
  // the same page. A page that names as the next token the one it started from would make the
  // walk endless: that answer is a kCorruption error. REQUIRES: !done().
  Result<Page> Next() {
    Result<Page> page = fetch_(position_);
    if (!page.ok()) return page;
    std::optional<Token> next = next_token_(*page);
    if (next && position_ && *next == *position_) {
      return Error::Make(ErrorKind::kCorruption,
                         "an answer gave the token it was asked to start from as the next one; "
                         "stopped rather than loop forever");
    }
    position_ = std::move(next);
    if (!position_) done_ = true;
    return page;
  }

 private:
  Fetch fetch_;
  NextToken next_token_;
  std::optional<Token> position_;
  bool done_ = false;
};

}  // namespace ddbm::aws
