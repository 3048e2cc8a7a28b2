#include "aws/refreshing_provider.h"

#include "aws/iso8601.h"

namespace ddbm::aws {

RefreshingProvider::RefreshingProvider(std::shared_ptr<CredentialsProvider> inner, Clock* clock,
                                       RefreshOptions options)
    : inner_(std::move(inner)), clock_(clock), options_(options) {}

bool RefreshingProvider::Fresh(const Credentials& credentials, Clock::WallTime now) const {
  return !credentials.expiration || now + options_.refresh_window < *credentials.expiration;
}

bool RefreshingProvider::Unexpired(const Credentials& credentials, Clock::WallTime now) {
  return !credentials.expiration || now < *credentials.expiration;
}

Result<Credentials> RefreshingProvider::GetCredentials() {
  uint64_t refreshes_seen = 0;
  {
    std::lock_guard lock(mu_);
    if (cached_ && Fresh(*cached_, clock_->Now())) return *cached_;
    refreshes_seen = refreshes_;
  }

  std::unique_lock refresh(refresh_mu_, std::try_to_lock);
  if (!refresh.owns_lock()) {
    // Another thread is refreshing: use what we have while it is still good, else wait.
    {
      std::lock_guard lock(mu_);
      if (cached_ && Unexpired(*cached_, clock_->Now())) return *cached_;
    }
    refresh.lock();
  }

  {
    std::lock_guard lock(mu_);
    const Clock::WallTime now = clock_->Now();
    if (cached_ && Fresh(*cached_, now)) return *cached_;
    const bool usable = cached_ && Unexpired(*cached_, now);
    if (usable && retry_at_ && clock_->SteadyNow() < *retry_at_) return *cached_;
    // A refresh finished while we waited for it; share its failure rather than repeating it.
    if (refreshes_ != refreshes_seen && last_error_) {
      if (usable) return *cached_;
      return *last_error_;
    }
  }

  Result<Credentials> fresh = inner_->GetCredentials();

  std::lock_guard lock(mu_);
  ++refreshes_;
  const Clock::WallTime now = clock_->Now();
  if (fresh.ok() && !Unexpired(*fresh, now)) {
    if (options_.expired_grace.count() > 0) {
      fresh->expiration = now + options_.expired_grace;
    } else {
      // Signing with them would only earn ExpiredToken answers, one renewal per request.
      fresh = Error::Make(ErrorKind::kCredentials,
                          "the credentials from " + fresh->source + " expired at " +
                              FormatIso8601(*fresh->expiration) + ", before they could be used " +
                              "(this host's clock reads " + FormatIso8601(now) +
                              "); check that source, or the system clock");
    }
  }
  if (fresh.ok()) {
    cached_ = *fresh;
    last_error_.reset();
    retry_at_.reset();
    if (!Fresh(*cached_, now)) retry_at_ = clock_->SteadyNow() + options_.retry_interval;
    return fresh;
  }
  last_error_ = fresh.error();
  if (cached_ && Unexpired(*cached_, now)) {
    retry_at_ = clock_->SteadyNow() + options_.retry_interval;
    return *cached_;
  }
  return fresh;
}

}  // namespace ddbm::aws
