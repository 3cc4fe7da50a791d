#include "io/datasets/idx.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "io/datasets/byte_reader.hpp"

namespace rapidnn::datasets {
namespace {

// Reads the magic (checked first, so that a file of the wrong kind is named as such even when it
// is shorter than the expected header) and then the kWords - 1 dimension words.
template <std::size_t kWords>
std::array<std::uint32_t, kWords> read_header(ByteReader& in, std::uint32_t magic, const char* kind) {
  std::array<std::uint8_t, 4 * kWords> raw{};
  in.read_exact(std::span(raw).first(4), fmt::format("{} magic", kind));
  const std::uint32_t found = load_be32(raw.data());
  RAPIDNN_THROW_IF_NOT(found == magic, IoError, "{}: bad magic 0x{:08X}, expected 0x{:08X} ({})",
                       in.name(), found, magic, kind);
  in.read_exact(std::span(raw).subspan(4), fmt::format("{} header", kind));
  std::array<std::uint32_t, kWords> words{};
  for (std::size_t i = 0; i < kWords; ++i) words[i] = load_be32(raw.data() + 4 * i);
  return words;
}

std::int64_t effective_count(std::int64_t header_count, std::int64_t limit) {
  return limit < 0 ? header_count : std::min(header_count, limit);
}

void reject_trailing(ByteReader& in, std::int64_t count, const char* items) {
  RAPIDNN_THROW_IF_NOT(in.at_end(), IoError, "{}: byte offset {}: unexpected data after {} {}",
                       in.name(), in.offset(), count, items);
}

std::filesystem::path resolve(const std::filesystem::path& dir, const std::string& stem) {
  const auto gz = dir / (stem + ".gz");
  const auto raw = dir / stem;
  std::error_code ec;
  if (std::filesystem::exists(gz, ec)) return gz;
  if (std::filesystem::exists(raw, ec)) return raw;
  throw IoError(fmt::format("{}: cannot open: {} (nor {})", gz.string(), std::strerror(ENOENT),
                            raw.string()));
}

}  // namespace

IdxImages read_idx_images(const std::filesystem::path& path, std::int64_t limit) {
  ByteReader in(path);
  const auto h = read_header<4>(in, kIdxImagesMagic, "IDX images");
  RAPIDNN_THROW_IF_NOT(h[2] > 0 && h[3] > 0 && h[2] <= 65536 && h[3] <= 65536, IoError,
                       "{}: byte offset 8: bad image size {}x{} in IDX header", in.name(), h[2], h[3]);
  IdxImages images;
  images.rows = static_cast<int>(h[2]);
  images.cols = static_cast<int>(h[3]);
  images.count = effective_count(h[1], limit);
  images.pixels = in.read_exact_vector(images.count * h[2] * h[3], "image data");
  if (limit < 0) reject_trailing(in, images.count, "images");
  return images;
}

std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& path, int classes,
                                          std::int64_t limit) {
  RAPIDNN_THROW_IF_NOT(classes >= 1 && classes <= 256, InvalidArgument,
                       "read_idx_labels: classes = {} must be in [1, 256]", classes);
  ByteReader in(path);
  const auto h = read_header<2>(in, kIdxLabelsMagic, "IDX labels");
  const std::int64_t count = effective_count(h[1], limit);
  const std::int64_t data_start = in.offset();
  std::vector<std::uint8_t> labels = in.read_exact_vector(count, "label data");
  for (std::int64_t i = 0; i < count; ++i) {
    const int label = labels[static_cast<std::size_t>(i)];
    RAPIDNN_THROW_IF_NOT(label < classes, IoError,
                         "{}: item {} (byte offset {}): label {} out of range [0, {}]", in.name(), i,
                         data_start + i, label, classes - 1);
  }
  if (limit < 0) reject_trailing(in, count, "labels");
  return labels;
}

Dataset load_idx_pair(const std::filesystem::path& images_path, const std::filesystem::path& labels_path,
                      int classes, std::int64_t limit, std::string name) {
  // Compare header counts first so that a limited read still notices mismatched files.
  auto header_count = [](const std::filesystem::path& p, std::uint32_t magic, const char* kind) {
    ByteReader in(p);
    return read_header<2>(in, magic, kind)[1];
  };
  const auto n_images = header_count(images_path, kIdxImagesMagic, "IDX images");
  const auto n_labels = header_count(labels_path, kIdxLabelsMagic, "IDX labels");
  RAPIDNN_THROW_IF_NOT(n_images == n_labels, IoError,
                       "inconsistent IDX pair: {} holds {} images but {} holds {} labels",
                       images_path.string(), n_images, labels_path.string(), n_labels);

  const IdxImages images = read_idx_images(images_path, limit);
  const std::vector<std::uint8_t> labels = read_idx_labels(labels_path, classes, limit);
  RAPIDNN_ASSERT(static_cast<std::int64_t>(labels.size()) == images.count);

  Dataset data;
  data.name = std::move(name);
  data.n = images.count;
  data.shape = {1, images.rows, images.cols};
  data.d = data.shape.size();
  data.classes = classes;
  data.features.assign(images.pixels.begin(), images.pixels.end());
  data.labels.assign(labels.begin(), labels.end());
  return data;
}

Dataset load_mnist_format(const std::filesystem::path& dir, const std::string& split, std::int64_t limit) {
  RAPIDNN_THROW_IF_NOT(split == "train" || split == "test" || split == "t10k", InvalidArgument,
                       "MNIST-format split '{}' is not one of: train, test, t10k", split);
  const std::string prefix = split == "train" ? "train" : "t10k";
  const auto images = resolve(dir, prefix + "-images-idx3-ubyte");
  const auto labels = resolve(dir, prefix + "-labels-idx1-ubyte");
  const std::string base = dir.filename().empty() ? dir.parent_path().filename().string()
                                                  : dir.filename().string();
  return load_idx_pair(images, labels, 10, limit,
                       fmt::format("{}/{}", base, split == "train" ? "train" : "test"));
}

}  // namespace rapidnn::datasets
