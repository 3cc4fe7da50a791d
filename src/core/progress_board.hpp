#pragma once
// The progress of a job made of independent tasks spread over ranks (e.g. one training run per
// rank) as rank 0 sees it: every task's done/total as last reported by its owner, the rates, the
// job's ETA and a one-line summary. Pure bookkeeping without MPI or clocks: par::JobProgress
// feeds it from messages and passes the times in, so the arithmetic is testable.
#include <cstdint>
#include <string>
#include <vector>

namespace rapidnn {

class ProgressBoard {
 public:
  struct Task {
    std::string name;
    int owner = 0;               // rank that does the task
    std::uint64_t total = 0;     // items (e.g. training images over all epochs); 0: unknown
                                 // until the owner starts the task and reports it
    double cost_per_item = 1.0;  // relative work of one item (e.g. MACs per image)
  };
  struct State {
    bool started = false;
    std::uint64_t done = 0;
    double elapsed_s = 0.0;  // since the owner started the task, on the owner's clock
  };

  /// `what` names the job ("train"), `unit` the items ("images").
  ProgressBoard(std::string what, std::string unit, std::vector<Task> tasks);

  /// Task `task` (started) has done `done` of `total` items (absolute counts) `elapsed_s` after
  /// its owner started it.
  void update(std::size_t task, std::uint64_t done, std::uint64_t total, double elapsed_s);

  std::size_t size() const { return tasks_.size(); }
  const Task& task(std::size_t i) const { return tasks_.at(i); }
  const State& state(std::size_t i) const { return states_.at(i); }
  bool started(std::size_t i) const { return states_.at(i).started; }
  bool finished(std::size_t i) const { return started(i) && states_[i].done >= tasks_[i].total; }
  bool all_finished() const;

  /// Items per second of a started task (0 before it has done anything).
  double rate(std::size_t i) const;
  /// Fraction of the job's work done, each item weighted by its task's cost_per_item; negative
  /// while a task's total is unknown.
  double fraction_done() const;
  /// Seconds until the task is done at its own rate; negative when unknown (no rate yet).
  double task_eta_s(std::size_t i) const;
  /// Seconds until the whole job is done. The tasks of one owner run one after another: a task
  /// with a rate finishes at that rate, the others at the work rate (cost per second) its owner
  /// measured on its tasks with a rate; the job ends with its slowest owner. Negative when
  /// unknown (an owner with work left has no rate yet, or a total is unknown).
  double eta_s() const;

  /// "[train] 41.3% elapsed 2m10s ETA 3m05s | mlp (rank 1) 24000/60000 images 1.2k/s ETA 30.0s | ..."
  /// (finished tasks show "done", unstarted ones "waiting"; "?" where a figure is unknown).
  std::string line(double job_elapsed_s) const;
  /// "[train] mlp (rank 1) done: 60000 images in 50.0s (1.2k images/s)"
  std::string finished_line(std::size_t i) const;

 private:
  std::string what_, unit_;
  std::vector<Task> tasks_;
  std::vector<State> states_;
};

/// "12.3s", "4m05s", "2h03m" (negative: "?").
std::string format_duration(double seconds);
/// "950", "1.2k", "3.40M" (three significant digits at most).
std::string format_count_rate(double per_second);

}  // namespace rapidnn
