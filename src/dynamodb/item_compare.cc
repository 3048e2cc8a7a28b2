#include "dynamodb/item_compare.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "aws/base64.h"
#include "aws/fnv1a.h"

namespace ddbm::dynamodb {
namespace {

namespace dom = simdjson::dom;

aws::Error Invalid(std::string message) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput, std::move(message));
}

dom::parser& ThreadDomParser(int which) {
  thread_local dom::parser parsers[2];
  return parsers[which];
}

// `padded`: the caller guarantees SIMDJSON_PADDING readable bytes after the slice.
aws::Result<dom::object> ParseObject(dom::parser& parser, std::string_view json, bool padded) {
  dom::element root;
  if (parser.parse(json.data(), json.size(), !padded).get(root) != simdjson::SUCCESS) {
    return Invalid("an item is not valid JSON");
  }
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return Invalid("an item is not a JSON object");
  }
  return object;
}

void PutLength(std::string* out, size_t n) {
  const auto v = static_cast<uint32_t>(n);
  char bytes[4];
  std::memcpy(bytes, &v, sizeof bytes);
  out->append(bytes, sizeof bytes);
}

void PutBytes(std::string* out, std::string_view bytes) {
  PutLength(out, bytes.size());
  out->append(bytes);
}

// A typed value {"S": "..."}: its single member.
aws::Status Unwrap(dom::element typed, std::string_view* type, dom::element* value) {
  dom::object object;
  if (typed.get_object().get(object) != simdjson::SUCCESS || object.size() != 1) {
    return Invalid("an attribute value is not a one-member object like {\"S\": \"text\"}");
  }
  const dom::key_value_pair member = *object.begin();
  *type = member.key;
  *value = member.value;
  return aws::Status::Ok();
}

aws::Status EncodeValue(dom::element typed, std::string* out);

// The canonical form of a number's text, or the text itself marked as such when it is not a
// number (so two identical odd texts still compare equal).
std::string NumberForm(std::string_view text) {
  aws::Result<std::string> normal = NormalizeNumber(text);
  return normal.ok() ? std::move(*normal) : "?" + std::string(text);
}

// The standard spelling of a binary value's base64, the encoding of the bytes it decodes to:
// "AR==" (whose padding leaves bits set) is "AQ==", both the byte 0x01. Text that is not base64
// stays as it is, so that it equals itself and no valid value (it is item_check's to refuse).
std::string BinaryForm(std::string_view text) {
  // Unpadded, every bit of every digit belongs to a byte: the text is its own standard spelling.
  if (!text.ends_with('=')) return std::string(text);
  std::string bytes;
  return aws::DecodeBase64(text, &bytes) ? aws::EncodeBase64(bytes) : std::string(text);
}

enum class SetOf { kStrings, kNumbers, kBinary };

aws::Status EncodeSet(char tag, dom::element members, SetOf kind, std::string* out) {
  dom::array array;
  if (members.get_array().get(array) != simdjson::SUCCESS) {
    return Invalid("a set value is not a list");
  }
  std::vector<std::string> encoded;
  for (dom::element member : array) {
    std::string_view text;
    if (member.get_string().get(text) != simdjson::SUCCESS) {
      return Invalid("a set member is not a string");
    }
    switch (kind) {
      case SetOf::kStrings:
        encoded.emplace_back(text);
        break;
      case SetOf::kNumbers:
        encoded.push_back(NumberForm(text));
        break;
      case SetOf::kBinary:
        encoded.push_back(BinaryForm(text));
        break;
    }
  }
  std::sort(encoded.begin(), encoded.end());
  out->push_back(tag);
  PutLength(out, encoded.size());
  for (const std::string& e : encoded) PutBytes(out, e);
  return aws::Status::Ok();
}

// Members of an M value or of an item: sorted by name, `ignored` left out.
aws::Status EncodeMembers(char tag, dom::object object, const IgnoredAttributes* ignored,
                          std::string* out) {
  std::vector<std::pair<std::string_view, std::string>> members;
  members.reserve(object.size());
  for (dom::key_value_pair member : object) {
    if (ignored != nullptr && ignored->contains(member.key)) continue;
    std::string encoded;
    if (aws::Status s = EncodeValue(member.value, &encoded); !s.ok()) return s;
    members.emplace_back(member.key, std::move(encoded));
  }
  std::sort(members.begin(), members.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  out->push_back(tag);
  PutLength(out, members.size());
  for (const auto& [name, encoded] : members) {
    PutBytes(out, name);
    out->append(encoded);
  }
  return aws::Status::Ok();
}

aws::Status EncodeValue(dom::element typed, std::string* out) {
  std::string_view type;
  dom::element value;
  if (aws::Status s = Unwrap(typed, &type, &value); !s.ok()) return s;
  std::string_view text;
  if (type == "S" || type == "B" || type == "N") {
    if (value.get_string().get(text) != simdjson::SUCCESS) {
      return Invalid("a " + std::string(type) + " value is not a string");
    }
    out->push_back(type[0]);
    if (type == "N") {
      PutBytes(out, NumberForm(text));
    } else if (type == "B" && text.ends_with('=')) {  // else its own standard spelling
      PutBytes(out, BinaryForm(text));
    } else {
      PutBytes(out, text);
    }
    return aws::Status::Ok();
  }
  if (type == "BOOL") {
    bool b = false;
    if (value.get_bool().get(b) != simdjson::SUCCESS)
      return Invalid("a BOOL value is not true/false");
    out->push_back(b ? 'T' : 'F');
    return aws::Status::Ok();
  }
  if (type == "NULL") {
    out->push_back('Z');
    return aws::Status::Ok();
  }
  if (type == "M") {
    dom::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS)
      return Invalid("an M value is not a map");
    return EncodeMembers('M', object, nullptr, out);
  }
  if (type == "L") {
    dom::array array;
    if (value.get_array().get(array) != simdjson::SUCCESS)
      return Invalid("an L value is not a list");
    out->push_back('L');
    PutLength(out, array.size());
    for (dom::element element : array) {
      if (aws::Status s = EncodeValue(element, out); !s.ok()) return s;
    }
    return aws::Status::Ok();
  }
  if (type == "SS") return EncodeSet('s', value, SetOf::kStrings, out);
  if (type == "NS") return EncodeSet('n', value, SetOf::kNumbers, out);
  if (type == "BS") return EncodeSet('b', value, SetOf::kBinary, out);
  return Invalid("unknown attribute type '" + std::string(type) + "'");
}

const EVP_MD* Sha256() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

uint64_t MixedHash(std::string_view bytes) {
  uint64_t h = aws::Fnv1a64(bytes);
  // Final mix (splitmix64), so that bucket = hash % n spreads similar keys.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

void DiffValues(dom::element a, dom::element b, const std::string& path,
                std::vector<std::string>* out);

// An attribute name as a step of a path: as it is, or in double quotes (with \" \\ and \u00XX
// escapes) when it is empty or holds what would read as path syntax (. [ ] ") or a control
// character, so that a map key "a.b" is not taken for a nested path.
std::string PathStep(std::string_view name) {
  const bool plain = !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
    return c == '.' || c == '[' || c == ']' || c == '"' || c == '\\' ||
           static_cast<unsigned char>(c) < 0x20;
  });
  if (plain) return std::string(name);
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      quoted += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
    } else {
      quoted += c;
    }
  }
  return quoted + '"';
}

void DiffMembers(dom::object a, dom::object b, const std::string& prefix,
                 const IgnoredAttributes* ignored, std::vector<std::string>* out) {
  std::vector<std::string_view> names;
  for (dom::key_value_pair m : a) names.push_back(m.key);
  for (dom::key_value_pair m : b) names.push_back(m.key);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (std::string_view name : names) {
    if (ignored != nullptr && ignored->contains(name)) continue;
    const std::string path = prefix + PathStep(name);
    dom::element va;
    dom::element vb;
    const bool in_a = a.at_key(name).get(va) == simdjson::SUCCESS;
    const bool in_b = b.at_key(name).get(vb) == simdjson::SUCCESS;
    if (in_a != in_b) {
      out->push_back(path);
    } else {
      DiffValues(va, vb, path, out);
    }
  }
}

void DiffValues(dom::element a, dom::element b, const std::string& path,
                std::vector<std::string>* out) {
  std::string_view type_a;
  std::string_view type_b;
  dom::element va;
  dom::element vb;
  if (!Unwrap(a, &type_a, &va).ok() || !Unwrap(b, &type_b, &vb).ok() || type_a != type_b) {
    out->push_back(path);
    return;
  }
  dom::object map_a;
  dom::object map_b;
  if (type_a == "M" && va.get_object().get(map_a) == simdjson::SUCCESS &&
      vb.get_object().get(map_b) == simdjson::SUCCESS) {
    DiffMembers(map_a, map_b, path + ".", nullptr, out);
    return;
  }
  dom::array list_a;
  dom::array list_b;
  if (type_a == "L" && va.get_array().get(list_a) == simdjson::SUCCESS &&
      vb.get_array().get(list_b) == simdjson::SUCCESS) {
    if (list_a.size() != list_b.size()) out->push_back(path);
    auto ia = list_a.begin();
    auto ib = list_b.begin();
    for (size_t i = 0; ia != list_a.end() && ib != list_b.end(); ++i, ++ia, ++ib) {
      DiffValues(*ia, *ib, path + "[" + std::to_string(i) + "]", out);
    }
    return;
  }
  std::string ea;
  std::string eb;
  const bool ok_a = EncodeValue(a, &ea).ok();
  const bool ok_b = EncodeValue(b, &eb).ok();
  if (!ok_a || !ok_b || ea != eb) out->push_back(path);
}

}  // namespace

aws::Result<std::string> NormalizeNumber(std::string_view number) {
  std::string_view rest = number;
  bool negative = false;
  if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  std::string digits;
  int64_t exponent = 0;  // value = digits * 10^exponent
  bool any_digit = false;
  bool seen_point = false;
  size_t i = 0;
  for (; i < rest.size(); ++i) {
    const char c = rest[i];
    if (c >= '0' && c <= '9') {
      any_digit = true;
      digits.push_back(c);
      if (seen_point) --exponent;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!any_digit) return Invalid("'" + std::string(number) + "' is not a number");
  if (i < rest.size()) {
    if (rest[i] != 'e' && rest[i] != 'E') {
      return Invalid("'" + std::string(number) + "' is not a number");
    }
    std::string_view exp = rest.substr(i + 1);
    bool exp_negative = false;
    if (!exp.empty() && (exp.front() == '-' || exp.front() == '+')) {
      exp_negative = exp.front() == '-';
      exp.remove_prefix(1);
    }
    if (exp.empty() || exp.size() > 9) {
      return Invalid("'" + std::string(number) + "' is not a number");
    }
    int64_t e = 0;
    for (char c : exp) {
      if (c < '0' || c > '9') return Invalid("'" + std::string(number) + "' is not a number");
      e = e * 10 + (c - '0');
    }
    exponent += exp_negative ? -e : e;
  }
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return std::string("0");
  digits.erase(0, first);
  while (digits.back() == '0') {
    digits.pop_back();
    ++exponent;
  }
  std::string out = negative ? "-" : "";
  out += digits;
  if (exponent != 0) out += "e" + std::to_string(exponent);
  return out;
}

uint64_t CanonicalKeyHash(std::string_view canonical_key) { return MixedHash(canonical_key); }

aws::Result<std::string> CanonicalItem(std::string_view item_json,
                                       const IgnoredAttributes& ignored) {
  aws::Result<dom::object> item = ParseObject(ThreadDomParser(0), item_json, false);
  if (!item.ok()) return std::move(item).error();
  std::string out;
  if (aws::Status s = EncodeMembers('I', *item, &ignored, &out); !s.ok()) return s.error();
  return out;
}

namespace {

// Appends the canonical bytes of `item`'s key attributes, in key-schema order.
aws::Status EncodeKey(const dom::object& item, const std::vector<KeySchemaElement>& key_schema,
                      std::string* out) {
  for (const KeySchemaElement& k : key_schema) {
    dom::element value;
    if (item.at_key(k.attribute_name).get(value) != simdjson::SUCCESS) {
      return Invalid("an item lacks the key attribute '" + k.attribute_name + "'");
    }
    PutBytes(out, k.attribute_name);
    if (aws::Status s = EncodeValue(value, out); !s.ok()) return s;
  }
  return aws::Status::Ok();
}

}  // namespace

aws::Result<std::string> CanonicalKey(std::string_view item_json,
                                      const std::vector<KeySchemaElement>& key_schema) {
  aws::Result<dom::object> item = ParseObject(ThreadDomParser(0), item_json, false);
  if (!item.ok()) return std::move(item).error();
  std::string key;
  if (aws::Status s = EncodeKey(*item, key_schema, &key); !s.ok()) return s.error();
  return key;
}

aws::Result<ItemFingerprint> FingerprintItem(std::string_view item_json,
                                             const std::vector<KeySchemaElement>& key_schema,
                                             const IgnoredAttributes& ignored) {
  aws::Result<dom::object> item = ParseObject(ThreadDomParser(0), item_json, true);
  if (!item.ok()) return std::move(item).error();
  ItemFingerprint fingerprint;
  if (aws::Status s = EncodeKey(*item, key_schema, &fingerprint.key); !s.ok()) return s.error();
  fingerprint.key_hash = MixedHash(fingerprint.key);
  std::string canonical;
  canonical.reserve(item_json.size());
  if (aws::Status s = EncodeMembers('I', *item, &ignored, &canonical); !s.ok()) return s.error();
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(canonical.data(), canonical.size(), md, &size, Sha256(), nullptr) != 1) {
    return aws::Error::Make(aws::ErrorKind::kInternal, "SHA-256 failed");
  }
  std::memcpy(fingerprint.digest.data(), md, fingerprint.digest.size());
  return fingerprint;
}

aws::Result<std::vector<std::string>> DiffItems(std::string_view a_json, std::string_view b_json,
                                                const IgnoredAttributes& ignored) {
  aws::Result<dom::object> a = ParseObject(ThreadDomParser(0), a_json, false);
  if (!a.ok()) return std::move(a).error();
  aws::Result<dom::object> b = ParseObject(ThreadDomParser(1), b_json, false);
  if (!b.ok()) return std::move(b).error();
  std::vector<std::string> paths;
  DiffMembers(*a, *b, "", &ignored, &paths);
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  return paths;
}

void DigestSum::Add(const std::array<uint8_t, 16>& digest) {
  unsigned __int128 v = 0;
  std::memcpy(&v, digest.data(), sizeof v);
  sum += v;
  ++count;
}

std::string DigestSum::Hex() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  unsigned __int128 v = sum;
  for (int i = 31; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kHex[static_cast<unsigned>(v & 0xf)];
    v >>= 4;
  }
  return out;
}

}  // namespace ddbm::dynamodb
