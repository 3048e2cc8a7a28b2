// ItemTransform: what a copy makes of each scanned item before it is written (copy --transform).
//
// Every item read goes in; what comes out for it is an item, several items or none. The items
// that come out are checked before they are written: one the target could not take (no key of
// the target's schema, a value DynamoDB refuses, JSON longer than any item) is refused with its
// reason, for the caller to put in the dead-letter file (DynamoDB's own size rule, 400 KB, is
// left to the write, whose refusal is dead-lettered too). Values travel as the transform wrote
// them.
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
  // To write: of the items made for one key of the target, only the last (so the page ends as
  // sequential puts of every item made would leave it, and no batch holds one key twice); in
  // the order they came.
  std::vector<std::string_view> items;
  // Items the target could not take, each with the reason (for the dead-letter file).
  std::vector<std::pair<std::string_view, std::string>> refused;
  uint64_t dropped = 0;  // items read that the transform answered with nothing
  // Items made that a later item of the page with the same key (as DynamoDB tells keys apart:
  // {"N":"1E+3"} is {"N":"1000"}) replaces, left out of `items`.
  uint64_t superseded = 0;
};

// The code (aws::Error::code) of a transform's error that means its answers may not be their
// items' own (it wrote more lines than it was sent): the pages counted as done may not be, so a
// checkpoint of that run must not be resumed.
inline constexpr std::string_view kTransformOutOfStep = "TransformOutOfStep";

class ItemTransform {
 public:
  virtual ~ItemTransform() = default;
  // Transforms the items of one page, in order. An error means the transform itself failed (it
  // exited, hung, or answered something that is no answer): the run must stop. Thread-safe:
  // reader threads call it at once for different pages. `stopping` is polled while waiting;
  // once it returns true the call returns kCancelled.
  //
  // Answers that look right may still not be the page's own (a transform that writes more
  // lines than it reads shows it only later): `confirmed` is called, once and from any thread,
  // after Apply has returned them, when they are known to be the page's, at the latest in
  // Finish; never when they turn out not to be (Apply or Finish then fails). A caller must not
  // count a page's items as done before.
  virtual aws::Result<TransformedPage> Apply(const std::vector<std::string_view>& items,
                                             const std::function<bool()>& stopping,
                                             std::function<void()> confirmed) = 0;

  // Once every Apply has returned and no more come: confirms the last answers (or fails: they
  // were not their pages' own) and ends the transform.
  virtual aws::Status Finish() = 0;
};

// The start of `text`, something a transform wrote, for a message: control characters (line
// breaks among them) written as \n, \r, \t or \u00XX, so that the message stays one line;
// cut after `max` bytes, at a character's start, and then followed by "...". Pure.
std::string ShownOutput(std::string_view text, size_t max = 80);

// Reads `answers`, the transform's output for `expected` items: one line per item, each an item
// (a JSON object of DynamoDB typed values), an array of items, or null (nothing). Blank space
// around a line is ignored. Each item is checked against `key_schema` (the target's) and
// against what DynamoDB accepts; the failures go to `refused`. kInvalidInput for a line that is
// none of the three, or for other than `expected` lines: the transform is broken, and the
// message shows the start of the line. `what` names the transform in messages. Of the items
// to write with one key, all but the last are left out (counted in `superseded`).
aws::Result<TransformedPage> ReadTransformAnswers(
    std::string answers, size_t expected, const std::vector<dynamodb::KeySchemaElement>& key_schema,
    const std::string& what);

}  // namespace ddbm::pipeline
