#include "aws/base64.h"

#include <openssl/evp.h>

#include <cstdint>

namespace ddbm::aws {
namespace {

int Base64Digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string EncodeBase64(std::string_view bytes) {
  // EVP_EncodeBlock writes a terminating NUL after the 4 * ceil(n / 3) characters.
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool DecodeBase64(std::string_view text, std::string* bytes) {
  bytes->clear();
  if (text.size() % 4 != 0) return false;
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last_group = i + 4 == text.size();
    uint32_t group = 0;
    int padding = 0;
    for (size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      int digit = 0;
      if (c == '=' && last_group && j >= 2) {
        ++padding;
      } else {
        digit = Base64Digit(c);
        if (digit < 0 || padding > 0) return false;
      }
      group = group << 6 | static_cast<uint32_t>(digit);
    }
    bytes->push_back(static_cast<char>(group >> 16));
    if (padding < 2) bytes->push_back(static_cast<char>(group >> 8 & 0xff));
    if (padding < 1) bytes->push_back(static_cast<char>(group & 0xff));
  }
  return true;
}

}  // namespace ddbm::aws
