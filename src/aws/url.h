// URL splitting and RFC 3986 percent-encoding, as AWS signing and addressing need them.
#pragma once

#include <string>
#include <string_view>

#include "aws/error.h"

namespace ddbm::aws {

struct Url {
  std::string scheme;  // "http" or "https", lower case
  std::string host;    // lower case, no port; IPv6 literals keep their brackets
  int port = 0;        // 0 when the URL names none
  std::string path;    // as written, "/" when empty
  std::string query;   // without the '?', as written

  // "host" or "host:port" when the port is not the scheme's default; the Host header's value.
  std::string Authority() const;
  // scheme://authority (no path).
  std::string Origin() const;
};

// Accepts http:// and https:// URLs only; anything else is kInvalidInput naming the problem.
Result<Url> ParseUrl(std::string_view text);

// Percent-encodes every byte except A-Z a-z 0-9 - _ . ~ (and '/' when keep_slash), upper-case hex.
std::string UriEncode(std::string_view text, bool keep_slash = false);
// Decodes %XX sequences; leaves malformed ones as they are. '+' is left alone.
std::string UriDecode(std::string_view text);

// The value of a hex digit, either case; -1 for any other character.
int HexDigitValue(char c);

}  // namespace ddbm::aws
