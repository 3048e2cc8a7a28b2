#include "storage/export_line.h"

#include <simdjson.h>

#include <charconv>
#include <string>

namespace ddbm::storage {
namespace {

namespace od = simdjson::ondemand;

aws::Error Invalid(std::string message) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput, std::move(message));
}

// Parses `line` from a padded copy; `fields` is called with each top-level member's key and
// value, and `slice` maps a raw value of the copy back onto `line`.
class LineParser {
 public:
  explicit LineParser(std::string_view line) : line_(line), copy_(line) {}

  template <class OnField>
  aws::Status Members(OnField on_field) {
    // The DOM parse checks the whole line (On Demand reads only what it is asked for).
    simdjson::dom::element checked;
    if (const simdjson::error_code e = Dom().parse(copy_).get(checked); e != simdjson::SUCCESS) {
      return Invalid(WhyNotJson(e));
    }
    if (!checked.is_object()) return Invalid("not a JSON object");
    od::document doc;
    od::object root;
    if (OnDemand().iterate(copy_).get(doc) != simdjson::SUCCESS ||
        doc.get_object().get(root) != simdjson::SUCCESS) {
      return Invalid("not a JSON object");
    }
    for (auto field : root) {
      std::string_view key;
      od::value value;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS ||
          field.value().get(value) != simdjson::SUCCESS) {
        return Invalid("not valid JSON");
      }
      if (aws::Status s = on_field(key, value); !s.ok()) return s;
    }
    return aws::Status::Ok();
  }

  // The raw JSON object `value` as a slice of the original line.
  aws::Result<std::string_view> Object(od::value value, std::string_view name) {
    od::object object;
    std::string_view raw;
    if (value.get_object().get(object) != simdjson::SUCCESS ||
        object.raw_json().get(raw) != simdjson::SUCCESS) {
      return Invalid(std::string(name) + " is not a JSON object");
    }
    while (!raw.empty() &&
           (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\r' || raw.back() == '\n')) {
      raw.remove_suffix(1);
    }
    const size_t offset = static_cast<size_t>(raw.data() - copy_.data());
    return line_.substr(offset, raw.size());
  }

 private:
  // What is wrong with a line simdjson refused, in terms of how such lines come about.
  std::string WhyNotJson(simdjson::error_code e) const {
    if (line_.starts_with("\xEF\xBB\xBF")) {
      return "starts with a byte-order mark (EF BB BF), which JSON lines do not have; an editor "
             "may have added it";
    }
    switch (e) {
      case simdjson::UTF8_ERROR:
        return "not valid UTF-8, as every line of an export is";
      case simdjson::STRING_ERROR:
        return "a string in it has an invalid escape (such as \\ud800 without its pair)";
      default:
        return std::string("not valid JSON: ") + simdjson::error_message(e);
    }
  }

  std::string_view line_;
  simdjson::padded_string copy_;
  // One pair of parsers per thread, reused line after line (they keep their buffers).
  static simdjson::dom::parser& Dom() {
    static thread_local simdjson::dom::parser parser;
    return parser;
  }
  static od::parser& OnDemand() {
    static thread_local od::parser parser;
    return parser;
  }
};

}  // namespace

aws::Result<std::string_view> ParseFullExportLine(std::string_view line) {
  if (line.empty()) return Invalid("blank line");
  LineParser parser(line);
  std::optional<std::string_view> item;
  std::optional<aws::Error> error;
  aws::Status s = parser.Members([&](std::string_view key, od::value value) -> aws::Status {
    if (key != "Item") return aws::Status::Ok();  // unknown members are ignored
    aws::Result<std::string_view> raw = parser.Object(value, "Item");
    if (!raw.ok()) return std::move(raw).error();
    item = *raw;
    return aws::Status::Ok();
  });
  if (!s.ok()) return std::move(s).error();
  if (!item) return Invalid("no \"Item\" member (is this an incremental export's line?)");
  return *item;
}

aws::Result<IncrementalChange> ParseIncrementalLine(std::string_view line) {
  if (line.empty()) return Invalid("blank line");
  LineParser parser(line);
  IncrementalChange change;
  bool has_keys = false, has_timestamp = false;
  aws::Status s = parser.Members([&](std::string_view key, od::value value) -> aws::Status {
    if (key == "Keys" || key == "NewImage") {
      aws::Result<std::string_view> raw = parser.Object(value, key);
      if (!raw.ok()) return std::move(raw).error();
      if (key == "Keys") {
        change.keys = *raw;
        has_keys = true;
      } else {
        change.new_image = *raw;
      }
    } else if (key == "OldImage") {
      change.has_old_image = true;
    } else if (key == "Metadata") {
      std::string_view micros;
      if (value["WriteTimestampMicros"]["N"].get_string().get(micros) != simdjson::SUCCESS) {
        return Invalid("Metadata.WriteTimestampMicros is not a number ({\"N\":\"...\"})");
      }
      auto [end, ec] = std::from_chars(micros.data(), micros.data() + micros.size(),
                                       change.write_timestamp_micros);
      if (ec != std::errc() || end != micros.data() + micros.size()) {
        return Invalid("Metadata.WriteTimestampMicros '" + std::string(micros) +
                       "' is not a whole number of microseconds");
      }
      has_timestamp = true;
    }
    return aws::Status::Ok();
  });
  if (!s.ok()) return std::move(s).error();
  if (!has_keys) return Invalid("no \"Keys\" member (is this a full export's line?)");
  if (!has_timestamp) return Invalid("no Metadata.WriteTimestampMicros");
  return change;
}

}  // namespace ddbm::storage
