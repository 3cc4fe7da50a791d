#pragma once
// Progress and failures of a phase in which every rank works through its own independent tasks
// without collectives (e.g. `baselines`: each training run on one rank), shown on rank 0 for the
// whole job (DESIGN.md: long work shows progress on rank 0, other ranks stay quiet).
//
//  * The owner of a task calls start(task), then advance(task, done) as it goes, and note() for
//    a line of text (an epoch summary). Rank 0 updates its ProgressBoard directly; the other
//    ranks send small non-blocking messages (at most one per send_interval_s per task; the
//    final count always) on a private duplicate of the communicator, so that nothing else can
//    match them.
//  * Rank 0 drains those messages whenever it calls advance() or note() and while it waits; it
//    prints the board's line every print_interval_s, a line when a task finishes, and the notes.
//  * run(body) runs this rank's part, then waits until every rank is done, sleeping between
//    MPI_Test calls: a rank that is done does not spin on a core that others compute on.
//  * When body throws on one rank, that rank tells the others at once: their next advance() or
//    note() throws ConsistencyError, so they stop early instead of finishing hours of work.
//    After all ranks are done, run() ends like par::coordinated: the lowest rank that failed by
//    itself rethrows its error (agreed), the others throw ConsistencyError. Never a hang.
// Collective: construct and run() on every rank at the same point. Only the main thread may call
// the methods (MPI_THREAD_FUNNELED).
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <list>
#include <string>
#include <utility>
#include <vector>

#include "core/progress_board.hpp"
#include "par/communicator.hpp"

namespace rapidnn::par {

class JobProgress {
 public:
  struct Options {
    double print_interval_s = 10.0;  // rank 0: the board's line at most this often
    double send_interval_s = 0.5;    // other ranks: progress messages at most this often per task
    double poll_sleep_s = 0.02;      // while waiting for the other ranks
    /// Rank 0's output, one line at a time; default: stderr, prefixed "rapidnn: ".
    std::function<void(const std::string&)> print;
    /// print_interval_s from RAPIDNN_PROGRESS_S when set (seconds, e.g. 0 in tests), else 10.
    static Options from_environment();
  };

  JobProgress(const Communicator& comm, std::string what, std::string unit,
              std::vector<ProgressBoard::Task> tasks, Options options = Options::from_environment());
  ~JobProgress();
  JobProgress(const JobProgress&) = delete;
  JobProgress& operator=(const JobProgress&) = delete;

  /// Runs this rank's part of the phase and waits for the others (see above).
  template <class F>
  void run(F&& body) {
    std::exception_ptr error;
    try {
      std::forward<F>(body)();
    } catch (...) {
      error = std::current_exception();
    }
    finish(error);
  }

  /// Owner only: the task begins with `total` items; its rate and ETA are measured from here.
  void start(std::size_t task, std::uint64_t total);
  /// Owner only, after start(): `done` items of the task are finished (absolute count). Throws
  /// ConsistencyError when another rank has failed.
  void advance(std::size_t task, std::uint64_t done);
  /// Owner only: a line about the task that rank 0 prints (e.g. an epoch's loss and error).
  void note(std::size_t task, const std::string& text);

  /// Rank 0: the job as last reported (complete after run()). Other ranks: their own tasks.
  const ProgressBoard& board() const { return board_; }

 private:
  struct PendingSend {
    MPI_Request request = MPI_REQUEST_NULL;
    std::vector<char> bytes;
  };
  void finish(std::exception_ptr error);
  void check_owner(std::size_t task) const;
  double task_elapsed(std::size_t task) const;
  void send(int dest, int tag, std::vector<char> bytes);
  void receive_one(const MPI_Status& status);
  void poll();
  void throw_if_peer_failed() const;
  void report(std::size_t task, std::uint64_t done, bool force_send);
  void on_update(std::size_t task, std::uint64_t done, std::uint64_t total, double elapsed_s);
  void print(const std::string& line) const;
  void print_board(bool force);

  Communicator comm_;
  MPI_Comm channel_ = MPI_COMM_NULL;  // private duplicate of comm_ (distributed only)
  ProgressBoard board_;
  Options options_;
  using Clock = std::chrono::steady_clock;
  Clock::time_point job_start_, last_print_;
  std::vector<Clock::time_point> task_start_, last_send_;
  std::vector<bool> task_started_, reported_finished_;
  std::vector<std::uint64_t> task_total_;
  std::vector<int> sent_;  // messages this rank sent to each rank
  int received_ = 0;
  int peer_failed_ = -1;   // a rank that announced its failure
  bool finished_ = false;
  std::list<PendingSend> pending_;
};

}  // namespace rapidnn::par
