#include "common/record_set.hpp"

#include <cstring>
#include <set>

#include "core/error.hpp"

namespace rapidnn::experiments {

void RecordSet::add_raw(std::string path, char type, std::vector<std::uint64_t> dims, const void* data,
                        std::size_t bytes) {
  Record r{std::move(path), type, std::move(dims), std::string(static_cast<const char*>(data), bytes)};
  records_.push_back(std::move(r));
}
void RecordSet::add(std::string path, std::vector<std::uint64_t> dims, const std::vector<float>& v) {
  add_raw(std::move(path), 'f', std::move(dims), v.data(), v.size() * sizeof(float));
}
void RecordSet::add(std::string path, std::vector<std::uint64_t> dims, const std::vector<double>& v) {
  add_raw(std::move(path), 'd', std::move(dims), v.data(), v.size() * sizeof(double));
}
void RecordSet::add(std::string path, std::vector<std::uint64_t> dims, const std::vector<std::uint8_t>& v) {
  add_raw(std::move(path), 'b', std::move(dims), v.data(), v.size());
}
void RecordSet::add(std::string path, std::vector<std::uint64_t> dims, const std::vector<std::int64_t>& v) {
  add_raw(std::move(path), 'i', std::move(dims), v.data(), v.size() * sizeof(std::int64_t));
}

namespace {
void put_u64(std::string& s, std::uint64_t v) { s.append(reinterpret_cast<const char*>(&v), sizeof v); }
std::uint64_t get_u64(const std::string& s, std::size_t& pos) {
  RAPIDNN_ASSERT(pos + sizeof(std::uint64_t) <= s.size());
  std::uint64_t v;
  std::memcpy(&v, s.data() + pos, sizeof v);
  pos += sizeof v;
  return v;
}
std::string get_bytes(const std::string& s, std::size_t& pos, std::uint64_t n) {
  RAPIDNN_ASSERT(pos + n <= s.size());
  std::string out = s.substr(pos, n);
  pos += n;
  return out;
}
}  // namespace

std::string RecordSet::serialize() const {
  std::string s;
  put_u64(s, records_.size());
  for (const auto& r : records_) {
    put_u64(s, r.path.size());
    s += r.path;
    s += r.type;
    put_u64(s, r.dims.size());
    for (auto d : r.dims) put_u64(s, d);
    put_u64(s, r.bytes.size());
    s += r.bytes;
  }
  return s;
}

RecordSet RecordSet::deserialize(const std::string& bytes) {
  RecordSet set;
  std::size_t pos = 0;
  const auto n = get_u64(bytes, pos);
  for (std::uint64_t i = 0; i < n; ++i) {
    Record r;
    r.path = get_bytes(bytes, pos, get_u64(bytes, pos));
    r.type = get_bytes(bytes, pos, 1)[0];
    const auto nd = get_u64(bytes, pos);
    for (std::uint64_t d = 0; d < nd; ++d) r.dims.push_back(get_u64(bytes, pos));
    r.bytes = get_bytes(bytes, pos, get_u64(bytes, pos));
    set.records_.push_back(std::move(r));
  }
  return set;
}

namespace {
template <class T>
std::vector<T> as(const std::string& b) {
  std::vector<T> v(b.size() / sizeof(T));
  if (!v.empty()) std::memcpy(v.data(), b.data(), v.size() * sizeof(T));
  return v;
}
}  // namespace

void RecordSet::write_from(const par::Communicator& comm, int owner, const RecordSet& local, io::ResultFile& out,
                           const std::string& prefix) {
  std::string bytes = comm.rank() == owner ? local.serialize() : std::string();
  comm.bcast(bytes, owner);
  const RecordSet set = deserialize(bytes);
  std::set<std::string> groups;
  for (const auto& r : set.records_) {
    const std::string path = prefix + "/" + r.path;
    const auto slash = path.rfind('/');
    const std::string group = path.substr(0, slash);
    if (groups.insert(group).second) out.create_group(group);
    switch (r.type) {
      case 'f': out.write(path, as<float>(r.bytes), r.dims); break;
      case 'd': out.write(path, as<double>(r.bytes), r.dims); break;
      case 'b': out.write(path, as<std::uint8_t>(r.bytes), r.dims); break;
      default: out.write(path, as<std::int64_t>(r.bytes), r.dims); break;
    }
  }
}

}  // namespace rapidnn::experiments
