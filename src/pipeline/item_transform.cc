#include "pipeline/item_transform.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <optional>
#include <unordered_map>

#include "dynamodb/item.h"
#include "dynamodb/item_check.h"
#include "dynamodb/item_compare.h"

namespace ddbm::pipeline {
namespace {

std::string_view Trim(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

aws::Error OutOfStep(std::string message) {
  aws::Error error = aws::Error::Make(aws::ErrorKind::kInvalidInput, std::move(message));
  error.code = std::string(kTransformOutOfStep);
  return error;
}

// Leaves out of page->items every item that a later one of the same key replaces, as a later
// put would; `keys` holds each item's key as ExtractKey gave it. Keys are compared in their
// canonical bytes, as DynamoDB compares them.
void KeepLastOfEachKey(TransformedPage* page, const std::vector<std::string>& keys,
                       const std::vector<dynamodb::KeySchemaElement>& key_schema) {
  std::vector<std::optional<std::string>> canonical(keys.size());
  std::unordered_map<std::string_view, size_t> last;  // canonical key -> its last item's index
  last.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    // A key ExtractKey took is one CanonicalKey takes; should it not be, it is kept as is.
    if (aws::Result<std::string> c = dynamodb::CanonicalKey(keys[i], key_schema); c.ok()) {
      canonical[i] = std::move(*c);
    }
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (canonical[i]) last[*canonical[i]] = i;
  }
  size_t kept = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!canonical[i] || last.at(*canonical[i]) == i) page->items[kept++] = page->items[i];
  }
  page->superseded = page->items.size() - kept;
  page->items.resize(kept);
}

}  // namespace

std::string ShownOutput(std::string_view text, size_t max) {
  std::string out;
  out.reserve(std::min(text.size(), max) + 3);
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    // Cut before a character that would pass `max`, not inside one (a UTF-8 continuation byte
    // belongs to the character before it; no character has more than 3 of them).
    if (out.size() >= max && ((c & 0xC0) != 0x80 || out.size() >= max + 3)) {
      out += "...";
      return out;
    }
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

aws::Result<TransformedPage> ReadTransformAnswers(
    std::string answers, size_t expected, const std::vector<dynamodb::KeySchemaElement>& key_schema,
    const std::string& what) {
  const size_t size = answers.size();
  // The JSON readers read up to SIMDJSON_PADDING bytes past what they are given: every line is
  // followed by the rest of the answers and this padding.
  answers.append(simdjson::SIMDJSON_PADDING, ' ');
  auto body = std::make_shared<std::string>(std::move(answers));
  const std::string_view all(body->data(), size);
  TransformedPage page;
  std::vector<std::string> keys;  // of page.items, one each
  auto broken = [&](size_t line, std::string why) {
    return aws::Error::Make(
        aws::ErrorKind::kInvalidInput,
        fmt::format("{}: it answered line {} of a page of {} items with {}; it must write one "
                    "line per item read: an item, an array of items, or null",
                    what, line, expected, why));
  };
  auto take = [&](std::string_view item) {
    aws::Result<std::string> key = dynamodb::ExtractKey(item, key_schema);
    if (!key.ok()) {
      page.refused.emplace_back(
          item, "the transformed item does not fit the target's key: " + key.error().message);
    } else if (std::optional<std::string> reason = dynamodb::InvalidItemReason(item)) {
      page.refused.emplace_back(item,
                                "the transformed item is not one DynamoDB accepts: " + *reason);
    } else {
      page.items.push_back(item);
      keys.push_back(std::move(*key));
    }
  };

  simdjson::dom::parser checker;
  simdjson::ondemand::parser reader;
  size_t line_number = 0;
  for (size_t pos = 0; pos < size;) {
    size_t end = all.find('\n', pos);
    if (end == std::string_view::npos) end = size;
    const std::string_view line = Trim(all.substr(pos, end - pos));
    pos = end + 1;
    ++line_number;
    if (line_number > expected) {
      aws::Error error = broken(line_number, "more lines than items: " + ShownOutput(line));
      error.code = std::string(kTransformOutOfStep);
      return error;
    }
    if (line.empty()) return broken(line_number, "an empty line");
    simdjson::dom::element parsed;
    if (checker.parse(line.data(), line.size(), false).get(parsed) != simdjson::SUCCESS) {
      return broken(line_number, "text that is not JSON: " + ShownOutput(line));
    }
    if (parsed.is_null()) {
      ++page.dropped;
    } else if (parsed.is_object()) {
      take(line);
    } else if (parsed.is_array()) {
      // The raw bytes of each member, as written: the checker's DOM would re-encode them.
      simdjson::ondemand::document doc;
      simdjson::ondemand::array array;
      if (reader.iterate(line.data(), line.size(), line.size() + simdjson::SIMDJSON_PADDING)
                  .get(doc) != simdjson::SUCCESS ||
          doc.get_array().get(array) != simdjson::SUCCESS) {
        return broken(line_number, "an array that cannot be read: " + ShownOutput(line));
      }
      size_t members = 0;
      for (auto member : array) {
        simdjson::ondemand::object object;
        std::string_view raw;
        if (member.get_object().get(object) != simdjson::SUCCESS ||
            object.raw_json().get(raw) != simdjson::SUCCESS) {
          return broken(line_number, "an array holding other than items: " + ShownOutput(line));
        }
        take(Trim(raw));
        ++members;
      }
      if (members == 0) ++page.dropped;
    } else {
      return broken(line_number,
                    "neither an item, an array of items nor null: " + ShownOutput(line));
    }
  }
  if (line_number != expected) {
    return OutOfStep(
        fmt::format("{}: it answered {} lines for a page of {} items; it "
                    "must write one line per item read",
                    what, line_number, expected));
  }
  if (page.items.size() > 1) KeepLastOfEachKey(&page, keys, key_schema);
  page.body = std::move(body);
  return page;
}

}  // namespace ddbm::pipeline
