#include "io/datasets/byte_reader.hpp"

#include <cerrno>
#include <algorithm>
#include <cstring>

#include <zlib.h>

#include "core/error.hpp"

namespace rapidnn::datasets {
namespace {
gzFile as_gz(void* p) { return static_cast<gzFile>(p); }
}  // namespace

ByteReader::ByteReader(const std::filesystem::path& path) : name_(path.string()) {
  errno = 0;
  gz_ = gzopen(name_.c_str(), "rb");
  if (gz_ == nullptr) {
    const int err = errno;
    throw IoError(fmt::format("{}: cannot open: {}", name_,
                              err != 0 ? std::strerror(err) : "zlib could not allocate its state"));
  }
  // gzopen succeeds on a directory; the first read would fail with a less helpful message.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    gzclose(as_gz(gz_));
    gz_ = nullptr;
    throw IoError(fmt::format("{}: cannot open: {}", name_, std::strerror(EISDIR)));
  }
  gzbuffer(as_gz(gz_), 1u << 17);
}

ByteReader::~ByteReader() {
  if (gz_ != nullptr) gzclose(as_gz(gz_));
}

bool ByteReader::compressed() const { return gzdirect(as_gz(gz_)) == 0; }

std::size_t ByteReader::read_some(std::span<std::uint8_t> out) {
  std::size_t total = 0;
  while (total < out.size()) {
    const std::size_t want = std::min<std::size_t>(out.size() - total, std::size_t{1} << 30);
    const int got = gzread(as_gz(gz_), out.data() + total, static_cast<unsigned>(want));
    int errnum = Z_OK;
    const char* zmsg = gzerror(as_gz(gz_), &errnum);
    if (got < 0 || (errnum != Z_OK && errnum != Z_STREAM_END)) {
      const std::int64_t at = offset_ + static_cast<std::int64_t>(total) + std::max(got, 0);
      const std::string why = errnum == Z_ERRNO ? std::strerror(errno) : zmsg;
      throw IoError(fmt::format("{}: byte offset {}: {}: {}", name_, at,
                                compressed() ? "corrupt gzip stream" : "read error", why));
    }
    if (got == 0) break;
    total += static_cast<std::size_t>(got);
  }
  offset_ += static_cast<std::int64_t>(total);
  return total;
}

void ByteReader::read_exact(std::span<std::uint8_t> out, std::string_view what) {
  const std::int64_t start = offset_;
  const std::size_t got = read_some(out);
  RAPIDNN_THROW_IF_NOT(got == out.size(), IoError,
                       "{}: byte offset {}: truncated: expected {} bytes of {}, got {}", name_, start,
                       out.size(), what, got);
}

std::vector<std::uint8_t> ByteReader::read_exact_vector(std::int64_t n, std::string_view what) {
  RAPIDNN_ASSERT(n >= 0);
  constexpr std::int64_t kChunk = std::int64_t{1} << 26;
  const std::int64_t start = offset_;
  std::vector<std::uint8_t> bytes;
  std::int64_t got = 0;
  while (got < n) {
    const std::int64_t want = std::min(n - got, kChunk);
    bytes.resize(static_cast<std::size_t>(got + want));
    const auto read = static_cast<std::int64_t>(
        read_some({bytes.data() + got, static_cast<std::size_t>(want)}));
    got += read;
    if (read < want) break;
  }
  RAPIDNN_THROW_IF_NOT(got == n, IoError, "{}: byte offset {}: truncated: expected {} bytes of {}, got {}",
                       name_, start, n, what, got);
  return bytes;
}

std::string ByteReader::read_all() {
  std::string text;
  std::uint8_t chunk[1 << 16];
  for (;;) {
    const std::size_t got = read_some(chunk);
    text.append(reinterpret_cast<const char*>(chunk), got);
    if (got < sizeof chunk) break;
  }
  return text;
}

bool ByteReader::at_end() {
  const int c = gzgetc(as_gz(gz_));
  if (c < 0) {
    int errnum = Z_OK;
    const char* zmsg = gzerror(as_gz(gz_), &errnum);
    RAPIDNN_THROW_IF_NOT(errnum == Z_OK || errnum == Z_STREAM_END, IoError,
                         "{}: byte offset {}: corrupt gzip stream: {}", name_, offset_, zmsg);
    return true;
  }
  gzungetc(c, as_gz(gz_));
  return false;
}

}  // namespace rapidnn::datasets
