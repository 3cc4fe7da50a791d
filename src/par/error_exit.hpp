#pragma once
// How main() ends the job after an exception escaped on this rank, so that an error prints ONE
// message and ends with a non-zero exit, never a hang (GROMACS: catch in main, print once,
// MPI_Abort):
//  * an agreed error (Error::agreed(): raised through par::coordinated or par::JobProgress, so
//    every rank is unwinding from the same point) is printed by the rank that holds it; the
//    others hold a ConsistencyError and stay quiet; every rank then returns 1 and finalizes MPI
//    normally (no MPI_Abort, so no Open MPI abort banner);
//  * any other error may leave ranks waiting in a collective. The rank first waits up to
//    `grace_s` (sleeping, on a private communicator) for every rank to fail as well: bad input
//    that every rank reads often fails everywhere at once. If they all do, the lowest rank prints
//    its message and all return 1; otherwise this rank prints its message with its rank number
//    and calls MPI_Abort, which ends the ranks that are still waiting.
// A single process just prints and returns 1.
#include <exception>

#include "par/communicator.hpp"

namespace rapidnn::par {

class ErrorExit {
 public:
  /// Collective, at start-up on every rank.
  explicit ErrorExit(const Communicator& world, double grace_s = 2.0);
  ~ErrorExit();
  ErrorExit(const ErrorExit&) = delete;
  ErrorExit& operator=(const ErrorExit&) = delete;

  /// Reports `error` as described above and returns the exit code (1), or does not return.
  int handle(std::exception_ptr error);

 private:
  bool every_rank_failed_within_grace();

  Communicator world_;
  MPI_Comm channel_ = MPI_COMM_NULL;
  double grace_s_;
};

}  // namespace rapidnn::par
