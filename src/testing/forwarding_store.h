// ForwardingStore: an ObjectStore that hands every call to another one, for tests to override
// the calls they want to observe or falsify. Thread-safe as the inner store is.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/object_store.h"

namespace ddbm::testing {

class ForwardingStore : public storage::ObjectStore {
 public:
  // REQUIRES: `inner` outlives the store.
  explicit ForwardingStore(storage::ObjectStore* inner) : inner_(inner) {}

  aws::Result<std::string> Get(std::string_view key) const override { return inner_->Get(key); }
  aws::Result<storage::ObjectRange> GetRange(std::string_view key, int64_t offset,
                                             size_t length) const override {
    return inner_->GetRange(key, offset, length);
  }
  aws::Result<bool> Exists(std::string_view key) const override { return inner_->Exists(key); }
  aws::Status Put(std::string_view key, std::string_view bytes) override {
    return inner_->Put(key, bytes);
  }
  aws::Status Delete(std::string_view key) override { return inner_->Delete(key); }
  aws::Result<std::unique_ptr<storage::ObjectWriter>> OpenWriter(std::string_view key) override {
    return inner_->OpenWriter(key);
  }
  aws::Result<std::vector<storage::ObjectInfo>> List(std::string_view prefix) const override {
    return inner_->List(prefix);
  }
  aws::Result<size_t> AbortIncompleteUploads(std::string_view prefix) override {
    return inner_->AbortIncompleteUploads(prefix);
  }
  aws::Status CheckRoot(bool create) override { return inner_->CheckRoot(create); }
  std::string Describe(std::string_view key) const override { return inner_->Describe(key); }
  std::optional<std::string> bucket() const override { return inner_->bucket(); }

 protected:
  storage::ObjectStore* inner() const { return inner_; }

 private:
  storage::ObjectStore* inner_;
};

}  // namespace ddbm::testing
