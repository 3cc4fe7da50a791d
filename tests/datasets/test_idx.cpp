#include <gtest/gtest.h>

#include "core/error.hpp"
#include "io/datasets/idx.hpp"
#include "temp_dir.hpp"

namespace rapidnn::datasets {
namespace {
using namespace testing;

// Writes a 5-image 3x2 IDX pair in the MNIST file layout, either gzipped or raw.
void write_pair(const TempDir& dir, const std::string& prefix, bool gz) {
  const auto img = idx_images(5, 3, 2);
  const auto lbl = idx_labels({3, 0, 9, 1, 4});
  if (gz) {
    write_gz(dir / (prefix + "-images-idx3-ubyte.gz"), img);
    write_gz(dir / (prefix + "-labels-idx1-ubyte.gz"), lbl);
  } else {
    write_bytes(dir / (prefix + "-images-idx3-ubyte"), img);
    write_bytes(dir / (prefix + "-labels-idx1-ubyte"), lbl);
  }
}

TEST(Idx, ReadsRawAndGzipIdentically) {
  TempDir dir;
  write_bytes(dir / "raw", idx_images(5, 3, 2));
  write_gz(dir / "packed.gz", idx_images(5, 3, 2));
  for (const char* name : {"raw", "packed.gz"}) {
    const IdxImages im = read_idx_images(dir / name);
    EXPECT_EQ(im.count, 5);
    EXPECT_EQ(im.rows, 3);
    EXPECT_EQ(im.cols, 2);
    ASSERT_EQ(im.pixels.size(), 30u);
    // Pixel k of image i is (7 i + k) % 256 (idx_images): image 4, pixel 5 -> 33.
    EXPECT_EQ(im.pixels[4 * 6 + 5], 33) << name;
  }
}

TEST(Idx, LimitReadsOnlyTheFirstImagesAndLabels) {
  TempDir dir;
  write_gz(dir / "i.gz", idx_images(5, 3, 2));
  write_gz(dir / "l.gz", idx_labels({3, 0, 9, 1, 4}));
  const IdxImages im = read_idx_images(dir / "i.gz", 2);
  EXPECT_EQ(im.count, 2);
  EXPECT_EQ(im.pixels.size(), 12u);
  EXPECT_EQ(read_idx_labels(dir / "l.gz", 10, 3), (std::vector<std::uint8_t>{3, 0, 9}));
}

TEST(Idx, LoadsMnistDirectoryInBothForms) {
  TempDir gz_dir;
  write_pair(gz_dir, "t10k", true);
  const auto raw = gz_dir / "raw";
  std::filesystem::create_directories(raw);
  write_bytes(raw / "t10k-images-idx3-ubyte", idx_images(5, 3, 2));
  write_bytes(raw / "t10k-labels-idx1-ubyte", idx_labels({3, 0, 9, 1, 4}));
  for (const auto& d : {gz_dir.path(), raw}) {
    const Dataset ds = load_fashion_mnist(d, "test");
    check_consistent(ds);
    EXPECT_EQ(ds.n, 5);
    EXPECT_EQ(ds.d, 6);
    EXPECT_EQ(ds.shape, (SampleShape{1, 3, 2}));
    EXPECT_EQ(ds.classes, 10);
    EXPECT_EQ(ds.labels, (std::vector<std::int32_t>{3, 0, 9, 1, 4}));
    EXPECT_FLOAT_EQ(ds.row(2)[1], 15.0f);  // (7*2 + 1) % 256
    EXPECT_EQ(ds.name, d.filename().string() + "/test");
  }
  EXPECT_EQ(load_mnist_format(gz_dir.path(), "test", 2).n, 2);
}

TEST(Idx, BadMagicNamesFileAndBothMagics) {
  TempDir dir;
  write_bytes(dir / "labels", idx_images(2, 2, 2));  // an image file where labels are expected
  EXPECT_EQ(error_of<IoError>([&] { read_idx_labels(dir / "labels"); }),
            (dir / "labels").string() + ": bad magic 0x00000803, expected 0x00000801 (IDX labels)");
  write_gz(dir / "images.gz", idx_labels({1, 2}));
  EXPECT_EQ(error_of<IoError>([&] { read_idx_images(dir / "images.gz"); }),
            (dir / "images.gz").string() + ": bad magic 0x00000801, expected 0x00000803 (IDX images)");
}

TEST(Idx, TruncatedImageDataNamesOffsetAndByteCounts) {
  TempDir dir;
  // Header says 10 images of 28x28 (7840 bytes) but only 1000 follow, as in a cut download.
  auto b = idx_images(10, 28, 28);
  b.resize(16 + 1000);
  write_bytes(dir / "cut", b);
  write_gz(dir / "cut.gz", b);
  for (const char* name : {"cut", "cut.gz"})
    EXPECT_EQ(error_of<IoError>([&] { read_idx_images(dir / name); }),
              (dir / name).string() + ": byte offset 16: truncated: expected 7840 bytes of image data, got 1000");
}

TEST(Idx, TruncatedHeaderAndLabels) {
  TempDir dir;
  write_bytes(dir / "short", Bytes{0, 0, 8, 3, 0, 0, 0});
  EXPECT_EQ(error_of<IoError>([&] { read_idx_images(dir / "short"); }),
            (dir / "short").string() + ": byte offset 4: truncated: expected 12 bytes of IDX images header, got 3");
  auto l = idx_labels({1, 2, 3, 4});
  l.pop_back();
  write_bytes(dir / "l", l);
  EXPECT_EQ(error_of<IoError>([&] { read_idx_labels(dir / "l"); }),
            (dir / "l").string() + ": byte offset 8: truncated: expected 4 bytes of label data, got 3");
}

TEST(Idx, TrailingBytesAreRejected) {
  TempDir dir;
  auto l = idx_labels({1, 2});
  l.push_back(5);
  write_bytes(dir / "l", l);
  EXPECT_EQ(error_of<IoError>([&] { read_idx_labels(dir / "l"); }),
            (dir / "l").string() + ": byte offset 10: unexpected data after 2 labels");
  // A limited read stops before the extra byte and does not look at it.
  EXPECT_EQ(read_idx_labels(dir / "l", 10, 2).size(), 2u);
}

TEST(Idx, LabelOutOfRangeNamesItemAndOffset) {
  TempDir dir;
  write_gz(dir / "l.gz", idx_labels({1, 2, 12, 4}));
  // Item 2 sits after the 8-byte header: offset 10.
  EXPECT_EQ(error_of<IoError>([&] { read_idx_labels(dir / "l.gz"); }),
            (dir / "l.gz").string() + ": item 2 (byte offset 10): label 12 out of range [0, 9]");
}

TEST(Idx, CountMismatchBetweenImagesAndLabels) {
  TempDir dir;
  write_bytes(dir / "i", idx_images(5, 2, 2));
  write_bytes(dir / "l", idx_labels({1, 2, 3, 4}));
  EXPECT_EQ(error_of<IoError>([&] { load_idx_pair(dir / "i", dir / "l", 10, 2); }),
            "inconsistent IDX pair: " + (dir / "i").string() + " holds 5 images but " +
                (dir / "l").string() + " holds 4 labels");
}

TEST(Idx, MissingFilesAndCorruptGzip) {
  TempDir dir;
  EXPECT_EQ(error_of<IoError>([&] { read_idx_images(dir / "absent"); }),
            (dir / "absent").string() + ": cannot open: No such file or directory");
  EXPECT_EQ(error_of<IoError>([&] { load_fashion_mnist(dir.path(), "train"); }),
            (dir / "train-images-idx3-ubyte.gz").string() + ": cannot open: No such file or directory (nor " +
                (dir / "train-images-idx3-ubyte").string() + ")");
  EXPECT_EQ(error_of<InvalidArgument>([&] { load_fashion_mnist(dir.path(), "validation"); }),
            "MNIST-format split 'validation' is not one of: train, test, t10k");
  // A gzip file cut in the middle of its deflate stream: zlib reports the unexpected end.
  write_gz(dir / "full.gz", idx_images(50, 28, 28));
  std::ifstream in(dir / "full.gz", std::ios::binary);
  Bytes gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  gz.resize(gz.size() / 2);
  write_bytes(dir / "half.gz", gz);
  const std::string msg = error_of<IoError>([&] { read_idx_images(dir / "half.gz"); });
  EXPECT_EQ(msg.rfind((dir / "half.gz").string() + ": byte offset ", 0), 0u) << msg;
  EXPECT_NE(msg.find("unexpected end of file"), std::string::npos) << msg;
}

}  // namespace
}  // namespace rapidnn::datasets
