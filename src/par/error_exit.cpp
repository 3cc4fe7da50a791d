#include "par/error_exit.hpp"

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "core/progress.hpp"

namespace rapidnn::par {

namespace {

struct Described {
  std::string message;
  bool agreed = false;
  bool quiet = false;  // a ConsistencyError: another rank prints the reason
};

Described describe(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const ConsistencyError& e) {
    return {e.what(), true, true};
  } catch (const Error& e) {
    return {e.what(), e.agreed(), false};
  } catch (const std::exception& e) {
    return {e.what(), false, false};
  } catch (...) {
    return {"unknown exception", false, false};
  }
}

}  // namespace

ErrorExit::ErrorExit(const Communicator& world, double grace_s) : world_(world), grace_s_(grace_s) {
  if (world_.is_distributed() && world_.size() > 1) MPI_Comm_dup(world_.native(), &channel_);
}

ErrorExit::~ErrorExit() {
  // Only reached after a normal return from main's work (handle() either returned after every
  // rank agreed or aborted); freeing would need every rank, so leave it to MPI_Finalize.
}

bool ErrorExit::every_rank_failed_within_grace() {
  MPI_Request req = MPI_REQUEST_NULL;
  MPI_Ibarrier(channel_, &req);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(grace_s_);
  for (;;) {
    int done = 0;
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    if (done) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int ErrorExit::handle(std::exception_ptr error) {
  const Described d = describe(error);
  if (d.agreed || channel_ == MPI_COMM_NULL) {
    if (!d.quiet) log_error(d.message);
    std::fflush(stderr);
    return 1;
  }
  if (every_rank_failed_within_grace()) {
    // Everyone is here: one of them (the lowest rank) speaks for all.
    int lowest = world_.rank();
    MPI_Allreduce(MPI_IN_PLACE, &lowest, 1, MPI_INT, MPI_MIN, channel_);
    if (world_.rank() == lowest) log_error(d.message);
    std::fflush(stderr);
    return 1;
  }
  log_error(fmt::format("rank {} of {}: {}", world_.rank(), world_.size(), d.message));
  std::fflush(stdout);
  std::fflush(stderr);
  MPI_Abort(world_.native(), 1);
  return 1;
}

}  // namespace rapidnn::par
