#pragma once
// Sequential reader over a raw or gzip-compressed file. zlib's gzopen recognises the gzip magic
// (1f 8b) and otherwise reads the file transparently, so every reader accepts both forms. Offsets
// in error messages count bytes of the (decompressed) stream, which for a raw file is the file
// offset and for a .gz file is the offset in the IDX/CIFAR/text content a user would unpack.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rapidnn::datasets {

class ByteReader {
 public:
  /// Throws IoError "FILE: cannot open: <strerror>".
  explicit ByteReader(const std::filesystem::path& path);
  ~ByteReader();
  ByteReader(const ByteReader&) = delete;
  ByteReader& operator=(const ByteReader&) = delete;

  /// The file name as it appears in messages.
  const std::string& name() const { return name_; }
  /// Bytes consumed so far (decompressed).
  std::int64_t offset() const { return offset_; }
  /// Whether the file is gzip-compressed.
  bool compressed() const;

  /// Reads up to out.size() bytes; fewer only at the end of the stream. Throws IoError on a
  /// corrupt or truncated gzip stream or a read error.
  std::size_t read_some(std::span<std::uint8_t> out);
  /// Reads exactly out.size() bytes or throws
  /// "FILE: byte offset O: truncated: expected N bytes of WHAT, got M".
  void read_exact(std::span<std::uint8_t> out, std::string_view what);
  /// Reads exactly n bytes into a new vector, growing it chunk by chunk so that a corrupt header
  /// claiming terabytes fails with the truncation message rather than an allocation failure.
  std::vector<std::uint8_t> read_exact_vector(std::int64_t n, std::string_view what);
  /// Reads the rest of the stream.
  std::string read_all();
  /// True when no byte is left (peeks one byte).
  bool at_end();

 private:
  std::string name_;
  void* gz_ = nullptr;  // gzFile; kept opaque so zlib.h stays out of the header
  std::int64_t offset_ = 0;
};

/// Big-endian 32-bit word at p (IDX headers are big-endian).
inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

}  // namespace rapidnn::datasets
