#include "atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace edge::node {
namespace fs = std::filesystem;

namespace {

Error io_error(const std::string& what, const fs::path& p) {
  return make_error(what + " " + p.string() + ": " + std::strerror(errno),
                    "check that the data dir is writable and the disk is not full");
}

Status fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open directory", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return io_error("cannot fsync directory", dir);
  return ok();
}

std::string temp_name(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  return ".tmp-" + path.filename().string() + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter.fetch_add(1));
}

}  // namespace

Status write_file_atomic(const fs::path& path, std::span<const uint8_t> data, int mode) {
  const fs::path dir = path.parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path tmp = dir / temp_name(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return io_error("cannot create", tmp);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto err = io_error("cannot write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return err;
    }
    done += static_cast<size_t>(n);
  }
  // fchmod: the umask must not widen or narrow what the caller asked for (the token is 0600).
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0 || ::fsync(fd) != 0) {
    auto err = io_error("cannot sync", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return err;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto err = io_error("cannot rename into", path);
    ::unlink(tmp.c_str());
    return err;
  }
  return fsync_dir(dir);
}

Status write_file_atomic(const fs::path& path, std::string_view data, int mode) {
  return write_file_atomic(path, std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()), mode);
}

Status remove_file_durable(const fs::path& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error("cannot remove", path);
  return fsync_dir(path.parent_path());
}

size_t remove_leftover_temp_files(const fs::path& dir) {
  size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (is_temp_file_name(entry.path().filename().string()) && fs::remove(entry.path(), ec)) ++removed;
  }
  return removed;
}

Result<std::string> read_whole_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("cannot read " + path.string() + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace edge::node
