// The pace of a listener (see accept_pacer.hpp).
#include "given/ch06/accept_pacer.hpp"

#include <system_error>

#include "hs/net.hpp"

namespace hs::ch06 {

bool AcceptPacer::turn_due() noexcept {
  if (in_a_row_ < batch) return false;
  in_a_row_ = 0;
  return true;
}

void AcceptPacer::accepted() noexcept {
  in_backoff_ = false;
  ++in_a_row_;
  ++stats_.accept.accepted;
  const auto open = ++stats_.open;
  if (open > stats_.open_peak) stats_.open_peak = open;
}

bool AcceptPacer::failed(int error) {
  ++stats_.accept.accept_errors;
  const AcceptFailure failure = classify_accept_failure(error);
  if (failure == AcceptFailure::fatal) throw std::system_error(error, std::generic_category(), "accept");
  if (failure == AcceptFailure::skip) return false;
  if (!in_backoff_) {
    log_.warn("accept failed: {}; pausing {} ms between retries", std::generic_category().message(error),
              pause_.count());
  }
  in_backoff_ = true;
  ++stats_.accept.backoffs;
  return true;
}

}  // namespace hs::ch06
