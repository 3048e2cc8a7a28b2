#include "storage/md5.h"

#include <openssl/evp.h>

#include <memory>
#include <new>
#include <stdexcept>

#include "aws/base64.h"

namespace ddbm::storage {

// Owns the OpenSSL digest context.
struct Md5::Context {
  Context() : ctx(EVP_MD_CTX_new()) {
    if (ctx == nullptr) throw std::bad_alloc();
  }
  ~Context() { EVP_MD_CTX_free(ctx); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  EVP_MD_CTX* const ctx;
};

namespace {

void Start(EVP_MD_CTX* ctx) {
  if (EVP_DigestInit_ex(ctx, EVP_md5(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL cannot start an MD5 digest");
  }
}

}  // namespace

Md5::Md5() : context_(std::make_unique<Context>()) { Start(context_->ctx); }
Md5::~Md5() = default;
Md5::Md5(Md5&& other) noexcept = default;
Md5& Md5::operator=(Md5&& other) noexcept = default;

void Md5::Update(std::string_view bytes) {
  EVP_DigestUpdate(context_->ctx, bytes.data(), bytes.size());
}

std::string Md5::Finish() {
  std::string digest(kDigestSize, '\0');
  unsigned int size = 0;
  EVP_DigestFinal_ex(context_->ctx, reinterpret_cast<unsigned char*>(digest.data()), &size);
  Start(context_->ctx);
  return digest;
}

std::string Md5::FinishBase64() { return aws::EncodeBase64(Finish()); }

std::string Md5::Digest(std::string_view bytes) {
  std::string digest(kDigestSize, '\0');
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), reinterpret_cast<unsigned char*>(digest.data()), &size,
             EVP_md5(), nullptr);
  return digest;
}

std::string LowerHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string Md5Base64(std::string_view bytes) { return aws::EncodeBase64(Md5::Digest(bytes)); }

std::string MultipartEtag(const std::vector<std::string>& binary_part_md5s) {
  if (binary_part_md5s.empty()) throw std::invalid_argument("MultipartEtag of no parts");
  Md5 md5;
  for (const std::string& part : binary_part_md5s) md5.Update(part);
  return LowerHex(md5.Finish()) + "-" + std::to_string(binary_part_md5s.size());
}

std::string SinglePartEtag(std::string_view bytes) { return MultipartEtag({Md5::Digest(bytes)}); }

}  // namespace ddbm::storage
