#include "pipeline/key_digest.h"

#include <cstring>
#include <string>

#include "aws/sigv4.h"

namespace ddbm::pipeline {

KeyDigest DigestKey(std::string_view key_json) {
  const std::string sha = aws::sigv4::Sha256(key_json);
  KeyDigest d;
  std::memcpy(&d.high, sha.data(), sizeof d.high);
  std::memcpy(&d.low, sha.data() + sizeof d.high, sizeof d.low);
  return d;
}

}  // namespace ddbm::pipeline
