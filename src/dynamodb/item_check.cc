#include "dynamodb/item_check.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <utility>
#include <vector>

#include "aws/base64.h"
#include "dynamodb/item_compare.h"

namespace ddbm::dynamodb {
namespace {

namespace od = simdjson::ondemand;

using Reason = std::optional<std::string>;

// DynamoDB's number limits: significant digits, and the power of ten of the leading digit.
constexpr size_t kMaxNumberDigits = 38;
constexpr int64_t kMaxLeadingExponent = 125;
constexpr int64_t kMinLeadingExponent = -130;

constexpr std::string_view kNotJson = "item is not valid JSON";

// Its own parser, so that a caller may be in the middle of a ThreadParser() document.
od::parser& CheckParser() {
  thread_local od::parser parser;
  return parser;
}

Reason At(const std::string& path, std::string_view problem) {
  return "attribute " + path + ": " + std::string(problem);
}

// `text` in quotes for a message, shortened when long.
std::string Quoted(std::string_view text) {
  constexpr size_t kMax = 40;
  if (text.size() > kMax) return "\"" + std::string(text.substr(0, kMax)) + "...\"";
  return "\"" + std::string(text) + "\"";
}

// What is wrong with `text` as a DynamoDB number ("is not a decimal number"), or nullopt; then
// `*normal` holds NormalizeNumber's form, equal for equal values.
Reason NumberProblem(std::string_view text, std::string* normal) {
  aws::Result<std::string> n = NormalizeNumber(text);
  if (!n.ok()) return "is not a decimal number";
  *normal = std::move(*n);
  if (*normal == "0") return std::nullopt;
  std::string_view rest = *normal;  // "-1234e-7": digits, then the power of ten
  if (rest.front() == '-') rest.remove_prefix(1);
  const size_t e = rest.find('e');
  const std::string_view digits = rest.substr(0, e);
  int64_t exponent = 0;
  if (e != std::string_view::npos) {
    std::from_chars(rest.data() + e + 1, rest.data() + rest.size(), exponent);
  }
  if (digits.size() > kMaxNumberDigits) return "has more than 38 significant digits";
  const int64_t leading = exponent + static_cast<int64_t>(digits.size()) - 1;
  if (leading > kMaxLeadingExponent || leading < kMinLeadingExponent) {
    return "is outside DynamoDB's range 1E-130..9.9999999999999999999999999999999999999E+125";
  }
  return std::nullopt;
}

Reason CheckValue(od::value typed, const std::string& path);

// The attributes of an item or the members of an M value; `prefix` is "" or "<map path>.". Names
// unescaped by the parser stay valid until it parses another document, so they are compared in
// place, once all are read (sorted: a map may hold thousands).
Reason CheckMembers(od::object object, const std::string& prefix) {
  std::vector<std::string_view> names;
  for (auto field : object) {
    std::string_view name;
    od::value value;
    if (field.unescaped_key().get(name) || field.value().get(value)) return std::string(kNotJson);
    // An attribute's name has at least one character (the members of a map are not held to it
    // here: whether DynamoDB refuses an empty map key is not documented).
    if (prefix.empty() && name.empty()) return std::string("an attribute name is empty");
    if (Reason r = CheckValue(value, prefix + std::string(name))) return r;
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  if (auto twice = std::adjacent_find(names.begin(), names.end()); twice != names.end()) {
    return At(prefix + std::string(*twice), "given twice");
  }
  return std::nullopt;
}

Reason CheckList(od::value value, const std::string& path) {
  od::array list;
  if (value.get_array().get(list)) return At(path, "L value is not a list");
  size_t index = 0;
  for (auto element : list) {
    od::value member;
    if (element.get(member)) return std::string(kNotJson);
    if (Reason r = CheckValue(member, path + "[" + std::to_string(index++) + "]")) return r;
  }
  return std::nullopt;
}

// An SS, NS or BS value: a non-empty list of distinct, well-formed members.
Reason CheckSet(std::string_view tag, od::value value, const std::string& path) {
  const std::string set = std::string(tag == "SS"   ? "string"
                                      : tag == "NS" ? "number"
                                                    : "binary") +
                          " set (" + std::string(tag) + ")";
  od::array list;
  if (value.get_array().get(list)) return At(path, set + " is not a list");
  // Each member's comparable form (text, normalised number, decoded bytes) and its text.
  std::vector<std::pair<std::string, std::string_view>> members;
  for (auto element : list) {
    std::string_view text;
    if (element.get_string().get(text)) return At(path, set + " has a member that is not a string");
    std::string form;
    if (tag == "SS") {
      form = text;
    } else if (tag == "NS") {
      if (Reason problem = NumberProblem(text, &form)) {
        return At(path, "number " + Quoted(text) + " in " + set + " " + *problem);
      }
    } else if (!aws::DecodeBase64(text, &form)) {
      return At(path, set + " member " + Quoted(text) + " is not valid base64");
    }
    members.emplace_back(std::move(form), text);
  }
  if (members.empty()) return At(path, "empty " + set);
  std::sort(members.begin(), members.end());
  const auto duplicate =
      std::adjacent_find(members.begin(), members.end(),
                         [](const auto& a, const auto& b) { return a.first == b.first; });
  if (duplicate != members.end()) {
    return At(path, "duplicate member " + Quoted(duplicate->second) + " in " + set);
  }
  return std::nullopt;
}

// The value under type tag `tag`.
Reason CheckTyped(std::string_view tag, od::value value, const std::string& path) {
  std::string_view text;
  if (tag == "S") {
    if (value.get_string().get(text)) return At(path, "S value is not a string");
    return std::nullopt;
  }
  if (tag == "N") {
    if (value.get_string().get(text)) return At(path, "N value is not a string");
    std::string normal;
    if (Reason problem = NumberProblem(text, &normal)) {
      return At(path, "number " + Quoted(text) + " " + *problem);
    }
    return std::nullopt;
  }
  if (tag == "B") {
    std::string bytes;
    if (value.get_string().get(text) || !aws::DecodeBase64(text, &bytes)) {
      return At(path, "B value is not a base64 string");
    }
    return std::nullopt;
  }
  bool flag = false;
  if (tag == "BOOL") {
    if (value.get_bool().get(flag)) return At(path, "BOOL value is not true or false");
    return std::nullopt;
  }
  if (tag == "NULL") {
    if (value.get_bool().get(flag) || !flag) return At(path, "NULL value is not true");
    return std::nullopt;
  }
  if (tag == "M") {
    od::object map;
    if (value.get_object().get(map)) return At(path, "M value is not a map");
    return CheckMembers(map, path + ".");
  }
  if (tag == "L") return CheckList(value, path);
  if (tag == "SS" || tag == "NS" || tag == "BS") return CheckSet(tag, value, path);
  return At(path, "unknown type tag " + Quoted(tag));
}

// An attribute value: an object with exactly one member, named by its type tag.
Reason CheckValue(od::value typed, const std::string& path) {
  od::object object;
  if (const simdjson::error_code error = typed.get_object().get(object)) {
    if (error != simdjson::INCORRECT_TYPE) return std::string(kNotJson);
    return At(path, "value is not an attribute value like {\"S\": \"text\"}");
  }
  std::string tag;
  bool tagged = false;
  for (auto field : object) {
    std::string_view key;
    od::value value;
    if (field.unescaped_key().get(key) || field.value().get(value)) return std::string(kNotJson);
    if (tagged) return At(path, "more than one type tag (" + tag + ", " + std::string(key) + ")");
    tag = key;
    tagged = true;
    if (Reason r = CheckTyped(tag, value, path)) return r;
  }
  if (!tagged) return At(path, "value has no type tag");
  return std::nullopt;
}

}  // namespace

std::optional<std::string> InvalidItemReason(std::string_view item_json) {
  if (item_json.size() > kMaxItemJsonBytes) {
    return fmt::format(
        "the item is {:.1f} MB of JSON, more than any item DynamoDB accepts (400 KB)",
        static_cast<double>(item_json.size()) / (1 << 20));
  }
  od::document doc;
  if (CheckParser()
          .iterate(simdjson::padded_string_view(item_json.data(), item_json.size(),
                                                item_json.size() + simdjson::SIMDJSON_PADDING))
          .get(doc)) {
    return std::string(kNotJson);
  }
  od::object item;
  if (const simdjson::error_code error = doc.get_object().get(item)) {
    if (error != simdjson::INCORRECT_TYPE) return std::string(kNotJson);
    return "item is not a JSON object";
  }
  return CheckMembers(item, "");
}

std::optional<std::string> RepairUntypedEmptyMaps(std::string_view item_json) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::string out;
  bool repaired = false;
  size_t copied = 0;  // item_json[0, copied) is already in `out`
  // The last token before the current position, outside strings: an M tag's value is an object
  // that directly follows the "M" key and its colon.
  bool after_m_key = false;
  bool last_was_m_string = false;
  for (size_t i = 0; i < item_json.size(); ++i) {
    const char c = item_json[i];
    if (c == '"') {
      const size_t start = i;
      for (++i; i < item_json.size() && item_json[i] != '"'; ++i) {
        if (item_json[i] == '\\') ++i;
      }
      last_was_m_string = item_json.substr(start, i + 1 - start) == "\"M\"";
      after_m_key = false;
      continue;
    }
    if (is_space(c)) continue;
    if (c == ':') {
      after_m_key = last_was_m_string;
      last_was_m_string = false;
      continue;
    }
    if (c == '{' && !after_m_key && i > 0) {
      size_t j = i + 1;
      while (j < item_json.size() && is_space(item_json[j])) ++j;
      if (j < item_json.size() && item_json[j] == '}') {
        out.append(item_json.substr(copied, i - copied));
        out.append("{\"M\":{}}");
        copied = j + 1;
        repaired = true;
        i = j;
      }
    }
    after_m_key = false;
    last_was_m_string = false;
  }
  if (!repaired) return std::nullopt;
  out.append(item_json.substr(copied));
  return out;
}

}  // namespace ddbm::dynamodb
