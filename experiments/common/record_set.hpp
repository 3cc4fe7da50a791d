#pragma once
// A list of named arrays (float32, uint8, int64, float64) that one rank builds and all ranks then
// write into a ResultFile with identical collective calls: the owner serialises the set into a
// byte string, it is broadcast, and every rank writes the same datasets. Used for results that
// are computed on one rank but written collectively (a composed model, its codebooks).
#include <cstdint>
#include <string>
#include <vector>

#include "io/result_file.hpp"
#include "par/communicator.hpp"

namespace rapidnn::experiments {

class RecordSet {
 public:
  void add(std::string path, std::vector<std::uint64_t> dims, const std::vector<float>& v);
  void add(std::string path, std::vector<std::uint64_t> dims, const std::vector<double>& v);
  void add(std::string path, std::vector<std::uint64_t> dims, const std::vector<std::uint8_t>& v);
  void add(std::string path, std::vector<std::uint64_t> dims, const std::vector<std::int64_t>& v);

  std::string serialize() const;
  static RecordSet deserialize(const std::string& bytes);
  /// Collective: the set of `owner` is broadcast and written by every rank under `prefix`.
  static void write_from(const par::Communicator& comm, int owner, const RecordSet& local, io::ResultFile& out,
                         const std::string& prefix);
  std::size_t size() const { return records_.size(); }

 private:
  struct Record {
    std::string path;
    char type = 'f';  // f float32, d float64, b uint8, i int64
    std::vector<std::uint64_t> dims;
    std::string bytes;
  };
  void add_raw(std::string path, char type, std::vector<std::uint64_t> dims, const void* data, std::size_t bytes);
  std::vector<Record> records_;
};

}  // namespace rapidnn::experiments
