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

namespace {

// The length of the valid UTF-8 sequence at the start of `text` (2 to 4), or 0 when it is not
// one (a stray continuation byte, an overlong form, a surrogate, past U+10FFFF, cut short).
size_t Utf8SequenceLength(std::string_view text) {
  const auto b0 = static_cast<unsigned char>(text[0]);
  size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) low = 0xA0;   // overlong
    if (b0 == 0xED) high = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) low = 0x90;   // overlong
    if (b0 == 0xF4) high = 0x8F;  // past U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (size_t k = 1; k < length; ++k) {
    const auto b = static_cast<unsigned char>(text[k]);
    if (b < (k == 1 ? low : 0x80) || b > (k == 1 ? high : 0xBF)) return 0;
  }
  return length;
}

}  // namespace

std::string ShownOutput(std::string_view text, size_t max) {
  std::string out;
  out.reserve(std::min(text.size(), max) + 3);
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::string piece;
    size_t taken = 1;
    if (c == '\n') {
      piece = "\\n";
    } else if (c == '\r') {
      piece = "\\r";
    } else if (c == '\t') {
      piece = "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      piece = fmt::format("\\u{:04x}", c);
    } else if (c < 0x80) {
      piece = std::string(1, static_cast<char>(c));
    } else if (const size_t length = Utf8SequenceLength(text.substr(i)); length == 0) {
      piece = fmt::format("\\x{:02x}", c);  // not UTF-8: shown as its byte
    } else if (c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      piece = fmt::format("\\u{:04x}", static_cast<unsigned char>(text[i + 1]));  // C1 control
      taken = 2;
    } else {
      piece = std::string(text.substr(i, length));
      taken = length;
    }
    // Cut before a piece that would pass `max`, never inside one.
    if (out.size() + piece.size() > max) {
      out += "...";
      return out;
    }
    out += piece;
    i += taken;
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
