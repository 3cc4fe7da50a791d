#pragma once
// A unique temporary folder removed at the end of a test.
#include <unistd.h>

#include <filesystem>
#include <string>

namespace rapidnn::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& tag = "rapidnn") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (tag + "-XXXXXX")).string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace rapidnn::testing
