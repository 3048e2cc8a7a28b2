// ItemTransform: what a copy makes of each scanned item before it is written (copy --transform).
//
// Every item read goes in; what comes out for it is an item, several items or none. The items
// that come out are checked before they are written: one the target could not take (no key of
// the target's schema, a value DynamoDB refuses, over 400 KB) is refused with its reason, for
// the caller to put in the dead-letter file. Values travel as the transform wrote them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/error.h"
#include "dynamodb/types.h"

namespace ddbm::pipeline {

struct TransformedPage {
  // What the transform answered, padded for the JSON readers; `items` and `refused` point into
  // it and stay valid while it is held.
  std::shared_ptr<const std::string> body;
  std::vector<std::string_view> items;  // to write, in the order they came
  // Items the target could not take, each with the reason (for the dead-letter file).
  std::vector<std::pair<std::string_view, std::string>> refused;
  uint64_t dropped = 0;  // items read that the transform answered with nothing
};

class ItemTransform {
 public:
  virtual ~ItemTransform() = default;
  // Transforms the items of one page, in order. An error means the transform itself failed (it
  // exited, hung, or answered something that is no answer): the run must stop. Thread-safe:
  // reader threads call it at once for different pages. `stopping` is polled while waiting;
  // once it returns true the call returns kCancelled.
  virtual aws::Result<TransformedPage> Apply(const std::vector<std::string_view>& items,
                                             const std::function<bool()>& stopping) = 0;
};

// Reads `answers`, the transform's output for `expected` items: one line per item, each an item
// (a JSON object of DynamoDB typed values), an array of items, or null (nothing). Blank space
// around a line is ignored. Each item is checked against `key_schema` (the target's) and
// against what DynamoDB accepts; the failures go to `refused`. kInvalidInput for a line that is
// none of the three, or for other than `expected` lines: the transform is broken, and the
// message shows the start of the line. `what` names the transform in messages.
aws::Result<TransformedPage> ReadTransformAnswers(
    std::string answers, size_t expected, const std::vector<dynamodb::KeySchemaElement>& key_schema,
    const std::string& what);

}  // namespace ddbm::pipeline
