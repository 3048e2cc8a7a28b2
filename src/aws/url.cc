#include "aws/url.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ddbm::aws {

std::string Url::Authority() const {
  const bool default_port =
      port == 0 || (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  return default_port ? host : host + ":" + std::to_string(port);
}

std::string Url::Origin() const { return scheme + "://" + Authority(); }

namespace {

// `text` with any user info ("user:password@") of its authority hidden, for messages.
std::string Displayable(std::string_view text) {
  const size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return std::string(text);
  const size_t start = scheme_end + 3;
  // The last '@' anywhere: a password may hold an unencoded '/', '?' or '#'.
  const size_t at = text.rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(text);
  return std::string(text.substr(0, start)) + "..." + std::string(text.substr(at));
}

}  // namespace

Result<Url> ParseUrl(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Error::Make(ErrorKind::kInvalidInput,
                       "invalid URL '" + Displayable(text) + "': " + std::string(why));
  };
  Url url;
  const size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return bad("expected http://host or https://host");
  url.scheme.assign(text.substr(0, scheme_end));
  std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (url.scheme != "http" && url.scheme != "https") return bad("scheme must be http or https");
  std::string_view rest = text.substr(scheme_end + 3);
  const size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return bad("user info is not supported");
  size_t port_colon = std::string_view::npos;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return bad("unexpected text after IPv6 address");
      port_colon = close + 1;
    }
  } else {
    port_colon = authority.rfind(':');
  }
  std::string_view host = authority.substr(0, port_colon);
  if (port_colon != std::string_view::npos) {
    std::string_view port = authority.substr(port_colon + 1);
    int value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value <= 0 || value > 65535) {
      return bad("port must be a number from 1 to 65535");
    }
    url.port = value;
  }
  if (host.empty()) return bad("missing host");
  url.host.assign(host);
  std::transform(url.host.begin(), url.host.end(), url.host.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  const size_t fragment = rest.find('#');
  if (fragment != std::string_view::npos) rest = rest.substr(0, fragment);
  const size_t q = rest.find('?');
  url.path.assign(rest.substr(0, q));
  if (q != std::string_view::npos) url.query.assign(rest.substr(q + 1));
  if (url.path.empty()) url.path = "/";
  return url;
}

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    // Explicit ranges rather than std::isalnum, which depends on the C locale: in a single-byte
    // locale such as Latin-1 it would leave bytes like 0xE9 unencoded.
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UriDecode(std::string_view text) {
  const auto hex = HexDigitValue;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace ddbm::aws
