#pragma once
// Coordinated exception handling (GROMACS coordinate_exception_handling.h): every rank runs the
// body, then all ranks agree whether any of them threw. The lowest rank that failed by itself
// (not with a ConsistencyError from an inner coordinated section) rethrows its own error, marked
// agreed (Error::agreed); every other rank raises ConsistencyError naming it. So when several
// ranks fail (e.g. all parse the same bad config) the job prints the message once, and nobody
// is left in a collective. An exception that is not a rapidnn::Error is rethrown as an agreed
// Error with the same message.
#include <array>
#include <exception>
#include <utility>

#include "core/error.hpp"
#include "par/communicator.hpp"

namespace rapidnn::par {

namespace detail {

/// Agreement after every rank has run its part: `error` is this rank's exception (or null).
/// Returns normally when no rank failed; otherwise throws as described above on every rank.
inline void agree_on_failure(const Communicator& comm, std::exception_ptr error) {
  bool own = false;  // failed by itself, not because another rank did
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const ConsistencyError&) {
    } catch (...) {
      own = true;
    }
  }
  // Lowest rank that failed by itself and lowest that failed at all; size() means none.
  std::array<int, 2> lowest{own ? comm.rank() : comm.size(), error ? comm.rank() : comm.size()};
  comm.allreduce_min(std::span<int>(lowest));
  if (lowest[1] == comm.size()) return;
  const int reporter = lowest[0] < comm.size() ? lowest[0] : lowest[1];
  if (comm.rank() == reporter && own) {
    try {
      std::rethrow_exception(error);
    } catch (Error& e) {
      e.mark_agreed();
      throw;
    } catch (const std::exception& e) {
      Error wrapped(e.what());
      wrapped.mark_agreed();
      throw wrapped;
    } catch (...) {
      Error wrapped("unknown exception");
      wrapped.mark_agreed();
      throw wrapped;
    }
  }
  throw ConsistencyError(fmt::format("rank {} failed (its message is printed above)", reporter));
}

}  // namespace detail

template <class F>
void coordinated(const Communicator& comm, F&& body) {
  std::exception_ptr error;
  try {
    std::forward<F>(body)();
  } catch (...) {
    error = std::current_exception();
  }
  detail::agree_on_failure(comm, error);
}

}  // namespace rapidnn::par
