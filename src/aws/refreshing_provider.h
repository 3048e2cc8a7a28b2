// RefreshingProvider: caches the credentials of a slower provider (STS, credential_process,
// container, instance metadata) and refreshes them ahead of their expiration, so that a migration
// outlasting a one-hour session keeps signing with valid credentials.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "aws/clock.h"
#include "aws/credentials.h"

namespace ddbm::aws {

struct RefreshOptions {
  // Credentials closer than this to their expiration are refreshed.
  std::chrono::seconds refresh_window{300};
  // After a refresh that failed, or that returned credentials already inside the window, the
  // next attempt waits this long while the cached credentials are still unexpired.
  std::chrono::seconds retry_interval{30};
  // When not zero, credentials that arrive already expired are used for this long, and renewed
  // at retry_interval meanwhile, instead of being an error: what botocore does for EC2 instance
  // metadata, which may keep serving expired credentials while its own renewal is down (AWS
  // accepts them for a while).
  std::chrono::seconds expired_grace{0};
};

// Thread-safe. At most one call of the inner provider runs at a time. While one thread refreshes,
// others return the cached credentials if they have not yet expired, and otherwise wait for that
// refresh and share its outcome (a failed refresh is not repeated by each waiter). Credentials
// without an expiration are cached for good. A failed refresh returns the cached credentials
// while they are unexpired, and the error once they have expired.
// REQUIRES: `clock` outlives the provider; `inner` is not null.
class RefreshingProvider final : public CredentialsProvider {
 public:
  RefreshingProvider(std::shared_ptr<CredentialsProvider> inner, Clock* clock,
                     RefreshOptions options = {});
  Result<Credentials> GetCredentials() override;

 private:
  bool Fresh(const Credentials& credentials, Clock::WallTime now) const;
  static bool Unexpired(const Credentials& credentials, Clock::WallTime now);

  const std::shared_ptr<CredentialsProvider> inner_;
  Clock* const clock_;
  const RefreshOptions options_;

  std::mutex refresh_mu_;  // held while calling inner_; taken before mu_ when both are held
  std::mutex mu_;          // guards the fields below
  std::optional<Credentials> cached_;
  std::optional<Error> last_error_;            // of the latest refresh, when it failed
  uint64_t refreshes_ = 0;                     // refreshes completed, failed or not
  std::optional<Clock::SteadyTime> retry_at_;  // no refresh before this while cached_ is unexpired
};

}  // namespace ddbm::aws
