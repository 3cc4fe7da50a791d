#pragma once
// Coordinated exception handling (GROMACS coordinate_exception_handling.h): every rank runs the
// body, then all ranks agree whether any of them threw. The failing rank rethrows its own error;
// the others raise ConsistencyError naming the failing rank. Nobody is left in a collective.
// When several ranks fail (e.g. all parse the same bad config), only the lowest failing rank
// rethrows its error, so the job prints the message once.
#include <exception>
#include <utility>

#include "core/error.hpp"
#include "par/communicator.hpp"

namespace rapidnn::par {

template <class F>
void coordinated(const Communicator& comm, F&& body) {
  std::exception_ptr error;
  try {
    std::forward<F>(body)();
  } catch (...) {
    error = std::current_exception();
  }
  // Lowest failing rank, or size() when none failed.
  const int first_failed = comm.min(error ? comm.rank() : comm.size());
  if (first_failed == comm.size()) return;
  if (comm.rank() == first_failed) std::rethrow_exception(error);
  throw ConsistencyError(fmt::format("rank {} failed (its message is printed above)", first_failed));
}

}  // namespace rapidnn::par
