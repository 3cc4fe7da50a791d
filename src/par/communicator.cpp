#include "par/communicator.hpp"

#include "core/error.hpp"

namespace rapidnn::par {

Environment::Environment(int& argc, char**& argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  // Errors inside MPI return codes instead of aborting, so rapidnn can report them.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

Environment::~Environment() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

bool Environment::initialized() {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  return init != 0 && fin == 0;
}

Communicator::Communicator(MPI_Comm comm) : comm_(comm) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

Communicator Communicator::world() {
  return Environment::initialized() ? Communicator(MPI_COMM_WORLD) : Communicator();
}

void Communicator::barrier() const {
  if (is_distributed()) MPI_Barrier(comm_);
}

void Communicator::bcast(std::string& s, int root) const {
  if (!is_distributed()) return;
  std::uint64_t n = s.size();
  bcast(std::span<std::uint64_t>(&n, 1), root);
  s.resize(n);
  bcast(std::span<char>(s.data(), s.size()), root);
}

}  // namespace rapidnn::par
