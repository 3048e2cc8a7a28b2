#include "aws/http.h"

#include <algorithm>
#include <cctype>

namespace ddbm::aws {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

namespace {
const std::string* Find(const std::vector<HttpHeader>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) return &h.value;
  }
  return nullptr;
}
}  // namespace

void HttpRequest::SetHeader(std::string_view name, std::string value) {
  std::erase_if(headers, [&](const HttpHeader& h) { return EqualsIgnoreCase(h.name, name); });
  headers.push_back({std::string(name), std::move(value)});
}

const std::string* HttpRequest::FindHeader(std::string_view name) const {
  return Find(headers, name);
}

const std::string* HttpResponse::FindHeader(std::string_view name) const {
  return Find(headers, name);
}

}  // namespace ddbm::aws
